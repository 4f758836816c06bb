"""Text normalisation: the one set of blank characters, and the normal forms of cell text, keys and names.

Supplier workbooks come from Excel and WPS in English and Chinese locales: text
carries no-break spaces, ideographic (full-width) spaces, zero-width spaces and
byte-order marks, full-width letters and digits. Every module that compares
user text uses these functions, so a blank is a blank everywhere.
"""
from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["BLANKS", "WHITESPACE", "strip", "norm_text", "norm_key", "norm_name"]

# Characters that look like nothing or like a space: no-break space, figure space, narrow no-break
# space, ideographic space, zero-width space, byte-order mark (zero-width no-break space).
BLANKS = "\u00a0\u2007\u202f\u3000\u200b\ufeff"
WHITESPACE = " \t\r\n" + BLANKS  # what makes a text cell empty and what is trimmed from text
_MEMO_LEN = 200  # [chars] only short texts are memoised: 8,192 x 200 chars bounds the caches' memory
_KEY_SEPARATORS = re.compile(r"[\s_\-" + BLANKS + "]+")


def strip(s: str) -> str:
    """``s`` without leading and trailing :data:`WHITESPACE`."""
    return s.strip(WHITESPACE)


def _norm_text_raw(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).strip(WHITESPACE).lower().split())


_norm_text_memo = functools.lru_cache(maxsize=8192)(_norm_text_raw)  # pure; cell texts recur row after row


def norm_text(s: str) -> str:
    """Cell text for comparison: NFKC, trimmed of :data:`WHITESPACE`, lower case, runs of spaces as one."""
    return _norm_text_memo(s) if len(s) <= _MEMO_LEN else _norm_text_raw(s)


def _norm_key_raw(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower().strip(WHITESPACE).rstrip("*")
    return _KEY_SEPARATORS.sub("", s)


_norm_key_memo = functools.lru_cache(maxsize=8192)(_norm_key_raw)


def norm_key(s: str) -> str:
    """Header/enum key: NFKC, lower case, without spaces, ``_``, ``-`` and a trailing ``*``."""
    return _norm_key_memo(s) if len(s) <= _MEMO_LEN else _norm_key_raw(s)


def norm_name(s: object) -> str:
    """A material or dataset name for lookup: trimmed, runs of spaces as one space, case-folded."""
    return " ".join(str(s).strip(WHITESPACE).split()).casefold()

"""The command line: a thin shell that parses arguments, calls the API and prints.

One module per command group (:data:`GROUPS`), each with ``register(sub)`` adding its
sub-parsers and one handler function per command (``set_defaults(handler=...)``).
Kept import-light: a handler imports what it needs when it runs.

Exit codes (``exit_code`` of the :mod:`lca.errors` classes): 0 success; 2 invalid
input or request, including a file that cannot be read or written (message on stderr,
nothing written); 3 the project is locked by another writer and the wait timed out;
1 the project is damaged beyond automatic repair, or anything unexpected (a bug).
"""
from __future__ import annotations

import argparse
import sys
import traceback

from ..errors import InputError, IntegrityError, LcaError, LockTimeout
from . import analysis, background, core, declare, design, exports, over_time, server, supply
from .common import parse_settings, parse_target, parse_target_amount, parse_value

__all__ = ["main", "run", "parse_value", "parse_settings", "parse_target", "parse_target_amount", "GROUPS"]

BUG_URL = "https://github.com/green-lca/green-lca/issues"

# the command groups, in the order `lca --help` lists them
GROUPS = [core, supply, analysis, declare, design, server, background, exports, over_time]


def parser() -> argparse.ArgumentParser:
    """The ``lca`` argument parser, every group's commands registered."""
    p = argparse.ArgumentParser(prog="lca", description="Carbon footprints of green-industry products "
                                "and their supply chains (Brightway 2.5).")
    p.add_argument("--project", metavar="DIR", help="project directory (default: $LCA_PROJECT, "
                   "else the per-user data directory shown by `lca info`)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for group in GROUPS:
        group.register(sub)
    return p


def run(argv: list[str]) -> int:
    """Parse ``argv`` and run its command's handler; returns the exit code."""
    args = parser().parse_args(argv)
    return args.handler(args)


def _os_error_message(exc: OSError) -> str:
    """One line naming the file: ``cannot write/read PATH: REASON; choose a writable path``."""
    name = exc.filename if exc.filename is not None else "a file"
    if exc.filename2 is not None:
        name = f"{name} -> {exc.filename2}"
    reason = exc.strerror or str(exc)
    return f"cannot write/read {name}: {reason}; choose a writable path (or an existing file to read)"


def main(argv: list[str] | None = None) -> int:
    """The ``lca`` console script: run a command, print errors on stderr, return the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        code = run(argv)
    except LockTimeout as exc:
        print(f"lca: {exc}", file=sys.stderr)
        code = exc.exit_code
    except InputError as exc:
        print(f"lca: error: {exc}", file=sys.stderr)
        for issue in exc.issues[:200]:
            if str(issue) not in str(exc):
                print(f"  {issue}", file=sys.stderr)
        code = exc.exit_code
    except IntegrityError as exc:
        print(f"lca: project damaged: {exc}", file=sys.stderr)
        code = exc.exit_code
    except LcaError as exc:
        print(f"lca: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except OSError as exc:  # a path the user gave (--out, --excel, --plot, --pact...) cannot be used
        print(f"lca: error: {_os_error_message(exc)}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    except Exception:
        traceback.print_exc()
        print(f"lca: unexpected error (a bug); please report it with the trace above at {BUG_URL}",
              file=sys.stderr)
        code = 1
    sys.stdout.flush()
    return code

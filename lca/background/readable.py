"""Whether an ecoSpold2 release can be read as one: degenerate datasets named by file, and the release version settled.

bw2io's strategies assume well-formed datasets: one with a reference amount of 0 (or no
reference product) fails deep inside them with a ``KeyError`` naming nothing. Here:

- :func:`refuse_degenerate` checks the extracted datasets before any strategy runs (a
  reference product with a non-zero amount) and names each file at fault;
- :func:`apply_strategies` runs bw2io's strategies; if one still fails, each dataset is
  run through them on its own to find the files that make it fail, named with the error;
- :func:`settle_release`: the release version read from the files (``fileAttributes``), or
  given (``--release``); a version green-lca has no material mapping for, or none at all,
  is refused with the choices (``--release X.Y`` or ``--mapping FILE``) instead of a model
  failing later on ``ecoinvent-None-cutoff.csv``.
"""
from __future__ import annotations

import copy
from pathlib import Path

from ..errors import InputError, InputIssue

MAX_LISTED = 50


def _refuse(issues: list[InputIssue], where: Path, what: str) -> None:
    listing = "\n".join(f"  {i.file}: {i.message}" for i in issues[:MAX_LISTED])
    more = f"\n  (and {len(issues) - MAX_LISTED} more)" if len(issues) > MAX_LISTED else ""
    raise InputError(f"{len(issues)} {what} in {where}; nothing was written:\n{listing}{more}", issues)


def refuse_degenerate(data: list[dict], where: Path) -> None:
    """InputError naming every extracted dataset without a reference product of non-zero amount."""
    issues = []
    for ds in data:
        products = [e for e in ds.get("exchanges", ()) if e.get("type") == "production"]
        if any(e.get("amount") for e in products):
            continue
        if products:
            shown = ", ".join(f"{e.get('name')!r} amount {e.get('amount')!r} {e.get('unit') or ''}".rstrip()
                              for e in products[:3])
            msg = (f"dataset {ds.get('name')!r} ({ds.get('location')}): its reference product {shown} has a "
                   "reference amount of 0 (it makes nothing); correct the amount or leave the file out")
        else:
            msg = (f"dataset {ds.get('name')!r} ({ds.get('location')}) has no reference product (an "
                   "intermediate exchange with outputGroup 0); add it or leave the file out")
        issues.append(InputIssue(None, None, None, "bad_production", msg, file=str(ds.get("filename"))))
    if issues:
        _refuse(issues, where, "degenerate dataset(s)")


def apply_strategies(imp, where: Path) -> None:
    """bw2io's strategies over ``imp.data``; a failure is an InputError naming the files that cause it."""
    original = copy.deepcopy(imp.data)
    try:
        imp.apply_strategies(verbose=False)
        return
    except Exception as exc:  # bw2io raises KeyError, IndexError, ... naming no dataset
        first = exc
    issues = []
    for ds in original:  # each dataset on its own: a strategy that needs the others only links less
        one = type(imp).__new__(type(imp))
        one.__dict__.update(imp.__dict__)
        one.data = [copy.deepcopy(ds)]
        try:
            one.apply_strategies(verbose=False)
        except Exception as exc:
            issues.append(InputIssue(None, None, None, "unreadable_dataset",
                                     f"dataset {ds.get('name')!r} ({ds.get('location')}) cannot be read by bw2io's "
                                     f"ecoSpold2 strategies: {type(exc).__name__}: {exc}; correct or leave out "
                                     "the file", file=str(ds.get("filename"))))
    if not issues:
        issues.append(InputIssue(None, None, None, "unreadable_dataset",
                                 f"bw2io's ecoSpold2 strategies failed on the release as a whole "
                                 f"({type(first).__name__}: {first}) but on no dataset alone", file=str(where)))
    imp.data = original
    _refuse(issues, where, "unreadable dataset(s)")


def settle_release(detected: str | None, given: str | None, mapping, system_model: str | None,
                   where: Path) -> str | None:
    """The release version to record: ``given`` (``--release``) else ``detected``; InputError if there is
    none or green-lca has no mapping for it, unless a ``mapping`` file is given."""
    from .mapping import mapping_file, mappings_dir

    release = str(given).strip() if given else detected
    if mapping is not None:
        return release
    shipped = sorted(p.name for p in mappings_dir().glob("ecoinvent-*.csv"))
    versions = sorted({n[len("ecoinvent-"):].rsplit("-", 1)[0] for n in shipped})
    if not release:
        raise InputError(f"the release version of {where} could not be read (fileAttributes majorRelease/"
                         f"minorRelease of its datasets); give it: --release X.Y (green-lca has material "
                         f"mappings for {', '.join(versions)}), or a mapping of your own: --mapping FILE.csv",
                         [InputIssue(None, None, None, "unknown_release", "release version not found",
                                     file=str(where))])
    if not mapping_file(release, system_model).exists():
        raise InputError(f"{where} is release {release} ({system_model or 'cutoff'}), for which green-lca has no "
                         f"material mapping ({mapping_file(release, system_model).name}; shipped: "
                         f"{', '.join(shipped)}); give the release it is (--release X.Y) or a mapping of your own "
                         "(--mapping FILE.csv, see inventories/mappings/README.md)",
                         [InputIssue(None, None, None, "unknown_release", f"no mapping for release {release}",
                                     file=str(where))])
    return release

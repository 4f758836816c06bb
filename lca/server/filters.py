"""ListFootprints criteria of PACT v3: parse the query, match a footprint.

Criteria ``productId``, ``companyId``, ``geography``, ``classification`` and
``status`` take one or more values (OR within a criterion, case-insensitive);
``validOn``, ``validAfter``, ``validBefore`` take one UTC date-time each; a
footprint must match every criterion given (AND across). Parameter names are
matched case-insensitively (the Tech Spec's own example writes ``productid``);
host-specific ``x-...`` parameters are ignored; anything else is a bad request.

``geography`` matches by containment (:mod:`lca.server.geography`): ``CN``
finds footprints declared for ``CN-GD``, ``Asia`` those for ``CN``.

Validity period (Tech Spec v3): ``validityPeriodStart``/``End`` when given, else
from ``pcf.referencePeriodEnd`` to three years after it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import QueryError
from .geography import containing

LIST_CRITERIA = ("productId", "companyId", "geography", "classification", "status")
DATE_CRITERIA = ("validOn", "validAfter", "validBefore")
PAGING = ("limit", "offset", "cursor")
MAX_VALUES = 100  # values per criterion
MAX_VALUE_LEN = 512  # [characters] per value
MAX_LIMIT = 1000  # footprints per page
DEFAULT_LIMIT = 100  # footprints per page when the request gives no limit
_NAMES = {n.lower(): n for n in LIST_CRITERIA + DATE_CRITERIA + PAGING}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)


def parse_datetime(text: str, what: str) -> datetime:
    """An ISO 8601 date-time as an aware UTC datetime; naive values are read as UTC."""
    text = str(text).strip().replace(" ", "+")  # '+' of an offset arrives decoded as a space
    if not _DATE.match(text):
        raise QueryError(f"{what}: {text[:40]!r} is not an ISO 8601 date-time (e.g. 2025-01-01T00:00:00Z)")
    frac = re.search(r"\.(\d+)", text)
    if frac and len(frac.group(1)) > 6:  # Python parses at most microseconds
        text = text.replace(frac.group(0), "." + frac.group(1)[:6])
    try:
        value = datetime.fromisoformat(text.upper())
    except ValueError:
        raise QueryError(f"{what}: {text[:40]!r} is not a valid date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise QueryError(f"{what}: {text[:40]!r} is out of the representable range (years 1-9999 UTC)") from None


def _plus_years(d: datetime, years: int) -> datetime:
    if d.year + years > 9999:  # beyond datetime's range: valid for as long as can be told
        return datetime.max.replace(tzinfo=timezone.utc)
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True)
class Keys:
    """The values of one footprint that criteria match against (lower-cased)."""

    product_ids: frozenset
    company_ids: frozenset
    geography: frozenset  # the declared geography and every place containing it
    classifications: frozenset
    status: str
    valid_from: datetime
    valid_to: datetime

    @classmethod
    def of(cls, doc: dict) -> "Keys":
        pcf = doc.get("pcf") or {}
        low = lambda xs: frozenset(str(x).lower() for x in (xs or []))  # noqa: E731
        geo = [pcf[k] for k in ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")
               if pcf.get(k)]
        if doc.get("validityPeriodStart") and doc.get("validityPeriodEnd"):
            start = parse_datetime(doc["validityPeriodStart"], "validityPeriodStart")
            end = parse_datetime(doc["validityPeriodEnd"], "validityPeriodEnd")
        else:
            start = parse_datetime(pcf["referencePeriodEnd"], "pcf.referencePeriodEnd")
            end = _plus_years(start, 3)
        within = frozenset().union(*(containing(g) for g in geo))  # the places it lies within (geography.py)
        return cls(low(doc.get("productIds")), low(doc.get("companyIds")), within,
                   low(doc.get("productClassifications")), str(doc.get("status", "")).lower(), start, end)


@dataclass
class Query:
    """Parsed ListFootprints (or RequestCreated) criteria; empty means everything."""

    values: dict = field(default_factory=dict)  # criterion -> frozenset of lower-cased values
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    limit: int | None = None
    offset: int = 0
    cursor: str | None = None  # where the previous page ended (lca.server.index.decode_cursor)

    def matches(self, k: Keys) -> bool:
        v = self.values
        if "productId" in v and v["productId"].isdisjoint(k.product_ids):
            return False
        if "companyId" in v and v["companyId"].isdisjoint(k.company_ids):
            return False
        if "geography" in v and v["geography"].isdisjoint(k.geography):
            return False
        if "classification" in v and v["classification"].isdisjoint(k.classifications):
            return False
        if "status" in v and k.status not in v["status"]:
            return False
        if self.valid_on is not None and not (k.valid_from <= self.valid_on <= k.valid_to):
            return False
        if self.valid_after is not None and not (k.valid_from > self.valid_after):
            return False
        if self.valid_before is not None and not (k.valid_to < self.valid_before):
            return False
        return True

    def canonical_items(self, originals: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The filter parameters of the original query (for pagination links), without paging."""
        return [(k, v) for k, v in originals if _NAMES.get(k.lower()) not in PAGING and k.lower() in _NAMES]


def _add_values(q: Query, name: str, values: list[str]) -> None:
    vals = [v.strip() for v in values if v.strip()]
    if len(vals) > MAX_VALUES:
        raise QueryError(f"{name}: at most {MAX_VALUES} values")
    for v in vals:
        if len(v) > MAX_VALUE_LEN:
            raise QueryError(f"{name}: a value longer than {MAX_VALUE_LEN} characters")
    if vals:
        q.values[name] = q.values.get(name, frozenset()) | frozenset(v.lower() for v in vals)


def parse_query(items: list[tuple[str, str]]) -> Query:
    """A :class:`Query` from the query string's ``(name, value)`` pairs; :class:`QueryError` if refused."""
    q = Query()
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        canon = _NAMES.get(key.lower())
        if canon is None:
            if key.lower().startswith("x-"):
                continue  # a host-specific extension we do not offer: ignored, as the spec allows
            raise QueryError(f"unknown query parameter {key[:40]!r}; ListFootprints takes "
                             f"{', '.join(LIST_CRITERIA + DATE_CRITERIA)} and limit")
        grouped.setdefault(canon, []).append(value)
    for name, values in grouped.items():
        if name in LIST_CRITERIA:
            _add_values(q, name, values)
            continue
        values = [v for v in values if v.strip()]
        if not values:
            continue
        if len(values) > 1:
            raise QueryError(f"{name} takes one value (got {len(values)})")
        if name in DATE_CRITERIA:
            setattr(q, {"validOn": "valid_on", "validAfter": "valid_after", "validBefore": "valid_before"}[name],
                    parse_datetime(values[0], name))
        elif name == "cursor":
            if len(values[0]) > 512:
                raise QueryError("cursor: not a paging cursor of this host; follow the Link header")
            q.cursor = values[0].strip()
        else:
            try:
                n = int(values[0])
            except ValueError:
                raise QueryError(f"{name}: {values[0][:20]!r} is not an integer") from None
            if name == "limit":
                if not 1 <= n <= MAX_LIMIT:
                    raise QueryError(f"limit must be between 1 and {MAX_LIMIT} (got {n})")
                q.limit = n
            else:
                if n < 0:
                    raise QueryError(f"offset must be >= 0 (got {n})")
                q.offset = n
    return q


def query_from_event(data: dict) -> Query:
    """The criteria of a RequestCreated event's ``data`` (same logic as ListFootprints)."""
    q = Query()
    for name in LIST_CRITERIA:
        if name in data:
            vals = data[name]
            if isinstance(vals, str):
                vals = [vals]
            if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
                raise QueryError(f"data.{name} must be a list of strings")
            _add_values(q, name, vals)
    for name, attr in (("validOn", "valid_on"), ("validAfter", "valid_after"), ("validBefore", "valid_before")):
        if data.get(name) is not None:
            if not isinstance(data[name], str):
                raise QueryError(f"data.{name} must be a date-time string")
            setattr(q, attr, parse_datetime(data[name], f"data.{name}"))
    return q

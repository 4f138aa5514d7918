"""``yuqing indicators import``: a street's monthly enterprise exports (CSV/XLSX, Chinese headers).

One row is one enterprise in one month: its unified social credit code (统一社会信用代码) or name,
street, period (月份) and any of 参保人数, 社保实缴/欠缴, 用电量, 用水量, 12345 工单, 劳动监察案件.
Which header feeds which field is the setting ``enterprise.columns``. The files are hostile input:
they are read with :mod:`yuqing.importer`'s readers and limits (line length, cell size, encoding,
XLSX bombs); a bad row is reported as ``FILE line N: field 'x' …`` and skipped, the rest imported.

A row's record id is ``<enterprise>|<month>``, so importing a file again adds nothing twice; a row
with other values than the stored one replaces it (a street's corrected export) and is counted as
updated. A code seen under a new name is a renamed enterprise: the new name becomes current and
the old one stays in ``names`` (posts may still use it).

An import that added or changed rows leaves its time in the store's state :data:`IMPORTED_STATE`,
which the service's scoring job (:mod:`enterprise.schedule`) reads to score again after it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

from enterprise.fields import FIELDS, NUMERIC, TEXT
from enterprise.records import Enterprise, IndicatorMonth
from enterprise.settings import DEFAULT_COLUMNS
from yuqing.errors import InputError, RecordError
from yuqing.importer import (SURROGATE, FileRefused, ImportLimits, csv_rows, xlsx_rows, detect_format)
from yuqing.records import now
from yuqing.storage.base import Store

_MISSING = {"", "-", "—", "/", "无", "null", "none", "n/a", "na"}
_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: the store's state key where the last import that changed something leaves its time
IMPORTED_STATE = "enterprise.imported"
_PERIOD = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?|(\d{2}))(?:[ T].*)?$")


def code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015 checksum)."""
    total = sum(_CODE_CHARS.index(c) * w for c, w in zip(first17, _CODE_WEIGHTS))
    return _CODE_CHARS[(31 - total % 31) % 31]


def check_code(code: str) -> Optional[str]:
    """Why ``code`` is not a valid 统一社会信用代码, or ``None``."""
    if not _CODE.match(code):
        return "is not an 18-character unified social credit code (digits and capitals, no I/O/Z/S/V)"
    if code_check_char(code[:17]) != code[17]:
        return f"fails the check character (the 18th should be {code_check_char(code[:17])}); check for a typo"
    return None


def parse_period(value: Any) -> str:
    """``YYYY-MM`` from ``2026-01``, ``2026/1``, ``2026年1月``, ``202601``, a date or a datetime."""
    if isinstance(value, (date, datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value))
    text = str(value or "").strip()
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"is not a month I can read ({text[:40]!r}); use 2026-01 or 2026年1月")
    year, month = int(match.group(1)), int(match.group(2) or match.group(3))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(f"is not a real month ({text[:40]!r})")
    return f"{year:04d}-{month:02d}"


def parse_number(value: Any) -> Optional[float]:
    """A non-negative number from a cell (``1,234``, ``12.5``, ``1.2万``); blank or ``-`` is ``None``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        if text.lower() in _MISSING:
            return None
        factor = 1.0
        if text.endswith("万"):
            text, factor = text[:-1], 10000.0
        try:
            number = float(text) * factor
        except ValueError:
            raise ValueError(f"is not a number ({text[:40]!r})") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("is not a finite number")
    if number < 0:
        raise ValueError(f"is negative ({number:g}); indicators are counts and amounts")
    return number


class IndicatorMapper:
    """One raw row (header → value) into ``(enterprise fields, IndicatorMonth)``, naming the bad field."""

    def __init__(self, columns: Mapping[str, list[str]], limits: ImportLimits = ImportLimits()) -> None:
        merged = {**DEFAULT_COLUMNS, **columns}
        self.columns = {field: [h.strip() for h in headers] for field, headers in merged.items()}
        self.limits = limits

    def pick(self, row: Mapping[str, Any], field: str) -> Any:
        for header in self.columns.get(field, [field]):
            value = row.get(header)
            if value not in (None, ""):
                return value
        return None

    def text(self, row: Mapping[str, Any], field: str, where: str) -> Optional[str]:
        value = self.pick(row, field)
        if value is None:
            return None
        text = " ".join(str(value).split())
        if len(text) > self.limits.max_field_chars:
            raise RecordError(f"{where}: field '{field}' is {len(text):,} characters long, over the limit of "
                              f"{self.limits.max_field_chars:,}")
        if SURROGATE.search(text):
            raise RecordError(f"{where}: field '{field}' contains a lone surrogate (half of an emoji), which is "
                              f"not valid Unicode and cannot be stored; fix the export")
        return text or None

    def row(self, row: Mapping[str, Any], where: str, source_file: str) -> tuple[dict[str, Any], IndicatorMonth]:
        values = {field: self.text(row, field, where) for field in TEXT}
        code, name = values["code"], values["name"]
        if code:
            code = code.upper()
            problem = check_code(code)
            if problem:
                raise RecordError(f"{where}: field 'code' {code[:40]!r} {problem}")
        if not code and not name:
            raise RecordError(f"{where}: the row has neither a code nor a name (columns tried: "
                              f"{', '.join(self.columns['code'] + self.columns['name'])})")
        if self.pick(row, "period") is None:
            raise RecordError(f"{where}: field 'period' is empty (columns tried: {', '.join(self.columns['period'])})")
        try:
            period = parse_period(self.pick(row, "period"))
        except ValueError as exc:
            raise RecordError(f"{where}: field 'period' {exc}") from None
        numbers: dict[str, Optional[float]] = {}
        for field in NUMERIC:
            try:
                numbers[field] = parse_number(self.pick(row, field))
            except ValueError as exc:
                raise RecordError(f"{where}: field '{field}' {exc}") from None
        enterprise_id = code or f"name:{name}"
        aliases = [a for a in re.split(r"[;；,，、/|]", values["aliases"] or "") if a.strip()]
        info = {"id": enterprise_id, "code": code, "name": name, "street": values["street"], "period": period,
                "industry": values["industry"], "address": values["address"],
                "aliases": [a.strip() for a in aliases]}
        month = IndicatorMonth(id=f"{enterprise_id}|{period}", enterprise=enterprise_id, period=period,
                               street=values["street"], source_file=source_file, **numbers)
        return info, month


@dataclass
class IndicatorSummary:
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: int = 0
    enterprises: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"imported": self.imported, "updated": self.updated, "duplicates": self.duplicates,
                "errors": self.errors, "enterprises": self.enterprises}


def iter_rows(path: Path, fmt: str, limits: ImportLimits, report: Callable[[str], None]
              ) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, row)`` of a CSV or XLSX file through the importer's hostile-input readers."""
    if fmt not in ("csv", "xlsx"):
        raise InputError(f"{path}: indicator files are CSV or XLSX, not {fmt}")
    rows = csv_rows(path, limits, report) if fmt == "csv" else xlsx_rows(path, limits)
    try:
        yield from rows
    except FileRefused as exc:
        report(str(exc))


def _same(a: IndicatorMonth, b: IndicatorMonth) -> bool:
    skip = {"source_file"}
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


class _Enterprises:
    """What a file says about each enterprise, merged into the stored records at the end."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, Any]] = {}

    def add(self, info: dict[str, Any]) -> None:
        got = self.seen.setdefault(info["id"], {"id": info["id"], "code": info["code"], "names": {},
                                                "aliases": [], "street": None, "street_period": "",
                                                "industry": None, "address": None})
        if info["name"]:
            got["names"][info["name"]] = max(got["names"].get(info["name"], ""), info["period"])
        for alias in info["aliases"]:
            if alias not in got["aliases"]:
                got["aliases"].append(alias)
        if info["street"] and info["period"] >= got["street_period"]:
            got["street"], got["street_period"] = info["street"], info["period"]
        for key in ("industry", "address"):
            got[key] = info[key] or got[key]

    def save(self, store: Store) -> int:
        ids = list(self.seen)
        stored = {}
        for start in range(0, len(ids), 500):
            for record in store.find_records("enterprises", {"id": ids[start:start + 500]}):
                stored[record.id] = record
        out = []
        for enterprise_id, got in self.seen.items():
            old = stored.get(enterprise_id)
            # name periods: the name of the latest month is current (a renamed enterprise keeps the old one)
            periods = dict(getattr(old, "name_periods", None) or {}) if old else {}
            for name, period in got["names"].items():
                periods[name] = max(periods.get(name, ""), period)
            if old and not periods:
                periods = {old.name: ""}
            ordered = sorted(periods, key=lambda n: periods[n], reverse=True)
            aliases = list(old.aliases) if old else []
            aliases += [a for a in got["aliases"] if a not in aliases]
            record = Enterprise(
                id=enterprise_id, code=got["code"], name=ordered[0] if ordered else enterprise_id,
                names=ordered, aliases=aliases,
                street=got["street"] or (old.street if old else None),
                industry=got["industry"] or (old.industry if old else None),
                address=got["address"] or (old.address if old else None), name_periods=periods,
                updated_at=now())
            if old is None or old.model_dump(exclude={"updated_at"}) != record.model_dump(exclude={"updated_at"}):
                out.append(record)
        for start in range(0, len(out), 1000):
            store.put_records("enterprises", out[start:start + 1000])
        return len(self.seen)


def import_indicators(store: Store, path: Path, *, columns: Mapping[str, list[str]], fmt: Optional[str] = None,
                      batch_size: int = 2000, report: Callable[[str], None] = print,
                      limits: ImportLimits = ImportLimits()) -> IndicatorSummary:
    """Import one indicator file; returns counts. Each batch is written before the next is read."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    fmt = detect_format(path, fmt)
    mapper = IndicatorMapper(columns, limits)
    summary = IndicatorSummary()
    enterprises = _Enterprises()
    first_seen: dict[str, tuple[str, IndicatorMonth]] = {}
    batch: list[IndicatorMonth] = []

    def count_error(message: str) -> None:
        summary.errors += 1
        report(message)

    def flush() -> None:
        ids = [m.id for m in batch]
        stored = {r.id: r for r in store.find_records("enterprise_indicators", {"id": ids})}
        fresh = []
        for month in batch:
            old = stored.get(month.id)
            if old is None:
                summary.imported += 1
            elif _same(old, month):
                summary.duplicates += 1
                continue
            else:
                summary.updated += 1
            fresh.append(month)
        if fresh:
            store.put_records("enterprise_indicators", fresh)
        batch.clear()

    for where, row in iter_rows(path, fmt, limits, count_error):
        try:
            info, month = mapper.row(row, where, path.name)
        except RecordError as exc:
            count_error(str(exc))
            continue
        except Exception as exc:  # a value no check foresaw: that row only, never a traceback
            count_error(f"{where}: could not be read ({type(exc).__name__}); the row was skipped")
            continue
        earlier = first_seen.get(month.id)
        if earlier is not None:
            if _same(earlier[1], month):
                summary.duplicates += 1
            else:
                count_error(f"{where}: enterprise {month.enterprise} month {month.period} was already given at "
                            f"{earlier[0]} with other values; this row was skipped")
            continue
        first_seen[month.id] = (where, month)
        enterprises.add(info)
        batch.append(month)
        if len(batch) >= min(batch_size, 500):
            flush()
    if batch:
        flush()
    summary.enterprises = enterprises.save(store)
    if summary.imported or summary.updated:
        store.set_state(IMPORTED_STATE, {"at": now().isoformat(), "file": path.name,
                                         "rows": summary.imported + summary.updated})
    return summary

"""``yuqing import``: JSONL, CSV and XLSX documents into the store.

12345-hotline exports and shared rescue sheets arrive as spreadsheets with Chinese headers; the
column mapping (``import.columns``) says which header feeds which contract field. Every row is
validated on its own: a bad row is reported with its line (or sheet row) and field and skipped, the
rest is imported. Ids are stable (the row's own id, else a hash of source and content), and every
batch is one transaction, so importing the same file twice, or again after the process was killed
half-way, adds nothing twice and loses nothing.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

from yuqing.errors import InputError, RecordError
from yuqing.records import DEFAULT_TZ, Document, now, parse_record, stable_id
from yuqing.storage.base import Store

FORMATS = ("jsonl", "csv", "xlsx")

_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?)?$"),
     "ymd"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?$"), "compact"),
]


@dataclass
class ImportSummary:
    imported: int = 0
    duplicates: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"imported": self.imported, "duplicates": self.duplicates, "errors": self.errors}


def parse_time(value: Any) -> datetime:
    """A time from an export: ISO 8601, ``2023-09-01 20:15``, ``2023/9/1``, ``2023年9月1日 20:15``,
    ``20230901201500``, an Excel date, or a Unix timestamp. Times without an offset are Asia/Shanghai.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=DEFAULT_TZ)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=DEFAULT_TZ)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, DEFAULT_TZ)
    text = str(value or "").strip()
    if not text:
        raise ValueError("is empty")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=DEFAULT_TZ)
    except ValueError:
        pass
    for pattern, _ in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = [int(p) if p else 0 for p in match.groups()]
            return datetime(*parts[:6], tzinfo=DEFAULT_TZ)
    if text.isdigit():
        return parse_time(int(text))
    raise ValueError(f"is not a time I can read ({text[:40]!r}); use ISO 8601 such as 2023-09-01T20:15:00+08:00")


def detect_format(path: Path, explicit: Optional[str] = None) -> str:
    if explicit:
        return explicit
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "json", "ndjson"):
        return "jsonl"
    if suffix in ("csv", "tsv", "txt"):
        return "csv"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    raise InputError(f"{path}: unknown file type {path.suffix or '(none)'}; use .jsonl, .csv or .xlsx, "
                     f"or say which with --input-format")


class RowMapper:
    """Turns one raw row (header → value) into a contract document, naming the bad field."""

    def __init__(self, columns: Mapping[str, list[str]], source: str, source_type: str) -> None:
        self.columns = {field: [c.strip() for c in names] for field, names in columns.items()}
        self.source = source
        self.source_type = source_type

    def pick(self, row: Mapping[str, Any], field: str) -> Any:
        for header in self.columns.get(field, [field]):
            value = row.get(header)
            if value not in (None, ""):
                return value
        return row.get(field)

    def document(self, row: Mapping[str, Any], where: str) -> Document:
        data: dict[str, Any] = {}
        for field in ("title", "author", "place", "url", "thread_id"):
            value = self.pick(row, field)
            if value not in (None, ""):
                data[field] = str(value).strip()
        text = self.pick(row, "text")
        if text in (None, "") or not str(text).strip():
            raise RecordError(f"{where}: field 'text' is empty (columns tried: "
                              f"{', '.join(self.columns.get('text', ['text']))})")
        data["text"] = str(text).strip()
        raw_time = self.pick(row, "published_at")
        try:
            data["published_at"] = parse_time(raw_time)
        except ValueError as exc:
            raise RecordError(f"{where}: field 'published_at' {exc}") from None
        data["source"] = str(row.get("source") or self.source)
        data["source_type"] = str(row.get("source_type") or self.source_type)
        native = self.pick(row, "id")
        if native not in (None, ""):
            data["id"] = stable_id(data["source"], str(native).strip())
        else:  # content-based, so the same row imported again gets the same id
            data["id"] = stable_id(data["source"], data["published_at"].isoformat(), data["text"])
        data["collected_at"] = now()
        return parse_record(Document, data, where=where)


def _csv_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InputError(f"{path}: neither UTF-8 nor GB18030")
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    if not reader.fieldnames:
        raise InputError(f"{path}: the first line should be the column headers")
    for row in reader:
        yield f"{path.name} line {reader.line_num}", {(k or "").strip(): v for k, v in row.items()}


def _xlsx_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputError(f"{path}: not a readable XLSX workbook ({exc})") from None
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            headers = next(rows, None)
            if not headers:
                continue
            names = [str(h).strip() if h is not None else "" for h in headers]
            for number, values in enumerate(rows, start=2):
                if values is None or all(v in (None, "") for v in values):
                    continue
                yield f"{path.name} sheet {sheet.title} row {number}", dict(zip(names, values))
    finally:
        book.close()


def iter_documents(path: Path, fmt: str, mapper: RowMapper,
                   report: Callable[[str], None]) -> Iterator[Document]:
    """Valid documents of the file, in order; bad rows go to ``report`` and are skipped."""
    if fmt == "jsonl":
        with open(path, encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path.name} line {number}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    report(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
                    continue
                if not isinstance(data, dict):
                    report(f"{where}: expected a JSON object")
                    continue
                data.setdefault("source", mapper.source)
                data.setdefault("source_type", mapper.source_type)
                data.setdefault("collected_at", now().isoformat())
                try:
                    yield parse_record(Document, data, where=where)
                except RecordError as exc:
                    report(str(exc))
        return
    rows = _csv_rows(path) if fmt == "csv" else _xlsx_rows(path)
    for where, row in rows:
        try:
            yield mapper.document(row, where)
        except RecordError as exc:
            report(str(exc))


def import_file(store: Store, path: Path, *, mapper: RowMapper, fmt: Optional[str] = None,
                batch_size: int = 2000, report: Callable[[str], None] = print,
                progress: Optional[Callable[[int], None]] = None) -> ImportSummary:
    """Import one file; returns counts. Each batch is committed before the next is read."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    fmt = detect_format(path, fmt)
    summary = ImportSummary()

    def count_error(message: str) -> None:
        summary.errors += 1
        report(message)

    batch: list[Document] = []
    seen_in_file: set[str] = set()

    def flush() -> None:
        result = store.put_documents(batch)
        summary.imported += result.inserted
        summary.duplicates += result.duplicates
        if progress:
            progress(len(batch))
        batch.clear()

    for doc in iter_documents(path, fmt, mapper, count_error):
        if doc.id in seen_in_file:  # the same row twice in one file
            summary.duplicates += 1
            continue
        seen_in_file.add(doc.id)
        batch.append(doc)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return summary

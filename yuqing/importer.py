"""``yuqing import``: JSONL, CSV and XLSX documents into the store.

12345-hotline exports and shared rescue sheets arrive as spreadsheets with Chinese headers; the
column mapping (``import.columns``) says which header feeds which contract field. Every row is
validated on its own: a bad row is reported with its line (or sheet row) and field and skipped, the
rest is imported. Ids are stable (the row's own id, else a hash of source and content), and every
batch is one transaction, so importing the same file twice, or again after the process was killed
half-way, adds nothing twice and loses nothing.

Imported files are hostile input. Every limit below is a module constant (as in
:mod:`yuqing.app.web.app`); :func:`import_file` takes an :class:`ImportLimits` to override them. A row
that breaks one is reported as ``FILE line N: …`` (or ``sheet S row N``) and skipped; the other
rows are imported and the command exits 1.

* :data:`MAX_TEXT_CHARS` (1,000,000 characters, about 3 MB of Chinese in UTF-8): a document whose
  ``text`` is longer is rejected, not truncated (a cut complaint would be stored as if complete).
  The short fields (``id``, ``title``, ``author``, ``url``, ``place``, ``source``, ``thread_id``)
  are limited to :data:`MAX_FIELD_CHARS` (10,000 characters).
* :data:`MAX_LINE_BYTES` (8 MiB): a JSONL line or a CSV line longer than this is skipped without
  being held in memory (1,000,000 characters of ``\\uXXXX``-escaped text take 6 MB). A CSV cell is
  limited to ``MAX_TEXT_CHARS`` characters.
* Invalid UTF-8 costs only its line: JSONL and CSV are read as bytes and decoded line by line; the
  report names the line and the byte offset. A CSV file is UTF-8 unless most of its non-ASCII lines
  are not UTF-8, in which case it is read as GB18030 (12345-hotline exports).
* A lone surrogate (such as the JSON escape ``"\\ud800"``, half an emoji) cannot be stored (SQLite
  and JSON need valid Unicode): the row is rejected, naming the field. Nothing is replaced silently.
* JSON nested deeper than Python's parser allows is reported as such, not a crash.
* XLSX: before the workbook is opened, the archive's directory is checked: at most
  :data:`XLSX_MAX_UNCOMPRESSED` (200 MB) uncompressed in all, :data:`XLSX_MAX_SHARED_STRINGS`
  (50 MB) of shared strings (openpyxl keeps them in memory), at most :data:`XLSX_MAX_RATIO` (100:1)
  compression for any part larger than 1 MB, and at most :data:`XLSX_MAX_MEMBERS` parts. zipfile
  stops at the declared size, so the declared sizes cannot lie. A file that fails is refused as a
  whole, with one error naming it; the other files are still imported. Rows are read with
  ``read_only=True`` (streamed), so memory stays bounded.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping, Optional

from yuqing.errors import InputError, RecordError
from yuqing.records import DEFAULT_TZ, Document, now, parse_record, stable_id
from yuqing.storage.base import Store

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "xlsx")

MAX_TEXT_CHARS = 1_000_000
MAX_FIELD_CHARS = 10_000
MAX_LINE_BYTES = 8 * 1024 * 1024
XLSX_MAX_UNCOMPRESSED = 200 * 1000 * 1000
XLSX_MAX_SHARED_STRINGS = 50 * 1000 * 1000
XLSX_MAX_RATIO = 100
XLSX_MAX_MEMBERS = 10_000
_RATIO_CHECK_FROM = 1_000_000  # small parts compress well legitimately (styles, empty sheets)
_SHORT_FIELDS = ("id", "title", "author", "url", "place", "source", "thread_id")
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class ImportLimits:
    """The hostile-input limits (see the module docstring); the defaults are the module constants."""

    max_text_chars: int = MAX_TEXT_CHARS
    max_field_chars: int = MAX_FIELD_CHARS
    max_line_bytes: int = MAX_LINE_BYTES
    xlsx_max_uncompressed: int = XLSX_MAX_UNCOMPRESSED
    xlsx_max_shared_strings: int = XLSX_MAX_SHARED_STRINGS
    xlsx_max_ratio: float = XLSX_MAX_RATIO
    xlsx_max_members: int = XLSX_MAX_MEMBERS


class FileRefused(RecordError):
    """A whole file is refused (an XLSX archive over the limits); reported once, like a bad row."""

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
        try:
            return datetime.fromtimestamp(seconds, DEFAULT_TZ)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"is a timestamp out of range ({str(value)[:40]})") from None
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


def check_document(doc: Document, where: str, limits: ImportLimits) -> Document:
    """Reject what cannot be stored or is too big: lone surrogates anywhere, over-long fields."""
    if len(doc.text) > limits.max_text_chars:
        raise RecordError(f"{where}: field 'text' is {len(doc.text):,} characters long, over the limit of "
                          f"{limits.max_text_chars:,}; split the document or shorten the text")
    for name in _SHORT_FIELDS:
        value = getattr(doc, name, None)
        if isinstance(value, str) and len(value) > limits.max_field_chars:
            raise RecordError(f"{where}: field '{name}' is {len(value):,} characters long, over the limit "
                              f"of {limits.max_field_chars:,}")
    # every string the store will write, extra fields and keys included (iteratively: no recursion)
    stack: list[tuple[str, Any]] = [(key, value) for key, value in doc.model_dump().items()]
    while stack:
        field, value = stack.pop()
        if isinstance(value, str):
            strings = (value,)
        elif isinstance(value, dict):
            strings = tuple(k for k in value if isinstance(k, str))
            stack.extend((field, v) for v in value.values())
        elif isinstance(value, (list, tuple)):
            strings = ()
            stack.extend((field, v) for v in value)
        else:
            strings = ()
        for text in strings:
            if SURROGATE.search(text):
                raise RecordError(f"{where}: field '{field}' contains a lone surrogate (such as \\ud800, half "
                                  f"of an emoji), which is not valid Unicode and cannot be stored; "
                                  f"fix the export")
    return doc


def byte_lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, int, bytes, bool]]:
    """``(line number, byte offset, bytes, too_long)`` per physical line, holding at most ``limit``
    bytes: the rest of a longer line is read and dropped (its bytes are ``b""``, ``too_long`` true).
    """
    number, offset = 0, 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        start = offset
        offset += len(raw)
        if len(raw) > limit and not raw.endswith(b"\n"):
            quotes = raw.count(b'"')
            while True:
                rest = handle.readline(1024 * 1024)
                offset += len(rest)
                quotes += rest.count(b'"')
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, start, b'"' * (quotes % 2), True
            continue
        yield number, start, raw, False


def bad_utf8(where: str, raw: bytes, offset: int, exc: UnicodeDecodeError) -> str:
    return (f"{where}: invalid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}, byte offset "
            f"{offset + exc.start} in the file); the line was skipped")


def line_too_long(where: str, limits: ImportLimits) -> str:
    return (f"{where}: the line is longer than {limits.max_line_bytes:,} bytes and was skipped; "
            f"split the document or shorten its text")


def json_objects(handle: BinaryIO | Iterable[str], name: str, report: Callable[[str], None],
                 limits: ImportLimits = ImportLimits(), start_line: int = 1) -> Iterator[tuple[int, str, dict]]:
    """``(line number, "NAME line N", object)`` for each line of JSONL input that holds a JSON object.

    ``handle`` is a binary file, decoded line by line (a BOM is accepted) so that one line of invalid
    UTF-8 costs only that line, or any iterable of text lines. Blank lines are ignored; a line that is
    too long, not UTF-8, not JSON or not an object is reported as ``NAME line N: …`` and skipped.
    """
    for number, offset, line, too_long in _numbered_lines(handle, limits.max_line_bytes):
        first, number = number == 1, number + start_line - 1
        where = f"{name} line {number}"
        if too_long:
            report(line_too_long(where, limits))
            continue
        if isinstance(line, bytes):
            if first and line.startswith(b"\xef\xbb\xbf"):
                line, offset = line[3:], offset + 3
            if not line.strip():
                continue
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                report(bad_utf8(where, line, offset, exc))
                continue
        elif not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            report(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            report(f"{where}: not valid JSON (nested too deeply for the parser); the line was skipped")
            continue
        except ValueError as exc:  # e.g. an integer with more digits than Python converts
            report(f"{where}: not valid JSON ({exc})")
            continue
        if not isinstance(data, dict):
            report(f"{where}: expected a JSON object, found {type(data).__name__}")
            continue
        yield number, where, data


def _numbered_lines(handle, limit: int) -> Iterator[tuple[int, int, bytes | str, bool]]:
    """``(line number, byte offset, line, too_long)``; a binary handle is read at most ``limit``
    bytes at a time (see :func:`byte_lines`)."""
    if isinstance(handle, (io.BufferedIOBase, io.RawIOBase)):
        yield from byte_lines(handle, limit)
        return
    for number, line in enumerate(handle, start=1):  # text already in memory: its length is only checked
        yield number, 0, ("" if len(line) > limit else line), len(line) > limit


def _jsonl_documents(path: Path, mapper: RowMapper, report: Callable[[str], None],
                     limits: ImportLimits) -> Iterator[Document]:
    with open(path, "rb") as handle:
        for _, where, data in json_objects(handle, path.name, report, limits):
            data.setdefault("source", mapper.source)
            data.setdefault("source_type", mapper.source_type)
            data.setdefault("collected_at", now().isoformat())
            try:
                yield check_document(parse_record(Document, data, where=where), where, limits)
            except RecordError as exc:
                report(str(exc))
            except RecursionError:
                report(f"{where}: a field is nested too deeply")


def _csv_encoding(path: Path, limits: ImportLimits) -> str:
    """UTF-8 unless most non-ASCII lines are not UTF-8 (then GB18030): one bad line must not turn a
    UTF-8 file into GB18030 mojibake."""
    utf8 = other = 0
    with open(path, "rb") as handle:
        for number, _, raw, too_long in byte_lines(handle, limits.max_line_bytes):
            if too_long or raw.isascii():
                continue
            try:
                raw.decode("utf-8")
                utf8 += 1
            except UnicodeDecodeError:
                other += 1
    return "gb18030" if other > utf8 else "utf-8"


def csv_rows(path: Path, limits: ImportLimits, report: Callable[[str], None]
              ) -> Iterator[tuple[str, dict[str, Any]]]:
    encoding = _csv_encoding(path, limits)
    bad_lines: dict[int, str] = {}  # physical line → why it is bad

    def lines(handle: BinaryIO) -> Iterator[str]:
        for number, offset, raw, too_long in byte_lines(handle, limits.max_line_bytes):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw, offset = raw[3:], 3
            if too_long:  # keeps the quote parity, so the rows after it still parse
                bad_lines[number] = line_too_long(f"{path.name} line {number}", limits)
                yield raw.decode("ascii") + "\n"
                continue
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError as exc:
                what = "UTF-8" if encoding == "utf-8" else "GB18030"
                bad_lines[number] = bad_utf8(f"{path.name} line {number}", raw, offset, exc).replace(
                    "invalid UTF-8", f"invalid {what}").replace("the line was skipped", "the row was skipped")
                yield raw.decode(encoding, errors="replace")

    old_limit = csv.field_size_limit()
    csv.field_size_limit(limits.max_text_chars + 1)
    try:
        with open(path, "rb") as handle:
            dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
            reader = csv.reader(lines(handle), dialect=dialect)
            names: Optional[list[str]] = None
            last = 0
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    where = f"{path.name} line {reader.line_num}"
                    last = reader.line_num
                    if "field larger than field limit" in str(exc):
                        report(f"{where}: a cell is longer than {limits.max_text_chars:,} characters; "
                               f"the row was skipped")
                    else:
                        report(f"{where}: not a readable CSV row ({exc}); the row was skipped")
                    continue
                first, last = last + 1, reader.line_num
                bad = [bad_lines.pop(n) for n in range(first, last + 1) if n in bad_lines]
                if bad:
                    report(bad[0])
                    continue
                if not values:
                    continue
                if names is None:
                    names = [v.strip() for v in values]
                    continue
                row = {name: value for name, value in zip(names, values)}
                yield f"{path.name} line {first}", row
            if names is None:
                raise InputError(f"{path}: the first line should be the column headers")
    finally:
        csv.field_size_limit(old_limit)


def check_xlsx_archive(path: Path, limits: ImportLimits = ImportLimits()) -> None:
    """Refuse a zip bomb before openpyxl opens it, from the archive's directory alone."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({exc})") from None
    if len(infos) > limits.xlsx_max_members:
        raise FileRefused(f"{path}: refused, the workbook has {len(infos):,} parts (limit "
                          f"{limits.xlsx_max_members:,}); nothing was imported from it")
    total = sum(info.file_size for info in infos)
    if total > limits.xlsx_max_uncompressed:
        raise FileRefused(f"{path}: refused, the workbook would unpack to {total:,} bytes (limit "
                          f"{limits.xlsx_max_uncompressed:,}); split it into smaller files. Nothing was "
                          f"imported from it")
    for info in infos:
        if info.filename.lower().endswith("sharedstrings.xml") and info.file_size > limits.xlsx_max_shared_strings:
            raise FileRefused(f"{path}: refused, its shared strings unpack to {info.file_size:,} bytes (limit "
                              f"{limits.xlsx_max_shared_strings:,}); nothing was imported from it")
        if info.file_size >= _RATIO_CHECK_FROM:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.xlsx_max_ratio:
                raise FileRefused(f"{path}: refused, the part {info.filename} is compressed {ratio:,.0f}:1 "
                                  f"(limit {limits.xlsx_max_ratio:,.0f}:1), which looks like a zip bomb; "
                                  f"nothing was imported from it")


def xlsx_rows(path: Path, limits: ImportLimits) -> Iterator[tuple[str, dict[str, Any]]]:
    from openpyxl import load_workbook

    check_xlsx_archive(path, limits)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputError(f"{path}: not a readable XLSX workbook ({exc})") from None
    try:
        for sheet in book.worksheets:
            if hasattr(sheet, "reset_dimensions"):  # a lying <dimension> must not pad every row
                sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            headers = next(rows, None)
            if not headers:
                continue
            names = [str(h).strip() if h is not None else "" for h in headers]
            number = 1
            while True:
                try:
                    values = next(rows)
                except StopIteration:
                    break
                except Exception as exc:  # damaged XML or a part longer than declared (CRC error)
                    log.debug("%s: unreadable sheet", path, exc_info=True)
                    raise FileRefused(f"{path}: sheet {sheet.title} is damaged after row {number} "
                                      f"({type(exc).__name__}); the rows before it were imported") from None
                number += 1
                if values is None or all(v in (None, "") for v in values):
                    continue
                yield f"{path.name} sheet {sheet.title} row {number}", dict(zip(names, values))
    except FileRefused:
        raise
    except Exception as exc:  # the headers row itself
        raise FileRefused(f"{path}: a sheet is damaged ({type(exc).__name__}); nothing more was read from it") from None
    finally:
        book.close()


def iter_documents(path: Path, fmt: str, mapper: RowMapper,
                   report: Callable[[str], None], limits: ImportLimits = ImportLimits()) -> Iterator[Document]:
    """Valid documents of the file, in order; bad rows go to ``report`` and are skipped."""
    if fmt == "jsonl":
        yield from _jsonl_documents(path, mapper, report, limits)
        return
    rows = csv_rows(path, limits, report) if fmt == "csv" else xlsx_rows(path, limits)
    try:
        for where, row in rows:
            try:
                yield check_document(mapper.document(row, where), where, limits)
            except RecordError as exc:
                report(str(exc))
            except Exception as exc:  # a value no check foresaw: that row only, never a traceback
                log.debug("%s: unexpected error", where, exc_info=True)
                report(f"{where}: could not be read ({type(exc).__name__}); the row was skipped")
    except FileRefused as exc:
        report(str(exc))


def import_file(store: Store, path: Path, *, mapper: RowMapper, fmt: Optional[str] = None,
                batch_size: int = 2000, report: Callable[[str], None] = print,
                progress: Optional[Callable[[int], None]] = None,
                limits: ImportLimits = ImportLimits()) -> ImportSummary:
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

    for doc in iter_documents(path, fmt, mapper, count_error, limits):
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

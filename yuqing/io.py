"""Reading and writing contract records as JSONL, with errors that name file, line and field.

Crawled and imported text is hostile: it is only ever parsed as data (``json.loads``), never
evaluated, and written back with ``ensure_ascii=False`` so Chinese stays readable.

A hostile line costs only that line (the same rules and limits as ``yuqing import``, from
:mod:`yuqing.importer`): the file is read as bytes and decoded line by line, so invalid UTF-8 is
reported with its line and byte offset; a line over :data:`~yuqing.importer.MAX_LINE_BYTES`
(8 MiB) is skipped without being held in memory; nesting deeper than the JSON parser allows,
integers too long to convert, lines that are not objects and strings holding a lone surrogate
(``"\\ud800"``, which no output file can encode) are each reported as ``FILE line N: …`` and skipped.
Documents are also held to the importer's size limits (a ``text`` over 1,000,000 characters).
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Optional, TextIO, TypeVar, Union

from pydantic import BaseModel

from yuqing.errors import InputError, RecordError
from yuqing.importer import ImportLimits, check_document, json_objects
from yuqing.records import Document, parse_record

M = TypeVar("M", bound=BaseModel)


class ErrorReport:
    """Collects input errors: prints each to stderr as it happens and counts them.

    Personal data is never echoed: messages name the place (file, line, field), not the content.
    """

    def __init__(self, stream: Optional[TextIO] = None, limit: int = 200) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.count = 0
        self.limit = limit

    def __call__(self, message: str) -> None:
        self.count += 1
        if self.count <= self.limit:
            print(message, file=self.stream)
        elif self.count == self.limit + 1:
            print(f"(more errors follow; only the first {self.limit} are shown)", file=self.stream)

    @property
    def exit_code(self) -> int:
        return 1 if self.count else 0


@contextlib.contextmanager
def open_input(path: str) -> Iterator[IO[bytes]]:
    """``-`` is stdin; otherwise the file, opened as bytes for :func:`read_jsonl` to decode line by line
    (UTF-8, a BOM is accepted), so one undecodable line costs only that line."""
    if path == "-":
        yield getattr(sys.stdin, "buffer", sys.stdin)
        return
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    with handle:
        yield handle


@contextlib.contextmanager
def open_output(path: str) -> Iterator[IO[str]]:
    """``-`` is stdout; otherwise a UTF-8 file written atomically (renamed into place at the end)."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise InputError(f"{path}: the folder {target.parent} does not exist")
    if target.exists() and not target.is_file():
        # /dev/null, a FIFO, a terminal: written in place. Renaming a file over it would replace the
        # device itself (``--output /dev/null`` once turned the machine's /dev/null into a file)
        try:
            handle = open(target, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise InputError(f"{path}: cannot be written ({exc.strerror})") from None
        with handle:
            yield handle
        return
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        handle = open(tmp, "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({exc.strerror})") from None
    try:
        with handle:
            yield handle
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_jsonl(handle: Union[IO[bytes], Iterable[str]], model: type[M], *, name: str, report: ErrorReport,
               start_line: int = 1, limits: ImportLimits = ImportLimits()) -> Iterator[tuple[int, M]]:
    """Yield ``(line number, record)`` for each valid line; report and skip the others.

    ``handle`` is a binary file (as :func:`open_input` gives) or any iterable of text lines. Blank
    lines are ignored. A line that is too long, not UTF-8, not JSON, not an object, holds a lone
    surrogate or fails validation is reported as ``NAME line N: …`` naming the field.
    """
    for number, where, data in json_objects(handle, name, report, limits, start_line):
        record = _parse_object(data, model, where, report, limits)
        if record is not None:
            yield number, record


def _parse_object(data: dict[str, Any], model: type[M], where: str, report: ErrorReport,
                  limits: ImportLimits) -> Optional[M]:
    """One line's object as a record, or ``None`` after reporting why it is not one."""
    field = _surrogate_field(data)
    if field is not None:  # the field's own name may be the lone surrogate: shown as \ud800
        field = field.encode("utf-8", "backslashreplace").decode("utf-8")
        report(f"{where}: field '{field}' contains a lone surrogate (such as \\ud800, half of an emoji), which "
               f"is not valid Unicode and cannot be written out; the line was skipped")
        return None
    try:
        record = parse_record(model, data, where=where)
        if isinstance(record, Document):
            check_document(record, where, limits)
    except RecordError as exc:
        report(str(exc))
        return None
    except RecursionError:
        report(f"{where}: a field is nested too deeply; the line was skipped")
        return None
    return record


def _surrogate_field(data: dict[str, Any]) -> Optional[str]:
    """The top-level field whose value (or a key inside it) holds a lone surrogate, else ``None``.

    Iterative, so a value nested as deep as the parser allows cannot exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [(key, key) for key in data] + list(data.items())
    while stack:
        field, value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return field
        elif isinstance(value, dict):
            stack.extend((field, key) for key in value)
            stack.extend((field, item) for item in value.values())
        elif isinstance(value, list):
            stack.extend((field, item) for item in value)
    return None


def read_documents(path: str, report: ErrorReport) -> Iterator[Document]:
    """Documents from a JSONL file (or ``-``), bad lines reported with their numbers."""
    with open_input(path) as handle:
        for _, doc in read_jsonl(handle, Document, name=path if path != "-" else "stdin", report=report):
            yield doc


def write_jsonl(handle: IO[str], items: Iterable[BaseModel | dict]) -> int:
    """Write records or dicts one per line; returns how many."""
    count = 0
    for item in items:
        data = item.model_dump(mode="json") if isinstance(item, BaseModel) else item
        handle.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count

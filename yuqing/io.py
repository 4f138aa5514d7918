"""Reading and writing contract records as JSONL, with errors that name file, line and field.

Crawled and imported text is hostile: it is only ever parsed as data (``json.loads``), never
evaluated, and written back with ``ensure_ascii=False`` so Chinese stays readable.
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, TextIO, TypeVar

from pydantic import BaseModel

from yuqing.errors import InputError, RecordError
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
def open_input(path: str) -> Iterator[IO[str]]:
    """``-`` is stdin; otherwise a UTF-8 file (a BOM is accepted)."""
    if path == "-":
        yield sys.stdin
        return
    try:
        handle = open(path, "r", encoding="utf-8-sig", newline="")
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


def read_jsonl(handle: Iterable[str], model: type[M], *, name: str, report: ErrorReport,
               start_line: int = 1) -> Iterator[tuple[int, M]]:
    """Yield ``(line number, record)`` for each valid line; report and skip the others.

    Blank lines are ignored. A line that is not JSON, not an object or fails validation is reported
    as ``NAME line N: …`` naming the field.
    """
    for number, line in enumerate(handle, start=start_line):
        if not line.strip():
            continue
        where = f"{name} line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            report(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            report(f"{where}: expected a JSON object, found {type(data).__name__}")
            continue
        try:
            yield number, parse_record(model, data, where=where)
        except RecordError as exc:
            report(str(exc))


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

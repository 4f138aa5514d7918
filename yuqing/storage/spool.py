"""A durable local spool for documents accepted while Elasticsearch is unreachable.

Each accepted batch is appended as JSONL to ``spool-<pid>.jsonl`` and fsynced before the store
answers, so nothing accepted is lost if the process dies next. Draining claims a file by renaming it
(under an exclusive ``flock``, so an append in progress finishes first), sends its documents, and
deletes it only after the node acknowledged every one; a crash mid-drain re-sends the file, and the
``create`` op type turns what was already indexed into duplicates, so nothing is indexed twice.
"""
from __future__ import annotations

import fcntl
import os
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, Sequence

from yuqing import records as R


class DocumentSpool:
    """JSONL files of documents waiting for the node, under ``directory``."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def _own_file(self) -> Path:
        return self.directory / f"spool-{os.getpid()}.jsonl"

    def append(self, docs: Sequence[R.Document]) -> None:
        """Append ``docs`` durably (fsync of the file, and of the folder when the file is new)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        payload = "".join(doc.to_json() + "\n" for doc in docs).encode("utf-8")
        path = self._own_file()
        while True:
            created = not path.exists()
            with open(path, "ab") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:  # a drainer may have renamed the file while we waited for the lock
                    if not path.exists() or os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino:
                        continue
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            if created:
                _fsync_dir(self.directory)
            return

    def pending(self) -> int:
        """How many documents wait in the spool."""
        total = 0
        for path in self._files("*.jsonl"):
            try:
                with open(path, "rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except FileNotFoundError:
                continue
        return total

    def _files(self, pattern: str) -> list[Path]:
        if not self.directory.exists():
            return []
        return sorted(self.directory.glob(pattern))

    def _claim(self) -> None:
        """Rename every ``spool-*`` file to ``draining-*`` so appends go to a fresh file."""
        for path in self._files("spool-*.jsonl"):
            try:
                with open(path, "ab") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                    if path.exists() and os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                        # time first, so files drain in the order they were accepted
                        claimed = f"draining-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.jsonl"
                        os.rename(path, self.directory / claimed)
                    fcntl.flock(handle, fcntl.LOCK_UN)
            except FileNotFoundError:
                continue
        _fsync_dir(self.directory)

    def drain(self, send: Callable[[list[R.Document]], None], batch_size: int = 2000) -> int:
        """Send every spooled document with ``send`` (which raises if the node is down).

        Returns how many were sent. A file is removed only when all its documents were sent.
        """
        if not self.directory.exists():
            return 0
        self._claim()
        sent = 0
        for path in self._files("draining-*.jsonl"):
            try:
                handle = open(path, "rb")
            except FileNotFoundError:
                continue
            with handle:
                try:  # another process may be draining this one
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                if not path.exists():
                    continue
                for batch in _batches(handle, batch_size):
                    send(batch)
                    sent += len(batch)
                os.unlink(path)
        _fsync_dir(self.directory)
        return sent


def _batches(handle, size: int) -> Iterator[list[R.Document]]:
    batch = []
    for line in handle:
        if not line.strip():
            continue
        try:
            batch.append(R.Document.model_validate_json(line))
        except ValueError:
            continue  # a torn last line from a crash mid-append: its batch was never acknowledged
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

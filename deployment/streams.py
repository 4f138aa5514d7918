"""New documents to the analysers through a Redis Stream with one consumer group (工作分发).

The crawl role stores a batch, then ``XADD``s the ids the store reported as new
(:class:`PublishingStore`). Every ``analyze`` process is a consumer of the group ``analyze``: it
``XREADGROUP``s a batch, skips the ids that already have an analysis, analyses the rest, stores the
analyses and only then ``XACK``s (and ``XDEL``s, so the stream holds only work not yet done). An
entry whose consumer died stays pending; after ``deployment.claim_idle_seconds`` another consumer
takes it with ``XAUTOCLAIM``. Documents that reached the store without an announcement (``yuqing
import``, a crawler killed between its write and its ``XADD``) are put on the stream by the sweep
(:class:`SweepStage`), which one analyser runs at a time under the ``sweep`` lease when the stream
is idle. So no document is left unanalysed, and in the normal path none is analysed twice.

Why Streams and not Celery or RQ: the unit of work is one id and the result lives in the store, not
in a result backend; consumer groups already give at-least-once delivery, per-consumer pending
lists, re-claiming by idle time and a lag figure (``XINFO GROUPS``), which are exactly what the
analysers need, with the Redis the crawl frontier already uses and no broker process or task
serialisation to operate. A batch read is one round trip, so the model sees full batches.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from datetime import timedelta
from typing import Callable, Optional, Sequence

from yuqing.pipeline import Stage, StageReport
from yuqing.records import now

log = logging.getLogger(__name__)

GROUP = "analyze"
# extend the takes this consumer holds, and only those
_EXTEND_OWN = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 1
"""
# the same, answering which of them this consumer still holds (1) and which it lost (0)
_KEEP_OWN = """
local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]); held[i] = 1 else held[i] = 0 end
end
return held
"""
# release the takes this consumer holds, never another consumer's
_RELEASE_OWN = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1
"""


class DocumentStream:
    """The stream of new document ids and its consumer group, seen by one consumer."""

    def __init__(self, client, keys, consumer: str = "") -> None:
        self.client = client
        self.key = keys.stream
        self.consumer = consumer

    def ensure_group(self) -> None:
        """Create the group (idempotent); from id 0, so ids added before it existed are delivered."""
        import redis

        try:
            self.client.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def publish(self, doc_ids: Sequence[str]) -> int:
        if not doc_ids:
            return 0
        with self.client.pipeline(transaction=False) as pipe:
            for doc_id in doc_ids:
                pipe.xadd(self.key, {"id": doc_id})
            pipe.execute()
        return len(doc_ids)

    def read(self, count: int, block_ms: int) -> list[tuple[str, str]]:
        """Up to ``count`` entries never delivered before, as ``(entry id, document id)``."""
        answer = self.client.xreadgroup(GROUP, self.consumer, {self.key: ">"}, count=count, block=block_ms)
        return [(entry, fields.get("id", "")) for _, entries in answer or [] for entry, fields in entries]

    def claim(self, idle_seconds: float, count: int) -> list[tuple[str, str]]:
        """Entries pending for longer than ``idle_seconds`` at another consumer, taken over."""
        claimed: list[tuple[str, str]] = []
        start = "0-0"
        while len(claimed) < count:
            answer = self.client.xautoclaim(self.key, GROUP, self.consumer, int(idle_seconds * 1000),
                                            start_id=start, count=count - len(claimed))
            start, entries = answer[0], answer[1]
            claimed += [(entry, fields.get("id", "")) for entry, fields in entries if fields]
            if start in ("0-0", b"0-0"):
                break
        return claimed

    def ack(self, entry_ids: Sequence[str]) -> None:
        """Done: acknowledged and removed, so the stream keeps only the work still to do."""
        if entry_ids:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.xack(self.key, GROUP, *entry_ids)
                pipe.xdel(self.key, *entry_ids)
                pipe.execute()

    def take(self, doc_ids: Sequence[str], seconds: float) -> tuple[list[str], set[str]]:
        """Mark documents as being analysed by this consumer (``SET NX PX``), so that two entries of one
        document (a sweep racing a late announcement) are never analysed at the same time.

        Returns ``(mine, busy)``: the ids this consumer may analyse, and those another consumer has.
        """
        if not doc_ids:
            return [], set()
        keys = [f"{self.key}:taken:{doc_id}" for doc_id in doc_ids]
        with self.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(key, self.consumer, nx=True, px=max(1, int(seconds * 1000)))
            for key in keys:
                pipe.get(key)
            answers = pipe.execute()
        owners = answers[len(keys):]
        mine = [d for d, owner in zip(doc_ids, owners) if owner == self.consumer]
        return mine, set(doc_ids) - set(mine)

    def touch(self, entry_ids: Sequence[str], doc_ids: Sequence[str], seconds: float) -> None:
        """Still working: the entries' idle time starts again (``XCLAIM … JUSTID``) and the takes last
        ``seconds`` more, so a slow batch is not re-claimed from a live consumer."""
        if entry_ids:
            self.client.xclaim(self.key, GROUP, self.consumer, 0, list(entry_ids), justid=True)
        if doc_ids:
            self.client.eval(_EXTEND_OWN, len(doc_ids), *[f"{self.key}:taken:{d}" for d in doc_ids],
                             self.consumer, max(1, int(seconds * 1000)))

    def keep_taken(self, doc_ids: Sequence[str], seconds: float) -> set[str]:
        """The documents whose take this consumer still holds, each extended by ``seconds``: what it
        may write. A consumer paused (or cut off) past the idle time lost its takes to the one that
        re-claimed its entries, and must not store a second analysis when it wakes."""
        if not doc_ids:
            return set()
        held = self.client.eval(_KEEP_OWN, len(doc_ids), *[f"{self.key}:taken:{d}" for d in doc_ids],
                                self.consumer, max(1, int(seconds * 1000)))
        return {doc_id for doc_id, flag in zip(doc_ids, held) if int(flag)}

    def untake(self, doc_ids) -> None:
        """Release this consumer's takes; a take that passed to another consumer stays with it."""
        doc_ids = list(doc_ids)
        if doc_ids:
            self.client.eval(_RELEASE_OWN, len(doc_ids), *[f"{self.key}:taken:{d}" for d in doc_ids], self.consumer)

    def deliveries(self, entry_ids: Sequence[str]) -> dict[str, int]:
        """How many times each pending entry was delivered."""
        counts = {}
        for entry in entry_ids:
            for row in self.client.xpending_range(self.key, GROUP, min=entry, max=entry, count=1):
                counts[entry] = int(row["times_delivered"])
        return counts

    def lag(self) -> dict[str, int]:
        """``waiting`` (never delivered), ``pending`` (delivered, not acknowledged) and ``total``."""
        import redis

        try:
            groups = self.client.xinfo_groups(self.key)
        except redis.ResponseError:  # no stream yet
            return {"waiting": 0, "pending": 0, "total": 0}
        for group in groups:
            if group["name"] == GROUP:
                waiting = group.get("lag")
                if waiting is None:  # Redis before 7, or a lag Redis cannot tell: count what is left
                    waiting = max(0, int(self.client.xlen(self.key)) - int(group["pending"]))
                pending = int(group["pending"])
                return {"waiting": int(waiting), "pending": pending, "total": int(waiting) + pending}
        return {"waiting": int(self.client.xlen(self.key)), "pending": 0, "total": int(self.client.xlen(self.key))}


class PublishingStore:
    """The store as the crawl role sees it: the ids of newly stored documents go on the stream."""

    def __init__(self, store, stream: DocumentStream, on_publish: Optional[Callable[[int], None]] = None) -> None:
        self._store = store
        self._stream = stream
        self._on_publish = on_publish

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def put_documents(self, docs):
        result = self._store.put_documents(docs)
        # after the write: an id on the stream always names a stored (or spooled) document
        self._stream.publish(result.inserted_ids)
        if self._on_publish is not None:
            self._on_publish(len(result.inserted_ids))
        return result


class AnalyzeWorker:
    """One analyser: reads ids from the stream, analyses what has no analysis yet, acknowledges.

    Args:
        store: the shared store.
        stream: the stream, with this process as consumer.
        analyzer: has ``analyze(docs) -> analyses`` (built lazily by ``analyzer_factory``).
        claim_idle_seconds, batch_size: see the settings.
        max_deliveries: an id whose document is still missing after this many deliveries is dropped
            (the document was deleted, or is still in a crawler's spool: the sweep brings it back).
    """

    def __init__(self, store, stream: DocumentStream, analyzer_factory: Callable[[], object], *,
                 claim_idle_seconds: float, batch_size: int, max_deliveries: int = 20,
                 visibility_wait: float = 2.0, metrics=None) -> None:
        self.store = store
        self.stream = stream
        self._analyzer_factory = analyzer_factory
        self._analyzer = None
        self.claim_idle_seconds = claim_idle_seconds
        self.batch_size = batch_size
        self.max_deliveries = max_deliveries
        self.visibility_wait = visibility_wait
        self.metrics = metrics
        self.analysed = 0
        self.skipped = 0
        self.lost = 0  # analyses not stored: the documents passed to another analyser meanwhile

    @property
    def analyzer(self):
        if self._analyzer is None:
            self._analyzer = self._analyzer_factory()
        return self._analyzer

    def run_once(self, block_ms: int = 1000) -> int:
        """Re-claim the entries of dead consumers, else read new ones; process one batch; how many analysed."""
        entries = self.stream.claim(self.claim_idle_seconds, self.batch_size)
        if entries:
            return self.process(entries, reclaimed=True)
        entries = self.stream.read(self.batch_size, block_ms)
        return self.process(entries) if entries else 0

    def process(self, entries: list[tuple[str, str]], *, reclaimed: bool = False) -> int:
        if self.metrics is not None:
            self.metrics.in_hand.set(len(entries))
        try:
            with self._holding(entries):
                return self._process(entries, reclaimed)
        finally:
            if self.metrics is not None:
                self.metrics.in_hand.set(0)

    @contextlib.contextmanager
    def _holding(self, entries: list[tuple[str, str]]):
        """While a batch is worked on, a thread touches its entries and takes every third of the idle
        time, so a batch slower than the idle time (a cold model, a busy store) is never re-claimed
        from a live analyser; a dead or frozen one stops touching and loses them."""
        stop = threading.Event()

        def keep():
            while not stop.wait(self.claim_idle_seconds / 3):
                try:
                    self.stream.touch([e for e, _ in entries], [d for _, d in entries if d], self.claim_idle_seconds)
                except Exception as exc:  # noqa: BLE001 - at worst the batch is re-claimed and re-checked
                    log.warning("stream entries not touched: %s", exc)
        toucher = threading.Thread(target=keep, name="stream-touch", daemon=True)
        toucher.start()
        try:
            yield
        finally:
            stop.set()
            toucher.join(timeout=10)

    def _process(self, entries: list[tuple[str, str]], reclaimed: bool) -> int:
        ids = list(dict.fromkeys(doc_id for _, doc_id in entries if doc_id))
        # take first, then look for an analysis: a take is released only after its analysis is stored,
        # so a document taken here and found without one is not being analysed anywhere else
        mine, busy = self.stream.take(ids, self.claim_idle_seconds)
        done = {a.id for a in self.store.get_analyses(mine)}  # analysed already (a re-delivery, a sweep)
        self.stream.untake(done)
        mine = [i for i in mine if i not in done]
        docs = self._documents(mine)
        found = {d.id for d in docs}
        lost: set[str] = set()
        if docs:
            started = time.monotonic()
            analyses = self.analyzer.analyze(docs)
            # still ours? a pause longer than the idle time (a stopped VM, a partition) gave the batch to
            # another analyser, which stores its own analyses: writing ours too would analyse them twice.
            # The takes are extended here, so they outlast the write that follows.
            lost = found - self.stream.keep_taken([d.id for d in docs], self.claim_idle_seconds)
            if lost:
                log.warning("%d analyses not stored: their documents passed to another analyser while this one "
                            "was held up past deployment.claim_idle_seconds", len(lost))
                self.lost += len(lost)
                if self.metrics is not None:
                    self.metrics.analyses_lost.inc(len(lost))
                docs = [d for d in docs if d.id not in lost]
                found -= lost
                analyses = [a for a in analyses if a.id not in lost]
            self.store.put_analyses(analyses)
            if self.metrics is not None:
                self.metrics.analysed(len(docs), time.monotonic() - started)
        self.stream.untake(found)
        missing = [e for e, doc_id in entries if doc_id in mine and doc_id not in found and doc_id not in lost]
        give_up = [e for e, n in self.stream.deliveries(missing).items() if n >= self.max_deliveries]
        if give_up:
            log.warning("dropping %d stream entries whose documents are not in the store after %d deliveries; "
                        "the sweep puts them back if they arrive", len(give_up), self.max_deliveries)
        # a duplicate entry of a document another analyser is working on is done: that one acknowledges
        # its own entry, or, if it dies, its entry is re-claimed. A re-claimed entry whose document is
        # still taken by a consumer that may be dead waits for the take to expire. The entries of lost
        # documents are the new taker's to acknowledge.
        done_here = done | found | (set() if reclaimed else busy)
        self.stream.ack([e for e, doc_id in entries if not doc_id or doc_id in done_here] + give_up)
        self.analysed += len(docs)
        self.skipped += len(done)
        return len(docs)

    def _documents(self, ids: list[str]) -> list:
        """The stored documents; a document written a moment ago may need the store's refresh."""
        docs = self.store.get_documents(ids) if ids else []
        deadline = time.monotonic() + self.visibility_wait
        while len(docs) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.25)
            docs = self.store.get_documents(ids)
        return docs


class SweepStage(Stage):
    """Puts documents still without an analysis on the stream, when the stream is idle.

    Run by one analyser at a time (the ``sweep`` lease). Only documents collected more than
    ``deployment.sweep_grace_seconds`` ago are taken, and only when nothing is waiting or pending,
    so what is on its way is not announced twice.
    """

    name = "sweep"
    limit = 1000

    def __init__(self, config, store, stream: DocumentStream) -> None:
        super().__init__(config, store)
        self.stream = stream

    def run_once(self) -> StageReport:
        report = StageReport(self.name)
        if self.stream.lag()["total"]:
            report.detail = "stream busy; swept later"
            return report
        before = now() - timedelta(seconds=float(self.config["deployment.sweep_grace_seconds"]))
        docs = self.store.documents_without_analysis(self.limit)
        late = [d.id for d in docs if d.collected_at is None or d.collected_at <= before]
        report.processed = len(docs)
        report.created = self.stream.publish(late)
        if late:
            log.info("sweep: %d documents without an analysis put on the stream", len(late))
        return report

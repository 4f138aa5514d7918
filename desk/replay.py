"""Drills (演练): a past event's posts played through the whole engine as if live.

The replay clock starts at ``start`` (default: the first post's time) and runs ``speed`` times
faster than the wall clock. At each step, the posts published by the replay clock are stored (their
``collected_at`` is the replay time), then every pipeline stage runs once as if the clock read the
replay time (:func:`yuqing.records.clock_reads`), as ``yuqing run --once`` does: analysis,
clustering, alerts, the desk's rows and follow-ups. Posts published before ``start`` are stored at
once (the event's past). After the last post, one more cycle lets the stages see it. The clock
moves at most one step per cycle, so an engine slower than the replay makes it fall behind
(reported) rather than skip ahead.

Each post's *board latency* (wall seconds from the post being stored to its request appearing on
the board) is measured for the bench (:mod:`bench.bench_desk`).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Optional, Sequence

from yuqing.records import Document, clock_reads

log = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    posts: int = 0
    cycles: int = 0
    errors: int = 0
    behind_seconds: float = 0.0  # the most the replay clock fell behind wall time × speed
    start: Optional[datetime] = None
    end: Optional[datetime] = None
    stored_at: dict[str, float] = field(default_factory=dict)  # doc id → wall time it was stored
    board_at: dict[str, float] = field(default_factory=dict)   # doc id → wall time its row showed it

    def as_dict(self) -> dict:
        return {"posts": self.posts, "cycles": self.cycles, "errors": self.errors,
                "behind_seconds": round(self.behind_seconds, 1),
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None,
                "requests_on_board": len(self.board_at)}


def replay(store, docs: Sequence[Document], run_cycle: Callable[[], Sequence], *, speed: float,
           start: Optional[datetime] = None, step_seconds: float = 60.0,
           on_cycle: Optional[Callable[[datetime, int], None]] = None,
           sleep: Callable[[float], None] = time.sleep) -> ReplayReport:
    """Play ``docs`` through the engine on a replay clock (see the module docstring).

    Args:
        run_cycle: one cycle of every stage, as ``yuqing run --once`` runs them (the caller composes
            the engine: ``lambda: scheduler.run_once(config, store, crawl=False)``); returns the
            stages' reports (``errors`` counted).
        speed: replay seconds per wall second (60: an hour of the event in a minute).
        start: the replay clock's first reading (default: the earliest post).
        step_seconds: replay time between two engine cycles (the service's cycle, as replayed).
        on_cycle: called after each cycle with the replay time and the posts stored in it.
    """
    if speed <= 0:
        raise ValueError("speed must be greater than 0")
    docs = sorted(docs, key=lambda d: d.published_at)
    report = ReplayReport(posts=len(docs))
    if not docs:
        return report
    clock0 = start or docs[0].published_at
    report.start = clock0
    wall0 = time.monotonic()
    position = 0
    last = docs[-1].published_at
    final_done = False
    clock = clock0
    while not final_done:
        # the replay clock follows the wall clock × speed, but never moves more than one step per
        # cycle: an engine slower than the replay falls behind (``behind_seconds``), it does not
        # skip ahead and take an hour of posts in one batch
        scaled = clock0 + timedelta(seconds=(time.monotonic() - wall0) * speed)
        if report.cycles:
            upcoming = docs[position].published_at if position < len(docs) else clock
            clock = min(scaled, max(clock + timedelta(seconds=step_seconds), upcoming))  # quiet spells skipped
        report.behind_seconds = max(report.behind_seconds, (scaled - clock).total_seconds())
        if position >= len(docs):
            clock = max(clock, last + timedelta(seconds=step_seconds))
            final_done = True
        due = []
        while position < len(docs) and docs[position].published_at <= clock:
            due.append(docs[position].model_copy(update={"collected_at": clock}))
            position += 1
        if due:
            store.put_documents(due)
            stamp = time.monotonic()
            report.stored_at.update({d.id: stamp for d in due})
        with clock_reads(clock):
            reports = run_cycle()
        report.cycles += 1
        report.errors += sum(r.errors for r in reports)
        _board_times(store, report)
        if on_cycle is not None:
            on_cycle(clock, len(due))
        report.end = clock
        if position < len(docs):
            # one cycle per step, as the service's alert interval; a quiet spell is skipped to its next post
            next_at = max(clock + timedelta(seconds=step_seconds), docs[position].published_at)
            wait = (next_at - clock0).total_seconds() / speed - (time.monotonic() - wall0)
            if wait > 0:
                sleep(wait)
    return report


def _board_times(store, report: ReplayReport) -> None:
    """Note when each stored post first shows on a board row."""
    now = time.monotonic()
    for record in store.find_records("rescue_requests", since=None, order_by="last_seen", descending=True,
                                     limit=2000):
        for doc_id in getattr(record, "doc_ids", None) or []:
            if doc_id in report.stored_at and doc_id not in report.board_at:
                report.board_at[doc_id] = now

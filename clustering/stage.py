"""The ``cluster`` pipeline stage: incidents with stable ids and lineage, kept in the store.

Every run reads the sliding window (``clustering.window_hours``, default 72 h), embeds only the
documents not yet in the embedding cache, then either re-clusters the whole window (every
``clustering.recluster_interval`` seconds) or assigns the window's unassigned documents online to
the open incidents. Incidents go to the ``incidents`` collection, lineage to ``lineage``.

Analysts' hand merges and splits (:mod:`clustering.manual`) are kept: every run reads the decisions
about the window's posts and re-clusters around them (:mod:`clustering.pins`), and a decision made
while a run was busy is applied again over what the run wrote.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Optional

from clustering import manual
from clustering.embedders import EmbeddingCache, build_embedder, embed_documents
from clustering.engine import EngineParams, Outcome, Window, assign_new, closed_incident, recluster
from clustering.pins import Pins, resolve
from yuqing.pipeline import Stage, StageReport
from yuqing.records import DEFAULT_TZ, Document, Incident, now as wall_clock
from yuqing.storage.base import JsonRecord

log = logging.getLogger(__name__)

STATE_KEY = "clustering"
OPEN_STATES = ("emerging", "growing", "peak", "declining")
ANALYSIS_BATCH = 1000
#: how often one run clusters again because an analyst decided something while it clustered
DECISION_ROUNDS = 3


class ClusterStage(Stage):
    """Re-clusters the window on schedule and assigns new documents in between."""

    name = "cluster"

    def __init__(self, config, store, embedder=None, clock: Callable[[], datetime] = wall_clock) -> None:
        super().__init__(config, store)
        self.embedder = embedder or build_embedder(config["clustering.embedder"], config["clustering.prefix"])
        self.params = EngineParams.from_config(config, self.embedder)
        folder = Path(str(config["store.path"])).expanduser()
        self.cache = EmbeddingCache(folder.with_name(f"{folder.name}.embeddings") / self.embedder.name)
        self.clock = clock

    def run_once(self, full: Optional[bool] = None) -> StageReport:
        """One run; ``full`` forces (or forbids) re-clustering instead of following the schedule."""
        run_at = self.clock()
        state = self.store.get_state(STATE_KEY) or {}
        docs, end = self._window(run_at)
        full = self._due(state, run_at, len(docs)) if full is None else full
        outcome = self._close_stale(end)
        decided: Optional[set[str]] = None
        if docs:
            window = Window(docs, embed_documents(docs, self.embedder, self.cache), self._analyses(docs))
            found, decided = self._around_decisions(window, end, full)
            outcome.incidents += found.incidents
            outcome.lineage += found.lineage
            outcome.assignments = found.assignments
            if full:
                state["last_full_run"] = run_at.isoformat()
                state["last_full_docs"] = len(docs)
                self.cache.compact([d.id for d in docs])
        self._write(outcome, run_at)
        if decided is not None:
            self._keep_new_decisions(end, decided)
        self.store.set_state(STATE_KEY, {**state, "last_run": run_at.isoformat()})
        if not docs:
            return StageReport(self.name, detail="empty window: nothing to cluster")
        return self._report(outcome, len(docs), full)

    def _around_decisions(self, window: Window, end: datetime, full: bool) -> tuple[Outcome, set[str]]:
        """Cluster around the analysts' hand decisions (read after the slow embedding), once more
        when one was made meanwhile; returns the outcome and the decisions it respected."""
        for _ in range(DECISION_ROUNDS):
            decisions = manual.decisions(self.store, since=self._since(end))
            pins = resolve(decisions)
            found = self._recluster(window, end, pins) if full else self._assign(window, end, pins)
            seen = {d["id"] for d in decisions}
            if {d["id"] for d in manual.decisions(self.store, since=self._since(end))} == seen:
                break
        return found, seen

    def _recluster(self, window: Window, end: datetime, pins: Pins) -> Outcome:
        previous = self._previous(end)
        known = {p.id for p in previous}
        for target in sorted({pins.target(i) for i in pins.docs.values()} - known):
            found = self.store.get_record("incidents", target)  # decided by hand, its posts long ago
            if found is not None and not getattr(found, "merged_into", None):
                previous.append(found)
        return recluster(window, previous, end, self.params,
                         taken=lambda i: self.store.get_record("incidents", i) is not None, pins=pins)

    def _assign(self, window: Window, end: datetime, pins: Pins) -> Outcome:
        open_ones = [p for p in self._previous(end) if getattr(p, "state", None) in OPEN_STATES
                     and p.id not in pins.merged]
        assigned = {i for p in open_ones for i in p.doc_ids} | set(pins.docs)
        return assign_new(window, open_ones, [d.id for d in window.docs if d.id not in assigned], end, self.params)

    def _keep_new_decisions(self, end: datetime, known: set[str]) -> None:
        """Hand merges and splits made while this run read and clustered the window are applied again
        over what it wrote (it wrote from incidents read before them); earlier ones were pins already."""
        for decision in manual.decisions(self.store, since=self._since(end)):
            if decision["id"] not in known:
                log.info("clustering: hand decision %s made during the run is applied again", decision["id"])
                manual.apply(self.store, decision)

    # --- steps ------------------------------------------------------------------------------------
    def _due(self, state: dict, run_at: datetime, window_docs: int) -> bool:
        """Re-cluster on schedule, or sooner when the window has at least doubled since the last one.

        New incidents are only born in a full run; online assignment can only grow the ones that
        exist. A service that starts on an empty store, or a burst that doubles the window, would
        otherwise wait a whole ``recluster_interval`` (30 min) before its first incident.
        """
        last = state.get("last_full_run")
        if not last:
            return True
        elapsed = (run_at - datetime.fromisoformat(last)).total_seconds()
        if elapsed >= self.config["clustering.recluster_interval"] or elapsed < 0:
            return True
        before = int(state.get("last_full_docs") or 0)
        return window_docs >= max(2 * before, before + self.config["clustering.min_cluster_size"])

    def _window(self, run_at: datetime) -> tuple[list[Document], datetime]:
        """The window's documents (shortened to its newest days if too many) and its end."""
        end = run_at
        if self.config["clustering.window_anchor"] == "latest":
            newest = self.store.search("", limit=1).hits
            if not newest:
                return [], end
            end = max(h.document.published_at for h in newest)
        since = end - timedelta(hours=self.config["clustering.window_hours"])
        since = self._fit_window(since, end)
        return list(self.store.iter_documents(since=since, until=_replay_end(end))), end

    def _fit_window(self, since: datetime, end: datetime) -> datetime:
        """A later start when the window holds more than ``clustering.max_window_docs``."""
        limit = self.config["clustering.max_window_docs"]
        per_day = self.store.count_by("day", since=since, until=_replay_end(end))
        if sum(per_day.values()) <= limit:
            return since
        total, start = 0, since
        for day in sorted(per_day, reverse=True):
            if total + per_day[day] > limit:
                break
            total += per_day[day]
            start = datetime.fromisoformat(day).replace(tzinfo=DEFAULT_TZ)  # days are Shanghai days
        log.warning("clustering window shortened to start %s: %d documents exceed "
                    "clustering.max_window_docs=%d", start.isoformat(), sum(per_day.values()), limit)
        return max(start, since)

    def _analyses(self, docs: list[Document]) -> dict:
        found = {}
        for start in range(0, len(docs), ANALYSIS_BATCH):
            batch = [d.id for d in docs[start:start + ANALYSIS_BATCH]]
            found.update({a.id: a for a in self.store.get_analyses(batch)})
        return found

    def _since(self, end: datetime) -> datetime:
        return end - timedelta(hours=self.config["clustering.window_hours"])

    def _previous(self, end: datetime) -> list[Incident]:
        return [p for p in self.store.find_records("incidents", since=self._since(end))
                if not getattr(p, "merged_into", None)]

    def _close_stale(self, end: datetime) -> Outcome:
        """Open incidents whose last post left the window are closed (their documents are gone)."""
        since = end - timedelta(hours=self.config["clustering.window_hours"])
        outcome = Outcome()
        for incident in self.store.find_records("incidents", where={"state": list(OPEN_STATES)}, until=since):
            outcome.incidents.append(closed_incident(incident, end))
            outcome.lineage.append({"incident_id": incident.id, "relation": "closed"})
        return outcome

    def _write(self, outcome: Outcome, run_at: datetime) -> None:
        if outcome.incidents:
            self.store.put_records("incidents", outcome.incidents)
        stamp = run_at.isoformat()
        records = [JsonRecord(id=f"{stamp}|{entry['incident_id']}|{entry['relation']}", run_at=stamp, **entry)
                   for entry in outcome.lineage]
        if records:
            self.store.put_records("lineage", records)
        self.store.flush()

    def _report(self, outcome: Outcome, processed: int, full: bool) -> StageReport:
        created = sum(1 for e in outcome.lineage if e["relation"] in ("created", "split"))
        assigned = sum(1 for v in outcome.assignments.values() if v)
        if full:
            noise = 1 - assigned / max(1, len(outcome.assignments))
            detail = (f"re-clustered: {sum(1 for e in outcome.lineage if e['relation'] not in ('closed', 'merged_into'))}"
                      f" incidents, noise {noise:.0%}")
        else:
            detail = f"online: {assigned} of {len(outcome.assignments)} new documents joined incidents"
        return StageReport(self.name, processed=processed, created=created, detail=detail,
                           extra={"full": full, "assigned": assigned})


def _replay_end(end: datetime) -> Optional[datetime]:
    """In a replay (`yuqing run --once --as-of`) nothing published after the window's end is read
    (10 minutes of skew allowed): the days after it must not leak in. Live, a post stamped ahead of
    the clock (a source's wrong zone) is still clustered now rather than hours later."""
    from yuqing.records import replaying

    return end + timedelta(minutes=10) if replaying() else None

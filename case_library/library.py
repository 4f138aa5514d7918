"""The case library (案例库): stored cases with versioned edits, search and alert drafting.

Every :meth:`CaseLibrary.put` that changes a case writes a new version: the case itself in the
``cases`` collection (with ``version``, ``updated_at``, ``updated_by``) and a full copy in
``case_versions`` (id ``<case id>@<version>``, with who, when and a note), so any earlier version
can be read back. Writes use the store's optimistic concurrency: two analysts saving the same case
at once cannot silently overwrite each other.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from case_library.model import STARTER_FILE, content_hash, load_cases
from case_library.retrieval import CaseMatch, CaseRetriever, precedent_options
from yuqing.errors import NotFound
from yuqing.records import Alert, Case, Incident, now, parse_record
from yuqing.storage.base import JsonRecord

log = logging.getLogger(__name__)

STARTER_STATE = "case_library.starter"


class CaseLibrary:
    """Cases in a store, with versioning, hybrid retrieval and alert-to-case drafting."""

    def __init__(self, store, *, mode: str = "hybrid", semantic_weight: float = 0.6,
                 semantic_floor: float = 0.75, include_drafts: bool = False, **precedents) -> None:
        self.store = store
        self.retriever = CaseRetriever(store, mode=mode, semantic_weight=semantic_weight,
                                       semantic_floor=semantic_floor, include_drafts=include_drafts, **precedents)

    @classmethod
    def from_config(cls, config, store) -> "CaseLibrary":
        """The library on ``store``; the starter cases (and ``cases.files``) are loaded on first use."""
        ensure_starter(config, store)
        return cls(store, mode=config["cases.search_mode"], semantic_weight=config["cases.semantic_weight"],
                   semantic_floor=config["cases.semantic_floor"], include_drafts=config["cases.include_drafts"],
                   **precedent_options(config))

    # CRUD and versions -----------------------------------------------------------------------------
    def get(self, case_id: str) -> Case:
        found = self.store.get_record("cases", case_id)
        if found is None:
            raise NotFound(f"no case {case_id!r}; search with `yuqing cases search`")
        return found

    def put(self, case: Case, who: str, note: str = "") -> int:
        """Save ``case`` as a new version by ``who``; returns its version (unchanged content: no new one).

        Raises:
            ConflictError: someone else saved the case between our read and our write.
        """
        current = self.store.get_versioned("cases", case.id)
        if current is not None and content_hash(current.record) == content_hash(case):
            return int(getattr(current.record, "version", 1) or 1)
        version = int(getattr(current.record, "version", 0) or 0) + 1 if current else 1
        stamp = now().isoformat()
        data = case.model_dump(mode="json")
        data.update(version=version, updated_at=stamp, updated_by=who)
        stored = parse_record(Case, data, where=f"case {case.id}")
        self.store.update_record("cases", stored, current.version if current else None)
        self.store.put_records("case_versions", [JsonRecord(
            id=f"{case.id}@{version}", case_id=case.id, version=version, when=stamp, who=who, note=note,
            case=data)])
        return version

    def versions(self, case_id: str) -> list[JsonRecord]:
        """Every saved version of a case, oldest first (``version``, ``when``, ``who``, ``note``, ``case``)."""
        return self.store.find_records("case_versions", {"case_id": case_id}, order_by="version")

    def get_version(self, case_id: str, version: int) -> Case:
        found = self.store.get_record("case_versions", f"{case_id}@{version}")
        if found is None:
            raise NotFound(f"case {case_id!r} has no version {version}")
        return parse_record(Case, found.case, where=f"case {case_id} version {version}")

    def review(self, case_id: str, who: str, note: str = "reviewed") -> int:
        """Mark a draft as reviewed, so it joins searches."""
        case = self.get(case_id)
        data = case.model_dump(mode="json")
        data["status"] = "reviewed"
        return self.put(parse_record(Case, data), who, note)

    def all(self, include_drafts: bool = True) -> list[Case]:
        cases = self.store.find_records("cases", order_by="id")
        return [c for c in cases if include_drafts or getattr(c, "status", None) != "draft"]

    # retrieval -------------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 5, mode: Optional[str] = None) -> list[CaseMatch]:
        """Cases most like ``query``, best first, with the reasons for each match."""
        return self.retriever.search(query, limit=limit, mode=mode)

    def similar_to_incident(self, incident: Incident, limit: int = 3) -> list[CaseMatch]:
        """Past cases most like an incident (its label, keywords, category and streets)."""
        return self.retriever.similar_to_incident(incident, limit=limit)

    # drafting --------------------------------------------------------------------------------------
    def draft_from_alert(self, alert: Alert) -> Case:
        """A draft case from a (resolved) alert; see :mod:`case_library.drafting`. Not saved."""
        from case_library.drafting import draft_case
        return draft_case(alert, self.store)


def ensure_starter(config, store) -> int:
    """Put the starter cases (and ``cases.files``) that are not in the store yet; idempotent.

    Returns how many cases were added. A case already stored is never overwritten, so an analyst's
    edits of a starter case survive upgrades.
    """
    files = ([STARTER_FILE] if config["cases.starter"] else []) + [Path(p) for p in config["cases.files"]]
    if not files:
        return 0
    stamp = "|".join(f"{p}:{p.stat().st_mtime_ns}" for p in files if p.exists())
    state = store.get_state(STARTER_STATE) or {}
    if state.get("stamp") == stamp:
        return 0
    existing = {c.id for c in store.find_records("cases")}
    fresh: dict[str, Case] = {}
    for path in files:
        for case in load_cases(path):
            if case.id not in existing:
                fresh[case.id] = case
    if fresh:
        # One batch per collection: starter cases are new by construction, and a second process
        # loading them at the same moment writes the same version 1, so nothing is lost.
        stamp_now, cases, versions = now().isoformat(), [], []
        for case in fresh.values():
            data = dict(case.model_dump(mode="json"), version=1, updated_at=stamp_now, updated_by="starter")
            cases.append(parse_record(Case, data, where=f"case {case.id}"))
            versions.append(JsonRecord(id=f"{case.id}@1", case_id=case.id, version=1, when=stamp_now, who="starter",
                                       note="loaded with the starter library", case=data))
        store.put_records("cases", cases)
        store.put_records("case_versions", versions)
    added = len(fresh)
    store.set_state(STARTER_STATE, {"stamp": stamp, "added": added})
    if added:
        log.info("case library: %d cases loaded from %s", added, ", ".join(p.name for p in files))
    return added

"""Projects and their assessments in the store: the records ``projects`` and ``assessments``.

A **project** record is the contract's ``project`` (the card's fields, CONTRACT.md) plus ``id``
(:func:`assessment.card.project_id`), ``street`` (the card's, for filters), ``owner_users`` (the
``web.users`` names that own it besides those whose entry lists it in ``projects``), ``watch``
(monitored by the service, :mod:`assessment.watch`), ``actions`` (publicity actions entered by hand
for 宣传评估), ``created_at``/``created_by``/``updated_at`` and the latest assessment's
``assessment_id``, ``level`` and ``score``.

An **assessment** record is the contract's ``assessment`` object plus ``id`` (``project@time``),
``project_id`` and ``report``: everything the report prints (:meth:`Assessment.full`), so the page and
the downloads show an assessment exactly as it was made, however the store has changed since.

Both stores keep them through the generic record API; writes check the version read, so two people
changing one project at once never overwrite each other.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Optional

from assessment.card import ProjectCard, parse_card, project_id
from assessment.model import Assessment
from yuqing.errors import ConflictError, NotFound
from yuqing.records import now as _now
from yuqing.storage.base import JsonRecord, Kind, register_kind

register_kind(Kind("projects", JsonRecord, fields=("street", "owner_users", "watch", "level", "updated_at"),
                   text_fields=("name", "summary"), time_field="updated_at"))
register_kind(Kind("assessments", JsonRecord, fields=("project_id", "assessed_at", "level"),
                   time_field="assessed_at"))
#: the watch's latest reading of a project (:mod:`assessment.watch`), id = project id
register_kind(Kind("project_watches", JsonRecord, fields=("project_id", "updated_at"), time_field="updated_at"))
#: an alert routed to a project's owners (:mod:`assessment.routing`), id = ``project:alert``
register_kind(Kind("project_alerts", JsonRecord, fields=("project_id", "alert_id", "routed_at"),
                   time_field="routed_at"))

CARD_FIELDS = tuple(ProjectCard.model_fields)
RETRIES = 5


def card_of(project: Any) -> ProjectCard:
    """The project card a project record holds."""
    data = project.model_dump(mode="json") if hasattr(project, "model_dump") else dict(project)
    return parse_card({k: data[k] for k in CARD_FIELDS if k in data}, f"project {data.get('id')}")


def get_project(store, pid: str) -> Optional[JsonRecord]:
    return store.get_record("projects", pid)


def modify(store, pid: str, change: Callable[[dict[str, Any]], Optional[dict[str, Any]]]) -> JsonRecord:
    """Read, change and write one project, re-reading when someone else wrote first.

    ``change`` gets the record's data (a copy) and returns it changed, or ``None`` to leave it.
    """
    for _ in range(RETRIES):
        found = store.get_versioned("projects", pid)
        if found is None:
            raise NotFound(f"no project with id {pid!r}")
        changed = change(found.record.model_dump(mode="json"))
        if changed is None:
            return found.record
        record = JsonRecord(**changed)
        try:
            store.update_record("projects", record, found.version)
            return record
        except ConflictError:
            continue
    raise ConflictError(f"project {pid} kept changing while it was being updated; try again")


def save_project(store, card: ProjectCard, *, by: str, owner_users: Iterable[str] = (), watch: bool = True,
                 now: Optional[datetime] = None) -> JsonRecord:
    """Create the project of ``card``, or update its card (keeping its owners, actions and history)."""
    when = (now or _now()).isoformat(timespec="seconds")
    pid = project_id(card)
    fields = {**card.model_dump(mode="json"), "id": pid, "street": card.location.street, "updated_at": when}
    for _ in range(RETRIES):
        found = store.get_versioned("projects", pid)
        before = found.record.model_dump(mode="json") if found else {
            "created_at": when, "created_by": by, "owner_users": [], "actions": [], "watch": watch}
        data = {**before, **fields}
        data["owner_users"] = list(dict.fromkeys([*(before.get("owner_users") or []), *owner_users]))
        data["watch"] = bool(before.get("watch", watch)) or watch
        try:
            store.update_record("projects", JsonRecord(**data), found.version if found else None)
            return JsonRecord(**data)
        except ConflictError:
            continue
    raise ConflictError(f"project {pid} kept changing while it was being saved; try again")


def save_assessment(store, pid: str, assessment: Assessment) -> JsonRecord:
    """Keep ``assessment`` and make it the project's latest."""
    record = JsonRecord(**{**assessment.as_dict(), "id": f"{pid}@{assessment.assessed_at}", "project_id": pid,
                           "report": assessment.full()})
    store.put_records("assessments", [record])

    def latest(data):
        data.update(assessment_id=record.id, level=assessment.level, score=assessment.score,
                    assessed_at=assessment.assessed_at)
        return data
    modify(store, pid, latest)
    return record


def assess_project(store, config, card: ProjectCard, *, by: str, owner_users: Iterable[str] = (),
                   watch: bool = True, now: Optional[datetime] = None, **providers) -> tuple[JsonRecord, Assessment]:
    """Assess ``card``, store the project and the assessment; the project becomes a watch unless
    ``watch`` is false. ``providers``: ``library``, ``calendar``, ``knowledge`` for :func:`assessment.assess`."""
    from assessment import assess

    assessment = assess(card, store, config, now=now, **providers)
    save_project(store, card, by=by, owner_users=owner_users, watch=watch, now=now)
    save_assessment(store, project_id(card), assessment)
    store.flush()
    return get_project(store, project_id(card)), assessment


def reassess(store, config, pid: str, *, now: Optional[datetime] = None) -> Assessment:
    """Assess a stored project again with today's evidence (re-assessment on demand)."""
    project = get_project(store, pid)
    if project is None:
        raise NotFound(f"no project with id {pid!r}")
    from assessment import assess

    assessment = assess(card_of(project), store, config, now=now)
    save_assessment(store, pid, assessment)
    store.flush()
    return assessment


def assessments_of(store, pid: str, limit: int = 50) -> list[JsonRecord]:
    """The project's assessment records, newest first."""
    return store.find_records("assessments", {"project_id": pid}, order_by="assessed_at", descending=True,
                              limit=limit)


def load_assessment(store, assessment_id: str) -> Optional[Assessment]:
    record = store.get_record("assessments", assessment_id)
    return Assessment.from_full(record.report) if record is not None else None


def latest_assessment(store, project) -> Optional[Assessment]:
    assessment_id = getattr(project, "assessment_id", None)
    return load_assessment(store, assessment_id) if assessment_id else None


def owners_of(project, users: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The ``web.users`` names that own ``project``: role ``owner`` with its id in ``projects``, and
    the project's own ``owner_users``."""
    pid = project.id
    named = [str(name) for name, entry in (users or {}).items()
             if (entry or {}).get("role") == "owner" and pid in ((entry or {}).get("projects") or [])]
    return list(dict.fromkeys([*named, *(getattr(project, "owner_users", None) or [])]))


ACTION_KINDS = {"statement": "官方通报", "hearing": "听证会", "briefing": "说明会", "publicity": "宣传活动",
                "notice": "公示", "visit": "入户走访"}


def add_action(store, pid: str, *, day: str, kind: str, title: str, by: str,
               now: Optional[datetime] = None) -> JsonRecord:
    """Record a publicity action (official statement, hearing, publicity…) for 宣传评估."""
    action = {"date": day, "kind": kind, "title": title, "added_by": by,
              "added_at": (now or _now()).isoformat(timespec="seconds")}

    def append(data):
        data["actions"] = [*(data.get("actions") or []), action]
        return data
    return modify(store, pid, append)


def set_watch(store, pid: str, on: bool) -> JsonRecord:
    def switch(data):
        data["watch"] = on
        return data
    return modify(store, pid, switch)

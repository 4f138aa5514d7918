"""The watch (项目监测): an assessed project monitored by the service, step ``watch`` of each cycle.

For every project with ``watch`` on (:mod:`assessment.projects`), :class:`WatchStage` reads the posts
about it again (the assessment's own evidence rule: its place AND one of its words), then keeps in
``project_watches`` (id = project id) what the watch page shows:

* stance per stakeholder group over time (支持/观望/反对 per week; the hesitation → support curve)
  and the post volume, with the publicity actions and milestones marked (:mod:`assessment.effects`);
* new evidence per category since the latest assessment (posts it had not read), with quotes;
* the effect of each publicity action (宣传评估): before vs after, or "not enough posts";
* the milestones as risk-calendar windows (:mod:`assessment.milestones`);
* the alerts about the project, routed to its owners (:mod:`assessment.routing`).

Settings: ``assess.watch_interval`` (how often the service runs the step), ``assess.watch_effect_days``,
``assess.watch_min_posts`` and ``assess.watch_min_group_posts`` (宣传评估). Re-assessment is on
demand (web page, ``yuqing assess --watch`` again), never automatic: a level changes when a person
asks for it.
"""
from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any, Optional

from assessment import effects, evidence as ev, factors as fx, milestones, routing
from assessment.knowledge import Knowledge, load_knowledge
from assessment.projects import card_of, latest_assessment, owners_of
from yuqing.pipeline import Stage, StageReport
from yuqing.records import now as _now
from yuqing.storage.base import JsonRecord

log = logging.getLogger(__name__)
QUOTES_PER_CATEGORY = 3
MAX_PROJECTS = 500


def watch_project(store, config, project, *, knowledge: Optional[Knowledge] = None,
                  now: Optional[datetime] = None) -> JsonRecord:
    """One reading of one project's watch; stored in ``project_watches`` and returned."""
    now = now or _now()
    knowledge = knowledge or load_knowledge(config["assess.knowledge_files"])
    card = card_of(project)
    kind, _matched = fx.detect_kind(card, knowledge)
    found = ev.gather(card, kind, knowledge, store, limit=config["assess.evidence_limit"])
    groups = [g.name for g in knowledge.groups]
    previous = store.get_record("project_watches", project.id)
    assessment = latest_assessment(store, project)
    seen = set(assessment.evidence_ids) if assessment else set()

    new_posts = [p for p in found.posts if p.doc.id not in seen]
    new_evidence = []
    for category in knowledge.categories:
        posts = [p for p in new_posts if category.all_posts or category.id in p.categories]
        new_evidence.append({"id": category.id, "label": category.label, "posts": len(posts),
                             "negative": sum(p.sentiment == "negative" for p in posts),
                             "positive": sum(p.sentiment == "positive" for p in posts),
                             "quotes": [asdict(c) for c in ev.cite(posts, QUOTES_PER_CATEGORY)]})

    today = now.date()
    actions = []
    for action in effects.publicity_actions(card, getattr(project, "actions", None) or []):
        day = datetime.fromisoformat(action["date"]).date()
        actions.append({**action, "effect": effects.measure(
            found.posts, day, days=config["assess.watch_effect_days"], min_posts=config["assess.watch_min_posts"],
            min_group_posts=config["assess.watch_min_group_posts"], groups=groups, today=today)})

    windows = milestones.sync(store, project.id, card, kind, getattr(previous, "window_ids", None) or [])
    owners = owners_of(project, config["web.users"] or {})
    since = getattr(previous, "alerts_checked_at", None)
    routed = routing.route(store, project, evidence_ids=[p.doc.id for p in found.posts], places=found.place_words,
                           words=found.project_words, owners=owners,
                           since=datetime.fromisoformat(since) if since else None, now=now)
    record = JsonRecord(
        id=project.id, project_id=project.id, updated_at=now.isoformat(timespec="seconds"),
        assessed_at=assessment.assessed_at if assessment else None, evidence_total=len(found.posts),
        new_total=len(new_posts), truncated=found.truncated, query=found.query(),
        over_time=effects.stance_over_time(found.posts, groups), stance=ev.stance(found, knowledge),
        new_evidence=new_evidence, actions=actions, windows=windows, window_ids=[w["id"] for w in windows],
        owners=owners, routed_last=routed, alerts_checked_at=now.isoformat(timespec="seconds"),
        milestones=[{"date": m.date.isoformat(), "title": m.milestone} for m in card.timeline])
    store.put_records("project_watches", [record])
    return record


def latest(store, pid: str) -> Optional[Any]:
    """The watch's latest reading of a project, or ``None`` before its first."""
    return store.get_record("project_watches", pid)


class WatchStage(Stage):
    """Every watched project, once per ``assess.watch_interval``; one project's failure never stops the rest."""

    name = "watch"

    def run_once(self, now: Optional[datetime] = None) -> StageReport:
        projects = self.store.find_records("projects", {"watch": True}, order_by="updated_at", limit=MAX_PROJECTS)
        report = StageReport(self.name)
        if not projects:
            report.detail = "no watched projects"
            return report
        knowledge = load_knowledge(self.config["assess.knowledge_files"])
        routed = 0
        for project in projects:
            try:
                reading = watch_project(self.store, self.config, project, knowledge=knowledge, now=now)
            except Exception as exc:  # noqa: BLE001 - one broken card never stops the other watches
                log.exception("watch of project %s failed: %s", project.id, exc)
                report.errors += 1
                continue
            report.processed += 1
            routed += len(reading.routed_last)
        report.created = routed
        report.detail = f"{report.processed} projects watched, {routed} alerts routed to their owners"
        self.store.flush()
        return report

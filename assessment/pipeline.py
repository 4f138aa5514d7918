"""The assessment's steps in the order of the national practice: 风险调查 (card and evidence) →
风险识别 (reviews, factors, calendar, precedents) → 风险估计 (scores and levels) → 防范化解措施 (plan)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from assessment import checks, conflicts, evidence as ev, factors as fx, plan as pl, precedents
from assessment.card import ProjectCard
from assessment.knowledge import load_knowledge
from assessment.model import Assessment, CategoryResult
from yuqing.records import DEFAULT_TZ


def run(card: ProjectCard, store, config, *, library=None, calendar=None, knowledge=None,
        now: Optional[datetime] = None) -> Assessment:
    knowledge = knowledge or load_knowledge(config["assess.knowledge_files"])
    if calendar is None:
        from event_calendar import Calendar
        calendar = Calendar.from_config(config, store)
    if library is None:
        from case_library import CaseLibrary
        library = CaseLibrary.from_config(config, store)
    kind, matched = fx.detect_kind(card, knowledge)

    found = ev.gather(card, kind, knowledge, store, limit=config["assess.evidence_limit"])
    procedure, procedure_factors = checks.procedure_check(card, kind, knowledge)
    planning, planning_factors = checks.planning_check(card, kind, knowledge)
    necessity = checks.necessity_check(card, knowledge, found)
    conflict_list, calendar_factors = conflicts.conflicts(card, calendar, knowledge)
    cases, cases_by_category = precedents.similar(card, kind, knowledge, library, config["assess.similar_cases"])

    factors = (fx.base_factors(kind) + fx.card_factors(card, kind, knowledge)
               + fx.compensation_factors(card, kind, knowledge) + procedure_factors + planning_factors
               + calendar_factors + fx.evidence_factors(found, knowledge))
    results = []
    for category in knowledge.categories:
        score, raw = fx.total(factors, category.id)
        posts = found.of_category(category)
        level = knowledge.levels.level(score)
        results.append(CategoryResult(
            id=category.id, label=category.label, score=score, raw=raw, level=level,
            factors=[f for f in factors if f.category == category.id],
            evidence=ev.cite(posts, config["assess.cite_per_category"]), posts=len(posts),
            negative=sum(p.sentiment == "negative" for p in posts), positive=sum(p.sentiment == "positive" for p in posts),
            cases=cases_by_category.get(category.id, []),
            mitigations=list(category.actions) if level != "low" else list(category.actions[:1])))
    score, level, why = fx.overall({r.id: r.score for r in results}, {r.id: r.level for r in results}, knowledge)
    plan = pl.response_plan(card, results, procedure, conflict_list, knowledge)
    for result in results:  # the plan's project-specific actions are the category's mitigations too
        item = next((p for p in plan if p.risk == result.id), None)
        if item:
            result.mitigations = item.actions
    query = found.query()
    stakeholders = ev.stance(found, knowledge, config["assess.cite_per_category"])
    referred = {e.doc_id for r in results for e in r.evidence} | {d for f in factors for d in f.doc_ids} | \
        {d for s in stakeholders for d in s["doc_ids"]}
    cited = {p.doc.id: p.cite() for p in found.posts if p.doc.id in referred}
    return Assessment(
        project=card.name, card=card.model_dump(mode="json"),
        kind={"id": kind.id, "label": kind.label, "matched": matched}, level=level, score=score, overall_why=why,
        checks={"procedure": procedure, "necessity": necessity, "planning": planning},
        categories=results, similar_cases=cases, calendar_conflicts=conflict_list, plan=plan,
        monitoring=pl.monitoring(card, level, query, plan, knowledge),
        stakeholders=stakeholders, cited_posts=cited,
        timeline=ev.timeline(found, knowledge), evidence_total=len(found.posts), evidence_query=query,
        evidence_ids=[p.doc.id for p in found.posts],
        assessed_at=(now or datetime.now(DEFAULT_TZ)).isoformat(timespec="seconds"),
        level_meaning=knowledge.levels.meaning)

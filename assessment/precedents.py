"""Precedents (先例): similar past cases from the case library, through its public API.

Precedents inform the analysis and the plan; they add no points: the size of the case library
must not change a project's level. A case is listed under the categories its own categories map
to (categories.yaml ``analysis_categories``). Only cases sharing one of the kind's
``case_categories`` (kinds.yaml) are precedents: an elevator retrofit is not a precedent of a
chemical plant however many words they share.
"""
from __future__ import annotations

import logging

from assessment.card import ProjectCard
from assessment.knowledge import Kind, Knowledge

log = logging.getLogger(__name__)


def query(card: ProjectCard, kind: Kind) -> str:
    parts = [kind.label if kind.id != "other" else "", card.type, card.name, *card.keywords]
    return " ".join(dict.fromkeys(p for p in parts if p))


def similar(card: ProjectCard, kind: Kind, knowledge: Knowledge, library, limit: int) -> tuple[list[dict], dict[str, list[str]]]:
    """``(similar_cases, case ids per category)``."""
    if limit <= 0:
        return [], {}
    matches = library.search(query(card, kind), limit=limit * 4)
    cases, by_category = [], {c.id: [] for c in knowledge.categories}
    for match in matches:
        case = library.get(match.case_id)
        if kind.case_categories and not set(case.categories) & set(kind.case_categories):
            continue  # a precedent is a project of the same kind, not any case that shares words
        if len(cases) >= limit:
            break
        cases.append({"case_id": match.case_id, "title": match.title, "score": round(match.score, 3),
                      "lessons": "；".join(case.lessons) or case.outcome, "outcome": case.outcome,
                      "reasons": match.reasons, "start": case.start, "place": " ".join(
                          p for p in (case.city, case.district, case.street) if p)})
        for category in knowledge.categories:
            if set(case.categories) & set(category.analysis_categories):
                by_category[category.id].append(match.case_id)
    return cases, by_category

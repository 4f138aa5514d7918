"""Calendar conflicts (日历冲突): milestones that fall in risk windows of the event calendar.

Through :class:`event_calendar.Calendar`'s public API only: the windows open between a milestone's
date and its end, for the project's street. Which windows matter depends on what the milestone
is (factors.yaml ``milestones``): clearances and payments against the wage and holiday windows,
noisy works against the exam windows, earthworks against the flood and typhoon seasons,
publicity against official holidays, school changes against the school windows.
"""
from __future__ import annotations

from assessment.card import ProjectCard
from assessment.knowledge import Knowledge, Milestone
from assessment.model import Factor


def _relevant(window, rule: Milestone, street) -> bool:
    if window.kind == "anniversary" and street not in window.streets:
        return False  # the anniversary of a case elsewhere says nothing about this project
    categories = set(rule.windows.get("categories", []))
    kinds = set(rule.windows.get("kinds", []))
    keywords = set(rule.windows.get("keywords", []))
    if keywords and not keywords & set(window.keywords):
        return False
    return bool(categories & set(window.categories)) or window.kind in kinds


def conflicts(card: ProjectCard, calendar, knowledge: Knowledge) -> tuple[list[dict], list[Factor]]:
    """The conflicts (CONTRACT.md ``calendar_conflicts`` items, plus extensions) and their factors."""
    found, factors, seen = [], [], set()
    spent: dict[str, int] = {}
    street = card.location.street
    for item in sorted(card.timeline, key=lambda m: m.date):
        for rule in knowledge.milestones:
            if not any(w in item.milestone for w in rule.words):
                continue
            for window in calendar.windows(item.date, item.last):
                if not window.concerns(None, street) or not _relevant(window, rule, street):
                    continue
                if (item.milestone, window.name, window.start) in seen:
                    continue
                seen.add((item.milestone, window.name, window.start))
                values = {"milestone": item.milestone, "date": item.date.isoformat(), "entry": window.name,
                          "start": window.start.isoformat(), "end": window.end.isoformat(),
                          "reason": window.reason}
                found.append({**values, "class": rule.id, "category": rule.category,
                              "action": rule.action.format(**values)})
                points = min(rule.points, rule.cap - spent.get(rule.id, 0))
                if points > 0:
                    spent[rule.id] = spent.get(rule.id, 0) + points
                    factors.append(Factor(rule.category, points, rule.why.format(**values), "calendar"))
    return found, factors

"""Pre-project social-stability risk assessment (重大项目社会稳定风险评估，稳评).

``assess(card, store, config) -> Assessment``: the procedure, necessity and planning reviews; the
six risk categories of the contract, each with its level, score, factors (every point explained),
evidence from the store about this place and project, precedents and mitigations; calendar
conflicts; the overall level; the response plan (预案) and the monitoring plan.
``assessment.report.render_html`` / ``write_pdf`` print it. The knowledge base is YAML in
``assessment/knowledge/`` (see ``assessment/README.md``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from assessment.card import CardError, ProjectCard, card_from_text, load_card, parse_card
from assessment.model import Assessment

__all__ = ["Assessment", "CardError", "ProjectCard", "assess", "card_from_text", "load_card", "parse_card"]


def assess(card: ProjectCard, store, config, *, library=None, calendar=None, knowledge=None,
           now: Optional[datetime] = None) -> Assessment:
    """Assess ``card`` with the evidence in ``store``.

    ``library`` (a :class:`case_library.CaseLibrary`), ``calendar`` (an :class:`event_calendar.Calendar`)
    and ``knowledge`` default to the configured ones; pass them to reuse them across projects.
    """
    from assessment.pipeline import run
    return run(card, store, config, library=library, calendar=calendar, knowledge=knowledge, now=now)

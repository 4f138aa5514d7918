"""The response plan (预案) and the monitoring plan (监测方案).

For every category at medium or high: its trigger, its actions (the category's standard actions,
then what this project's gaps call for: missing procedures to complete, milestones to move out of
risk windows), its owner and timing. The monitoring plan says what to watch (place and project
words, stakeholder groups), how often (by overall level) and which triggers call the plan.
"""
from __future__ import annotations

from assessment.card import ProjectCard
from assessment.knowledge import Knowledge
from assessment.model import CategoryResult, Check, PlanItem

LEVEL_NAMES = {"high": "高", "medium": "中", "low": "低"}


def _specific(category_id: str, procedure: Check, conflicts: list[dict], knowledge: Knowledge) -> list[str]:
    actions = []
    for item in procedure.items:
        if item["status"] == "已完成":
            continue
        proc = knowledge.procedure(item["procedure"])
        if proc is None:
            continue
        touched = {"policy_legal", *proc.also}
        if category_id in touched:
            verb = "补办" if item["status"] == "未完成" else "核实并补齐"
            actions.append(f"{verb}程序“{proc.id}”后再进入下一节点")
    actions += [c["action"] for c in conflicts if c["category"] == category_id]
    return list(dict.fromkeys(actions))


def response_plan(card: ProjectCard, categories: list[CategoryResult], procedure: Check, conflicts: list[dict],
                  knowledge: Knowledge) -> list[PlanItem]:
    plan = []
    for result in categories:
        if result.level == "low":
            continue
        category = knowledge.category(result.id)
        owner = category.owner.replace("项目业主", f"项目业主（{card.owner}）", 1) if card.owner else category.owner
        actions = _specific(result.id, procedure, conflicts, knowledge) + list(category.actions)
        plan.append(PlanItem(result.id, category.label, result.level, category.trigger, actions, owner,
                             category.timing))
    plan.sort(key=lambda p: (p.level != "high", [c.id for c in categories].index(p.risk)))
    return plan


def monitoring(card: ProjectCard, level: str, evidence_query: dict, plan: list[PlanItem], knowledge: Knowledge) -> dict:
    places, words = evidence_query["place_words"], evidence_query["project_words"]
    return {"frequency": knowledge.monitoring[level],
            "queries": [f"{p} {w}" for p in places[:4] for w in words[:6]],
            "place_words": places, "project_words": words,
            "groups": [g.name for g in knowledge.groups],
            "milestones": [{"milestone": m.milestone, "date": m.date.isoformat()} for m in card.timeline],
            "triggers": [{"risk": p.risk, "label": p.label, "trigger": p.trigger} for p in plan]}

"""The three reviews of a 稳评 before the risks: procedure (流程规范性), necessity (建设必要性) and
planning (规划合理性). Each gives a finding, its gaps, and the factors (points) the gaps add."""
from __future__ import annotations

from typing import Optional

from assessment.card import ProjectCard
from assessment.evidence import Evidence
from assessment.knowledge import Kind, Knowledge, Procedure
from assessment.model import Check, Factor

STATUS = {True: "已完成", False: "未完成", None: "情况不明"}


def match_procedure(name: str, knowledge: Knowledge) -> Optional[Procedure]:
    """The catalogue procedure a card's key names: its id or an alias, exactly, else the longest
    alias the key contains (``补偿方案公示`` is not ``方案公示``), else one containing the key."""
    key = name.strip()
    best, best_rank = None, (0, 0)
    for procedure in knowledge.procedures:
        for alias in [procedure.id, *procedure.aliases]:
            if alias == key:
                rank = (3, len(alias))
            elif len(alias) >= 2 and alias in key:
                rank = (2, len(alias))
            elif len(key) >= 2 and key in alias:
                rank = (1, -len(alias))
            else:
                continue
            if rank > best_rank:
                best, best_rank = procedure, rank
    return best


def _points(procedure: Procedure, share: float) -> list[tuple[str, int]]:
    pairs = [("policy_legal", procedure.points), *procedure.also.items()]
    return [(c, round(p * share)) for c, p in pairs if round(p * share)]


def procedure_check(card: ProjectCard, kind: Kind, knowledge: Knowledge) -> tuple[Check, list[Factor]]:
    stated: dict[str, Optional[bool]] = {}
    others = []
    for key, value in card.procedures.items():
        procedure = match_procedure(key, knowledge)
        if procedure is None:
            others.append({"procedure": key, "status": STATUS[value], "expected": False})
        else:
            stated[procedure.id] = value if procedure.id not in stated else (stated[procedure.id] and value)
    items, gaps, factors = [], [], []
    expected = list(kind.procedures) + [p for p, v in stated.items() if p not in kind.procedures and v is False]
    for pid in expected:
        procedure = knowledge.procedure(pid)
        status = stated.get(pid)
        items.append({"procedure": pid, "status": STATUS[status], "expected": pid in kind.procedures,
                      "why": procedure.why})
        if status is True:
            continue
        if status is False:
            gaps.append(f"{pid}：未完成。{procedure.why}")
            share, how = 1.0, "未完成"
        else:
            said = "项目卡写明情况不明" if pid in stated else "项目卡未提及"
            gaps.append(f"{pid}：{said}，须核实。{procedure.why}")
            share, how = knowledge.unknown_share, "情况不明"
        for category, points in _points(procedure, share):
            factors.append(Factor(category, points, f"程序“{pid}”{how}：{procedure.why}", "procedure"))
    items += others
    done = sum(1 for i in items if i["status"] == "已完成")
    missing = sum(1 for i in items if i["status"] == "未完成")
    unknown = sum(1 for i in items if i["status"] == "情况不明")
    finding = (f"{kind.label}项目应具备 {len(kind.procedures)} 项程序；已核对 {len(items)} 项：已完成 {done} 项，"
               f"未完成 {missing} 项，情况不明 {unknown} 项。")
    return Check(finding, gaps, items), factors


def necessity_check(card: ProjectCard, knowledge: Knowledge, evidence: Evidence) -> Check:
    said = [w for w in knowledge.necessity_words if w in card.summary]
    gaps = []
    if said:
        finding = f"项目卡说明的必要性依据：{'、'.join(said)}。"
    else:
        finding = "项目卡没有说明现状问题或需求缺口。"
        gaps.append("未说明建设必要性（现状问题、安全隐患、需求缺口），群众难以理解为何要建。")
    analysed = [p for p in evidence.posts if p.sentiment]
    if analysed:
        support = sum(p.sentiment == "positive" for p in analysed)
        against = sum(p.sentiment == "negative" for p in analysed)
        finding += f"相关帖子 {len(analysed)} 条中支持 {support} 条、反对 {against} 条。"
        if against > support and len(analysed) >= knowledge.evidence["min_posts"]:
            gaps.append(f"反对的帖子（{against} 条）多于支持的（{support} 条）：建设必要性尚未被群众认同，须加强解释。")
    else:
        finding += "库中没有关于本项目的帖子，必要性只能依据项目卡判断。"
    return Check(finding, gaps)


def planning_check(card: ProjectCard, kind: Kind, knowledge: Knowledge) -> tuple[Check, list[Factor]]:
    gaps, factors, notes = [], [], []
    if not card.location.street:
        gaps.append("未写明所在街道（location.street）：无法检索本地证据，也无法核对街道的风险日历。")
    for rule in kind.planning:
        value = card.value(rule.field)
        label = {"distances.homes_m": "与最近住宅的距离", "distances.schools_m": "与最近学校的距离",
                 "distances.hospitals_m": "与最近医院的距离"}.get(rule.field, rule.field)
        if value is None:
            gaps.append(f"未说明{label}（{rule.field}）。{rule.why}")
            if rule.unknown_points:
                factors.append(Factor(rule.category, rule.unknown_points, f"{label}不明：{rule.why}", "planning"))
        elif value < rule.min:
            gaps.append(f"{label}约 {value:g} 米，小于 {rule.min:g} 米。{rule.why}")
            factors.append(Factor(rule.category, rule.points, f"{label}约 {value:g} 米（< {rule.min:g} 米）：{rule.why}",
                                  "planning"))
        else:
            notes.append(f"{label}约 {value:g} 米（≥ {rule.min:g} 米）")
    if not card.timeline:
        gaps.append("没有进度安排（timeline）：无法核对节点是否避开敏感时段。")
    if "relocation" in kind.tags and (card.scale.households or card.scale.merchants):
        words = knowledge.compensation["no_transition"]["words"]
        if not card.compensation.strip():
            gaps.append("涉及搬迁，但没有写明补偿方案（compensation）。")
        elif not any(w in card.compensation for w in words):
            gaps.append("补偿方案没有写明过渡安置（临时市场、周转房、租金补贴等）。")
    finding = "；".join(notes) + "。" if notes else ""
    finding += f"规划审查发现 {len(gaps)} 处不足。" if gaps else "规划审查未发现不足。"
    return Check(finding, gaps), factors

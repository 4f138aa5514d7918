"""Risk factors and scores (风险识别与估计): every point comes from a named factor with its reason.

A category's score is the sum of its factors, clipped to 0..100: the kind's base (kinds.yaml), the
card's facts (factors.yaml ``card`` and ``compensation``), the procedure and planning reviews
(:mod:`assessment.checks`), calendar conflicts (:mod:`assessment.conflicts`) and the evidence
(``evidence``). Levels come from ``levels`` in categories.yaml. No other number enters a score.
"""
from __future__ import annotations

from typing import Any, Optional

from assessment.card import ProjectCard
from assessment.evidence import Evidence
from assessment.knowledge import CATEGORY_IDS, CardFactor, Kind, Knowledge
from assessment.model import Factor


def detect_kind(card: ProjectCard, knowledge: Knowledge) -> tuple[Kind, list[str]]:
    """The kind whose words the card's type (×3), name (×2) and summary (×1) use most; ``other`` if none."""
    best, best_score, best_words = knowledge.kind("other"), 0, []
    for kind in knowledge.kinds:
        if kind.id == "other":
            continue
        matched = [w for w in kind.words if w in card.type or w in card.name or w in card.summary]
        score = sum(3 * (w in card.type) + 2 * (w in card.name) + (w in card.summary) for w in kind.words)
        if card.type.strip() in (kind.id, kind.label):
            score += 10
        if score > best_score:
            best, best_score, best_words = kind, score, matched
    return best, best_words


def base_factors(kind: Kind) -> list[Factor]:
    return [Factor(c, kind.base[c][0], f"{kind.label}项目的基础风险：{kind.base[c][1]}", "kind") for c in CATEGORY_IDS]


def _band_points(factor_bands, value: float) -> Optional[int]:
    for band in reversed(factor_bands):
        if band.at_least is not None and value >= band.at_least:
            return band.points
        if band.at_most is not None and value <= band.at_most:
            return band.points
    return None


def _applies(factor: CardFactor, card: ProjectCard, kind: Kind) -> Optional[tuple[int, Any]]:
    if factor.tags and not set(factor.tags) & set(kind.tags):
        return None
    value = card.value(factor.field)
    if factor.empty is not None:
        return (factor.points, value) if (not value) == factor.empty else None
    if factor.equals is not None:
        return (factor.points, value) if value == factor.equals else None
    if value is None or isinstance(value, bool):
        return None
    points = _band_points(factor.bands, float(value))
    return (points, value) if points else None


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def card_factors(card: ProjectCard, kind: Kind, knowledge: Knowledge) -> list[Factor]:
    out = []
    for factor in knowledge.card:
        found = _applies(factor, card, kind)
        if found:
            points, value = found
            out.append(Factor(factor.category, points, factor.why.format(value=_show(value)), "card"))
    return out


def compensation_factors(card: ProjectCard, kind: Kind, knowledge: Knowledge) -> list[Factor]:
    """Relocation kinds with people or businesses to move: is compensation, with transition, written?"""
    if "relocation" not in kind.tags or not (card.scale.households or card.scale.merchants):
        return []
    rules = knowledge.compensation
    text = card.compensation.strip()
    if not text:
        rule = rules["missing"]
        return [Factor(rule["category"], rule["points"], rule["why"], "compensation")]
    rule = rules["no_transition"]
    if not any(w in text for w in rule["words"]):
        return [Factor(rule["category"], rule["points"], rule["why"], "compensation")]
    return []


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def evidence_factors(evidence: Evidence, knowledge: Knowledge, cite_ids: int = 10) -> list[Factor]:
    """Points from what the posts about the project say (shares over analysed posts)."""
    rules, out = knowledge.evidence, []
    min_posts = rules["min_posts"]
    for category in knowledge.categories:
        posts = [p for p in evidence.of_category(category) if p.sentiment]
        if len(posts) < min_posts:
            continue
        negative = [p for p in posts if p.sentiment == "negative"]
        positive = [p for p in posts if p.sentiment == "positive"]
        share = len(negative) / len(posts)
        points = _band_points([_Band(**b) for b in rules["negative_share"]["bands"]], share)
        if points:
            out.append(Factor(category.id, points, rules["negative_share"]["why"].format(
                count=len(posts), share=_pct(share)), "evidence", [p.doc.id for p in negative[:cite_ids]]))
        pos_share = len(positive) / len(posts)
        rule = rules["positive_share"]
        if pos_share >= rule["at_least"]:
            out.append(Factor(category.id, rule["points"], rule["why"].format(count=len(posts), share=_pct(pos_share)),
                              "evidence", [p.doc.id for p in positive[:cite_ids]]))
    rule = rules["mobilisation"]
    mobilised = [p for p in evidence.posts if any(w in p.full_text for w in rule["words"])]
    points = _band_points([_Band(**b) for b in rule["bands"]], len(mobilised)) if mobilised else None
    if points:
        out.append(Factor(rule["category"], points, rule["why"].format(count=len(mobilised)), "evidence",
                          [p.doc.id for p in mobilised[:cite_ids]]))
    rule, total = rules["group_opposition"], 0
    for group in knowledge.groups:
        posts = [p for p in evidence.posts if group.name in p.groups and p.sentiment]
        against = [p for p in posts if p.sentiment == "negative"]
        if len(posts) >= rule["min_posts"] and len(against) / len(posts) >= rule["share"] and total < rule["cap"]:
            points = min(rule["points"], rule["cap"] - total)
            total += points
            out.append(Factor(rule["category"], points, rule["why"].format(
                group=group.name, count=len(posts), share=_pct(len(against) / len(posts))), "evidence",
                [p.doc.id for p in against[:cite_ids]]))
    rule = rules["volume"]
    points = _band_points([_Band(**b) for b in rule["bands"]], len(evidence.posts)) if evidence.posts else None
    if points:
        out.append(Factor(rule["category"], points, rule["why"].format(count=len(evidence.posts)), "evidence",
                          [p.doc.id for p in evidence.posts[-cite_ids:]]))
    rule = rules["harmful"]
    harmful = [p for p in evidence.posts if p.analysis and p.analysis.harmful and
               {t.label for t in p.analysis.harmful.types} & {"rumor", "incitement"}]
    if harmful:
        out.append(Factor(rule["category"], rule["points"], rule["why"].format(count=len(harmful)), "evidence",
                          [p.doc.id for p in harmful[:cite_ids]]))
    return out


class _Band:
    def __init__(self, points: int, at_least: Optional[float] = None, at_most: Optional[float] = None) -> None:
        self.points, self.at_least, self.at_most = points, at_least, at_most


def total(factors: list[Factor], category: str) -> tuple[int, int]:
    """``(score clipped to 0..100, raw sum)`` of a category's factors."""
    raw = sum(f.points for f in factors if f.category == category)
    return max(0, min(100, raw)), raw


def overall(scores: dict[str, int], levels: dict[str, str], knowledge: Knowledge) -> tuple[int, str, list[str]]:
    """The overall score and level, with the sentences that explain them."""
    rule = knowledge.overall
    top = max(scores.values())
    mean = sum(scores.values()) / len(scores)
    score = round(rule.max_weight * top + (1 - rule.max_weight) * mean)
    level = knowledge.levels.level(score)
    why = [f"综合分 {score} = {rule.max_weight:g} × 最高类别分 {top} + {1 - rule.max_weight:g} × 六类平均分 "
           f"{mean:.1f}（{rule.why}）",
           f"综合分 {score} 对应{LABELS[level]}（高风险 ≥ {knowledge.levels.high:g}，中风险 ≥ {knowledge.levels.medium:g}）。"]
    highs = [c for c, l in levels.items() if l == "high"]
    if len(highs) >= rule.high_categories_for_high and level != "high":
        level = "high"
        why.append(f"{len(highs)} 类风险为高（≥ {rule.high_categories_for_high} 类），整体判定为高风险。")
    elif len(highs) >= rule.high_categories_for_medium and level == "low":
        level = "medium"
        why.append(f"有 {len(highs)} 类风险为高，整体至少为中风险。")
    return score, level, why


LABELS = {"high": "高风险", "medium": "中风险", "low": "低风险"}

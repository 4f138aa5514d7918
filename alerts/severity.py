"""Four-colour severity (red 一级, orange 二级, yellow 三级, blue 四级) from the rule and the evidence.

The rule (or the finding, for rules that grade themselves such as requests for help) gives the base
colour; each factor of the evidence raises it one step, at most two steps and never past the
rule's ``max_severity``. Every step is kept as a sentence, so the analyst sees why.
"""
from __future__ import annotations

from typing import Any

from yuqing.records import SEVERITIES, severity_rank
from yuqing.vocabulary import SEVERITY_LEVELS

#: (evidence key, threshold, sentence); a factor applies when evidence[key] >= threshold.
FACTORS = (
    ("volume", 50, "规模大（{value:g} 篇）"),
    ("growth", 5.0, "增长快（{value:.1f} 倍）"),
    ("vulnerable", 1, "涉及弱势人群"),
    ("calendar_sensitivity", 1.5, "处于敏感时间窗口（敏感度 {value:.1f}）"),
    ("case_outcome_bad", 1, "相似历史案例曾升级"),
)
MAX_STEPS = 2


def raise_by(severity: str, steps: int, ceiling: str = "red") -> str:
    """``severity`` raised ``steps`` levels, not past ``ceiling``."""
    rank = max(severity_rank(severity) - steps, severity_rank(ceiling))
    return SEVERITIES[min(rank, severity_rank(severity))]


def grade(base: str, evidence: dict[str, Any], ceiling: str = "red") -> tuple[str, list[str]]:
    """The severity and the reasons (in words) for a finding's evidence."""
    reasons = []
    for key, threshold, sentence in FACTORS:
        value = evidence.get(key)
        if value is None or value is False:
            continue
        if float(value) >= threshold:
            reasons.append(sentence.format(value=float(value)))
    steps = min(len(reasons), MAX_STEPS)
    severity = raise_by(base, steps, ceiling)
    if severity_rank(base) < severity_rank(ceiling):  # the rule's own base wins over a lower ceiling
        severity = base
    words = [f"基础级别 {name(base)}"] + reasons
    if severity != base:
        words.append(f"升至 {name(severity)}")
    return severity, words


def name(severity: str) -> str:
    """The colour and its level in words (红色（一级）), as pages and reports show it."""
    return SEVERITY_LEVELS[severity]


def higher(a: str, b: str) -> str:
    """The more severe of two colours."""
    return a if severity_rank(a) <= severity_rank(b) else b

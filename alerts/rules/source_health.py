"""``source_health``: a crawled source flatlining or blocked (数据源异常), from the crawler's health records."""
from __future__ import annotations

from datetime import datetime

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Rule
from yuqing.records import DEFAULT_TZ


@RULE_TYPES.register("source_health")
class SourceHealthRule(Rule):
    """Raise when a source's state is one of ``states`` or it has not succeeded for ``flatline_hours``."""

    summary = "a source flatlining or blocked (from the crawler's health records)"
    options = {"states": {"type": "array", "items": {"enum": ["degraded", "blocked", "failing"]}},
               "flatline_hours": {"type": "number", "exclusiveMinimum": 0},
               "sources": {"type": "array", "items": {"type": "string"}}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        bad_states = set(self.opts.get("states", ["blocked", "failing"]))
        limit = self.opts.get("flatline_hours", 6) * 3600
        wanted = set(self.opts.get("sources", []))
        findings = []
        for source in ctx.sources:
            name = source.id
            if wanted and name not in wanted:
                continue
            state = getattr(source, "state", None)
            last = _time(getattr(source, "last_success", None))
            silent = (ctx.now - last).total_seconds() if last else None
            problem = None
            if state in bad_states:
                problem = f"状态 {state}"
            elif silent is not None and silent >= limit:
                problem = f"{silent / 3600:.1f} 小时没有成功采集"
            if problem is None:
                continue
            findings.append(Finding(
                dedup_key=name, title=f"数据源异常：{name}（{problem}）",
                summary=f"error_rate={getattr(source, 'error_rate', None)}, items_per_hour={getattr(source, 'items_per_hour', None)}",
                evidence={"source": name, "state": state}, reasons=[f"数据源 {name} {problem}"]))
        return findings


def _time(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=DEFAULT_TZ)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=DEFAULT_TZ)

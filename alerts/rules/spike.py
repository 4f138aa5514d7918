"""``spike``: the current rate of matching documents against a baseline that can follow the calendar."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from alerts.rules import RULE_TYPES
from alerts.rules.base import GROUP_BY, TERM_OPTIONS, EvalContext, Finding, Rule, short, term_matcher

HOUR = 3600
BASELINES = ("previous", "weekday", "festival", "last_year")


@RULE_TYPES.register("spike")
class SpikeRule(Rule):
    """Raise when the last ``window_minutes`` hold ``factor`` times the baseline (突增).

    The rule keeps an hourly histogram of its matches in its state, so a cycle reads only new
    documents. Baselines: ``previous`` windows, the same window on the same ``weekday`` of past weeks,
    the same ``festival`` period last year (via the event calendar) and ``last_year`` (same weekday,
    52 weeks ago). Their mean is the baseline; windows before the rule's history began are left out.
    """

    summary = "current rate against a baseline (previous window, same weekday, festival period, last year)"
    options = {**TERM_OPTIONS, "window_minutes": {"type": "integer", "minimum": 60, "multipleOf": 60},
               "factor": {"type": "number", "exclusiveMinimum": 1}, "min_count": {"type": "integer", "minimum": 1},
               "baseline": {"type": "array", "items": {"enum": list(BASELINES)}, "minItems": 1},
               "baseline_windows": {"type": "integer", "minimum": 1, "maximum": 12}, "group_by": GROUP_BY}

    def __init__(self, spec):
        super().__init__(spec)
        self.terms = term_matcher(self)
        self.window = int(self.opts.get("window_minutes", 60)) * 60
        self.kinds = self.opts.get("baseline", ["previous", "weekday"])
        keep_days = 400 if {"festival", "last_year"} & set(self.kinds) else 7 * self.opts.get("baseline_windows", 4) + 2
        self.keep_hours = keep_days * 24

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        hist = ctx.state.setdefault("hist", {})
        since = ctx.state.setdefault("since", ctx.now.timestamp())
        touched = {}
        for item in ctx.items:
            if not self.matches(item) or (not self.terms.empty and not self.terms.hits(item)):
                continue
            key = self.group_of(item, self.opts.get("group_by", "street"))
            hour = str(int(item.doc.published_at.timestamp() // HOUR))
            bucket = hist.setdefault(key, {})
            bucket[hour] = bucket.get(hour, 0) + 1
            touched.setdefault(key, []).append(item)
            since = min(since, item.doc.published_at.timestamp())
        ctx.state["since"] = since
        self._prune(hist, ctx.now)
        findings = []
        for key, items in touched.items():
            finding = self._check(key, items, hist.get(key, {}), since, ctx)
            if finding:
                findings.append(finding)
        return findings

    def _prune(self, hist: dict, now: datetime) -> None:
        floor = int(now.timestamp() // HOUR) - self.keep_hours
        for key in list(hist):
            hist[key] = {h: c for h, c in hist[key].items() if int(h) >= floor}
            if not hist[key]:
                del hist[key]

    def _count(self, bucket: dict, end: float) -> int:
        last = int(end // HOUR)  # window (end - window, end], by whole hours
        return sum(bucket.get(str(h), 0) for h in range(last - self.window // HOUR + 1, last + 1))

    def _check(self, key: str, items: list, bucket: dict, since: float, ctx: EvalContext) -> Optional[Finding]:
        end = ctx.now.timestamp()
        current = self._count(bucket, end)
        if current < self.opts.get("min_count", 5):
            return None
        shifts = self._shifts(ctx)
        counts = [self._count(bucket, end - s) for s in shifts if end - s - self.window >= since - HOUR]
        if not counts:
            return None  # no history yet for any baseline: cold start, stay quiet
        baseline = sum(counts) / len(counts)
        factor = self.opts.get("factor", 3.0)
        if current < factor * baseline:
            return None
        growth = current / baseline if baseline else float(current)
        item = items[-1]
        return Finding(
            dedup_key=key, title=f"{item.street or ''} 信息量突增 {growth:.1f} 倍".strip(),
            summary=short(item.content, 120), doc_ids=[i.doc.id for i in items][-200:], street=item.street,
            category=item.category, evidence={"volume": current, "growth": growth},
            reasons=[f"最近 {self.window // 60} 分钟 {current} 条，基线 {baseline:.1f} 条（{'、'.join(self.kinds)}）"])

    def _shifts(self, ctx: EvalContext) -> list[float]:
        """Seconds back to each baseline window."""
        n = self.opts.get("baseline_windows", 4)
        shifts: list[float] = []
        if "previous" in self.kinds:
            shifts += [k * self.window for k in range(1, n + 1)]
        if "weekday" in self.kinds:
            shifts += [k * 7 * 86400 for k in range(1, n + 1)]
        if "last_year" in self.kinds:
            shifts.append(364 * 86400)
        if "festival" in self.kinds:
            shifts += festival_shifts(ctx)
        return shifts


def festival_shifts(ctx: EvalContext) -> list[float]:
    """For each calendar window open today, seconds back to the same day of that window last year."""
    if ctx.calendar is None:
        return []
    today = ctx.now.date()
    shifts = []
    try:
        for entry in ctx.calendar.active(today):
            start = _date(entry.get("start"))
            if start is None:
                continue
            for past in ctx.calendar.active(today - timedelta(days=365)) + ctx.calendar.active(today - timedelta(days=354)):
                past_start = _date(past.get("start"))
                if past.get("name") == entry.get("name") and past_start and past_start < start:
                    shifts.append((start - past_start).days * 86400.0)
                    break
    except Exception as exc:  # the calendar is another package: never let it stop the rule
        import logging
        logging.getLogger(__name__).warning("calendar lookup failed for the festival baseline: %s", exc)
    return sorted(set(shifts))


def _date(value):
    from datetime import date
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None

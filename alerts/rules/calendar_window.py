"""``calendar_window``: a risk window of the event calendar opening, warned N days ahead (敏感节点)."""
from __future__ import annotations

import logging
from datetime import date, timedelta

from alerts.rules import RULE_TYPES
from alerts.rules.base import EvalContext, Finding, Rule

log = logging.getLogger(__name__)

WINDOW_SCHEMA = {"type": "object", "required": ["name", "start"], "properties": {
    "name": {"type": "string"}, "start": {"type": "string", "format": "date"}, "end": {"type": "string"},
    "categories": {"type": "array", "items": {"type": "string"}}, "streets": {"type": "array", "items": {"type": "string"}},
    "reason": {"type": "string"}, "sensitivity": {"type": "number"}}}


@RULE_TYPES.register("calendar_window")
class CalendarWindowRule(Rule):
    """One alert per calendar window opening within ``days_ahead`` days, raised once per window.

    Windows come from the event calendar (when installed) and from the rule's own ``windows`` list,
    for local dates the calendar does not know (a hearing, a relocation deadline).
    """

    summary = "a risk window of the event calendar opening (warn N days ahead)"
    options = {"days_ahead": {"type": "integer", "minimum": 0, "maximum": 90},
               "min_sensitivity": {"type": "number", "minimum": 0},
               "windows": {"type": "array", "items": WINDOW_SCHEMA}}

    def evaluate(self, ctx: EvalContext) -> list[Finding]:
        today = ctx.now.date()
        days = self.opts.get("days_ahead", 7)
        raised = ctx.state.setdefault("raised", {})
        findings = []
        for entry in self._windows(ctx, today, days):
            key = f"{entry['name']}|{entry['start']}"
            if key in raised or not self._wanted(entry):
                continue
            raised[key] = today.isoformat()
            start = _as_date(entry["start"])
            ahead = (start - today).days if start else 0
            streets = list(entry.get("streets") or [])
            categories = list(entry.get("categories") or [])
            sensitivity = float(entry.get("sensitivity") or 1.5)
            findings.append(Finding(
                dedup_key=key, title=f"敏感时间窗口：{entry['name']}（{entry['start']} 起）",
                summary=entry.get("reason") or "", street=streets[0] if len(streets) == 1 else None,
                category=categories[0] if len(categories) == 1 else None, calendar=[entry["name"]],
                evidence={"calendar_sensitivity": sensitivity, "days_ahead": ahead},
                reasons=[f"{'已开启' if ahead <= 0 else f'{ahead} 天后开启'}；" + (entry.get("reason") or entry["name"])]))
        for key in [k for k, v in raised.items() if v < (today - timedelta(days=400)).isoformat()]:
            del raised[key]
        return findings

    def _windows(self, ctx: EvalContext, today: date, days: int) -> list[dict]:
        entries = self._stored_warnings(ctx, today, days)
        if entries is None and ctx.calendar is not None:  # no calendar job has run: ask the calendar
            try:
                entries = list(ctx.calendar.upcoming(today, days))
            except Exception as exc:
                log.warning("event calendar unavailable for rule %s: %s", self.name, exc)
        entries = list(entries or [])
        for window in self.opts.get("windows", []):
            start, end = _as_date(window["start"]), _as_date(window.get("end") or window["start"])
            if start and end and start - timedelta(days=days) <= today <= end:
                entries.append(dict(window))
        return entries

    @staticmethod
    def _stored_warnings(ctx: EvalContext, today: date, days: int):
        """Windows the calendar job wrote to ``calendar_warnings``; ``None`` if that job never ran."""
        if ctx.store is None:
            return None
        try:
            import event_calendar.stage  # noqa: F401  (declares the calendar_warnings kind)
        except ImportError:
            return None
        from yuqing.storage.base import Range
        found = ctx.store.find_records("calendar_warnings", {"end": Range(gte=today.isoformat())}, limit=1000)
        if not found and ctx.store.get_state("calendar.warnings") is None:
            return None
        horizon = (today + timedelta(days=days)).isoformat()
        return [r.model_dump(mode="json") for r in found
                if str(r.start) <= horizon or str(getattr(r, "warn_from", "9999")) <= today.isoformat()]

    def _wanted(self, entry: dict) -> bool:
        if float(entry.get("sensitivity") or 1.5) < self.opts.get("min_sensitivity", 0):
            return False
        cats, streets = self.match.get("categories"), self.match.get("streets")
        if cats and entry.get("categories") and not set(cats) & set(entry["categories"]):
            return False
        if streets and entry.get("streets") and not set(streets) & set(entry["streets"]):
            return False
        return True


def _as_date(value):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None

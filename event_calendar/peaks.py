"""Learned peaks (历史高发期): recurring seasonal peaks found in the engine's own history.

Events are the stored incidents (by ``first_seen``), alerts (by ``created_at``; an alert of an
incident already counted is not counted again) and, when asked, days on which documents of a
category and street were published. They are counted per category × street (and per category over
every street) × period (:mod:`event_calendar.periods`).

A period is proposed as a peak only when all of these hold, so noise does not make peaks:

* a one-sided binomial test of the events inside the period against the share of days the period
  covers gives p < ``alpha`` divided by the number of tests made (Bonferroni);
* the rate inside the period is at least ``min_ratio`` times the rate outside it;
* the period "peaked" (held at least ``min_ratio`` × its share of that year's events, and at least
  two events) in at least ``min_years`` distinct years.
"""
from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Optional

from event_calendar.periods import Period, days_by_period, default_periods
from yuqing.records import DEFAULT_TZ, stable_id
from yuqing.storage.base import JsonRecord, Range

log = logging.getLogger(__name__)

ALL_STREETS = "*"


@dataclass(frozen=True)
class Event:
    day: date
    category: str
    street: Optional[str]


@dataclass
class Peak:
    """One proposed peak with its evidence."""

    category: str
    street: Optional[str]
    period: Period
    in_period: int
    total: int
    share: float
    p_value: float
    peak_years: list[int]
    years: list[int]
    evidence: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return stable_id("calendar-peak", self.category, self.street or ALL_STREETS, self.period.key)


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space so large n does not overflow."""
    if k <= 0:
        return 1.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
             for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def _day(value: Any) -> Optional[date]:
    if isinstance(value, datetime):
        return value.astimezone(DEFAULT_TZ).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value).astimezone(DEFAULT_TZ).date() if "T" in value else date.fromisoformat(value[:10])
    return None


def collect_events(store, first: date, last: date, sources: Iterable[str]) -> list[Event]:
    """Events of the store between ``first`` and ``last`` (inclusive)."""
    since = datetime.combine(first, datetime.min.time(), DEFAULT_TZ)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), DEFAULT_TZ)
    sources = set(sources)
    events: list[Event] = []
    if "incidents" in sources:
        for incident in store.find_records("incidents", where={"first_seen": Range(since, until)}):
            day = _day(incident.first_seen)
            for street in incident.streets or [None]:
                if day and incident.category:
                    events.append(Event(day, incident.category, street))
    if "alerts" in sources:
        counted = "incidents" in sources
        for alert in store.find_records("alerts", since=since, until=until):
            if alert.rule == "calendar_window" or (counted and alert.incident_id):
                continue  # a calendar alert is not history; an incident's alert was counted already
            if alert.category:
                events.append(Event(_day(alert.created_at), alert.category, alert.street))
    if "documents" in sources:
        events.extend(_document_days(store, since, until))
    return events


def _document_days(store, since: datetime, until: datetime) -> list[Event]:
    """One event per day on which documents of a category and street appeared."""
    events = []
    for category in store.count_by("category", since=since, until=until):
        for street in store.count_by("street", since=since, until=until, category=category):
            for day in store.count_by("day", since=since, until=until, category=category, street=street):
                events.append(Event(date.fromisoformat(day), category, street))
    return events


def find_peaks(events: list[Event], first: date, last: date, *, alpha: float = 0.01, min_years: int = 3,
               min_ratio: float = 2.0, periods: Optional[list[Period]] = None) -> list[Peak]:
    """Recurring peaks among ``events`` observed from ``first`` to ``last``; strongest first."""
    periods = periods or default_periods()
    by_period = days_by_period(periods, first, last)
    span_days = (last - first).days + 1
    groups: dict[tuple[str, Optional[str]], list[Event]] = defaultdict(list)
    for event in events:
        if first <= event.day <= last:
            groups[(event.category, event.street)].append(event)
            if event.street is not None:
                groups[(event.category, ALL_STREETS)].append(event)
    tests = max(1, len(groups) * len(periods))
    peaks = []
    for (category, street), group in groups.items():
        for period in periods:
            peak = _test(category, street, group, period, by_period[period.key], span_days, first, last,
                         alpha / tests, min_years, min_ratio)
            if peak:
                peaks.append(peak)
    return sorted(peaks, key=lambda p: (p.p_value, -p.in_period))


def _test(category, street, group, period, days, span_days, first, last, threshold, min_years,
          min_ratio) -> Optional[Peak]:
    share = len(days) / span_days
    if not days or share >= 0.5:
        return None
    inside = [e for e in group if e.day in days]
    k, n = len(inside), len(group)
    outside_rate = (n - k) / max(1, span_days - len(days))
    inside_rate = k / len(days)
    if k < 2 or inside_rate < min_ratio * max(outside_rate, 1e-9):
        return None
    p_value = binomial_sf(k, n, share)
    if p_value >= threshold:
        return None
    years = sorted(set(days.values()))
    peak_years = _peak_years(group, inside, days, years, first, last, min_ratio)
    if len(peak_years) < min_years:
        return None
    where = f"in {street}" if street != ALL_STREETS else "across all streets"
    evidence = (f"{category} {where}: {len(peak_years)} of the last {len(years)} years peaked in "
                f"{period.label} ({k} of {n} events in {share:.0%} of the days; binomial p={p_value:.1e})")
    return Peak(category, None if street == ALL_STREETS else street, period, k, n, share, p_value,
                peak_years, years, evidence)


def _peak_years(group, inside, days, years, first, last, min_ratio) -> list[int]:
    """Years whose occurrence of the period held ``min_ratio`` × its share of that year's events."""
    in_by_year = Counter(days[e.day] for e in inside)
    found = []
    for year in years:
        year_first, year_last = max(first, date(year, 1, 1)), min(last, date(year, 12, 31))
        year_events = sum(1 for e in group if year_first <= e.day <= year_last)
        period_days = sum(1 for d, y in days.items() if y == year)
        year_days = (year_last - year_first).days + 1
        expected = year_events * period_days / year_days
        if in_by_year[year] >= 2 and in_by_year[year] >= min_ratio * expected:
            found.append(year)
    return found


def proposal_record(peak: Peak, previous: Optional[Any] = None) -> JsonRecord:
    """The ``calendar_proposals`` record of a peak; an analyst's earlier decision is kept."""
    street_label = peak.street or "全部街道"
    entry = dict(peak.period.entry)
    entry.update({"name": f"{street_label} {peak.category} {peak.period.label} 高发（历史学习）",
                  "categories": [peak.category], "streets": [peak.street] if peak.street else [],
                  "reason": f"历史学习（learned from history）：{peak.evidence}", "sensitivity": 1.5, "lead": 14,
                  "source": f"proposal:{peak.id}"})
    return JsonRecord(id=peak.id, status=getattr(previous, "status", "proposed"), category=peak.category,
                      street=peak.street, period=peak.period.key, evidence=peak.evidence,
                      p_value=peak.p_value, in_period=peak.in_period, total=peak.total,
                      peak_years=peak.peak_years, entry=entry,
                      decided_by=getattr(previous, "decided_by", None))


def learn(store, today: date, *, years: int = 5, alpha: float = 0.01, min_years: int = 3, min_ratio: float = 2.0,
          sources: Iterable[str] = ("incidents", "alerts")) -> list[JsonRecord]:
    """Find peaks in the last ``years`` full years before ``today`` and store them as proposals."""
    first, last = date(today.year - years, 1, 1), today - timedelta(days=1)
    events = collect_events(store, first, last, sources)
    if events:  # a store younger than the lookback: measure from its first event's year only
        first = max(first, date(min(e.day for e in events).year, 1, 1))
    peaks = find_peaks(events, first, last, alpha=alpha, min_years=min_years, min_ratio=min_ratio)
    records = [proposal_record(p, store.get_record("calendar_proposals", p.id)) for p in peaks]
    if records:
        store.put_records("calendar_proposals", records)
    log.info("calendar learn: %d events from %s to %s, %d peaks proposed", len(events), first, last, len(records))
    return records


def decide(store, proposal_id: str, status: str, who: str) -> JsonRecord:
    """Accept or reject a proposal; an accepted one joins the calendar on its next load."""
    from yuqing.errors import NotFound

    if status not in ("accepted", "rejected", "proposed"):
        raise ValueError(f"status must be accepted, rejected or proposed, not {status!r}")
    found = store.get_record("calendar_proposals", proposal_id)
    if found is None:
        raise NotFound(f"no calendar proposal {proposal_id!r}; list them with `yuqing calendar proposals`")
    data = found.model_dump()
    data.update(status=status, decided_by=who)
    record = JsonRecord(**data)
    store.put_records("calendar_proposals", [record])
    return record

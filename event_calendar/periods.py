"""Calendar periods that learned peaks are tested in: solar months, the weeks before 春节, the
official holidays, and the seasons of the shipped calendar.

Each period has an occurrence per year (a set of days) and a way to become a calendar entry when an
analyst accepts a peak found in it.
"""
from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

from event_calendar.expand import _safe_date
from event_calendar.holidays import holiday_span
from event_calendar.lunar import spring_festival

HOLIDAY_NAMES_ZH = {"new_years_day": "元旦", "spring_festival": "春节", "tomb_sweeping_day": "清明",
                    "labour_day": "五一", "dragon_boat_festival": "端午", "mid_autumn_festival": "中秋",
                    "national_day": "国庆"}


@dataclass(frozen=True)
class Period:
    """A recurring stretch of the year.

    Attributes:
        key: stable id (``month:03``, ``pre_spring_festival``, ``holiday:national_day``).
        label: words for the evidence sentence ("the 4 weeks before 春节").
        span: year → (first, last) day of that year's occurrence.
        entry: the entry fields (kind and anchor) an accepted peak becomes.
    """

    key: str
    label: str
    span: Callable[[int], tuple[date, date]]
    entry: dict[str, Any]


def _month(m: int) -> Period:
    def span(year: int) -> tuple[date, date]:
        return date(year, m, 1), date(year, m, _stdcal.monthrange(year, m)[1])
    return Period(f"month:{m:02d}", f"{m}月", span, {"kind": "season", "from": f"{m:02d}-01",
                                                    "to": f"{m:02d}-{28 if m == 2 else _stdcal.monthrange(2001, m)[1]:02d}"})


def _pre_spring(year: int) -> tuple[date, date]:
    festival = spring_festival(year)
    return festival - timedelta(days=28), festival - timedelta(days=1)


def _holiday(name: str) -> Period:
    return Period(f"holiday:{name}", f"the {HOLIDAY_NAMES_ZH[name]} holiday",
                  lambda year: holiday_span(year, name), {"kind": "holiday", "holiday": name})


def _season(entry) -> Period:
    (fm, fd), (tm, td) = entry.month_day(entry.from_), entry.month_day(entry.to)

    def span(year: int) -> tuple[date, date]:
        end_year = year + (1 if (tm, td) < (fm, fd) else 0)
        return _safe_date(year, fm, fd), _safe_date(end_year, tm, td)
    return Period(f"season:{entry.name}", entry.name, span, {"kind": "season", "from": entry.from_, "to": entry.to})


def default_periods(seasons: bool = True) -> list[Period]:
    """Months (day of year), the weeks before 春节 (lunar), official holidays and, with ``seasons``,
    the seasons of the shipped calendar (汛期, 台风季, …)."""
    periods = [_month(m) for m in range(1, 13)]
    periods.append(Period("pre_spring_festival", "the 4 weeks before 春节", _pre_spring,
                          {"kind": "lunar", "lunar_month": 1, "lunar_day": 1, "before": 28}))
    periods.extend(_holiday(name) for name in HOLIDAY_NAMES_ZH)
    if seasons:
        from event_calendar.loaders import DEFAULT_FILE, load_entries
        periods.extend(_season(e) for e in load_entries(DEFAULT_FILE) if e.kind == "season")
    return periods


def days_by_period(periods: list[Period], first: date, last: date) -> dict[str, dict[date, int]]:
    """Period key → {day: the year of the occurrence it belongs to}, within ``first``..``last``."""
    found: dict[str, dict[date, int]] = {}
    for period in periods:
        days: dict[date, int] = {}
        for year in range(first.year, last.year + 1):
            start, end = period.span(year)
            day = max(start, first)
            while day <= min(end, last):
                days[day] = year
                day += timedelta(days=1)
        found[period.key] = days
    return found

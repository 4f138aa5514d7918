"""Official holidays (法定节假日) and make-up workdays (调休上班), from chinese-calendar.

chinese-calendar ships the State Council's schedule year by year and raises for a year it does not
know yet (2027 while it is unpublished). Then the calendar falls back to the rule each holiday
follows (fixed solar dates, lunar dates, the 清明 solar term) with the usual lengths, and logs that
once per year, so a warning is never lost because a table is late.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

from event_calendar.lunar import lunar_to_solar, solar_term

log = logging.getLogger(__name__)

#: chinese-calendar's holiday names → the entry names used in YAML.
_NAMES = {"New Year's Day": "new_years_day", "Spring Festival": "spring_festival",
          "Tomb-sweeping Day": "tomb_sweeping_day", "Labour Day": "labour_day",
          "Dragon Boat Festival": "dragon_boat_festival", "Mid-autumn Festival": "mid_autumn_festival",
          "National Day": "national_day"}
_warned: set[int] = set()


def _fallback(year: int) -> dict[str, tuple[date, date]]:
    """Usual spans when the official table is missing (the State Council's pattern since 2020)."""
    def span(first: date, days: int) -> tuple[date, date]:
        return first, first + timedelta(days=days - 1)

    spring = lunar_to_solar(year, 1, 1)
    mid_autumn = lunar_to_solar(year, 8, 15)
    spans = {
        "new_years_day": span(date(year, 1, 1), 1),
        "spring_festival": (spring - timedelta(days=1), spring + timedelta(days=6)),
        "tomb_sweeping_day": span(solar_term(year, "清明"), 1),
        "labour_day": span(date(year, 5, 1), 5),
        "dragon_boat_festival": span(lunar_to_solar(year, 5, 5), 1),
        "mid_autumn_festival": span(mid_autumn, 1),
        "national_day": span(date(year, 10, 1), 7),
    }
    return spans


@lru_cache(maxsize=64)
def _official(year: int) -> tuple[dict[str, tuple[date, date]], tuple[date, ...], bool]:
    """(holiday → first, last day off; make-up workdays; True if from the official table)."""
    import chinese_calendar

    spans: dict[str, tuple[date, date]] = {}
    makeup: list[date] = []
    day = date(year, 1, 1)
    try:
        while day.year == year:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            key = _NAMES.get(name) if name else None
            if on_holiday and key:
                first, _ = spans.get(key, (day, day))
                spans[key] = (first, day)
            elif not on_holiday and day.weekday() >= 5:
                makeup.append(day)  # a weekend day that is a workday: 调休上班
            day += timedelta(days=1)
    except NotImplementedError:
        if year not in _warned:
            _warned.add(year)
            log.warning("chinese-calendar has no official holiday table for %s; using the usual rules "
                        "(fixed dates, lunar dates, 清明) until it is updated (pip install -U chinesecalendar)",
                        year)
        return _fallback(year), (), False
    # National Day and Mid-autumn can merge into one break; the table names the whole break one way.
    for key, value in _fallback(year).items():
        spans.setdefault(key, value)
    return spans, tuple(makeup), True


def holiday_span(year: int, holiday: str) -> tuple[date, date]:
    """First and last day off of ``holiday`` in ``year`` (official, or the usual rule)."""
    return _official(year)[0][holiday]


def makeup_workdays(year: int) -> tuple[date, ...]:
    """Weekend days that are workdays in ``year`` (empty when the table is missing)."""
    return _official(year)[1]


def is_official(year: int) -> bool:
    """Whether ``year``'s spans come from the official table rather than the fallback rules."""
    return _official(year)[2]


def holiday_of(day: date) -> str | None:
    """The holiday whose days off include ``day``, if any."""
    for name, (first, last) in _official(day.year)[0].items():
        if first <= day <= last:
            return name
    return None

"""Entries → dated windows for a given solar year."""
from __future__ import annotations

from datetime import date, timedelta

from event_calendar.entries import Entry, Window, window
from event_calendar.holidays import holiday_span, is_official, makeup_workdays
from event_calendar.lunar import lunar_to_solar, solar_term


def _safe_date(year: int, month: int, day: int) -> date:
    """Feb 29 in a common year becomes Feb 28 rather than an error."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def windows_for_year(entry: Entry, year: int) -> list[Window]:
    """The windows of ``entry`` anchored in solar ``year`` (a window may spill into the next year)."""
    if entry.years is not None and year not in entry.years:
        return []
    kind = entry.kind
    if kind == "fixed":
        day = _safe_date(year, entry.month, entry.day)
        return [window(entry, day, day)]
    if kind == "lunar":
        # Lunar month 12 of lunar year Y-1 falls in January/February of solar year Y.
        found = []
        for lunar_year in (year - 1, year):
            day = lunar_to_solar(lunar_year, entry.lunar_month, entry.lunar_day)
            if day.year == year:
                found.append(window(entry, day, day))
        return found
    if kind == "solar_term":
        day = solar_term(year, entry.term)
        return [window(entry, day, day)]
    if kind == "holiday":
        first, last = holiday_span(year, entry.holiday)
        near = [d for d in makeup_workdays(year) if first - timedelta(days=10) <= d <= last + timedelta(days=10)]
        notes = tuple(f"调休上班 {d.isoformat()}" for d in near)
        if not is_official(year):
            notes += ("official holiday table not published yet: usual dates assumed",)
        return [window(entry, first, last, notes)]
    if kind == "season":
        (fm, fd), (tm, td) = entry.month_day(entry.from_), entry.month_day(entry.to)
        start = _safe_date(year, fm, fd)
        end = _safe_date(year + (1 if (tm, td) < (fm, fd) else 0), tm, td)
        return [window(entry, start, end)]
    # date, anniversary, milestone: one dated span
    if entry.on.year != year:
        return []
    return [window(entry, entry.on, entry.end_date or entry.on)]

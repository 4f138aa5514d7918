"""The calendar: every entry expanded to dated windows, with the questions the alerts stage asks."""
from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Optional

from event_calendar.entries import Entry, Window, parse_entry
from event_calendar.expand import windows_for_year
from event_calendar.loaders import DEFAULT_FILE, anniversary_entries, load_entries, milestone_entries
from yuqing.errors import RecordError

log = logging.getLogger(__name__)


class Calendar:
    """Risk-event calendar (风险日历).

    Args:
        entries: the entries; a later entry with the same name and kind replaces an earlier one.
        max_sensitivity: cap of :meth:`sensitivity`.
    """

    def __init__(self, entries: Iterable[Entry], max_sensitivity: float = 3.0) -> None:
        merged: dict[tuple[str, str], Entry] = {}
        for entry in entries:
            merged[(entry.name, entry.kind)] = entry
        self.entries = list(merged.values())
        self.max_sensitivity = max_sensitivity
        self._years: dict[int, list[Window]] = {}

    @classmethod
    def from_config(cls, config, store=None, today: Optional[date] = None) -> "Calendar":
        """Shipped and user entries, project milestones, case anniversaries and accepted learned peaks."""
        entries: list[Entry] = []
        files = ([DEFAULT_FILE] if config["calendar.shipped"] else []) + [Path(p) for p in config["calendar.files"]]
        for path in files:
            entries.extend(load_entries(path))
        for path in config["calendar.projects"]:
            entries.extend(milestone_entries(Path(path)))
        if store is not None:
            entries.extend(accepted_entries(store))
            if config["calendar.anniversaries"]:
                entries.extend(_anniversaries(config, store, today or date.today()))
        return cls(entries, max_sensitivity=config["calendar.max_sensitivity"])

    # windows ---------------------------------------------------------------------------------------
    def _windows_of_year(self, year: int) -> list[Window]:
        if year not in self._years:
            found = []
            for entry in self.entries:
                try:
                    found.extend(windows_for_year(entry, year))
                except (ValueError, KeyError) as exc:  # a lunar table edge; one entry never stops the rest
                    log.warning("calendar entry %r cannot be placed in %s: %s", entry.name, year, exc)
            self._years[year] = found
        return self._years[year]

    def windows(self, first: date, last: date) -> list[Window]:
        """Windows overlapping ``first``..``last`` (inclusive), by start then name."""
        found = []
        for year in range(first.year - 1, last.year + 1):  # a window anchored last year may run on
            found.extend(w for w in self._windows_of_year(year) if w.start <= last and w.end >= first)
        return sorted(set(found), key=lambda w: (w.start, w.name))

    def upcoming(self, today: date, days: int) -> list[dict[str, Any]]:
        """Windows open today or opening within ``days`` days: the ``calendar upcoming`` records."""
        return [w.as_dict() for w in self.windows(today, today + timedelta(days=max(days, 0)))]

    def warnings(self, today: date, days: int) -> list[Window]:
        """Windows to warn of today: open, or opening within ``days`` or within their own lead time."""
        longest = max([days] + [e.lead for e in self.entries])
        return [w for w in self.windows(today, today + timedelta(days=longest))
                if w.start <= today + timedelta(days=days) or w.warn_from <= today]

    def active_windows(self, day: date, category: Optional[str] = None,
                       street: Optional[str] = None) -> list[Window]:
        return [w for w in self.windows(day, day) if w.concerns(category, street)]

    def active(self, day: date, category: Optional[str] = None, street: Optional[str] = None) -> list[dict]:
        """Windows open on ``day`` that concern ``category`` and ``street`` (``None``: any)."""
        return [w.as_dict() for w in self.active_windows(day, category, street)]

    def sensitivity(self, day: date, category: Optional[str] = None, street: Optional[str] = None) -> float:
        """How much to raise rule sensitivity on ``day``: 1.0 outside every window.

        The largest factor of the open windows applies, capped at ``max_sensitivity``. Why not the
        product: overlapping windows usually describe one risk twice (春节 holiday and the wage
        window before it), and multiplying would count it twice.
        """
        factors = [w.sensitivity for w in self.active_windows(day, category, street)]
        return min(max(factors, default=1.0), self.max_sensitivity)


def accepted_entries(store) -> list[Entry]:
    """Learned peaks an analyst accepted (``calendar_proposals`` with status ``accepted``)."""
    entries = []
    for proposal in store.find_records("calendar_proposals", {"status": "accepted"}):
        try:
            entries.append(parse_entry(getattr(proposal, "entry"), f"calendar proposal {proposal.id}"))
        except (RecordError, AttributeError) as exc:
            log.error("%s; skipped", exc)
    return entries


def _anniversaries(config, store, today: date) -> list[Entry]:
    cities = set(config["calendar.anniversary_cities"])
    cases = [c for c in store.find_records("cases") if not cities or getattr(c, "city", None) in cities]
    return anniversary_entries(cases, range(today.year - 1, today.year + 2),
                               sensitivity=config["calendar.anniversary_sensitivity"],
                               marks=config["calendar.anniversary_marks"])

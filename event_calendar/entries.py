"""Calendar entries (日历条目) as users write them in YAML, and the windows they expand to.

An *entry* is a rule ("the 28 days before 春节, every year"); a *window* is one dated occurrence of
it (2026-01-20 … 2026-02-16). Every entry names the risk it raises and why, the categories and
streets it concerns (empty ``streets`` means every street), watch keywords, a lead time in days
(how early the daily job warns) and ``sensitivity``, the factor by which it raises rule
sensitivity while open.

Kinds of entry (``kind:``):

* ``fixed`` — a solar date every year (``month``, ``day``): 3·15, 高考 June 7.
* ``lunar`` — a lunar date every year (``lunar_month``, ``lunar_day``; ``lunar_day: -1`` is the last
  day of the month, so 除夕 is ``12 / -1``): 春节, 端午, 中秋.
* ``solar_term`` — one of the 24 solar terms (``term: 清明``).
* ``holiday`` — an official holiday from the State Council's schedule (``holiday: national_day``),
  spanning its days off; make-up workdays are reported alongside.
* ``season`` — a span between two month-days every year (``from: "04-15"``, ``to: "10-15"``).
* ``date`` — one dated span (``date: 2026-05-01``; anniversaries, milestones, one-off events).
* ``anniversary`` and ``milestone`` are ``date``-like entries generated from cases and projects.

An accepted learned peak (see :mod:`event_calendar.peaks`) becomes a ``season``, ``lunar`` or
``holiday`` entry whose ``source`` names the proposal.

``before`` and ``after`` widen the anchor day into a span: ``before: 28`` on 春节 opens the window
28 days before the festival.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
import datetime as dt
from datetime import date, timedelta
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from yuqing.errors import RecordError
from yuqing.records import CATEGORIES, describe_validation_error

KINDS = ("fixed", "lunar", "solar_term", "holiday", "season", "date", "anniversary", "milestone")
HOLIDAYS = ("new_years_day", "spring_festival", "tomb_sweeping_day", "labour_day", "dragon_boat_festival",
            "mid_autumn_festival", "national_day")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


class Entry(BaseModel):
    """One calendar entry, validated at load (messages name the field)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1)
    kind: Literal["fixed", "lunar", "solar_term", "holiday", "season", "date", "anniversary", "milestone"]
    categories: list[str] = Field(default_factory=list)
    streets: list[str] = Field(default_factory=list)
    reason: str = ""
    keywords: list[str] = Field(default_factory=list)
    sensitivity: float = Field(default=1.2, ge=1.0, le=5.0)
    lead: int = Field(default=7, ge=0, le=120)
    before: int = Field(default=0, ge=0, le=120)
    after: int = Field(default=0, ge=0, le=120)
    # kind-specific anchors
    month: Optional[int] = Field(default=None, ge=1, le=12)
    day: Optional[int] = Field(default=None, ge=1, le=31)
    lunar_month: Optional[int] = Field(default=None, ge=1, le=12)
    lunar_day: Optional[int] = Field(default=None, ge=-1, le=30)
    term: Optional[str] = None
    holiday: Optional[str] = None
    from_: Optional[str] = Field(default=None, alias="from")
    to: Optional[str] = None
    on: Optional[dt.date] = Field(default=None, alias="date")
    end_date: Optional[dt.date] = None
    years: Optional[list[int]] = None  # limit a recurring entry to these years
    source: str = ""  # where a generated entry came from (case id, project, proposal)

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"unknown categories {unknown}; use the contract's names: {', '.join(CATEGORIES)}")
        return value

    @field_validator("from_", "to")
    @classmethod
    def _month_day(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not _MONTH_DAY.match(str(value)):
            raise ValueError("write a month-day as \"MM-DD\", for example \"04-15\"")
        return value

    @model_validator(mode="after")
    def _anchor_present(self) -> "Entry":
        need = {"fixed": ("month", "day"), "lunar": ("lunar_month", "lunar_day"), "solar_term": ("term",),
                "holiday": ("holiday",), "season": ("from_", "to"), "date": ("on",),
                "anniversary": ("on",), "milestone": ("on",)}[self.kind]
        names = {"from_": "from", "on": "date"}
        missing = [names.get(n, n) for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.kind} entry needs {', '.join(missing)}")
        if self.kind == "holiday" and self.holiday not in HOLIDAYS:
            raise ValueError(f"holiday {self.holiday!r} is not one of {', '.join(HOLIDAYS)}")
        if self.kind == "solar_term":
            from event_calendar.lunar import SOLAR_TERMS
            if self.term not in SOLAR_TERMS:
                raise ValueError(f"term {self.term!r} is not a solar term; one of {' '.join(SOLAR_TERMS)}")
        return self

    def month_day(self, text: str) -> tuple[int, int]:
        m = _MONTH_DAY.match(text)
        return int(m.group(1)), int(m.group(2))


def parse_entry(data: Any, where: str) -> Entry:
    """Validate one entry; :class:`RecordError` names the file, the entry and the field."""
    try:
        return Entry.model_validate(data)
    except ValidationError as exc:
        raise RecordError(f"{where}: {describe_validation_error(exc)}") from None


@dataclass(frozen=True)
class Window:
    """One dated occurrence of an entry: ``start``..``end`` inclusive, warned ``lead`` days ahead."""

    name: str
    start: date
    end: date
    kind: str
    categories: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    reason: str = ""
    keywords: tuple[str, ...] = ()
    sensitivity: float = 1.0
    lead: int = 7
    notes: tuple[str, ...] = field(default=())

    @property
    def warn_from(self) -> date:
        return self.start - timedelta(days=self.lead)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def concerns(self, category: Optional[str], street: Optional[str]) -> bool:
        """Empty ``categories``/``streets`` mean every category/street."""
        if category and self.categories and category not in self.categories:
            return False
        if street and self.streets and street not in self.streets:
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        """The ``yuqing calendar upcoming --format json`` record (CONTRACT.md), plus extensions."""
        return {"name": self.name, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "categories": list(self.categories), "streets": list(self.streets), "reason": self.reason,
                "keywords": list(self.keywords), "sensitivity": self.sensitivity, "kind": self.kind,
                "lead": self.lead, "warn_from": self.warn_from.isoformat(), "notes": list(self.notes)}


def window(entry: Entry, anchor_start: date, anchor_end: date, notes: tuple[str, ...] = ()) -> Window:
    """The window of ``entry`` around an anchor span, widened by ``before``/``after``."""
    return Window(name=entry.name, start=anchor_start - timedelta(days=entry.before),
                  end=anchor_end + timedelta(days=entry.after), kind=entry.kind,
                  categories=tuple(entry.categories), streets=tuple(entry.streets), reason=entry.reason,
                  keywords=tuple(entry.keywords), sensitivity=entry.sensitivity, lead=entry.lead, notes=notes)

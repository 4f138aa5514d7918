"""Loading calendar entries from YAML files, and generating them from cases and projects.

A YAML calendar file is a mapping with an ``entries:`` list (or a bare list). Every entry is
validated; a bad entry is reported with its file and position and skipped, the others load.
"""
from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from event_calendar.entries import Entry, parse_entry
from yuqing.config import read_yaml
from yuqing.errors import InputError, RecordError

log = logging.getLogger(__name__)

DEFAULT_FILE = Path(__file__).parent / "data" / "calendar.yaml"


def load_entries(path: Path, report: Optional[Callable[[str], None]] = None) -> list[Entry]:
    """Entries of one YAML file; bad entries are reported (``report`` or the log) and skipped."""
    data = read_yaml(path, InputError, missing="fix calendar.files in config.yaml")
    items = data.get("entries", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a list of entries under 'entries:'")
    entries = []
    for index, item in enumerate(items, 1):
        label = item.get("name", "?") if isinstance(item, dict) else "?"
        try:
            entries.append(parse_entry(item, f"{path} entry {index} ({label})"))
        except RecordError as exc:
            (report or log.error)(str(exc))
    return entries


def _case_date(text: Optional[str]) -> Optional[date]:
    """A case's ISO start date; a partial date ("2021-07") has no anniversary day."""
    if not text or not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    return date.fromisoformat(text[:10])


def anniversary_entries(cases: Iterable[Any], years: Iterable[int], lead: int = 7,
                        sensitivity: float = 1.2, marks: Optional[Iterable[int]] = None) -> list[Entry]:
    """周年 entries for each case with a full start date, for each of ``years`` after the case.

    Why: anniversaries of serious incidents bring memorial posts, renewed grievances and rumours,
    most of all on round ones; ``marks`` (for example 1, 5, 10) keeps only those anniversaries.
    """
    marks = set(marks) if marks else None
    entries = []
    for case in cases:
        start = _case_date(getattr(case, "start", None))
        if start is None or getattr(case, "status", "reviewed") == "draft":
            continue
        for year in years:
            if year <= start.year or (marks is not None and year - start.year not in marks):
                continue
            day = start.replace(year=year) if not (start.month == 2 and start.day == 29) else date(year, 2, 28)
            entries.append(Entry(
                name=f"{case.title} {year - start.year}周年", kind="anniversary", date=day,
                categories=list(case.categories), streets=[case.street] if case.street else [],
                reason=f"案例 {case.id}（{start.isoformat()}）{year - start.year}周年：纪念帖、旧诉求和谣言容易再起。", keywords=list(case.keywords)[:8], lead=lead,
                sensitivity=sensitivity, source=f"case:{case.id}"))
    return entries


def milestone_entries(path: Path, report: Optional[Callable[[str], None]] = None) -> list[Entry]:
    """Milestones of a risk-assessed project (项目节点): a project YAML's ``milestones:`` list.

    Each milestone is ``{name, date, end_date?, categories?, keywords?, sensitivity?}``; the
    project's ``name``, ``street`` and ``categories`` are used where a milestone has none.
    """
    data = read_yaml(path, InputError, missing="fix calendar.projects in config.yaml") or {}
    project = data.get("project", data) if isinstance(data, dict) else {}
    name = project.get("name", Path(path).stem)
    street = project.get("street")
    entries = []
    for index, item in enumerate(project.get("milestones") or [], 1):
        raw = {"name": f"{name}: {item.get('name', 'milestone')}", "kind": "milestone",
               "date": item.get("date"), "end_date": item.get("end_date"),
               "categories": item.get("categories") or project.get("categories") or [],
               "streets": [street] if street else [], "keywords": item.get("keywords") or [],
               "reason": item.get("reason") or f"项目「{name}」的公开节点：异议和聚集多出现在公示、听证、"
                                                f"开工等节点。",
               "sensitivity": item.get("sensitivity", 1.5), "lead": item.get("lead", 14),
               "source": f"project:{path}"}
        try:
            entries.append(parse_entry({k: v for k, v in raw.items() if v is not None},
                                       f"{path} milestone {index}"))
        except RecordError as exc:
            (report or log.error)(str(exc))
    return entries

"""Case (案例) helpers around :class:`yuqing.records.Case`: ids, text for search, YAML/JSON files.

A case file is YAML or JSON holding a list of cases (or ``{"cases": [...]}``). Each case is
validated as a contract ``Case``; a bad one is reported with its file, position and field and
skipped, the others load.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import yaml

from yuqing.config import parse_yaml
from yuqing.errors import InputError, RecordError
from yuqing.records import Case, parse_record, stable_id

log = logging.getLogger(__name__)

#: the cases shipped with the engine (``cases.starter``); the library loads them, ``vectors`` embeds them
STARTER_FILE = Path(__file__).parent / "data" / "starter_cases.yaml"
#: Fields the library adds to a stored case; they are not part of its content.
BOOKKEEPING = ("version", "updated_at", "updated_by")
STATUSES = ("draft", "reviewed")


def new_case_id(title: str, start: Optional[str] = None) -> str:
    return "case-" + stable_id("case", title, start or "")[:12]


def content(case: Case) -> dict[str, Any]:
    """The case without the library's bookkeeping fields (what a version compares)."""
    data = case.model_dump(mode="json")
    for key in BOOKKEEPING:
        data.pop(key, None)
    return data


def content_hash(case: Case) -> str:
    return hashlib.sha1(json.dumps(content(case), ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def status(case: Case) -> str:
    """``reviewed`` unless the case says ``draft`` (drafts come from alerts)."""
    return getattr(case, "status", None) or "reviewed"


def search_text(case: Case) -> str:
    """The passage embedded for semantic search: what happened, where, what was done."""
    place = "".join(p for p in (case.province, case.city, case.district, case.street) if p)
    parts = [case.title, place, case.summary, case.trigger, " ".join(case.keywords), " ".join(case.risk_types),
             " ".join(case.measures[:4]), case.outcome]
    return "。".join(p for p in parts if p)


def load_cases(path: Path, report: Optional[Callable[[str], None]] = None) -> list[Case]:
    """Cases of a YAML or JSON file; bad cases are reported (``report`` or the log) and skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such case file") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    else:
        data = parse_yaml(text, str(path), InputError)
    items = data.get("cases", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a list of cases (or a mapping with 'cases:')")
    cases = []
    for index, item in enumerate(items, 1):
        try:
            if isinstance(item, dict) and not item.get("id") and item.get("title"):
                item = dict(item, id=new_case_id(item["title"], str(item.get("start") or "")))
            cases.append(parse_record(Case, _dates_as_text(item), where=f"{path} case {index}"))
        except RecordError as exc:
            (report or log.error)(str(exc))
    return cases


def _dates_as_text(item: Any) -> Any:
    """YAML reads ``2021-07-20`` as a date; the contract keeps case dates as ISO text."""
    if not isinstance(item, dict):
        return item
    fixed = {k: (v.isoformat() if hasattr(v, "isoformat") and k in ("start", "end") else v) for k, v in item.items()}
    if isinstance(fixed.get("timeline"), list):
        fixed["timeline"] = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in step.items()}
                             if isinstance(step, dict) else step for step in fixed["timeline"]]
    return fixed


def dump_cases(cases: Iterable[Case], fmt: str = "yaml") -> str:
    """The text of a case file in ``yaml`` or ``json`` (a list of cases; Chinese unescaped)."""
    data = [c.model_dump(mode="json", exclude_none=True) for c in cases]
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if fmt != "yaml":
        raise InputError(f"unknown case file format {fmt!r}; use yaml or json")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

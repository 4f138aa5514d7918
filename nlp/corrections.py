"""Analysts' corrections of an analysis (研判纠错), kept as labelled examples for retraining.

An analyst who reads a post and disagrees with the engine says so once: not a request for help,
wrong category, wrong sentiment, not a rumour, wrong street. The correction is applied to the
stored analysis at once (the queue and the pages show the analyst's reading, marked as corrected)
and kept as a record of its own — who, when, the engine's answer and the analyst's — which
``yuqing train`` reads as training rows (:func:`training_rows`). Corrections are never test data:
the promotion gate scores on the frozen real test sets only.

Tasks and their labels (the contract's label names):

* ``request``: ``request`` / ``not_request``  (求救 or not)
* ``sentiment``: ``negative`` / ``neutral`` / ``positive``
* ``category``: one of the 13 risk categories
* ``rumor``: ``rumor`` / ``not_rumor``
* ``street``: a street name, or ``none`` when the post names no street
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Optional

from pydantic import Field

from yuqing import records as R
from yuqing.errors import InputError, NotFound
from yuqing.storage.base import Kind, Store, register_kind

TASK_LABELS: dict[str, tuple[str, ...]] = {
    "request": ("request", "not_request"),
    "sentiment": R.SENTIMENTS,
    "category": R.CATEGORIES,
    "rumor": ("rumor", "not_rumor"),
    "street": (),  # free text: a street name, or "none"
}
#: which trained model a task's corrections teach (``street`` comes from the gazetteer, not a model)
MODEL_OF_TASK = {"request": "rescue", "sentiment": "sentiment", "category": "category", "rumor": "harmful"}
#: what the task is called in Chinese, for messages
TASK_NAMES = {"request": "求救", "sentiment": "情感", "category": "风险类别", "rumor": "谣言", "street": "街道"}


class Correction(R.Record):
    """One analyst's reading of one document for one task."""

    id: str
    doc_id: str = Field(min_length=1)
    task: str
    old: Optional[str] = None  # the engine's answer when corrected
    new: str
    who: str
    at: datetime = Field(default_factory=R.now)
    note: str = ""


register_kind(Kind("corrections", Correction, fields=("doc_id", "task", "who", "at"), time_field="at"))


def current_label(analysis: R.Analysis, task: str) -> Optional[str]:
    """The analysis's answer for ``task``, in the task's label names."""
    if task == "request":
        return "request" if analysis.rescue is not None and analysis.rescue.is_request else "not_request"
    if task == "sentiment":
        return analysis.sentiment.label
    if task == "category":
        return analysis.top_category
    if task == "rumor":
        types = {t.label for t in (analysis.harmful.types if analysis.harmful else [])}
        return "rumor" if "rumor" in types else "not_rumor"
    if task == "street":
        return analysis.location.street or "none"
    raise InputError(f"unknown correction task {task!r}; one of {', '.join(TASK_LABELS)}")


def check_label(task: str, label: str) -> str:
    """``label`` if it is one of ``task``'s labels; otherwise an error naming the choices."""
    if task not in TASK_LABELS:
        raise InputError(f"unknown correction task {task!r}; one of {', '.join(TASK_LABELS)}")
    label = (label or "").strip()
    allowed = TASK_LABELS[task]
    if task == "street":
        if not label or len(label) > 40:
            raise InputError("street: give a street name (e.g. 民治街道) or `none`")
        return label
    if label not in allowed:
        raise InputError(f"{task}: unknown label {label!r}; one of {', '.join(allowed)}")
    return label


def apply(analysis: R.Analysis, task: str, label: str, text: str = "") -> R.Analysis:
    """The analysis with the analyst's answer for ``task`` (a copy; marked as corrected)."""
    fixed = analysis.model_copy(deep=True)
    if task == "request":
        if label == "not_request":
            fixed.rescue = None
        elif fixed.rescue is None:
            from nlp.rescue import extract_rescue

            slots = extract_rescue(text) if text else None
            fixed.rescue = R.Rescue(
                is_request=True, score=1.0, phones=getattr(slots, "phones", []) or [],
                address=getattr(slots, "address", None), people_count=getattr(slots, "people_count", None),
                vulnerable=getattr(slots, "vulnerable", []) or [], needs=getattr(slots, "needs", []) or [],
                urgency=float(getattr(slots, "urgency", 0.0) or 0.0))
    elif task == "sentiment":
        fixed.sentiment = R.SentimentResult(label=label, score=1.0)
    elif task == "category":
        rest = [c for c in fixed.categories if c.label != label]
        fixed.categories = [R.CategoryScore(label=label, score=1.0)] + rest
    elif task == "rumor":
        types = [t for t in (fixed.harmful.types if fixed.harmful else []) if t.label != "rumor"]
        if label == "rumor":
            types.insert(0, R.HarmfulScore(label="rumor", score=1.0))
        fixed.harmful = R.Harmful(types=types) if types else None
    elif task == "street":
        fixed.location = fixed.location.model_copy(update={"street": None if label == "none" else label})
    corrected = list(getattr(fixed, "corrected", None) or [])
    fixed.corrected = sorted(set(corrected) | {task})
    return fixed


def correct(store: Store, doc_id: str, task: str, label: str, *, who: str, note: str = "") -> Correction:
    """Record an analyst's correction and apply it to the stored analysis.

    Raises:
        NotFound: no such document, or it has no analysis yet.
        InputError: unknown task or label.
    """
    label = check_label(task, label)
    doc = store.get_document(doc_id)
    if doc is None:
        raise NotFound(f"document {doc_id!r} is not in the store")
    analysis = store.get_analysis(doc_id)
    if analysis is None:
        raise NotFound(f"document {doc_id!r} has no analysis yet; run `yuqing analyze` or wait for the service")
    old = current_label(analysis, task)
    at = R.now()
    # "a later reading wins" needs a strict order: two corrections within one millisecond (stores
    # keep milliseconds) or inside a replay's frozen clock would tie, and ``latest`` would pick either
    previous = store.find_records("corrections", {"doc_id": doc_id, "task": task}, order_by="at",
                                  descending=True, limit=1)
    if previous and previous[0].at.timestamp() >= at.timestamp() - 0.001:
        at = previous[0].at + timedelta(milliseconds=1)
    digest = hashlib.sha1(f"{doc_id}\x1f{task}\x1f{at.isoformat()}\x1f{who}".encode()).hexdigest()[:16]
    record = Correction(id=f"corr-{digest}", doc_id=doc_id, task=task, old=old, new=label, who=who, at=at,
                        note=note[:500])
    store.put_records("corrections", [record])
    store.put_analyses([apply(analysis, task, label, doc.text or "")])
    return record


def latest(store: Store, task: Optional[str] = None) -> list[Correction]:
    """The last correction of each (document, task): a later reading replaces an earlier one."""
    where = {"task": task} if task else None
    found = store.find_records("corrections", where, order_by="at")
    last: dict[tuple[str, str], Correction] = {}
    for record in found:
        last[(record.doc_id, record.task)] = record
    return sorted(last.values(), key=lambda r: r.at)


def training_rows(store: Store, task: str) -> tuple[list[dict], list[str]]:
    """``({"doc_id", "text", "label"}, problems)`` for a task's latest corrections.

    A correction whose document is gone (deleted on request, purged by retention) is skipped and
    named in ``problems``: it cannot teach without its text.
    """
    rows, problems = [], []
    chosen = latest(store, task)
    docs = {d.id: d for d in store.get_documents([c.doc_id for c in chosen])}
    for record in chosen:
        doc = docs.get(record.doc_id)
        if doc is None or not (doc.text or doc.title):
            problems.append(f"correction {record.id}: document {record.doc_id} is no longer in the store; skipped")
            continue
        rows.append({"doc_id": record.doc_id, "text": doc.text or doc.title, "label": record.new})
    return rows, problems

"""Correcting the engine's reading of a post (纠正研判) and drafting a case from an alert (生成案例草稿).

A correction goes through :func:`nlp.corrections.correct` — stored as a labelled example (who,
when, old, new) and applied to the analysis at once — and is written to the audit log
(``correct_analysis``). A scoped analyst may correct only the posts of their streets. A draft case
is :meth:`case_library.library.CaseLibrary.put` of the alerts package's draft, marked ``draft``
until reviewed (``yuqing cases review``), with a ``draft_case`` audit event.
"""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from yuqing import vocabulary
from yuqing.errors import InputError, NotFound
from yuqing.records import CATEGORIES, SENTIMENTS
from yuqing.app.web.context import Web

#: the corrections offered on a post: task → (its Chinese name, {label: Chinese})
CORRECTION_CHOICES: dict[str, Any] = {
    "request": ("求救", {"not_request": "不是求救", "request": "是求救"}),
    "category": ("类别", {c: vocabulary.label("category", c) for c in CATEGORIES}),
    "sentiment": ("情感", {s: vocabulary.label("sentiment", s) for s in SENTIMENTS}),
    "rumor": ("谣言", {"not_rumor": "不是谣言", "rumor": "是谣言"}),
    "street": ("街道", None),  # free text: a street name, or none
}


def document_rows(store, doc_ids: list[str]) -> list[dict[str, Any]]:
    """The documents that exist among ``doc_ids``, each with its analysis (or None), in order."""
    docs = store.get_documents(doc_ids)
    analyses = {a.id: a for a in store.get_analyses([d.id for d in docs])}
    return [{"doc": d, "analysis": analyses.get(d.id)} for d in docs]


def _back(value: str, default: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") and "\n" not in value else default


def routes(web: Web) -> list[Route]:
    store = web.store

    def correct(request: Request, doc_id: str, form: dict[str, str]):
        from nlp import corrections

        user = web.require_actor(request)
        analysis = store.get_analysis(doc_id)
        if analysis is None or not user.sees_street(analysis.location.street):
            raise HTTPException(404, "no such document")  # another street's post: as if absent
        task, label = form.get("task", ""), form.get("label", "")
        if task == "street" and form.get("street_label", "").strip():
            label = form["street_label"].strip()
        try:
            fixed = corrections.correct(store, doc_id, task, label, who=user.name, note=form.get("note", ""))
        except InputError as exc:
            raise HTTPException(400, f"无法纠正：{exc} (cannot correct document {doc_id}: {exc})")
        except NotFound as exc:
            raise HTTPException(404, str(exc))
        web.record(request, "correct_analysis", target_kind="documents", target_id=doc_id,
                   detail=f"{corrections.TASK_NAMES.get(task, task)}：{fixed.old or '—'} → {fixed.new}"
                   + (f"，备注：{fixed.note}" if fixed.note else ""))
        return fixed

    async def correct_post(request: Request):
        doc_id = request.path_params["doc_id"]
        form = {k: str(v) for k, v in (await request.form()).items()}
        await run_in_threadpool(correct, request, doc_id, form)
        return RedirectResponse(_back(form.get("back", ""), "/search"), status_code=303)

    def draft(request: Request, alert_id: str) -> str:
        from case_library.library import CaseLibrary

        user = web.require_actor(request)
        alert = web.visible_alert(request, alert_id)
        if alert.state not in ("resolved", "dismissed", "duplicate"):
            raise HTTPException(409, f"预警 {alert_id} 尚未办结，不能生成案例 (alert {alert_id} is {alert.state}; "
                                     "draft a case once it is resolved)")
        library = CaseLibrary(store, mode="lexical")
        case = library.draft_from_alert(alert)
        version = library.put(case, user.name, note=f"由预警 {alert_id} 生成草稿")
        web.record(request, "draft_case", target_kind="cases", target_id=case.id,
                   detail=f"由预警 {alert_id} 生成案例草稿（第 {version} 版）")
        return case.id

    async def draft_post(request: Request):
        case_id = await run_in_threadpool(draft, request, request.path_params["alert_id"])
        return RedirectResponse(f"/cases/{case_id}", status_code=303)

    return [Route("/documents/{doc_id}/correct", correct_post, methods=["POST"]),
            Route("/alerts/{alert_id}/draft-case", draft_post, methods=["POST"])]

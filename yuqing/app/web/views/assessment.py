"""稳评 pages: the projects, a project card's form (or its YAML), the assessment, the report downloads
and the watch (项目监测).

* ``/projects`` — the projects this user sees (an owner: theirs; a street-scoped user: their streets').
* ``/projects/new`` — the card's form, or its YAML pasted or read from a file; errors name the field as
  :mod:`assessment.card` reports them. Saving assesses the project, turns its watch on and makes the
  watch's first reading.
* ``/projects/{id}`` — the assessment: the report's own content (:func:`assessment.report.render_body`),
  the earlier assessments, re-assessment on demand; ``report.html`` / ``report.pdf`` download it.
* ``/projects/{id}/watch`` — stance per group over time with the publicity actions and milestones
  marked (ECharts, ``static/watch.js``), new evidence per category since the assessment, 宣传评估,
  the milestones' calendar windows and the alerts routed to the project's owners
  (:mod:`assessment.watch`).

Analysts, responders and admins act on every project they see; an owner on their own; a viewer only
reads. Quotes are masked in every assessment (:mod:`assessment.evidence`), whoever reads it.
"""
from __future__ import annotations

import logging
from typing import Any, Optional
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from yuqing.app.web import scope
from yuqing.app.web.context import Web, doc_ids_of

log = logging.getLogger(__name__)
MAX_PROJECTS = 500
LEVELS = {"high": "高风险", "medium": "中风险", "low": "低风险"}


def _date(value: str) -> Optional[str]:
    from datetime import date
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


def routes(web: Web) -> list[Route]:
    from assessment import projects as P

    store = web.store

    def visible(request: Request, pid: str):
        """The project, or 404 whether it is missing or not this user's (the same answer for both)."""
        project = P.get_project(store, pid)
        if project is None or not scope.sees_project(web.user_of(request), project):
            raise HTTPException(404, "no such project")
        return project

    def require_editor(request: Request, project=None):
        user = web.user_of(request)
        if user.can_act or (user.is_owner and (project is None or scope.sees_project(user, project))):
            return user
        raise HTTPException(403, "只读角色不能新建或评估项目 (your role may only read projects)")

    def project_list(request: Request):
        queries = scope.project_queries(web.user_of(request))
        found: dict[str, Any] = {}
        for where in (queries if queries is not None else [None]):
            for project in store.find_records("projects", where, order_by="updated_at", descending=True,
                                              limit=MAX_PROJECTS):
                found[project.id] = project
        rows = sorted(found.values(), key=lambda p: getattr(p, "updated_at", ""), reverse=True)
        return web.render(request, "assess_list.html", projects=rows, levels=LEVELS,
                          can_create=web.user_of(request).can_act or web.user_of(request).is_owner)

    def form_page(request: Request, *, values=None, errors=(), status=200, yaml_text="", owner_users=""):
        from assessment.form import form_field
        marked = {}
        for error in errors:
            marked.setdefault(form_field(error) or "", []).append(error)
        return web.render(request, "assess_form.html", status=status, values=values or {}, errors=list(errors),
                          marked=marked, yaml_text=yaml_text, owner_users=owner_users)

    def new_page(request: Request):
        require_editor(request)
        return form_page(request)

    def create(request: Request, form: dict[str, str]) -> Response:
        from assessment.card import CardError, card_from_text
        from assessment.form import card_from_form

        user = require_editor(request)
        yaml_text = form.get("card_yaml", "").strip()
        owners = [w for w in form.get("owner_users", "").replace("，", ",").replace("、", ",").split(",") if w.strip()]
        try:
            card = card_from_text(yaml_text, "上传的项目卡") if yaml_text else card_from_form(form)
        except CardError as exc:
            return form_page(request, values=form, errors=[f"{exc.path}: {e}" for e in exc.errors], status=400,
                             yaml_text=yaml_text, owner_users=form.get("owner_users", ""))
        existing = P.get_project(store, card.project_id)
        if existing is not None and not scope.sees_project(user, existing):
            return form_page(request, values=form, status=409, yaml_text=yaml_text, errors=[
                f"项目表单: field 'id': 项目 {card.project_id} 已存在且不属于你 (a project with this id exists and "
                f"is not yours); give the card another id"])
        if user.is_owner:
            owners = [user.name]  # an owner creates projects for themselves only
        from assessment.watch import watch_project

        record, assessment = P.assess_project(store, web.config, card, by=user.name, owner_users=owners)
        watch_project(store, web.config, record)  # the watch's first reading, so its page is not empty
        store.flush()
        web.record(request, "project_change", target_kind="projects", target_id=record.id,
                   detail=f"{'上传项目卡' if yaml_text else '填写项目卡'}并评估：{card.name}（{LEVELS[assessment.level]}）")
        return RedirectResponse(f"/projects/{quote(record.id)}?done=assessed", status_code=303)

    async def new_post(request: Request):
        form = {k: str(v) for k, v in (await request.form()).items()}
        return await run_in_threadpool(create, request, form)

    def chosen(request: Request, project):
        from assessment.model import Assessment

        wanted = request.query_params.get("assessment") or getattr(project, "assessment_id", None)
        record = store.get_record("assessments", wanted) if wanted else None
        if record is None or record.project_id != project.id:
            if request.query_params.get("assessment"):
                raise HTTPException(404, "no such assessment of this project")
            return None, None
        return record, Assessment.from_full(record.report)

    def assessment_page(request: Request):
        from assessment.report import render_body

        project = visible(request, request.path_params["pid"])
        record, assessment = chosen(request, project)
        history = P.assessments_of(store, project.id)
        user = web.user_of(request)
        return web.render(request, "assess_page.html", project=project, record=record, levels=LEVELS,
                          body=render_body(assessment) if assessment else None, history=history,
                          can_edit=user.can_act or user.is_owner, done=request.query_params.get("done"),
                          tab="assessment")

    def reassess(request: Request, pid: str):
        project = visible(request, pid)
        require_editor(request, project)
        assessment = P.reassess(store, web.config, project.id)
        web.record(request, "project_change", target_kind="projects", target_id=project.id,
                   detail=f"重新评估：{LEVELS[assessment.level]}（{assessment.score} 分）")

    async def reassess_post(request: Request):
        pid = request.path_params["pid"]
        await run_in_threadpool(reassess, request, pid)
        return RedirectResponse(f"/projects/{quote(pid)}?done=reassessed", status_code=303)

    def download(request: Request):
        from assessment.report import render_html, write_pdf
        from rendering.pdf import FontMissing, PdfUnavailable

        project = visible(request, request.path_params["pid"])
        record, assessment = chosen(request, project)
        if assessment is None:
            raise HTTPException(404, "this project has no assessment yet")
        fmt = request.path_params["fmt"]
        if fmt not in ("html", "pdf"):
            raise HTTPException(404, "the report is report.html or report.pdf")
        name = f"{project.name}-稳评报告-{assessment.assessed_at[:10]}.{fmt}"
        disposition = f"attachment; filename=\"report.{fmt}\"; filename*=UTF-8''{quote(name)}"
        web.record(request, "export", target_kind="projects", target_id=project.id, detail=f"稳评报告 {fmt.upper()}")
        if fmt == "html":
            return Response(render_html(assessment), media_type="text/html; charset=utf-8",
                            headers={"content-disposition": disposition})
        import tempfile
        from pathlib import Path
        with tempfile.TemporaryDirectory() as folder:
            try:
                path = write_pdf(assessment, Path(folder) / "report.pdf")
            except (FontMissing, PdfUnavailable) as exc:
                raise HTTPException(503, f"无法生成 PDF (cannot make the PDF): {exc}") from None
            data = path.read_bytes()
        return Response(data, media_type="application/pdf", headers={"content-disposition": disposition})

    def watch_page(request: Request):
        from assessment import effects, routing, watch

        project = visible(request, request.path_params["pid"])
        reading = watch.latest(store, project.id)
        alerts = routing.routed_alerts(store, project.id)
        view = web.redactor(request, doc_ids_of(alerts))
        web.audit_view(request, view, alerts, doc_ids_of(alerts), target_kind="alerts", detail=f"稳评项目 {project.id}")
        user = web.user_of(request)
        data = reading.model_dump(mode="json") if reading is not None else {}
        return web.page(request, "assess_watch.html", view, project=project, reading=data, alerts=alerts,
                        chart=effects.chart(data) if data else None, levels=LEVELS,
                        can_edit=user.can_act or user.is_owner, action_kinds=P.ACTION_KINDS,
                        done=request.query_params.get("done"), error=request.query_params.get("error") or "",
                        tab="watch", effect_days=web.config["assess.watch_effect_days"],
                        interval_minutes=max(1, round(web.config["assess.watch_interval"] / 60)))

    def watch_change(request: Request, pid: str, what: str, form: dict[str, str]) -> str:
        from assessment import watch

        project = visible(request, pid)
        user = require_editor(request, project)
        if what == "refresh":
            watch.watch_project(store, web.config, project)
            store.flush()
            detail = "刷新监测"
        elif what in ("on", "off"):
            P.set_watch(store, pid, what == "on")
            detail = "开始监测" if what == "on" else "停止监测"
        elif what == "action":
            day, kind, title = _date(form.get("date", "")), form.get("kind", ""), form.get("title", "").strip()
            if day is None or kind not in P.ACTION_KINDS or not title:
                return ("error=" + quote("宣传活动需要日期（如 2026-09-15）、类型和标题 (an action needs a date such as "
                                         "2026-09-15, a kind and a title)"))
            P.add_action(store, pid, day=day, kind=kind, title=title[:200], by=user.name)
            watch.watch_project(store, web.config, P.get_project(store, pid))
            store.flush()
            detail = f"记录宣传活动：{day} {P.ACTION_KINDS[kind]} {title[:60]}"
        else:
            raise HTTPException(404, f"unknown watch action {what}")
        web.record(request, "project_change", target_kind="projects", target_id=pid, detail=detail)
        return f"done={what}"

    async def watch_post(request: Request):
        pid, what = request.path_params["pid"], request.path_params["what"]
        form = {k: str(v) for k, v in (await request.form()).items()}
        outcome = await run_in_threadpool(watch_change, request, pid, what, form)
        return RedirectResponse(f"/projects/{quote(pid)}/watch?{outcome}", status_code=303)

    return [Route("/projects", project_list), Route("/projects/new", new_page),
            Route("/projects/new", new_post, methods=["POST"]),
            Route("/projects/{pid}", assessment_page), Route("/projects/{pid}/assess", reassess_post, methods=["POST"]),
            Route("/projects/{pid}/report.{fmt:str}", download),
            Route("/projects/{pid}/watch", watch_page),
            Route("/projects/{pid}/watch/{what}", watch_post, methods=["POST"])]

"""Briefings (简报): the archive of reports, one report's page and files, and writing a report now.

The archive is the store's ``briefings`` records (:mod:`briefings.archive`): the scheduled daily
reports, the report of the day so far (``briefings.today_interval``) and every report written with
``yuqing report`` or from this page. A report is shown again from its JSON: the page shows its
sections, and its PDF, Word and printable HTML files are rendered on request, so they always match.
Report texts are masked when the report is written (reports leave the service); the page masks them
once more for roles without personal-data rights.

A user scoped to streets sees only the reports whose streets are all theirs: a report over every
street, or naming another street, holds figures they may not see, and answers 404 as if absent.
Writing a report is an analyst's action (analysts and admins), behind the CSRF token of every form,
and audited (``generate_report``); each file downloaded is an ``export`` event, as on the command line.
"""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from yuqing.errors import InputError, NotFound
from yuqing.app.web.auth import User
from yuqing.app.web.context import Web
from yuqing.app.web.params import choice_param, int_param

#: report kind → its name on the page
KINDS = {"daily": "日报", "weekly": "周报", "monthly": "月报", "special": "专报"}
#: roles that may write a report from the page
WRITERS = ("analyst", "admin")
#: file formats a report is downloaded in → (media type, name)
FORMATS = {"pdf": ("application/pdf", "PDF"),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
           "html": ("text/html; charset=utf-8", "HTML")}
#: the printable HTML keeps its own stylesheet inline and runs nothing
PRINT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
             "base-uri 'none'; form-action 'none'")
MAX_STREETS = 20
MAX_STREET_CHARS = 30
#: incidents offered for a special report
INCIDENT_CHOICES = 30


def sees_report(user: User, record: Any) -> bool:
    """Whether ``user`` may see an archived report: every street it covers must be theirs."""
    streets = list(getattr(record, "streets", None) or [])
    return user.streets is None or (bool(streets) and set(streets) <= set(user.streets))


def visible_reports(store, user: User, kind: Optional[str], limit: int) -> list:
    """The newest reports ``user`` may see (the scope is asked of the store, then narrowed to subsets)."""
    where: dict[str, Any] = {"kind": kind} if kind else {}
    if user.streets is not None:
        where["streets"] = list(user.streets)  # any of them: those naming another street are dropped below
    found = store.find_records("briefings", where or None, order_by="generated_at", descending=True,
                               limit=limit * 3 if user.streets is not None else limit)
    return [r for r in found if sees_report(user, r)][:limit]


def page_blocks(report: dict[str, Any]) -> tuple[list[dict], list[list]]:
    """The report's sections for the page (citations under an id key, never masked) and their charts."""
    from briefings import render

    blocks, charts = [], []
    for block in render.blocks(report):
        paragraphs = [{"text": p["text"], "cite_ids": p["cites"], "more": p["more"], "quote": p["quote"],
                       "basis": p["basis"]} for p in block["paragraphs"]]
        blocks.append({"heading": block["heading"], "paragraphs": paragraphs, "tables": block["tables"]})
        charts.append(block["charts"])  # SVG made by rendering.charts, every label escaped there
    return blocks, charts


def render_file(report: dict[str, Any], fmt: str) -> bytes:
    from briefings import render

    if fmt == "html":
        return render.to_html(report).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="yuqing-report-") as folder:
        return render.write(report, Path(folder) / f"report.{fmt}").read_bytes()


def _day(raw: str) -> Optional[date]:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise HTTPException(400, f"日期必须形如 2026-07-20 (the date must look like 2026-07-20, not {raw[:20]!r})") \
            from None


def routes(web: Web) -> list[Route]:
    store, config = web.store, web.config

    def visible(request: Request, report_id: str):
        record = store.get_record("briefings", report_id)
        if record is None or not sees_report(web.user_of(request), record):
            raise HTTPException(404, "no such report")
        return record

    def street_choices(user: User) -> list[str]:
        if user.streets is not None:
            return list(user.streets)
        known = [s for s in store.count_by("street") if s]
        routed = [s for entry in (config["alerts.routing"] or []) for s in (entry.get("streets") or [])]
        return list(dict.fromkeys([*routed, *sorted(known)]))[:60]

    def archive_page(request: Request):
        from briefings.archive import yesterday

        user = web.user_of(request)
        kind = choice_param(request, "kind", KINDS)
        reports = visible_reports(store, user, kind, int_param(request, "limit", 100, 500))
        where = web.where(request, field="streets")
        incidents = store.find_records("incidents", where, order_by="last_seen", descending=True,
                                       limit=INCIDENT_CHOICES) if where is not None else []
        if user.streets is not None:  # a special report covers the incident's streets: all must be theirs
            incidents = [i for i in incidents if i.streets and set(i.streets) <= set(user.streets)]
        rows = [{"id": r.id, "kind": r.kind, "title": r.title, "subtitle": (r.report or {}).get("subtitle", ""),
                 "streets": list(r.streets or []), "generated_at": r.generated_at,
                 "delivered": bool(getattr(r, "delivered", False))} for r in reports]
        return web.page(request, "reports.html", web.redactor(request), reports=rows, kind=kind,
                        kinds=KINDS, formats={k: v[1] for k, v in FORMATS.items()}, can_write=user.role in WRITERS,
                        default_day=yesterday().isoformat(), street_choices=street_choices(user),
                        incidents=[{"id": i.id, "label": i.label, "streets": i.streets} for i in incidents])

    def report_page(request: Request):
        record = visible(request, request.path_params["report_id"])
        report = record.report
        blocks, charts = page_blocks(report)
        return web.page(request, "report.html", web.redactor(request), report={
            "id": record.id, "kind": record.kind, "title": report["title"], "subtitle": report.get("subtitle", ""),
            "streets": list(record.streets or []), "generated_at": report.get("generated_at", ""),
            "delivered": bool(getattr(record, "delivered", False))}, blocks=blocks, chart=charts,
            kinds=KINDS, formats={k: v[1] for k, v in FORMATS.items()})

    def report_file(request: Request):
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            raise HTTPException(404, f"a report is downloaded as {', '.join(FORMATS)}")
        record = visible(request, request.path_params["report_id"])
        body = render_file(record.report, fmt)
        web.record(request, "export", target_kind="briefings", target_id=record.id,
                   detail=f"{record.title}（{record.report.get('subtitle', '')}）下载 {FORMATS[fmt][1]}")
        media, _name = FORMATS[fmt]
        name = f"{record.title}_{record.report.get('subtitle', '')}.{fmt}".replace(" ", "_")
        disposition = "inline" if fmt in ("html", "pdf") else "attachment"
        headers = {"content-disposition": f"{disposition}; filename=\"{record.id}.{fmt}\"; "
                                          f"filename*=UTF-8''{quote(name)}"}
        if fmt == "html":
            headers["content-security-policy"] = PRINT_CSP
        return Response(body, media_type=media, headers=headers)

    def write_report(request: Request, form: dict[str, Any]) -> dict[str, Any]:
        try:
            report = build(request, form)
        except InputError as exc:  # a bad date or kind the checks above did not foresee
            raise HTTPException(400, str(exc)) from None
        except NotFound as exc:  # e.g. every post of the incident deleted by retention
            raise HTTPException(404, str(exc)) from None
        web.record(request, "generate_report", target_kind="briefings", target_id=report["id"],
                   detail=f"{report['title']}（{report.get('subtitle', '')}）")
        return report

    def build(request: Request, form: dict[str, Any]) -> dict[str, Any]:
        from briefings import archive

        user = web.user_of(request)
        if user.role not in WRITERS:
            raise HTTPException(403, "只有分析员可以生成简报 (only analysts may write a report)")
        kind = str(form.get("kind") or "")
        if kind not in KINDS:
            raise HTTPException(400, f"简报类型只能是 {'、'.join(KINDS)} (kind must be one of {', '.join(KINDS)})")
        if kind == "special":
            incident = web.visible_incident(request, str(form.get("incident") or "")[:200])
            if user.streets is not None and not (incident.streets and set(incident.streets) <= set(user.streets)):
                raise HTTPException(403, "该事件涉及您权限以外的街道，不能生成专报 (the incident concerns streets "
                                         "outside yours)")
            report = archive.generate(config, store, "special", incident_id=incident.id)
        else:
            streets = [s.strip()[:MAX_STREET_CHARS] for s in form.get("street", []) if s.strip()][:MAX_STREETS]
            if user.streets is not None:
                if any(s not in user.streets for s in streets):
                    raise HTTPException(403, "只能生成本人街道的简报 (you may only report on your own streets)")
                streets = streets or list(user.streets)
            report = archive.generate(config, store, kind, day=_day(str(form.get("date") or "")), streets=streets)
        return report

    async def generate(request: Request):
        web.require_actor(request)
        raw = await request.form()
        form = {"kind": raw.get("kind"), "date": raw.get("date"), "incident": raw.get("incident"),
                "street": [str(s) for s in raw.getlist("street")]}
        report = await run_in_threadpool(write_report, request, form)
        return RedirectResponse(f"/reports/{quote(report['id'], safe='')}", status_code=303)

    return [Route("/reports", archive_page, methods=["GET"]), Route("/reports", generate, methods=["POST"]),
            Route("/reports/{report_id}", report_page), Route("/reports/{report_id}/{fmt}", report_file)]

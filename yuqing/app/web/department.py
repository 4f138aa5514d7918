"""The department's side of 报送 (no account: a signed link), and the analyst's dispatch endpoints.

Department pages (``/dept/…``) are reached only through the signed link of a 报送单
(:mod:`dispatch.links`): ``GET /dept/{order}?sig=…`` shows the order, the alert and its evidence
(personal data masked unless the routing entry has ``personal_data: true``), the trail and the
attachments; its forms post to ``/dept/{order}/accept|reply|return|close?sig=…``. A link signed for
``view`` (a superior's, after an escalation) shows the page without forms and refuses every post.
A wrong, tampered or expired signature answers 403 with the same page whether the order exists
or not.

**CSRF without a session.** The department has no session, so the session-bound CSRF token cannot
apply. The link's signature is the credential *and* the forms' token: each form's action carries
``?sig=…``, which a cross-site page cannot know (it is an HMAC under the service's key, sent only
to the department), and the security middleware still refuses any post whose Origin (or Referer)
is not the service itself (:data:`yuqing.app.web.security.SIGNED_LINK_PREFIXES` skips only the session
token there). These routes never read a session cookie, so an analyst's signed-in browser lends
them nothing. The page sets ``Referrer-Policy: same-origin`` so the link does not leak onwards: a
link leaving the page carries no referrer, while the page's own forms still send their Origin
(``no-referrer`` made Chromium send ``Origin: null``, and the origin check refused every answer a
department gave from a real browser — found by the browser test of the closed loop).

Uploads are read here, capped at ``dispatch.attachments_per_reply`` × ``dispatch.attachment_max_bytes``
plus 64 KiB (413 beyond), then checked by content (:mod:`dispatch.attachments`). Files are served
with their recognised type as downloads, never as pages.

Analyst endpoints (a signed-in analyst, responder or admin; session CSRF as everywhere):
``POST /alerts/{id}/dispatch-to`` (form: ``department``, ``note``, ``csrf_token``) → 303 to the alert;
``POST /api/alerts/{id}/dispatch-to`` (bearer token; JSON or form body) → the order as JSON;
``GET /api/alerts/{id}/dispatch`` → the alert's orders (with the departments it may go to);
``GET /api/dispatch/stats?since=&until=`` → :func:`dispatch.stats.dispatch_stats` for the user's
streets; ``GET /dispatch/files/{order}/{file}`` → an attachment.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Optional
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dispatch import links
from dispatch import orders as steps
from dispatch.attachments import Policy, mime_type
from dispatch.notify import known_departments
from dispatch.records import KIND, STATE_LABELS
from yuqing.errors import ConflictError, InputError, NotFound, TransitionError, YuqingError
from yuqing.records import now
from yuqing.app.web.redact import Redactor

log = logging.getLogger(__name__)
_ORDER_ID = re.compile(r"^bs[a-p]{20}$")
STEPS = ("accept", "reply", "return", "close")
#: what a department's page shows of the alert's documents
DOCS_SHOWN = 5
BAD_LINK = "链接无效或已被篡改，请使用通知中的最新链接 (invalid link: use the latest link you were sent)"
EXPIRED_LINK = "链接已过期，请联系报送人重新发送 (this link has expired: ask the sender for a new one)"
ACTION_LABELS = {"dispatch": "报送", "accept": "签收", "reply": "回复", "return": "退回", "close": "办结",
                 "chase": "催办", "escalate": "升级", "withdraw": "撤回"}


def routes(web) -> list[Route]:
    store, config = web.store, web.config
    policy = Policy.from_config(config)
    body_limit = policy.max_bytes * policy.per_reply + 64 * 1024

    # --- the signed link ------------------------------------------------------------------------
    def order_for(request: Request, order_id: str, *, acting: bool = False):
        """(order, purpose) of a valid, unexpired link; 403 otherwise (the same for a missing order)."""
        order = store.get_record(KIND, order_id) if _ORDER_ID.match(order_id) else None
        signature = request.query_params.get("sig", "")
        purpose = links.check(order.id, order.link_expires_at, signature) if order is not None else None
        if purpose is None:
            log.warning("dept: refused a link to order %r from %s (no such order, or a wrong signature)",
                        order_id[:40], request.client.host if request.client else "?")
            raise HTTPException(403, BAD_LINK)
        if now() >= order.link_expires_at:
            raise HTTPException(403, EXPIRED_LINK)
        if acting and purpose != "act":
            raise HTTPException(403, "此链接只能查看，不能办理 (this link is read-only)")
        return order, purpose

    def page_of(request: Request, order, purpose: str, *, error: str = "", status: int = 200, done: str = ""):
        alert = store.get_record("alerts", order.alert_id)
        doc_ids = list(alert.doc_ids[:DOCS_SHOWN]) if alert is not None else []
        view = Redactor.for_role(order.personal_data, store, doc_ids)
        docs = store.get_documents(doc_ids) if doc_ids else []
        earlier_return = any(o.department == order.department and o.returned_at is not None and o.id != order.id
                             for o in steps.orders_of(store, order.alert_id))
        if view.pii and alert is not None and Redactor.for_role(False, store, doc_ids).reveals([alert, *docs]):
            web.record(request, "view_personal_data", who=order.department, role="department",
                       target_kind="alerts", target_id=alert.id, detail=f"报送单 {order.id} 部门页面")
        sig = request.query_params.get("sig", "")
        response = web.env.get_template("dept_order.html").render(
            order=view.value(order), alert=view.value(alert) if alert is not None else None,
            docs=view.value(docs), purpose=purpose, sig=sig, error=error, done=done,
            can_return=not earlier_return, labels=ACTION_LABELS, state_labels=STATE_LABELS,
            min_evidence=int(config["dispatch.min_evidence_chars"]), policy=policy)
        return HTMLResponse(response, status_code=status, headers={"referrer-policy": "same-origin"})

    def dept_page(request: Request):
        order, purpose = order_for(request, request.path_params["order_id"])
        return page_of(request, order, purpose, done=request.query_params.get("done", ""))

    async def dept_step(request: Request):
        order_id, step = request.path_params["order_id"], request.path_params["step"]
        if step not in STEPS:
            raise HTTPException(404, f"unknown step {step}")
        order, purpose = await run_in_threadpool(order_for, request, order_id, acting=True)
        form = await _read_form(request, body_limit, policy.per_reply)
        files = []
        for upload in form.getlist("files"):
            if hasattr(upload, "read") and upload.filename:  # an empty file field sends no name
                files.append((upload.filename, await upload.read()))
        client = request.client.host if request.client else None
        text = str(form.get("text") or "")
        try:
            if step == "accept":
                await run_in_threadpool(steps.accept, store, config, order.id, note=text, client=client)
            elif step == "reply":
                await run_in_threadpool(steps.reply, store, config, order.id, text, files, client=client)
            elif step == "return":
                await run_in_threadpool(steps.return_order, store, config, order.id, text, client=client)
            else:
                await run_in_threadpool(steps.close, store, config, order.id, text, files, client=client)
        except (TransitionError, ConflictError, InputError) as exc:
            status = 400 if isinstance(exc, InputError) else 409
            fresh = await run_in_threadpool(steps.get, store, order.id)
            return await run_in_threadpool(lambda: page_of(request, fresh, purpose, error=str(exc), status=status))
        sig = quote(request.query_params.get("sig", ""), safe="")
        return RedirectResponse(f"/dept/{order.id}?sig={sig}&done={step}", status_code=303)

    def dept_file(request: Request):
        order, _purpose = order_for(request, request.path_params["order_id"])
        return _file(order, request.path_params["file_id"])

    def _file(order, file_id: str) -> Response:
        attachment = next((a for a in order.attachments if a.id == file_id), None)
        if attachment is None:
            raise HTTPException(404, "no such attachment")
        path = policy.path_of(order.id, attachment)
        if not path.is_file():
            raise HTTPException(404, "the attachment's file is missing")
        return FileResponse(path, media_type=mime_type(attachment), headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(attachment.name, safe='')}",
            "content-security-policy": "default-src 'none'; sandbox", "x-content-type-options": "nosniff"})

    # --- the analyst ----------------------------------------------------------------------------
    async def dispatch_to(request: Request):
        api = request.url.path.startswith("/api/")
        user = web.require_actor(request)
        alert_id = request.path_params["alert_id"]
        await run_in_threadpool(web.visible_alert, request, alert_id)
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                data = json.loads(await request.body() or b"{}")
            except ValueError:
                raise HTTPException(400, "the body is not JSON") from None
            data = data if isinstance(data, dict) else {}
        else:
            data = dict(await request.form())
        department, note = str(data.get("department") or ""), str(data.get("note") or "")
        client = request.client.host if request.client else None
        try:
            order = await run_in_threadpool(steps.dispatch_alert, store, config, alert_id, department, by=user.name,
                                            note=note, client=client, role=user.role)
        except InputError as exc:
            raise HTTPException(400, str(exc)) from None
        except (TransitionError, ConflictError) as exc:
            raise HTTPException(409, str(exc)) from None
        except NotFound:
            raise HTTPException(404, "no such alert") from None
        if api:
            return web.json(request, order.model_dump(mode="json"))
        return RedirectResponse(f"/alerts/{quote(alert_id, safe='')}", status_code=303)

    def api_orders(request: Request):
        alert = web.visible_alert(request, request.path_params["alert_id"])
        orders = steps.orders_of(store, alert.id)
        return web.json(request, {"alert_id": alert.id, "departments": known_departments(config),
                                  "orders": [order_json(o) for o in orders]})

    def api_stats(request: Request):
        from dispatch.stats import dispatch_stats
        from yuqing.app.commands.audit import parse_since

        try:
            since = parse_since(request.query_params.get("since"))
            until = parse_since(request.query_params.get("until"))
        except YuqingError as exc:
            raise HTTPException(400, str(exc)) from None
        user = web.user_of(request)
        streets = list(user.streets) if user.streets is not None else None
        return web.json(request, dispatch_stats(store, since=since, until=until, streets=streets))

    def analyst_file(request: Request):
        web.require_actor(request)
        order = store.get_record(KIND, request.path_params["order_id"])
        if order is None or not web.user_of(request).sees_street(order.street):
            raise HTTPException(404, "no such order")
        return _file(order, request.path_params["file_id"])

    return [Route("/dept/{order_id}", dept_page), Route("/dept/{order_id}/files/{file_id}", dept_file),
            Route("/dept/{order_id}/{step}", dept_step, methods=["POST"]),
            Route("/alerts/{alert_id}/dispatch-to", dispatch_to, methods=["POST"]),
            Route("/api/alerts/{alert_id}/dispatch-to", dispatch_to, methods=["POST"]),
            Route("/api/alerts/{alert_id}/dispatch", api_orders), Route("/api/dispatch/stats", api_stats),
            Route("/dispatch/files/{order_id}/{file_id}", analyst_file)]


def order_json(order) -> dict[str, Any]:
    """An order for the analyst's API: every field, plus its state's label and file links."""
    data = order.model_dump(mode="json")
    data["state_label"] = STATE_LABELS.get(order.state, order.state)
    for attachment in data.get("attachments", []):
        attachment["url"] = f"/dispatch/files/{order.id}/{attachment['id']}"
    return data


async def _read_form(request: Request, limit: int, max_files: int):
    """The form, the body read here at most ``limit`` bytes (the middleware does not read these)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"提交内容过大：最多 {limit} 字节 (request too large: at most {limit} bytes)")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"提交内容过大：最多 {limit} 字节 (request too large: at most {limit} bytes)")
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}
        return {"type": "http.disconnect"}
    try:
        return await Request(request.scope, replay).form(max_files=max_files + 1, max_fields=20)
    except Exception as exc:  # malformed multipart: the sender's mistake, not a server error
        if isinstance(exc, HTTPException):
            raise
        raise HTTPException(400, f"表单无法解析 (the form could not be read: {type(exc).__name__})") from None

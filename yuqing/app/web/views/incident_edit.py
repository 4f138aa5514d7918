"""Correcting the clustering from the incident page (纠正聚类): merge two incidents, split posts off one.

The work is :func:`clustering.manual.merge` and :func:`clustering.manual.split`, with the alert cards
following (:func:`alerts.incident_cards.merge_incidents`, :func:`~alerts.incident_cards.split_incident`):
the engine keeps the decision on its next re-clusterings, the incidents keep a hand history and
lineage, and the audit log gets ``incident_merge``/``incident_split`` (with the user's role and
address). This module is the page's side of it:

* only analysts and admins act (:data:`EDITORS`); anyone else sees no form and gets 403 on a POST;
* the forms carry the session's CSRF token (checked by :mod:`yuqing.app.web.security`) and the incident's
  :func:`~clustering.manual.revision` as the page showed it, so a change made meanwhile — another
  analyst's, or the engine adding posts — is refused with a request to reload, never applied to posts
  the analyst did not see;
* a street-scoped analyst acts only on incidents of their streets: another street's answers 404, as if
  it did not exist, whether it is the page's incident or the one named in the form.

A checked row of the posts table stands for its whole group (the post and its reposts and copies,
:func:`yuqing.app.web.views.incident_posts.post_groups`): they move together.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from alerts.incident_cards import merge_incidents, split_incident
from yuqing.errors import ConflictError, InputError, NotFound, YuqingError
from yuqing.app.web.context import Web
from yuqing.app.web.views.incident_posts import post_groups, posts_of

#: the roles that may merge and split incidents (a responder handles cards, not the clustering)
EDITORS = ("analyst", "admin")
#: how many other incidents the forms offer
CANDIDATES = 30
#: what the page says after each action
DONE = {"merge": "已合并：{other} 并入 {keep}，引擎此后会保持这一合并。",
        "split": "已拆分：{count} 篇帖子移到{kind} {target}，引擎此后会保持这一拆分。"}


def can_edit(user) -> bool:
    return user.role in EDITORS


def candidates(web: Web, request: Request, incident) -> list[dict[str, Any]]:
    """Incidents the user may merge this one with or move its posts to: their streets', not merged
    away, those sharing a street with this one first, then the most recent."""
    where = web.where(request, field="streets")
    if where is None:
        return []
    found = [i for i in web.store.find_records("incidents", where, order_by="last_seen", descending=True, limit=200)
             if i.id != incident.id and not getattr(i, "merged_into", None)]
    near = set(incident.streets)
    found.sort(key=lambda i: (not set(i.streets) & near, -(i.last_seen.timestamp() if i.last_seen else 0)))
    return [{"id": i.id, "label": i.label or i.id, "size": i.size, "streets": "、".join(i.streets) or "街道不详",
             "last_seen": i.last_seen} for i in found[:CANDIDATES]]


def _refusal(exc: Exception) -> tuple[int, str]:
    """An engine refusal as (HTTP status, a Chinese sentence with the engine's own reason)."""
    if isinstance(exc, ConflictError):
        return 409, f"此事件在你打开页面后已有变动（其他分析员的操作或引擎重新聚类），请刷新页面后再操作。（{exc}）"
    if isinstance(exc, NotFound):
        return 404, f"没有这个事件，或不在你的街道范围内。（{exc}）"
    return 400, f"未能完成：{exc}"


def routes(web: Web, flash) -> list[Route]:
    """The two POST routes; ``flash`` keeps the one-time message the page shows after them."""
    store = web.store

    def require_editor(request: Request):
        user = web.user_of(request)
        if not can_edit(user):
            raise HTTPException(403, "只有分析员和管理员可以合并或拆分事件 (only analysts and admins may merge or "
                                     "split incidents)")
        return user

    def merge(request: Request, incident_id: str, form) -> tuple[str, str]:
        user = require_editor(request)
        this = web.visible_incident(request, incident_id)
        other_id = str(form.get("other") or "").strip()
        if not other_id:
            raise InputError("请选择或填写要合并的另一个事件")
        try:
            other = web.visible_incident(request, other_id)
        except HTTPException:
            raise NotFound(f"no incident {other_id!r}") from None
        keep, away = (other, this) if form.get("keep") == "other" else (this, other)
        merge_incidents(store, keep.id, away.id, by=user.name, note=str(form.get("note") or ""),
                     expected=_seen(this, form), role=user.role, client=_client(request))
        return keep.id, DONE["merge"].format(other=away.label or away.id, keep=keep.label or keep.id)

    def split(request: Request, incident_id: str, form) -> tuple[str, str]:
        user = require_editor(request)
        this = web.visible_incident(request, incident_id)
        into = str(form.get("into") or "").strip() or None
        if into:
            try:
                web.visible_incident(request, into)
            except HTTPException:
                raise NotFound(f"no incident {into!r}") from None
        docs, _ = posts_of(store, this)
        members = {g["doc"].id: g["ids"] for g in post_groups(docs)}
        chosen = [str(d) for d in form.getlist("doc")]
        if not chosen:
            raise InputError("请先在帖子列表中勾选要拆出的帖子")
        moved = list(dict.fromkeys(d for head in chosen for d in members.get(head, [head])))
        target = split_incident(store, this.id, moved, by=user.name, note=str(form.get("note") or ""), into=into,
                                expected=_seen(this, form), role=user.role, client=_client(request))
        message = DONE["split"].format(count=len(moved), kind="事件" if into else "新事件", target=target.label or target.id)
        visible = web.user_of(request).streets is None or set(target.streets) & set(web.user_of(request).streets)
        return (target.id if visible else this.id), message

    def handler(action):
        work = {"merge": merge, "split": split}[action]

        async def endpoint(request: Request):
            require_editor(request)
            incident_id = request.path_params["incident_id"]
            form = await request.form()
            user = web.user_of(request)
            wants_json = "application/json" in request.headers.get("accept", "")
            try:
                target, message = await run_in_threadpool(work, request, incident_id, form)
            except (YuqingError, ValueError) as exc:
                status, text = _refusal(exc)
                if wants_json:
                    return JSONResponse({"error": {"status": status, "message": text}}, status_code=status)
                key = flash.put(user.name, "error", text)
                return RedirectResponse(_page(incident_id, key) + "#edit", status_code=303)
            if wants_json:
                return JSONResponse({"ok": True, "incident": target, "message": message})
            return RedirectResponse(_page(target, flash.put(user.name, "notice", message)), status_code=303)
        return endpoint

    return [Route("/incidents/{incident_id}/merge", handler("merge"), methods=["POST"]),
            Route("/incidents/{incident_id}/split", handler("split"), methods=["POST"])]


def _seen(incident, form) -> Optional[dict[str, str]]:
    """The revision the page showed (required: a form without it cannot say what the analyst saw)."""
    revision = str(form.get("revision") or "").strip()
    if not revision:
        raise InputError("表单缺少事件版本，请刷新页面后再操作")
    return {incident.id: revision}


def _client(request: Request) -> Optional[str]:
    return request.client.host if request.client else None


def _page(incident_id: str, key: str) -> str:
    return f"/incidents/{quote(incident_id, safe='')}?{urlencode({'msg': key})}"

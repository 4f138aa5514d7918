"""The emergency desk in the browser (应急值守): the rescue board, a team's view and printable sheet,
hand-over (export and a returned sheet back), the rumour board and the review after an event.

Pages only: every change is made by :mod:`desk`'s functions (statuses and their allowed moves,
claims, teams, merge and split, follow-ups, the storm switch, rumour denials), which keep each
change in the row's history with who and when and write it to the audit log. A street-scoped user
works through :class:`ScopedStore`, in which the rows of other streets do not exist, so the
engine's own reads (the board, an import's matching, the review) never reach them.

The board polls ``/api/desk`` (counts, the storm switch and each shown row's status, claim and
team, no personal data) and updates the rows in place; new rows are offered in a banner, as the
queue does. A form carries the ``updated_at`` of the row it was drawn from (``seen``): a status,
note or team change made on a row that someone, or a follow-up post, changed since is refused
with the store's version check, and the operator reloads and sees the change.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
import tempfile
import threading
from functools import partial
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from desk import board, followups, handover, rumours, storm
from desk import review as desk_review
from governance import audit
from yuqing.errors import ConflictError, InputError, NotFound, TransitionError, YuqingError
from yuqing.privacy import mask_address
from yuqing.records import now as _now
from yuqing.storage.base import JsonRecord
from yuqing.app.web import scope
from yuqing.app.web.context import Web
from yuqing.app.web.params import choice_param, filter_param, time_range
from yuqing.app.web.views import export
from yuqing.app.web.views.analysis import document_rows

PAGE_SIZE = 200
POSTS_PER_ROW = 5
#: the status buttons of a team's view (a team in the field reports these)
TEAM_STATUSES = ("in_progress", "rescued", "safe", "unreachable")
#: what a row's posts and notes show on the board
HISTORY_SHOWN = 8
MAX_UPLOAD_NAME = 60
ACTIONS = ("claim", "release", "status", "note", "assign", "merge", "split", "undo")
DONE = {"claim": "已认领，请拨打电话", "release": "已释放认领", "status": "状态已更新", "note": "通话记录已保存",
        "assign": "已派单", "merge": "已合并", "split": "已拆分为新的求救", "undo": "已撤销该跟帖更新",
        "storm_on": "应急模式已开启", "storm_off": "应急模式已关闭", "denial": "已关联辟谣"}
REVIEW_COLUMNS = (
    ("编号", lambda r: r["request_id"]), ("街道", lambda r: r.get("street") or ""),
    ("状态", lambda r: board.STATUSES.get(r["status"], r["status"])), ("人数", lambda r: r.get("people_count") or ""),
    ("首帖时间", lambda r: r.get("first_post") or ""), ("发现（分钟）", lambda r: _num(r["minutes_to_first_sight"])),
    ("核实（分钟）", lambda r: _num(r["minutes_to_verification"])),
    ("救出/平安（分钟）", lambda r: _num(r["minutes_to_rescue"])))


def _num(value) -> str:
    return "" if value is None else str(value)


class ScopedStore:
    """The store as a street-scoped user may use it: requests of other streets do not exist."""

    def __init__(self, store, user) -> None:
        self._store, self._user = store, user

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def _visible(self, record) -> bool:
        return record is not None and self._user.sees_street(getattr(record, "street", None))

    def find_records(self, kind: str, where: Optional[dict] = None, **options):
        if kind != board.KIND:
            return self._store.find_records(kind, where, **options)
        scoped = scope.where(self._user, where)
        return [] if scoped is None else self._store.find_records(kind, scoped, **options)

    def count_records(self, kind: str, where: Optional[dict] = None) -> int:
        if kind != board.KIND:
            return self._store.count_records(kind, where)
        scoped = scope.where(self._user, where)
        return 0 if scoped is None else self._store.count_records(kind, scoped)

    def get_versioned(self, kind: str, record_id: str):
        found = self._store.get_versioned(kind, record_id)
        return found if kind != board.KIND or (found and self._visible(found.record)) else None

    def get_record(self, kind: str, record_id: str):
        found = self._store.get_record(kind, record_id)
        return found if kind != board.KIND or self._visible(found) else None


class Flash:
    """One-time messages after an action, kept here and named by a random key in the redirect (a
    crafted link cannot put words on the board)."""

    def __init__(self, size: int = 500) -> None:
        self._items: dict[str, tuple[str, str, str]] = {}
        self._lock = threading.Lock()
        self._size = size

    def put(self, user: str, kind: str, text: str) -> str:
        key = secrets.token_urlsafe(9)
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (user, kind, text)
        return key

    def pop(self, user: str, key: Optional[str]) -> Optional[dict[str, str]]:
        with self._lock:
            item = self._items.pop(key, None) if key else None
        if item is None or item[0] != user:
            return None
        return {"kind": item[1], "text": item[2]}


def _refusal(exc: Exception) -> tuple[int, str]:
    """An engine refusal as (HTTP status, a Chinese sentence with the engine's own reason)."""
    if isinstance(exc, NotFound):
        return 404, f"没有这条求救，或不在你的街道范围内（{exc}）"
    if isinstance(exc, ConflictError):
        return 409, f"该行刚被他人更新或已被认领，请刷新后再操作（{exc}）"
    if isinstance(exc, TransitionError):
        return 409, f"当前状态不允许这样变更（{exc}）"
    return 400, f"未能完成：{exc}"


def _back(value: Optional[str], default: str = "/desk") -> str:
    text = str(value or "")
    ok = text.startswith("/desk") and "\n" not in text and "\r" not in text and "\\" not in text
    return text if ok else default


def _here(request: Request) -> str:
    """This page's path and query, without the one-time message (the forms' way back)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "msg"]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def _with(path: str, **params: str) -> str:
    base, _, fragment = path.partition("#")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}{urlencode(params)}" + (f"#{fragment}" if fragment else "")


def status_values(status: str) -> list[str]:
    """The stored values of a board status (the engine's ``open`` is 待核实)."""
    return [status, *(k for k, v in board.LEGACY.items() if v == status)]


def _seen(data: dict) -> str:
    return data.get("updated_at") or "new"


def _expected(store, request_id: str, seen: Optional[str]) -> Optional[str]:
    """The version to write against when the row is still as the operator saw it; ConflictError if not."""
    if not seen:
        return None
    data, version = board.get(store, request_id)
    if _seen(data) != seen:
        last = (data.get("history") or [{}])[-1]
        raise ConflictError(f"{last.get('who', '引擎')} 于 {str(last.get('when', ''))[11:16]} 更新了此行"
                            f"（{board.STATUSES.get(board.status_of(data), '')}）")
    return version


def _row_view(data: dict, posts: dict[str, Any], now, same_phone: Optional[dict[str, list[str]]] = None) -> dict[str, Any]:
    """A board row for the templates: the stored fields, the live claim, the moves allowed, its posts,
    and the other rows shown that give one of its phones (:func:`desk.board.same_phone`)."""
    live = board.row(data, now=now)
    status = live["status"]
    undone = {f.get("doc_id") for f in data.get("followups") or [] if f.get("undone")}
    return {
        "id": data["id"], "status": status, "status_label": live["status_label"], "urgency": live["urgency"] or 0,
        "street": data.get("street"), "address": data.get("address"), "people_count": data.get("people_count"),
        "vulnerable": live["vulnerable"], "needs": live["needs"], "phones": live["phones"],
        "claimed_by": live["claimed_by"], "claim_until": live["claim_until"], "team": data.get("team"),
        "verified_by": data.get("verified_by"), "notes": (data.get("notes") or [])[-HISTORY_SHOWN:],
        "followups": [{**f, "undone": f.get("undone") or f.get("doc_id") in undone}
                      for f in data.get("followups") or []],
        "history": list(reversed((data.get("history") or [])[-HISTORY_SHOWN:])),
        "first_seen": data.get("first_seen"), "last_seen": data.get("last_seen"), "seen": _seen(data),
        "doc_ids": list(data.get("doc_ids") or []), "posts": [posts[d] for d in (data.get("doc_ids") or [])
                                                              if d in posts][:POSTS_PER_ROW],
        "merged_into_id": data.get("merged_into"), "merged_from_ids": data.get("merged_from") or [],
        "split_from_id": data.get("split_from"), "purged": bool(data.get("personal_purged_at")),
        "same_phone_ids": (same_phone or {}).get(data["id"], []),
        "allowed": sorted(board.TRANSITIONS.get(status, ()), key=list(board.STATUSES).index),
        "team_moves": [s for s in TEAM_STATUSES if s in board.TRANSITIONS.get(status, ())],
    }


def _live(data: dict, now) -> dict[str, Any]:
    """What the board's poll needs of a row: no personal data."""
    live = board.row(data, now=now)
    return {"id": data["id"], "status": live["status"], "status_label": live["status_label"],
            "claimed_by": live["claimed_by"], "claim_until": (live["claim_until"] or "")[11:16] or None,
            "team": data.get("team"), "seen": _seen(data)}


def _posts_of(store, rows: list[dict]) -> dict[str, Any]:
    ids = [d for data in rows for d in (data.get("doc_ids") or [])[:POSTS_PER_ROW]]
    return {r["doc"].id: r["doc"] for r in document_rows(store, ids)} if ids else {}


def _sheet_bytes(suffix: str, cells: list[list]) -> bytes:
    """The teams' sheet (handover's columns) as XLSX or CSV; text cells a spreadsheet would run as a
    formula are quoted (crawled addresses are hostile)."""
    safe = [[export.cell(c) if isinstance(c, str) else c for c in line] for line in cells]
    if suffix == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(handover.COLUMNS)
        writer.writerows(safe)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "求救信息"
    sheet.append(list(handover.COLUMNS))
    for line in safe:
        sheet.append(line)
    for letter, width in zip("ABCDEFGHIJKLM", (22, 17, 36, 12, 10, 16, 6, 14, 16, 10, 10, 40, 40)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _masked_cells(cells: list[list], pii: bool, view) -> list[list]:
    if pii:
        return cells
    address = handover.COLUMNS.index("地址")
    return [[mask_address(c) if i == address and isinstance(c, str) else view.value(c)
             for i, c in enumerate(line)] for line in cells]


#: the import's messages (:mod:`desk.handover`, :mod:`yuqing.importer`) in Chinese; others stay as they are
_IMPORT_WORDS = (
    (re.compile(r"^(.+?) sheet (.+?) row (\d+): "), r"\1 第 \3 行（工作表 \2）："),
    (re.compile(r"^(.+?) line (\d+): "), r"\1 第 \2 行："),
    (re.compile(r"fields 编号 and 电话: match no request on the board; the row was skipped"),
     "“编号”和“电话”列都对不上救援台上的求救，已跳过"),
    (re.compile(r"field 编号: no request '(.+?)' on the board; the row was skipped"), r"“编号”列：救援台上没有求救 \1，已跳过"),
    (re.compile(r"field 状态 is empty; the row was skipped"), "“状态”列为空，已跳过"),
    (re.compile(r"^(.+?): not a readable XLSX workbook .*$"), r"\1：不是可读取的 XLSX 文件，未导入"),
    (re.compile(r"^(.+?): the header row needs 状态 and 编号 or 电话 \(found: (.*)\)$"),
     r"\1：表头需要“状态”列，以及“编号”或“电话”列（现有：\2），未导入"),
    (re.compile(r"field 状态: unknown status '(.*?)'; choose one of: .*; the row was skipped"),
     "“状态”列：无法识别的状态“\\1”，应填 " + "、".join(board.STATUSES.values()) + "，已跳过"),
    (re.compile(r"field 状态: request \S+: (.+?) is not allowed; .*; the row was skipped"),
     r"“状态”列：不允许 \1，已跳过"),
)


def import_message(message: str) -> str:
    """An import report line in Chinese, naming the file, the row and the column."""
    for pattern, words in _IMPORT_WORDS:
        message = pattern.sub(words, message)
    return message


def _upload_name(filename: str) -> str:
    """A safe local name keeping the sender's name readable in error messages (``回传.xlsx line 3``)."""
    name = Path(filename or "").name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = re.sub(r"[^\w\u4e00-\u9fff.-]", "_", stem)[:MAX_UPLOAD_NAME].lstrip(".") or "sheet"
    return stem + suffix


def routes(web: Web) -> list[Route]:
    refresh = int(web.config["web.refresh_seconds"])
    flash = Flash()

    def store_for(request: Request):
        user = web.user_of(request)
        return web.store if user.streets is None else ScopedStore(web.store, user)

    def filters(request: Request) -> tuple[str, list[str], Optional[str]]:
        """(status filter, the statuses it means, street) from the query."""
        status = choice_param(request, "status", ["all", "open", *board.STATUSES]) or "all"
        statuses = {"all": [], "open": list(board.OPEN_STATUSES)}.get(status, [status])
        return status, statuses, filter_param(request, "street")

    def counts(store, street: Optional[str]) -> dict[str, int]:
        base = {"street": street} if street else {}
        return {s: store.count_records(board.KIND, {**base, "status": status_values(s)}) for s in board.STATUSES}

    def board_rows(request: Request, limit: Optional[int] = PAGE_SIZE):
        store = store_for(request)
        status, statuses, street = filters(request)
        rows = board.list_requests(store, statuses=statuses, street=street, limit=limit)
        team = filter_param(request, "team")
        if team:
            rows = [d for d in rows if d.get("team") == team]
        return store, status, street, rows

    # pages ----------------------------------------------------------------------------------------
    def board_page(request: Request):
        store, status, street, rows = board_rows(request)
        user = web.user_of(request)
        now = _now()
        posts = _posts_of(store, rows)
        view = web.redactor(request, [d for data in rows for d in data.get("doc_ids") or []])
        web.audit_view(request, view, [JsonRecord(**d) for d in rows], posts, target_kind=board.KIND,
                       detail="救援台")
        same = board.same_phone(rows)
        shown = [_row_view(d, posts, now, same) for d in rows]
        query = {k: v for k, v in request.query_params.items() if k in ("status", "street")}
        return web.page(request, "desk_board.html", view, rows=shown, counts=counts(store, street),
                        storm=storm.current(web.store), refresh_seconds=refresh,
                        filters={"status": status, "street": street or "", "query": urlencode(query)},
                        labels=board.STATUSES, actions=audit.ACTIONS,
                        teams=sorted({d.get("team") for d in rows if d.get("team")}),
                        flash=flash.pop(user.name, request.query_params.get("msg")),
                        back=_here(request),
                        limit=PAGE_SIZE)

    def team_page(request: Request):
        team = request.path_params["team"]
        store = store_for(request)
        rows = [d for d in board.list_requests(store) if d.get("team") == team]
        now = _now()
        posts = _posts_of(store, rows)
        view = web.redactor(request, [d for data in rows for d in data.get("doc_ids") or []])
        web.audit_view(request, view, [JsonRecord(**d) for d in rows], posts, target_kind=board.KIND,
                       detail=f"救援队视图 {team}")
        sheet = request.url.path.endswith("/sheet")
        cells = _masked_cells(handover.sheet_rows(store, rows), view.pii, view) if sheet else []
        return web.page(request, "desk_sheet.html" if sheet else "desk_team.html", view, team=team,
                        rows=[_row_view(d, posts, now) for d in rows], cells=cells, columns=handover.COLUMNS,
                        labels=board.STATUSES, refresh_seconds=refresh, now=now,
                        flash=flash.pop(web.user_of(request).name, request.query_params.get("msg")),
                        back=request.url.path)

    def api_desk(request: Request):
        """What the board polls: the storm switch, counts and each shown row's state (no personal data)."""
        store, _status, street, rows = board_rows(request, limit=None if request.query_params.get("team") else PAGE_SIZE)
        now = _now()
        state = storm.current(web.store)
        return web.json(request, {"storm": {k: state.get(k) for k in ("on", "since", "by")},
                                  "counts": counts(store, street), "rows": [_live(d, now) for d in rows]})

    def export_sheet(request: Request):
        suffix = request.path_params["suffix"]
        if suffix not in ("xlsx", "csv"):
            raise HTTPException(404, "只能导出 .xlsx 或 .csv")
        store, status, street, rows = board_rows(request, limit=None)
        view = web.redactor(request, [d for data in rows for d in data.get("doc_ids") or []])
        cells = _masked_cells(handover.sheet_rows(store, rows), view.pii, view)
        shown = [f"状态 {board.STATUSES.get(status, status)}" if status != "all" else "",
                 f"街道 {street}" if street else ""]
        web.record(request, "export", target_kind=board.KIND,
                   detail=f"救援台导出 {len(cells)} 条 {suffix.upper()}" + ("（含个人信息）" if view.pii else "（已脱敏）")
                   + "".join(f"，{s}" for s in shown if s))
        media = ("text/csv; charset=utf-8" if suffix == "csv"
                 else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        name = f"rescue-board-{_now():%Y%m%d-%H%M}.{suffix}"
        return Response(_sheet_bytes(suffix, cells), media_type=media,
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    def handover_page(request: Request, result: Optional[dict] = None):
        status, _statuses, street = filters(request)
        query = {k: v for k, v in (("status", status), ("street", street)) if v and v != "all"}
        return web.page(request, "desk_handover.html", web.redactor(request), result=result, labels=board.STATUSES,
                        columns=handover.COLUMNS, filters={"status": status, "street": street or "",
                                                           "query": urlencode(query)})

    async def import_sheet(request: Request):
        user = web.require_actor(request)
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception:  # a malformed multipart body: the sender's mistake
            raise HTTPException(400, "表单无法解析，请重新选择文件上传") from None
        upload = form.get("sheet")
        if upload is None or not hasattr(upload, "read"):
            raise HTTPException(400, "请选择要导入的 XLSX 或 CSV 文件")
        name = _upload_name(upload.filename)
        if Path(name).suffix not in (".xlsx", ".csv"):
            raise HTTPException(400, f"只能导入 .xlsx 或 .csv 文件，而不是 {name}")
        content = await upload.read()
        result = await run_in_threadpool(_import, request, user, name, content)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(result)
        return handover_page(request, result)

    def _import(request: Request, user, name: str, content: bytes) -> dict:
        messages: list[str] = []
        with tempfile.TemporaryDirectory(prefix="yuqing-import-") as folder:
            path = Path(folder) / name
            path.write_bytes(content)
            try:
                outcome = handover.import_sheet(store_for(request), path, by=user.name, report=messages.append)
            except InputError as exc:
                messages.append(str(exc).replace(str(path), name))
                outcome = handover.ImportResult(errors=1)
        messages = [m.replace(folder + "/", "") for m in messages]
        unmatched = [import_message(m) for m in messages if "no request" in m]  # the engine's "matches no row"
        errors = [import_message(m) for m in messages if "no request" not in m]
        web.record(request, "desk_import", target_kind=board.KIND,
                   detail=f"回传 {name}：更新 {len(outcome.updated)} 条，未变 {outcome.unchanged} 条，"
                          f"未匹配 {len(unmatched)} 行，错误 {len(errors)} 行")
        return {"file": name, "updated": outcome.updated, "unchanged": outcome.unchanged,
                "unmatched": unmatched, "errors": errors}

    def rumours_page(request: Request):
        since, until = time_range(request)
        state = storm.current(web.store)
        if since is None:
            start = _now() - timedelta(days=3)
            if state.get("on") and state.get("since"):
                start = datetime.fromisoformat(state["since"]) - timedelta(days=1)
            since = start
        keywords = [w for w in (filter_param(request, "keyword") or "").split() if w]
        claims = rumours.list_rumours(web.store, since=since, until=until, keywords=keywords)
        user = web.user_of(request)
        if user.streets is not None:  # a scoped user sees the claims spread in their streets
            claims = [c for c in claims if _in_streets(web.store, c["doc_ids"], user)]
        frauds = rumours.fraud_posts(web.store, since=since, until=until)
        if user.streets is not None:
            frauds = [f for f in frauds if _in_streets(web.store, [f["doc_id"]], user)]
        taken = {d for c in claims for d in c["doc_ids"]}
        taken |= {c["denial"]["doc_id"] for c in claims if c["denial"]}
        candidates = [d for d in _denial_candidates(web.store, since, until) if d.id not in taken]
        doc_ids = [d for c in claims for d in c["doc_ids"][:3]] + [f["doc_id"] for f in frauds]
        view = web.redactor(request, doc_ids)
        return web.page(request, "desk_rumours.html", view, claims=claims, frauds=frauds, candidates=candidates,
                        filters={"since": since.strftime("%Y-%m-%d"), "until": request.query_params.get("until", ""),
                                 "keyword": " ".join(keywords)},
                        flash=flash.pop(user.name, request.query_params.get("msg")),
                        back=_here(request))

    def review_data(request: Request) -> dict:
        since, until = time_range(request)
        return desk_review.review(store_for(request), since=since, until=until)

    def review_page(request: Request):
        result = review_data(request)
        query = {k: v for k, v in request.query_params.items() if k in ("since", "until")}
        return web.page(request, "desk_review.html", web.redactor(request), review=result, labels=board.STATUSES,
                        filters={**query, "query": urlencode(query)})

    def review_csv(request: Request):
        result = review_data(request)
        web.record(request, "export", target_kind=board.KIND, detail=f"复盘导出 {len(result['per_request'])} 条")
        return export.csv_response("desk-review.csv", REVIEW_COLUMNS, result["per_request"])

    # actions --------------------------------------------------------------------------------------
    def act(request: Request, action: str, request_id: str, form) -> str:
        user = web.require_actor(request)
        store = store_for(request)
        by = user.name
        seen = form.get("seen")
        if action == "claim":
            board.claim(store, request_id, by=by, minutes=float(web.config["desk.claim_minutes"]))
        elif action == "release":
            board.release(store, request_id, by=by)
        elif action == "status":
            version = _expected(store, request_id, seen)
            board.set_status(store, request_id, str(form.get("status") or ""), by=by,
                             note=str(form.get("note") or "").strip(), expected_version=version)
        elif action == "note":
            version = _expected(store, request_id, seen)
            board.add_note(store, request_id, str(form.get("note") or ""), by=by, expected_version=version)
        elif action == "assign":
            team = str(form.get("team") or "").strip()
            if not team:
                raise InputError("请填写救援队名称")
            board.assign(store, request_id, team, by=by, expected_version=_expected(store, request_id, seen))
        elif action == "merge":
            others = [o for o in re.split(r"[\s,，、]+", str(form.get("others") or "")) if o]
            for other in others:
                board.get(store, other)  # another street's row: as if absent
            board.merge(store, request_id, others, by=by)
        elif action == "split":
            made = board.split(store, request_id, [str(d) for d in form.getlist("doc")], by=by,
                               phones=[str(p) for p in form.getlist("phone")])
            return made["id"]
        elif action == "undo":
            followups.undo(store, request_id, str(form.get("doc_id") or ""), by=by)
        return request_id

    async def row_action(request: Request):
        web.require_actor(request)
        action, request_id = request.path_params["action"], request.path_params["request_id"]
        if action not in ACTIONS:
            raise HTTPException(404, f"没有这个操作：{action}")
        form = await request.form()
        wants_json = "application/json" in request.headers.get("accept", "")
        back = _back(form.get("back"))
        user = web.user_of(request)
        try:
            target = await run_in_threadpool(act, request, action, request_id, form)
        except (YuqingError, ValueError) as exc:
            status, message = _refusal(exc)
            if wants_json:
                return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
            key = flash.put(user.name, "error", message)
            return RedirectResponse(_with(back.split("#")[0], msg=key) + f"#r-{request_id}", status_code=303)
        if wants_json:
            data, _version = board.get(store_for(request), target)
            return JSONResponse({"ok": True, "row": board.row(data)})
        key = flash.put(user.name, "notice", DONE[action])
        return RedirectResponse(_with(back.split("#")[0], msg=key) + f"#r-{target}", status_code=303)

    async def storm_switch(request: Request):
        user = web.require_actor(request)
        form = await request.form()
        on = str(form.get("on") or "") == "1"
        # the event's words and places narrow the crawl (专项采集); passed only when given
        terms = {name: words for name in ("keywords", "places")
                 if (words := [w for w in re.split(r"[\s,，、]+", str(form.get(name) or "")) if w])}
        await run_in_threadpool(partial(storm.switch, web.store, on, by=user.name,
                                        note=str(form.get("note") or "").strip(), **terms))
        key = flash.put(user.name, "notice", DONE["storm_on" if on else "storm_off"])
        return RedirectResponse(_with(_back(form.get("back")), msg=key), status_code=303)

    async def link_denial(request: Request):
        user = web.require_actor(request)
        form = await request.form()
        back = _back(form.get("back"), "/desk/rumours")
        claim_id = str(form.get("claim_id") or "")
        doc_id = str(form.get("doc_id") or "").strip() or str(form.get("candidate") or "")
        try:
            if not claim_id.startswith("rumour:") or not doc_id:
                raise InputError("请选择或填写辟谣帖子的编号")
            await run_in_threadpool(rumours.link_denial, web.store, claim_id, doc_id, by=user.name)
        except YuqingError as exc:
            key = flash.put(user.name, "error", _refusal(exc)[1])
        else:
            key = flash.put(user.name, "notice", DONE["denial"])
        return RedirectResponse(_with(back, msg=key), status_code=303)

    return [Route("/desk", board_page), Route("/api/desk", api_desk),
            Route("/desk/export.{suffix:str}", export_sheet),
            Route("/desk/handover", handover_page), Route("/desk/import", import_sheet, methods=["POST"]),
            Route("/desk/storm", storm_switch, methods=["POST"]),
            Route("/desk/rumours", rumours_page), Route("/desk/rumours/denial", link_denial, methods=["POST"]),
            Route("/desk/review", review_page), Route("/desk/review.csv", review_csv),
            Route("/desk/team/{team}", team_page), Route("/desk/team/{team}/sheet", team_page),
            Route("/desk/rows/{request_id}/{action}", row_action, methods=["POST"])]


def _in_streets(store, doc_ids: list[str], user) -> bool:
    return any(user.sees_street(a.location.street) for a in store.get_analyses(list(doc_ids)[:50]))


def _denial_candidates(store, since, until, limit: int = 30) -> list:
    """Posts of the window a person may link as a denial: official authors or denial words, newest first."""
    found = [d for d in store.iter_documents(since=since, until=until)
             if rumours.DENIAL_WORDS.search(d.text[:2000]) or rumours.is_official(d)]
    found.sort(key=lambda d: d.published_at, reverse=True)
    return found[:limit]

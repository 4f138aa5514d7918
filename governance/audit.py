"""The audit log (审计日志): who signed in, who saw personal data, who changed or exported what.

An append-only record kind, ``audit_events``: :func:`append` is the only way in (each event is
*created* under a new id — time plus randomness — and never replaced), :func:`find` the way out.
There is deliberately no update or delete function here; retention never purges this kind.

What an event may hold is limited, whoever calls :func:`append`: phone, ID and card numbers are
masked in every text field (:func:`yuqing.privacy.mask_text`) and texts are cut to a few hundred
characters. Callers pass names, ids and short sentences — never a token, a password or a session
cookie (the web UI records *that* a token was wrong, not the token).

Actions (others may be added; :data:`ACTIONS` gives their Chinese labels): ``sign_in``,
``sign_in_failed``, ``sign_out``, ``view_personal_data``, ``state_change``, ``export``, ``purge``,
``delete_document``.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone
from typing import Iterable, Optional

from pydantic import Field

from yuqing.errors import ConflictError
from yuqing.privacy import mask_text
from yuqing.records import Record, now
from yuqing.storage.base import Kind, register_kind

log = logging.getLogger(__name__)

KIND = "audit_events"

#: action → its label in the UI and the command's table
ACTIONS = {
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "sign_out": "退出",
    "view_personal_data": "查看个人信息",
    "state_change": "预警状态变更",
    "export": "导出",
    "purge": "数据清理",
    "delete_document": "删除文档",
    "correct_analysis": "纠正研判",
    "draft_case": "生成案例草稿",
    "calendar_decision": "日历提议处理",
    "dispatch_send": "报送",
    "dispatch_accept": "签收",
    "dispatch_reply": "部门回复",
    "dispatch_return": "退回",
    "dispatch_close": "办结",
    "dispatch_withdraw": "撤回报送",
    "dispatch_chase": "催办",
    "dispatch_escalate": "升级",
    "desk_status": "求救状态变更",
    "desk_claim": "认领求救",
    "desk_release": "释放认领",
    "desk_note": "通话记录",
    "desk_assign": "指派救援队",
    "desk_merge": "合并求救",
    "desk_split": "拆分求救",
    "desk_followup": "跟帖更新",
    "desk_followup_undo": "撤销跟帖更新",
    "desk_import": "回传导入",
    "desk_rumour_denial": "关联辟谣",
    "desk_storm": "平急转换",
    "generate_report": "生成简报",
    "incident_merge": "合并事件",
    "incident_split": "拆分事件",
}
#: target kind → its label
TARGETS = {"alerts": "预警", "search": "检索", "rescue_requests": "求救信息", "documents": "文档",
           "audit_events": "审计日志", "session": "会话", "briefings": "简报", "enterprises": "企业",
           "incidents": "事件"}

MAX_TEXT = 500
MAX_NAME = 100


class AuditEvent(Record):
    """One entry: who (and in which role) did what, to which record, from where, when."""

    id: str = Field(min_length=1)
    when: datetime
    who: str
    role: Optional[str] = None
    action: str
    target_kind: Optional[str] = None
    target_id: Optional[str] = None
    client: Optional[str] = None  # the client's address, as the service saw it
    detail: str = ""

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def target_label(self) -> str:
        kind = TARGETS.get(self.target_kind or "", self.target_kind or "")
        return " ".join(p for p in (kind, self.target_id or "") if p)


register_kind(Kind(KIND, AuditEvent, fields=("when", "who", "role", "action", "target_kind", "target_id", "client"),
                   text_fields=("detail",), time_field="when"))


def _clean(text: Optional[str], limit: int) -> Optional[str]:
    if text is None:
        return None
    text = mask_text(" ".join(str(text).split()))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def new_id(when: datetime) -> str:
    """Sortable by time (UTC, to the microsecond), unique by its random tail: ``20230907T121500123456-9f2c4e1a``.

    :func:`find` orders by this id: stored times compare only to the millisecond (SQLite's
    ``julianday``, Elasticsearch dates), which would leave events of one request in any order.
    """
    return f"{when.astimezone(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(4)}"


def append(store, action: str, *, who: str, role: Optional[str] = None, target_kind: Optional[str] = None,
           target_id: Optional[str] = None, client: Optional[str] = None, detail: str = "",
           when: Optional[datetime] = None) -> AuditEvent:
    """Add one event to the audit log and return it (personal numbers masked, texts cut short).

    Args:
        store: the engine's store.
        action: what happened (see :data:`ACTIONS`).
        who: the user name (``anonymous``, or the name a failed sign-in tried when it is a known user).
        role: the user's role, if known.
        target_kind, target_id: the record concerned (``alerts``, ``a1``), or what was shown
            (``search`` with no id, the query in ``detail``).
        client: the client's address.
        detail: a short sentence; masked, so a phone typed into a search query is not kept in full.
    """
    when = when or now()
    event = AuditEvent(id=new_id(when), when=when, who=_clean(who, MAX_NAME) or "anonymous", role=role,
                       action=action, target_kind=target_kind, target_id=_clean(target_id, MAX_TEXT),
                       client=_clean(client, MAX_NAME), detail=_clean(detail, MAX_TEXT) or "")
    for _ in range(3):
        try:
            store.update_record(KIND, event, None)  # create only: an event is never overwritten
            return event
        except ConflictError:
            event = event.model_copy(update={"id": new_id(when)})
    raise ConflictError(f"audit event {event.id}: could not find a free id")


def find(store, *, since: Optional[datetime] = None, until: Optional[datetime] = None,
         who: Optional[str] = None, actions: Iterable[str] = (), limit: int = 200) -> list[AuditEvent]:
    """Events, newest first, filtered by time, user and actions (any of)."""
    where: dict = {}
    if who:
        where["who"] = who
    actions = list(actions)
    if actions:
        where["action"] = actions
    return store.find_records(KIND, where or None, since=since, until=until, order_by="id", descending=True,
                              limit=limit)

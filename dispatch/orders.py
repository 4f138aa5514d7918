"""The steps of a 报送单: dispatch, accept (签收), reply, return (退回, once), close (办结), withdraw.

Every step is written three times: on the order's ``trail``, on the alert's history (全过程留痕;
through :mod:`alerts.lifecycle`: the state changes by its rules, the other steps as entries whose
``from`` and ``to`` are both the alert's state), and in the audit log (:mod:`governance.audit`,
actions ``dispatch_send``, ``dispatch_accept``, ``dispatch_reply``, ``dispatch_return``,
``dispatch_close``, ``dispatch_withdraw``, ``dispatch_chase``, ``dispatch_escalate``). A refused step
raises :class:`~yuqing.errors.TransitionError` with a sentence saying why (the web answers 409).
Writes use the store's optimistic concurrency, like the alert lifecycle.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Optional, Sequence

from alerts import lifecycle
from dispatch.attachments import Policy
from dispatch.notify import known_departments, link_for, routing_entry, send
from dispatch.records import KIND, OPEN_ORDER_STATES, Attachment, DispatchOrder, Step
from dispatch.timelimits import due_times
from dispatch import links
from yuqing.errors import ConflictError, InputError, NotFound, TransitionError
from yuqing.records import Alert, now as _now

RETRIES = 5
#: a return's reason must say something
MIN_REASON_CHARS = 4
MAX_TEXT_CHARS = 4000


def get(store, order_id: str) -> DispatchOrder:
    order = store.get_record(KIND, order_id)
    if order is None:
        raise NotFound(f"no 报送单 with id {order_id!r}")
    return order


def modify(store, order_id: str, change: Callable[[DispatchOrder], Optional[DispatchOrder]]) -> DispatchOrder:
    """Read, change and write one order, re-reading and retrying when someone else wrote first."""
    for _ in range(RETRIES):
        found = store.get_versioned(KIND, order_id)
        if found is None:
            raise NotFound(f"no 报送单 with id {order_id!r}")
        order = DispatchOrder.model_validate(found.record.model_dump(mode="json"))
        changed = change(order)
        if changed is None:
            return order
        try:
            store.update_record(KIND, changed, found.version)
            return changed
        except ConflictError:
            continue
    raise ConflictError(f"报送单 {order_id} kept changing while it was being updated; try again")


def orders_of(store, alert_id: str) -> list[DispatchOrder]:
    return store.find_records(KIND, {"alert_id": alert_id}, order_by="created_at", limit=1000)


def _audit(store, action: str, order: DispatchOrder, who: str, role: str, detail: str,
           client: Optional[str], when: datetime) -> None:
    from governance import audit

    audit.append(store, action, who=who, role=role, target_kind=KIND, target_id=order.id, client=client,
                 detail=f"预警 {order.alert_id}：{detail}", when=when)


def _alert_step(store, order: DispatchOrder, who: str, note: str, when: datetime, *,
                to: Optional[str] = None, assignee: Optional[str] = None) -> Alert:
    """The step on the alert's history: a lifecycle transition to ``to``, else an entry in its state."""
    def change(alert: Alert) -> Alert:
        if to is not None:
            lifecycle.check_transition(alert, to)
        lifecycle.record_change(alert, who, alert.state, to or alert.state, note, when)
        if to is not None:
            alert.state = to
        if assignee:
            alert.assignee = assignee
        setattr(alert, "dispatch_order", order.id)  # where the alert's 报送 stands, for the queue
        setattr(alert, "dispatch_state", order.state)
        return alert
    return lifecycle.modify(store, order.alert_id, change)


def _step(order: DispatchOrder, who: str, action: str, note: str, when: datetime,
          attachments: Sequence[Attachment] = ()) -> None:
    order.trail = [*order.trail, Step(who=who, when=when, action=action, note=note, attachments=list(attachments))]


# --- the analyst --------------------------------------------------------------------------------

def dispatch_alert(store, config, alert_id: str, department: str, *, by: str, note: str = "",
                   now: Optional[datetime] = None, client: Optional[str] = None, role: str = "analyst",
                   notifiers: Optional[dict] = None) -> DispatchOrder:
    """Send a 报送单 of ``alert_id`` to ``department`` and move the alert to ``dispatched``.

    The alert must be ``acknowledged`` (the lifecycle's rule), or already ``dispatched``: then the
    open order is withdrawn and the alert re-dispatched (改派), e.g. after a return.
    """
    when = now or _now()
    if not by or not by.strip():
        raise TransitionError("say who dispatches: a 报送单 needs the analyst's name")
    department = (department or "").strip()
    if department not in known_departments(config):
        raise InputError(f"unknown department {department!r}; alerts.routing names: "
                         f"{', '.join(known_departments(config))}")
    if len(note) > MAX_TEXT_CHARS:
        raise InputError(f"the note is {len(note)} characters; at most {MAX_TEXT_CHARS}")
    alert = store.get_record("alerts", alert_id)
    if alert is None:
        raise NotFound(f"no alert with id {alert_id!r}")
    if alert.state != "dispatched":
        lifecycle.check_transition(alert, "dispatched")
    accept_due, close_due = due_times(config, alert.severity, when)
    entry = routing_entry(config, department) or {}
    order = DispatchOrder(id=links.new_order_id(), alert_id=alert.id, department=department, street=alert.street,
                          category=alert.category, severity=alert.severity, note=note.strip(), by=by,
                          created_at=when, accept_due=accept_due, close_due=close_due,
                          link_expires_at=when + timedelta(hours=float(config["dispatch.link_hours"])),
                          personal_data=bool(entry.get("personal_data")))
    withdrawn = [o for o in orders_of(store, alert.id) if o.is_open]
    for old in withdrawn:
        withdraw(store, old.id, by=by, reason=f"改派至 {department}", now=when, client=client, role=role)
    _step(order, by, "dispatch", note.strip(), when)
    store.update_record(KIND, order, None)
    verb = "改派" if alert.state == "dispatched" else "报送"
    text = f"{verb}至 {department}（报送单 {order.id}）" + (f"：{order.note}" if order.note else "")
    _alert_step(store, order, by, text, when, to=None if alert.state == "dispatched" else "dispatched",
                assignee=department)
    _audit(store, "dispatch_send", order, by, role, text, client, when)
    return deliver(store, config, order.id, "dispatch", department, "act", notifiers=notifiers, now=when)


def deliver(store, config, order_id: str, event: str, to: str, purpose: str, *,
            notifiers: Optional[dict] = None, now: Optional[datetime] = None,
            only: Optional[set[str]] = None) -> DispatchOrder:
    """Notify ``to`` of the order (its signed link for ``purpose``) and keep the outcome on the order."""
    order = get(store, order_id)
    alert = store.get_record("alerts", order.alert_id)
    if alert is None:
        return order
    sent = send(config, alert, order, event, to, link_for(config, order, purpose), notifiers=notifiers, now=now,
                only=only)

    def keep(o: DispatchOrder) -> DispatchOrder:
        o.notifications = [*o.notifications, *sent]
        return o
    return modify(store, order_id, keep)


def withdraw(store, order_id: str, *, by: str, reason: str, now: Optional[datetime] = None,
             client: Optional[str] = None, role: str = "analyst") -> DispatchOrder:
    """Withdraw an open order (re-dispatch, or its alert closed another way); its link stops acting."""
    when = now or _now()
    done = []

    def change(order: DispatchOrder) -> Optional[DispatchOrder]:
        done.clear()
        if not order.is_open:
            return None
        order.state = "withdrawn"
        _step(order, by, "withdraw", reason, when)
        done.append(True)
        return order
    order = modify(store, order_id, change)
    if done:
        _audit(store, "dispatch_withdraw", order, by, "system" if by == "system" else role,
               f"撤回报送单（{order.department}）：{reason}", client, when)
    return order


# --- the department -----------------------------------------------------------------------------

def _open_alert(store, order: DispatchOrder) -> Alert:
    alert = store.get_record("alerts", order.alert_id)
    if alert is None or alert.state != "dispatched":
        raise TransitionError(f"报送单 {order.id}：预警已{'删除' if alert is None else '关闭'}，无需处置 "
                              f"(the alert is {'gone' if alert is None else alert.state})")
    return alert


def _expect(order: DispatchOrder, states: tuple[str, ...], doing: str) -> None:
    if order.state not in states:
        raise TransitionError(f"报送单 {order.id} {order.state_label}，不能{doing} "
                              f"(order {order.id} is {order.state}; it cannot be {doing} now)")


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(f"{what}过长：{len(value)} 个字符，最多 {MAX_TEXT_CHARS} "
                         f"({what}: {len(value)} characters; at most {MAX_TEXT_CHARS})")
    return value


def accept(store, config, order_id: str, *, now: Optional[datetime] = None, client: Optional[str] = None,
           note: str = "") -> DispatchOrder:
    when = now or _now()
    note = _text(note, "签收说明")

    def change(order: DispatchOrder) -> DispatchOrder:
        _expect(order, ("sent",), "签收")
        _open_alert(store, order)
        order.state, order.accepted_at = "accepted", when
        _step(order, order.department, "accept", note, when)
        return order
    order = modify(store, order_id, change)
    text = f"{order.department} 签收报送单 {order.id}" + (f"：{note}" if note else "")
    _alert_step(store, order, order.department, text, when)
    _audit(store, "dispatch_accept", order, order.department, "department", text, client, when)
    return order


def reply(store, config, order_id: str, text: str, files: Sequence[tuple[str, bytes]] = (), *,
          now: Optional[datetime] = None, client: Optional[str] = None) -> DispatchOrder:
    """What the department did so far: text and attachments (checked before anything is kept)."""
    when = now or _now()
    text = _text(text, "处置情况")
    if not text and not files:
        raise InputError("请填写处置情况或上传附件 (write what was done, or attach a file)")
    order = get(store, order_id)
    _expect(order, ("accepted",), "回复（请先签收）")
    _open_alert(store, order)
    saved = _save(config, order, files)

    def change(o: DispatchOrder) -> DispatchOrder:
        _expect(o, ("accepted",), "回复（请先签收）")
        o.attachments = [*o.attachments, *saved]
        _step(o, o.department, "reply", text, when, saved)
        return o
    order = modify(store, order_id, change)
    note = f"{order.department} 回复报送单 {order.id}：{text}" + (f"（附件 {len(saved)} 个）" if saved else "")
    _alert_step(store, order, order.department, note, when)
    _audit(store, "dispatch_reply", order, order.department, "department", note, client, when)
    return order


def return_order(store, config, order_id: str, reason: str, *, now: Optional[datetime] = None,
                 client: Optional[str] = None) -> DispatchOrder:
    """退回: once per department and alert, with a reason; the analyst re-dispatches."""
    when = now or _now()
    reason = _text(reason, "退回理由")
    if len(reason) < MIN_REASON_CHARS:
        raise InputError(f"退回须说明理由（至少 {MIN_REASON_CHARS} 个字）(a return needs a reason of at least "
                         f"{MIN_REASON_CHARS} characters)")
    order = get(store, order_id)
    earlier = [o for o in orders_of(store, order.alert_id)
               if o.department == order.department and o.returned_at is not None and o.id != order.id]
    if earlier:
        raise TransitionError(f"{order.department} 已于 {earlier[0].returned_at:%Y-%m-%d %H:%M} 退回过此预警（报送单 "
                              f"{earlier[0].id}），只能退回一次，请处置 (a department may return an alert once)")

    def change(o: DispatchOrder) -> DispatchOrder:
        _expect(o, OPEN_ORDER_STATES, "退回")
        _open_alert(store, o)
        o.state, o.returned_at, o.return_reason = "returned", when, reason
        _step(o, o.department, "return", reason, when)
        return o
    order = modify(store, order_id, change)
    note = f"{order.department} 退回报送单 {order.id}：{reason}"
    _alert_step(store, order, order.department, note, when)
    _audit(store, "dispatch_return", order, order.department, "department", note, client, when)
    return order


def close(store, config, order_id: str, result: str, files: Sequence[tuple[str, bytes]] = (), *,
          now: Optional[datetime] = None, client: Optional[str] = None) -> DispatchOrder:
    """办结: a result and evidence (an attachment on the order, or a result of enough characters)."""
    when = now or _now()
    result = _text(result, "办结结果")
    minimum = int(config["dispatch.min_evidence_chars"])
    order = get(store, order_id)
    _expect(order, ("accepted",), "办结（请先签收）")
    _open_alert(store, order)
    if not result:
        raise InputError("办结须填写处置结果 (closing needs the result: what was done)")
    if not order.attachments and not files and len(result) < minimum:
        raise InputError(f"办结须有佐证：上传照片或文件，或处置结果不少于 {minimum} 个字（现 {len(result)} 个）"
                         f"(closing needs evidence: an attachment, or a result of at least {minimum} characters)")
    saved = _save(config, order, files)

    def change(o: DispatchOrder) -> DispatchOrder:
        _expect(o, ("accepted",), "办结")
        o.attachments = [*o.attachments, *saved]
        o.state, o.closed_at, o.result = "closed", when, result
        _step(o, o.department, "close", result, when, saved)
        return o
    order = modify(store, order_id, change)
    note = f"{order.department} 办结报送单 {order.id}：{result}" + (f"（附件 {len(saved)} 个）" if saved else "")
    _alert_step(store, order, order.department, note, when, to="resolved")
    _audit(store, "dispatch_close", order, order.department, "department", note, client, when)
    return order


def _save(config, order: DispatchOrder, files: Sequence[tuple[str, bytes]]) -> list[Attachment]:
    policy = Policy.from_config(config)
    kinds = policy.check_all(list(files))  # every file checked before any is written
    return [policy.save(order.id, name, data, kind) for (name, data), kind in zip(files, kinds)]

"""The 报送单 record (kind ``dispatch_orders``): one dispatch of one alert to one department.

States: ``sent`` (waiting for the department) → ``accepted`` (签收) → ``closed`` (办结, with a result
and evidence); ``returned`` (退回, once, with a reason) from ``sent`` or ``accepted``; ``withdrawn``
when the analyst re-dispatches the alert or it is closed another way. Each step is kept in the
order's ``trail`` and on the alert's history.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yuqing.records import Record, aware
from yuqing.storage.base import Kind, register_kind

KIND = "dispatch_orders"
OrderState = Literal["sent", "accepted", "returned", "closed", "withdrawn"]
OPEN_ORDER_STATES = ("sent", "accepted")
#: state → its label in the department's page and the analyst's
STATE_LABELS = {"sent": "待签收", "accepted": "已签收，处置中", "returned": "已退回", "closed": "已办结",
                "withdrawn": "已撤回（改派）"}


class Attachment(BaseModel):
    """A file a department sent: stored as ``{attachments_dir}/{order_id}/{id}.{ext}``."""

    model_config = ConfigDict(extra="allow")
    id: str
    name: str  # the sender's file name, for display only
    type: str  # jpeg, png, webp, gif, pdf (recognised by content)
    size: int


class Step(BaseModel):
    """One entry of the order's trail: who (department, analyst or system), when, what, note."""

    model_config = ConfigDict(extra="allow")
    who: str
    when: datetime
    action: str  # dispatch, accept, reply, return, close, chase, escalate, notify, withdraw
    note: str = ""
    attachments: list[Attachment] = Field(default_factory=list)

    _aware_when = field_validator("when")(lambda v: aware(v))


class Notification(BaseModel):
    model_config = ConfigDict(extra="allow")
    notifier: str
    to: str  # the department notified
    event: str
    state: Literal["sent", "failed"]
    when: datetime
    error: Optional[str] = None


class DispatchOrder(Record):
    id: str = Field(min_length=1)
    alert_id: str
    department: str
    street: Optional[str] = None
    category: Optional[str] = None
    severity: str
    note: str = ""
    by: str  # the analyst who dispatched
    created_at: datetime
    state: OrderState = "sent"
    accept_due: datetime
    close_due: datetime
    link_expires_at: datetime
    personal_data: bool = False  # the routing entry lets this department see personal data
    accepted_at: Optional[datetime] = None
    returned_at: Optional[datetime] = None
    return_reason: Optional[str] = None
    closed_at: Optional[datetime] = None
    result: Optional[str] = None
    attachments: list[Attachment] = Field(default_factory=list)
    trail: list[Step] = Field(default_factory=list)
    notifications: list[Notification] = Field(default_factory=list)
    escalation_level: int = 0
    escalated_to: list[str] = Field(default_factory=list)
    chase_count: int = 0
    last_chased_at: Optional[datetime] = None

    _aware_times = field_validator("created_at", "accept_due", "close_due", "link_expires_at", "accepted_at",
                                   "returned_at", "closed_at", "last_chased_at")(
        lambda v: aware(v) if v is not None else None)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ORDER_STATES


register_kind(Kind(KIND, DispatchOrder, fields=("alert_id", "department", "street", "state", "severity",
                                                "created_at", "accept_due", "close_due"),
                   text_fields=("note", "result"), time_field="created_at"))

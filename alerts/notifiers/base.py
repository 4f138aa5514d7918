"""The notifier interface and the message text every chat notifier shares."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Optional

from alerts.routing import Route
from alerts.severity import name as severity_name
from yuqing.errors import YuqingError
from yuqing.privacy import mask_text
from yuqing.records import Alert

EVENTS = {"created": "新预警", "raised": "预警升级", "updated": "预警更新", "escalated": "超时未确认，已升级"}


class DeliveryError(YuqingError):
    """One delivery attempt failed (the message names the notifier and the reason)."""


class Notifier:
    """Base of every notifier.

    Attributes:
        options: JSON-schema properties of the notifier's options in ``alerts.notifiers``.
        required_options: options that must be given.
    """

    plugin_name = ""
    options: dict[str, Any] = {}
    required_options: tuple[str, ...] = ()
    summary = ""

    def __init__(self, name: str, options: dict[str, Any], timeout: float = 10.0) -> None:
        self.name = name
        self.opts = options
        self.timeout = float(options.get("timeout", timeout))

    def send(self, alert: Alert, route: Route, event: str) -> None:
        """Deliver one message; raise :class:`DeliveryError` on failure."""
        raise NotImplementedError


def message_text(alert: Alert, route: Route, event: str, markdown: bool = False) -> str:
    """The human message: colour, title, street, department, reasons. Phone/ID numbers are masked."""
    bold = (lambda s: f"**{s}**") if markdown else (lambda s: s)
    lines = [bold(f"【{severity_name(alert.severity)}】{EVENTS.get(event, event)}：{alert.title}"),
             f"街道：{alert.street or '未定位'}　类别：{alert.category or '未分类'}",
             f"责任部门：{route.department}" + (f"（{'、'.join(route.contacts)}）" if route.contacts else ""),
             f"状态：{alert.state}　规则：{alert.rule}　编号：{alert.id}"]
    reasons = getattr(alert, "reasons", None) or []
    if reasons:
        lines.append("依据：" + "；".join(reasons))
    if alert.summary:
        lines.append("摘要：" + alert.summary)
    if alert.calendar:
        lines.append("时间窗口：" + "、".join(alert.calendar))
    if alert.similar_cases:
        lines.append("相似案例：" + "、".join(f"{c.case_id}({c.score:.2f})" for c in alert.similar_cases))
    return mask_text(("\n\n" if markdown else "\n").join(lines))


def post_json(url: str, payload: Any, timeout: float, headers: Optional[dict[str, str]] = None,
              who: str = "webhook") -> bytes:
    """POST JSON, return the body; raise :class:`DeliveryError` on a network error or non-2xx status."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            return response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{who}: {_safe_url(url)} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{who}: {_safe_url(url)} unreachable ({getattr(exc, 'reason', exc)})") from None


def check_errcode(body: bytes, who: str, keys=("errcode", "code", "StatusCode")) -> None:
    """Chat robots answer 200 with an error code in the body; 0 means delivered."""
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        raise DeliveryError(f"{who}: the robot answered something that is not JSON") from None
    for key in keys:
        if key in answer and answer[key] not in (0, "0"):
            raise DeliveryError(f"{who}: the robot refused the message ({key}={answer[key]}, "
                                f"{answer.get('errmsg') or answer.get('msg') or answer.get('StatusMessage')})")


def _safe_url(url: str) -> str:
    """A webhook URL without its query (robot URLs carry their key or token there)."""
    return url.split("?", 1)[0]

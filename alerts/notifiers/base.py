"""The notifier interface and the message text every chat notifier shares.

What leaves the service in a notification is hostile crawled text on its way to a group chat, so
every notifier goes through the same three doors:

* **One masking point**, :func:`mask_outgoing` (``yuqing.privacy.redact``): phone, ID and bank-card
  numbers in every string, and any value under an ``*address`` key, in chat text, mail and webhook
  JSON alike (analysts' notes included).
* **Escaping for the dialect.** Chat robots render a markdown subset with HTML and @-mentions
  (DingTalk and WeCom markdown; Feishu text parses ``<at>``, links and bold too), and none of them
  documents backslash escapes. So in every field that comes from crawled text or analysts,
  :func:`literal_markdown` turns line breaks into spaces and the characters that make links,
  images, emphasis, code, headings, tables, HTML tags, entities and mentions into their full-width
  forms (``[`` → ``［``, ``<`` → ``＜``, ``@`` → ``＠``…), which read the same in Chinese text and that
  no renderer parses. The labels the notifier writes itself keep their markup. Mail is plain
  text; its header values are single lines (:func:`single_line`).
* **No secrets in errors.** Robot tokens live in the URL's path or query; an error names only
  ``scheme://host:port/…`` (:func:`safe_url`), and :meth:`Notifier.redact_secrets` removes the
  notifier's tokens, secrets and passwords from any message (the dispatcher applies it to every
  failure before logging or storing it).
"""
from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

from alerts.routing import Route
from alerts.severity import name as severity_name
from yuqing.errors import YuqingError
from yuqing.privacy import redact
from yuqing.records import Alert

EVENTS = {"created": "新预警", "raised": "预警升级", "updated": "预警更新", "escalated": "超时未确认，已升级"}

_MARKDOWN_LITERALS = str.maketrans({
    "\\": "＼", "[": "［", "]": "］", "(": "（", ")": "）", "*": "＊", "_": "＿", "`": "｀", "#": "＃",
    "<": "＜", ">": "＞", "!": "！", "|": "｜", "~": "～", "@": "＠", "&": "＆", "{": "｛", "}": "｝",
    "$": "＄", "^": "＾"})
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
# what still makes a block at the start of a value: "- item", "+ item", "1. item", "===" / "---" underlines
_LEADING_MARKER = re.compile(r"^(\s*)(?:([-+=])(?=[\s=-]|$)|(\d{1,9})\.(?=\s|$))")
_FULL_WIDTH = {"-": "－", "+": "＋", "=": "＝"}
_MIN_SECRET_SEGMENT = 16  # a path segment this long is a token (WeCom/Feishu keys, DingTalk tokens)


class DeliveryError(YuqingError):
    """One delivery attempt failed (the message names the notifier and the reason)."""


def mask_outgoing(value: Any) -> Any:
    """The one masking point of notifications: a string or JSON-like value with personal data masked."""
    return redact(value)


def literal_markdown(text: Any) -> str:
    """``text`` as literal characters in any chat markdown dialect (see the module docstring)."""
    text = _LINE_BREAKS.sub(" ", str(text or "")).translate(_MARKDOWN_LITERALS)
    return _LEADING_MARKER.sub(lambda m: m.group(1) + (_FULL_WIDTH[m.group(2)] if m.group(2)
                                                       else m.group(3) + "．"), text)


def single_line(text: Any) -> str:
    """A header value: CR/LF and other line breaks become spaces, so text can never add a header."""
    return " ".join(_LINE_BREAKS.sub(" ", str(text or "")).split())


def safe_url(url: str) -> str:
    """``scheme://host:port/…``: robot URLs carry their key or token in the path or the query."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "(the configured URL)"
    if not parts.scheme or not host:
        return "(the configured URL)"
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    return f"{parts.scheme}://{netloc}" + ("/…" if parts.path.strip("/") or parts.query else "")


class Notifier:
    """Base of every notifier.

    Attributes:
        options: JSON-schema properties of the notifier's options in ``alerts.notifiers``.
        required_options: options that must be given.
        secret_options: options whose values never appear in an error, a log line or a delivery record.
    """

    plugin_name = ""
    options: dict[str, Any] = {}
    required_options: tuple[str, ...] = ()
    secret_options: tuple[str, ...] = ("url", "secret", "password", "headers")
    summary = ""

    def __init__(self, name: str, options: dict[str, Any], timeout: float = 10.0) -> None:
        self.name = name
        self.opts = options
        self.timeout = float(options.get("timeout", timeout))

    @classmethod
    def check_options(cls, where: str, options: dict[str, Any]) -> None:
        """Checks across options that the JSON schema cannot express; raise ``ConfigError`` naming the key."""

    def send(self, alert: Alert, route: Route, event: str) -> None:
        """Deliver one message; raise :class:`DeliveryError` on failure."""
        raise NotImplementedError

    @property
    def who(self) -> str:
        return f"{self.plugin_name or type(self).__name__} {self.name}"

    def post(self, payload: Any, url: Optional[str] = None, headers: Optional[dict[str, str]] = None,
             check: bool = True) -> bytes:
        """POST JSON to ``url`` (default the ``url`` option); with ``check``, a robot's error code fails it."""
        url = url or self.opts["url"]
        try:
            body = post_json(url, payload, self.timeout, headers, who=self.who)
            if check:
                check_errcode(body, self.who, url=url)
            return body
        except DeliveryError as exc:
            raise DeliveryError(self.redact_secrets(str(exc))) from None

    def secrets(self) -> list[str]:
        """The strings of this notifier's options that must never be shown, longest first."""
        found: set[str] = set()
        for key in self.secret_options:
            value = self.opts.get(key)
            if isinstance(value, dict):
                found.update(str(v) for v in value.values())
            elif key == "url" and isinstance(value, str):
                found.update(_url_secrets(value))
            elif value:
                found.add(str(value))
        if self.opts.get("password"):  # an SMTP AUTH PLAIN blob a server might echo back
            plain = f"\0{self.opts.get('username', '')}\0{self.opts['password']}".encode()
            found.add(base64.b64encode(plain).decode())
        return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)

    def redact_secrets(self, text: str) -> str:
        """``text`` with every secret of :meth:`secrets` replaced by ``***``."""
        for secret in self.secrets():
            for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
                text = text.replace(form, "***")
        return text


def _url_secrets(url: str) -> set[str]:
    """Everything in a URL after its host: the path, the query, each query value, long path segments."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return {url}
    found = {url, parts.path, parts.query, parts.password or ""}
    found.update(value for _, value in urllib.parse.parse_qsl(parts.query))
    found.update(seg for seg in parts.path.split("/") if len(seg) >= _MIN_SECRET_SEGMENT)
    return {s for s in found if s and s != "/"}


def message_text(alert: Alert, route: Route, event: str, markdown: bool = False,
                 escape: Optional[bool] = None) -> str:
    """The human message: colour, title, street, department, reasons, summary, calendar, cases.

    Every value passes :func:`mask_outgoing`; with ``escape`` (the default for ``markdown``) the
    values of the alert that come from crawled text or analysts (title, street, reasons, summary,
    calendar entries, case ids) are also made literal (:func:`literal_markdown`). The category and
    state are taxonomy labels the record validates; the rule name, department and contacts come
    from the configuration; the id is the engine's.
    """
    escape = markdown if escape is None else escape

    def value(text: Any) -> str:  # crawled or analysts' text
        masked = mask_outgoing(str(text))
        return literal_markdown(masked) if escape else masked

    bold = (lambda s: f"**{s}**") if markdown else (lambda s: s)
    contacts = mask_outgoing("、".join(route.contacts))
    lines = [bold(f"【{severity_name(alert.severity)}】{EVENTS.get(event, event)}：{value(alert.title)}"),
             f"街道：{value(alert.street) if alert.street else '未定位'}　类别：{alert.category or '未分类'}",
             f"责任部门：{mask_outgoing(route.department)}" + (f"（{contacts}）" if route.contacts else ""),
             f"状态：{alert.state}　规则：{mask_outgoing(alert.rule)}　编号：{alert.id}"]
    reasons = getattr(alert, "reasons", None) or []
    if reasons:
        lines.append("依据：" + "；".join(value(r) for r in reasons))
    if alert.summary:
        lines.append("摘要：" + value(alert.summary))
    if alert.calendar:
        lines.append("时间窗口：" + "、".join(value(c) for c in alert.calendar))
    if alert.similar_cases:
        lines.append("相似案例：" + "、".join(f"{value(c.case_id)}({c.score:.2f})" for c in alert.similar_cases))
    return ("\n\n" if markdown else "\n").join(lines)


def post_json(url: str, payload: Any, timeout: float, headers: Optional[dict[str, str]] = None,
              who: str = "webhook") -> bytes:
    """POST JSON, return the body; raise :class:`DeliveryError` on a network error or non-2xx status.

    Errors name the URL as ``scheme://host:port/…`` only (:func:`safe_url`).
    """
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", **(headers or {})})
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            return response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{who}: {safe_url(url)} answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"{who}: {safe_url(url)} unreachable ({_reason(exc.reason)})") from None
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"{who}: {safe_url(url)} unreachable ({_reason(exc)})") from None
    except ValueError:  # urllib quotes the whole URL in these ("unknown url type: 'htp://…?key=…'")
        raise DeliveryError(f"{who}: {safe_url(url)} is not a URL I can post to; check the `url` option") from None


def _reason(exc: Any) -> str:
    """An exception's kind and OS error text, never its arguments (which may quote the URL); a
    string reason (``URLError("no host given")``) as it is, unless it holds a URL."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, BaseException):
        return type(exc).__name__
    return "network error" if "://" in str(exc) else str(exc)[:200]


def check_errcode(body: bytes, who: str, keys=("errcode", "code", "StatusCode"), url: Optional[str] = None) -> None:
    """Chat robots answer 200 with an error code in the body; 0 means delivered."""
    robot = f"the robot at {safe_url(url)}" if url else "the robot"
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        raise DeliveryError(f"{who}: {robot} answered something that is not JSON") from None
    if not isinstance(answer, dict):
        raise DeliveryError(f"{who}: {robot} answered JSON that is not an object")
    for key in keys:
        if key in answer and answer[key] not in (0, "0"):
            said = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage")
            raise DeliveryError(f"{who}: {robot} refused the message ({key}={str(answer[key])[:40]}, "
                                f"{mask_outgoing(str(said)[:300])})")

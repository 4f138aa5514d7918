"""``dingtalk``: DingTalk (钉钉) custom-robot webhook, markdown message, optional signing."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

from alerts.notifiers import NOTIFIERS
from alerts.notifiers.base import Notifier, literal_markdown, mask_outgoing, message_text


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


@NOTIFIERS.register("dingtalk")
class DingTalkNotifier(Notifier):
    """POST ``{"msgtype": "markdown", "markdown": {title, text}, "at": {atMobiles}}``.

    With ``secret`` (write ``${DINGTALK_SECRET}`` in config) the URL gets ``timestamp`` and ``sign``.
    Only the configured ``at_mobiles`` are mentioned: an ``@`` in the alert's text arrives as ``＠``.
    """

    summary = "DingTalk group robot (markdown, signed with a secret)"
    options = {"url": {"type": "string"}, "secret": {"type": "string"},
               "at_mobiles": {"type": "array", "items": {"type": "string"}}, "timeout": {"type": "number"}}
    required_options = ("url",)

    def send(self, alert, route, event) -> None:
        url = self.opts["url"]
        if self.opts.get("secret"):
            ts = int(time.time() * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(self.opts['secret'], ts)}"
        mobiles = list(self.opts.get("at_mobiles") or [])
        text = message_text(alert, route, event, markdown=True)
        if mobiles:
            text += "\n\n" + " ".join(f"@{m}" for m in mobiles)
        title = literal_markdown(mask_outgoing(alert.title))[:30]  # the chat list's preview line
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text},
                "at": {"atMobiles": mobiles, "isAtAll": False}}
        self.post(body, url=url)

"""``feishu``: Feishu/Lark (飞书) custom-bot webhook, text message, optional signing."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

from alerts.notifiers import NOTIFIERS
from alerts.notifiers.base import Notifier, message_text


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's signature: base64(HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message)."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@NOTIFIERS.register("feishu")
class FeishuNotifier(Notifier):
    """POST ``{"msg_type": "text", "content": {"text": …}}``, with ``timestamp``/``sign`` when ``secret`` is set."""

    summary = "Feishu group bot (text, signed with a secret)"
    options = {"url": {"type": "string"}, "secret": {"type": "string"}, "timeout": {"type": "number"}}
    required_options = ("url",)

    def send(self, alert, route, event) -> None:
        # Feishu text parses <at user_id="all">, [links](…) and **bold**: the alert's values are escaped
        body = {"msg_type": "text", "content": {"text": message_text(alert, route, event, escape=True)}}
        if self.opts.get("secret"):
            ts = int(time.time())
            body = {"timestamp": str(ts), "sign": feishu_sign(self.opts["secret"], ts), **body}
        self.post(body)

"""``wecom``: WeCom (企业微信) group-robot webhook, markdown message."""
from __future__ import annotations

from alerts.notifiers import NOTIFIERS
from alerts.notifiers.base import Notifier, message_text


@NOTIFIERS.register("wecom")
class WeComNotifier(Notifier):
    """POST ``{"msgtype": "markdown", "markdown": {"content": …}}`` to the robot's URL (key in the URL).

    Mobile numbers in ``mention_mobiles`` are @-mentioned with a second ``text`` message, because
    WeCom markdown messages cannot mention people.
    """

    summary = "WeCom group robot (markdown)"
    options = {"url": {"type": "string"}, "mention_mobiles": {"type": "array", "items": {"type": "string"}},
               "timeout": {"type": "number"}}
    required_options = ("url",)

    def send(self, alert, route, event) -> None:
        self.post({"msgtype": "markdown", "markdown": {"content": message_text(alert, route, event, markdown=True)}})
        mobiles = self.opts.get("mention_mobiles") or []
        if mobiles:
            self.post({"msgtype": "text", "text": {"content": f"请及时处置预警 {alert.id}",
                                                   "mentioned_mobile_list": list(mobiles)}})

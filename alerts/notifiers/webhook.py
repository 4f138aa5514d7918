"""``webhook``: the generic JSON webhook, for dispatch systems and dashboards."""
from __future__ import annotations

from alerts.notifiers import NOTIFIERS
from alerts.notifiers.base import Notifier, post_json


@NOTIFIERS.register("webhook")
class WebhookNotifier(Notifier):
    """POST ``{"event", "alert": <contract alert record>, "route": {department, contacts}}`` as JSON."""

    summary = "generic JSON webhook (the contract alert record)"
    options = {"url": {"type": "string"}, "headers": {"type": "object"}, "timeout": {"type": "number"}}
    required_options = ("url",)

    def send(self, alert, route, event) -> None:
        record = alert.model_dump(mode="json")
        payload = {"event": event, "alert": record,
                   "route": {"department": route.department, "contacts": route.contacts}}
        post_json(self.opts["url"], payload, self.timeout, self.opts.get("headers"), who=f"webhook {self.name}")

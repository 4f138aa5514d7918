"""``webhook``: the generic JSON webhook, for dispatch systems and dashboards."""
from __future__ import annotations

from alerts.notifiers import NOTIFIERS
from alerts.notifiers.base import Notifier, mask_outgoing


@NOTIFIERS.register("webhook")
class WebhookNotifier(Notifier):
    """POST ``{"event", "alert": <contract alert record>, "route": {department, contacts}}`` as JSON.

    Every string of the payload, analysts' notes in ``history`` included, is masked (phone, ID and
    card numbers; values under ``*address`` keys); record ids are left as they are. JSON needs no
    further escaping: ``json.dumps`` quotes everything.
    """

    summary = "generic JSON webhook (the contract alert record)"
    options = {"url": {"type": "string"}, "headers": {"type": "object"}, "timeout": {"type": "number"}}
    required_options = ("url",)

    def send(self, alert, route, event) -> None:
        payload = {"event": event, "alert": alert.model_dump(mode="json"),
                   "route": {"department": route.department, "contacts": route.contacts}}
        self.post(mask_outgoing(payload), headers=self.opts.get("headers"), check=False)

"""Delivery of alerts through the notifiers: retries with backoff, each attempt logged, nothing lost.

Each (alert, notifier, event) is a delivery record in the store's ``alert_deliveries`` collection,
``pending`` until a notifier accepts it. Notifiers run in parallel threads, one per notifier, so a
slow or failing one never holds up the others; a delivery that fails every attempt stays pending
and is tried again next cycle, until ``alerts.delivery_max_cycles`` marks it ``failed`` (the alert
itself is always in the queue).
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from alerts.notifiers import NOTIFIERS, Notifier
from alerts.routing import Route, Router
from alerts.schema import _validate
from yuqing.errors import ConfigError, PluginError
from yuqing.privacy import mask_text
from yuqing.records import Alert, stable_id
from yuqing.storage.base import JsonRecord, Kind, register_kind

log = logging.getLogger(__name__)

register_kind(Kind("alert_deliveries", JsonRecord, fields=("alert_id", "notifier", "state", "created_at"),
                   time_field="created_at"))


def build_notifiers(config) -> dict[str, Notifier]:
    """The notifiers of ``alerts.notifiers``, options validated (errors name the key and the fix)."""
    notifiers = {}
    timeout = config["alerts.delivery_timeout_seconds"]
    for name, options in (config["alerts.notifiers"] or {}).items():
        where = f"alerts.notifiers.{name}"
        if not isinstance(options, dict) or "type" not in options:
            raise ConfigError(f"{where}: give a mapping with `type` (webhook, email, wecom, dingtalk, feishu)")
        try:
            cls = NOTIFIERS.get(options["type"])
        except PluginError as exc:
            raise ConfigError(f"{where}.type: {exc}") from None
        opts = {k: v for k, v in options.items() if k != "type"}
        schema = {"type": "object", "additionalProperties": False, "properties": cls.options,
                  "required": list(cls.required_options)}
        _validate(opts, schema, where)
        cls.check_options(where, opts)
        notifiers[name] = cls(name, opts, timeout)
    return notifiers


@dataclass
class Dispatcher:
    """Queues and delivers notifications for one store."""

    store: Any
    notifiers: dict[str, Notifier]
    router: Router
    attempts: int = 3
    backoff: float = 1.0
    max_cycles: int = 50

    @classmethod
    def from_config(cls, config, store) -> "Dispatcher":
        return cls(store, build_notifiers(config), Router.from_config(config), config["alerts.delivery_attempts"],
                   config["alerts.delivery_backoff_seconds"], config["alerts.delivery_max_cycles"])

    def enqueue(self, alert: Alert, event: str, now: datetime, extra_contacts: list[str] = ()) -> int:
        """A pending delivery per notifier of the alert's route; returns how many."""
        return self.enqueue_many([(alert, event, now)], extra_contacts)

    def enqueue_many(self, outbox: list[tuple[Alert, str, datetime]], extra_contacts: list[str] = (),
                     extra_notifiers: Sequence[str] = ()) -> int:
        """Pending deliveries for several (alert, event, time), written in one batch: one per notifier
        of the alert's route and of ``extra_notifiers`` (the desk's in storm mode), each also for
        ``extra_contacts``."""
        records = []
        for alert, event, now in outbox:
            route = self.route_of(alert)
            names = route.notifiers if route.notifiers is not None else list(self.notifiers)
            names = list(dict.fromkeys([*names, *extra_notifiers]))
            records += [JsonRecord(id=stable_id(alert.id, name, event, now.isoformat())[:24], alert_id=alert.id,
                                   notifier=name, event=event, state="pending", attempts=0, cycles=0,
                                   last_error=None, created_at=now.isoformat(), extra_contacts=list(extra_contacts))
                        for name in names if name in self.notifiers]
        if records:
            self.store.put_records("alert_deliveries", records)
        return len(records)

    def route_of(self, alert: Alert) -> Route:
        return self.router.route(alert.street, alert.category)

    def has_notifiers(self, route: Route) -> bool:
        names = route.notifiers if route.notifiers is not None else list(self.notifiers)
        return any(name in self.notifiers for name in names)

    def route_of_parts(self, street, category) -> Route:
        return self.router.route(street, category)

    def deliver_pending(self, now: datetime) -> dict[str, int]:
        """Try every pending delivery; returns counts of sent, pending and failed."""
        pending = self.store.find_records("alert_deliveries", {"state": "pending"}, order_by="created_at", limit=1000)
        by_notifier: dict[str, list] = {}
        for record in pending:
            by_notifier.setdefault(record.notifier, []).append(record)
        counts = {"sent": 0, "pending": 0, "failed": 0}
        if not by_notifier:
            return counts
        with ThreadPoolExecutor(max_workers=min(8, len(by_notifier))) as pool:
            for results in pool.map(lambda name: self._deliver_all(name, by_notifier[name], now), by_notifier):
                for state in results:
                    counts[state] += 1
        return counts

    def _deliver_all(self, name: str, records: list, now: datetime) -> list[str]:
        notifier = self.notifiers.get(name)
        states = []
        for record in records:
            alert = self.store.get_record("alerts", record.alert_id)
            if notifier is None or alert is None:
                record.state, record.last_error = "failed", "notifier no longer configured" if alert else "alert gone"
            else:
                self._attempt(notifier, alert, record, now)
            self.store.put_records("alert_deliveries", [record])
            states.append(record.state)
        return states

    def _attempt(self, notifier: Notifier, alert: Alert, record, now: datetime) -> None:
        route = self.route_of(alert)
        extra = [c for c in getattr(record, "extra_contacts", []) if c not in route.contacts]
        route = Route(route.department, route.contacts + extra, route.notifiers)
        for attempt in range(1, self.attempts + 1):
            record.attempts += 1
            try:
                notifier.send(alert, route, record.event)
            except Exception as exc:  # any notifier bug is a failed attempt, never a lost alert
                record.last_error = mask_text(notifier.redact_secrets(str(exc)))  # no token, no password
                log.warning("alert %s via %s, attempt %d/%d failed: %s", alert.id, notifier.name, attempt,
                            self.attempts, record.last_error)
                if attempt < self.attempts:
                    time.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            log.info("alert %s via %s, attempt %d/%d delivered (%s)", alert.id, notifier.name, attempt,
                     self.attempts, record.event)
            record.state, record.sent_at = "sent", now.isoformat()
            return
        record.cycles += 1
        if record.cycles >= self.max_cycles:
            record.state = "failed"
            log.error("alert %s via %s: giving up after %d cycles: %s", alert.id, notifier.name, record.cycles,
                      record.last_error)

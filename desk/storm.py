"""Storm mode (平急转换): one switch kept in the store's state ``desk.storm``, audited; and the watch
that switches it on by itself.

``yuqing desk storm on --keywords 暴雨 内涝 --places 民治街道 --by NAME`` (or the desk's page) switches
it on for an event, ``off --by NAME`` switches it back in one action; :func:`current` reads it.
Every switch, by hand or by the watch, is kept in the state's ``history`` and in the audit log
(``desk_storm``); the watch's are done by ``system``.

What storm mode changes is for each stage to do, and each reads the switch through
:mod:`yuqing.storm` (the composition package), not through this package: the desk sits above the
alert stage, so a stage importing ``desk`` would turn the layers upside down. The crawlers search
the event's keywords and places and crawl more often, the scheduler shortens the crawl intervals,
the alert engine tags and notifies the desk's cards, the queue lists them first. All of it is
configured in the ``storm.`` section of config.yaml.

:class:`StormWatchStage` is a job of the service (every ``service.alert_interval``, after the alert
stage) that switches storm mode **on** when

* a red natural-disaster alert is raised (``storm.auto_on_red_warning``). Requests for help, rumour
  and fraud cards do not count: their colour is one request's urgency, not a warning. Each alert
  counts once, so an analyst who switches back is not overruled by the warning already seen;
* ``storm.auto_requests`` new requests for help reached the board within ``storm.auto_minutes``,
  counted since the last switch (``0`` turns this off).

It never switches storm mode off: ending an emergency is a person's decision.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Iterable, Optional

from yuqing.errors import NotConfigured
from yuqing.pipeline import Stage, StageReport
from yuqing.records import OPEN_ALERT_STATES, now as _now
from yuqing.storm import STATE_KEY, state as _state

log = logging.getLogger(__name__)

KEY = STATE_KEY
WATCH_KEY = "desk.storm.watch"  # the watch's memory: red alerts already counted
SYSTEM = "system"
_SEEN_MAX = 2000


def current(store) -> dict:
    """``{"on": bool, "since", "by", "note", "event", "keywords", "places", "history": [...]}``
    (``on`` false when never switched)."""
    return _state(store)


def _words(values: Optional[Iterable[str]]) -> list[str]:
    """Words as given, one list: ``["暴雨,内涝", "积水"]`` → ``["暴雨", "内涝", "积水"]``."""
    out: list[str] = []
    for value in values or ():
        for part in str(value).replace("，", ",").replace("、", ",").split(","):
            if part.strip() and part.strip() not in out:
                out.append(part.strip())
    return out


def switch(store, on: bool, *, by: str, note: str = "", event: Optional[str] = None,
           keywords: Optional[Iterable[str]] = None, places: Optional[Iterable[str]] = None,
           role: str = "desk", when: Optional[datetime] = None) -> dict:
    """Switch storm mode on (for an event, with its keywords and places) or off, at ``when`` (now).

    A no-op switch is still recorded (someone confirmed it); switching off clears the event.
    """
    from governance import audit
    from yuqing.errors import InputError

    if not (by or "").strip():
        raise InputError("say who switches storm mode (--by NAME)")
    keywords, places = (_words(keywords), _words(places)) if on else ([], [])
    state = current(store)
    when = when or _now()
    stamp = when.isoformat()
    history = list(state.get("history") or [])[-99:]
    entry = {"who": by, "when": stamp, "on": on, "note": note}
    if on:
        entry.update(keywords=keywords, places=places, event=event)
    history.append(entry)
    new = {"on": on, "since": stamp if on != state.get("on") or not state.get("since") else state["since"],
           "by": by, "note": note, "event": event if on else None, "keywords": keywords, "places": places,
           "history": history}
    store.set_state(KEY, new)
    terms = "".join(f"；{label}：{'、'.join(words)}" for label, words in (("关键词", keywords), ("地点", places))
                    if words)
    audit.append(store, "desk_storm", who=by, role=role, target_kind="desk", target_id="storm", when=when,
                 detail=("开启" if on else "关闭") + "应急（暴雨）模式" + (f"：{note}" if note else "") + terms)
    log.info("storm mode switched %s by %s%s", "on" if on else "off", by, f" ({note})" if note else "")
    return new


class StormWatchStage(Stage):
    """Switch storm mode on by itself (see the module docstring); never off."""

    name = "storm"

    @classmethod
    def from_config(cls, config, store) -> "StormWatchStage":
        if not config["storm.auto_on_red_warning"] and not config["storm.auto_requests"]:
            raise NotConfigured("storm.auto_on_red_warning is false and storm.auto_requests is 0")
        return cls(config, store)

    def run_once(self, now: Optional[datetime] = None) -> StageReport:
        now = now or _now()
        state = current(self.store)
        report = StageReport(self.name)
        red = self._new_red_warnings(now) if self.config["storm.auto_on_red_warning"] else []
        if state["on"]:
            self._counted(red)  # seen while on: they do not overrule a later switch back
            report.detail = "storm mode is on"
            return report
        if red:
            alert = red[0]
            incident = self.store.get_record("incidents", alert.incident_id) if alert.incident_id else None
            switch(self.store, True, by=SYSTEM, role=SYSTEM, when=now, note=f"自动开启：红色预警「{alert.title}」",
                   event=alert.incident_id or alert.id, keywords=list(getattr(incident, "keywords", None) or [])[:5],
                   places=[alert.street] if alert.street else [])
            self._counted(red)  # only once switched: a service killed in between switches on at its restart
            report.created, report.detail = 1, f"switched on by the red warning {alert.id}"
            return report
        threshold = int(self.config["storm.auto_requests"])
        if threshold:
            minutes = float(self.config["storm.auto_minutes"])
            fresh = self._new_requests(now, minutes, state)
            report.processed = len(fresh)
            if len(fresh) >= threshold:
                streets = [s for s, _ in Counter(r.get("street") for r in fresh if r.get("street")).most_common(3)]
                switch(self.store, True, by=SYSTEM, role=SYSTEM, when=now, places=streets,
                       note=f"自动开启：{minutes:g} 分钟内 {len(fresh)} 条新求救")
                report.created, report.detail = 1, f"switched on by {len(fresh)} new requests for help"
                return report
            report.detail = f"{len(fresh)} new requests for help in {minutes:g} minutes (switches on at {threshold})"
        return report

    def _new_red_warnings(self, now: datetime) -> list:
        """Open red natural-disaster alerts (not the desk's own cards) raised or updated within
        ``storm.auto_minutes`` and not counted before, newest first."""
        seen = set((self.store.get_state(WATCH_KEY) or {}).get("red_seen") or [])
        alerts = self.store.find_records("alerts", {"severity": "red", "category": "natural_disaster",
                                                    "state": list(OPEN_ALERT_STATES), "desk_topic": None},
                                         order_by="created_at", descending=True, limit=200)
        since = now - timedelta(minutes=float(self.config["storm.auto_minutes"]))
        return [a for a in alerts
                if a.id not in seen and _when(getattr(a, "updated_at", None) or a.created_at) >= since]

    def _counted(self, alerts: list) -> None:
        """Remember red warnings as counted: each switches storm mode on once at most."""
        if alerts:
            memory = self.store.get_state(WATCH_KEY) or {}
            seen = [*(memory.get("red_seen") or []), *(a.id for a in alerts)][-_SEEN_MAX:]
            self.store.set_state(WATCH_KEY, {**memory, "red_seen": seen})

    def _new_requests(self, now: datetime, minutes: float, state: dict) -> list[dict]:
        """Board rows first seen within the window and since the last switch (merged and void rows left out)."""
        start = now - timedelta(minutes=minutes)
        history = state.get("history") or []
        if history and history[-1].get("when"):
            start = max(start, _when(history[-1]["when"]))
        rows = [r.model_dump(mode="json") for r in self.store.find_records("rescue_requests", since=start,
                                                                              limit=100000)]
        return [r for r in rows if r.get("first_seen") and _when(r["first_seen"]) >= start
                and not r.get("merged_into") and r.get("status") not in ("duplicate", "invalid")]


def _when(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

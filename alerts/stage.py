"""The pipeline stage ``alert``: evaluate every rule over what is new, raise, route, escalate, notify.

The emergency desk's cards carry ``desk_topic`` (:func:`desk_topic`: a request for help, or a rumour
or fraud in a natural disaster). While storm mode is on (:mod:`yuqing.storm`), they are notified to
the desk too: ``storm.desk_contacts`` through ``storm.desk_notifiers``, whatever their severity or
route (``alerts.notify_min_severity`` and a route without notifiers do not hold them back).

Each request for help the rules find is kept on its row of the desk's board
(:func:`alerts.requests.keep_requests`) as its card is written. What people do with the rows, and
the follow-up posts that arrive on them (the pipeline stage ``followups``), are the desk's: this
stage does not import :mod:`desk`, which sits above it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Optional

from alerts.collect import CURSOR_KEY, collect_configured, tokenize_items
from alerts.dedup import AlertBook, Outcome, dedup_key
from alerts.delivery import Dispatcher
from alerts.escalation import escalate, overdue_alerts
from alerts.event_requests import attach_requests
from alerts.incident_cards import fold_post_cards
from alerts.requests import keep_requests
from alerts.rules.base import EvalContext, Finding, Item, Rule, join_incidents
from alerts.rules.case_match import similar
from alerts.schema import load_rules
from alerts.severity import grade
from yuqing.errors import NotConfigured
from yuqing.pipeline import Stage, StageReport
from yuqing.records import now as _now, severity_rank
from yuqing.storm import StormMode, storm_mode

log = logging.getLogger(__name__)


def merge_changes(base: dict, ours: dict, theirs: dict) -> dict:
    """Three-way merge of a rule memory: ``ours`` changed ``base`` in this cycle while another
    writer turned it into ``theirs``. What only one side changed keeps that side's change (a key the
    other writer removed stays removed); where both changed, dictionaries merge key by key and
    otherwise ours wins."""
    merged = {}
    missing = object()
    for key in set(base) | set(ours) | set(theirs):
        b, o, t = base.get(key, missing), ours.get(key, missing), theirs.get(key, missing)
        if o == b:
            value = t
        elif t == b:
            value = o
        elif isinstance(o, dict) and isinstance(t, dict):
            value = merge_changes(b if isinstance(b, dict) else {}, o, t)
        else:
            value = o
        if value is not missing:
            merged[key] = value
    return merged


def rule_state_key(name: str) -> str:
    return f"alerts.rule.{name}"


def load_providers(config, store) -> tuple[Any, Any]:
    """The event calendar and the case library (``None`` for one that cannot start: alerting goes on)."""
    from case_library import CaseLibrary
    from event_calendar import Calendar

    providers = []
    for provider in (Calendar, CaseLibrary):
        try:
            providers.append(provider.from_config(config, store))
        except Exception as exc:  # a broken provider must not stop alerting
            log.warning("alerts: %s could not be loaded: %s", provider.__name__, exc)
            providers.append(None)
    return providers[0], providers[1]


class AlertEngine:
    """Rules, routing and delivery for one store; the stage and ``yuqing alerts`` share it."""

    def __init__(self, config, store, rules: list[Rule], *, calendar=None, cases=None,
                 dispatcher: Optional[Dispatcher] = None) -> None:
        self.config = config
        self.store = store
        self.rules = rules
        self.calendar = calendar
        self.cases = cases
        self.dispatcher = dispatcher or Dispatcher.from_config(config, store)
        self.cache: dict = {}  # work shared by the rules of one cycle; emptied at each cycle
        self.book = AlertBook(store)
        self._outbox: list = []
        self._desk_outbox: list = []  # the desk's cards in storm mode: also to the desk's contacts

    @classmethod
    def from_config(cls, config, store, providers: bool = True) -> "AlertEngine":
        from alerts.settings import rules_dirs

        rules = load_rules(rules_dirs(config), config["alerts.rules_only"])
        calendar, cases = load_providers(config, store) if providers else (None, None)
        return cls(config, store, rules, calendar=calendar, cases=cases)

    def evaluate(self, rule: Rule, items: list[Item], incidents: list, now: datetime, state: dict,
                 sources: list, cache: Optional[dict] = None) -> list[Finding]:
        ctx = EvalContext(now=now, items=items, incidents=incidents, state=state, store=self.store,
                          calendar=self.calendar, cases=self.cases, sources=sources,
                          cache=self.cache if cache is None else cache, storm=self.storm())
        findings = rule.evaluate(ctx)
        if self.config["alerts.one_card_per_incident"] and rule.joins_incidents:
            join_incidents(ctx, findings)  # a rule firing on posts joins their event's card
        return findings

    def raise_finding(self, rule: Rule, finding: Finding, now: datetime) -> Outcome:
        """Grade, enrich, de-duplicate, route and queue the notification of one finding.

        New alerts and their deliveries are written by :meth:`flush`, once per rule.
        """
        key = self.card_key(rule, finding)
        self._enrich(finding, now, self.book.is_new(key))
        severity, reasons = grade(finding.severity or rule.spec.severity, finding.evidence, rule.spec.max_severity)
        route = self.dispatcher.route_of_parts(finding.street, finding.category)
        realert = rule.spec.realert_minutes if rule.spec.realert_minutes is not None else self.config["alerts.realert_minutes"]
        floor = severity_rank(self.config["alerts.notify_min_severity"])
        topic = desk_topic(finding)
        to_desk = topic is not None and self.storm_on() and bool(self.desk_notifiers())
        outcome = self.book.apply(rule.name, finding, severity, finding.reasons + reasons, now,
                                  {"department": route.department, "contacts": route.contacts},
                                  realert, list(self.config["alerts.silences"]),
                                  notify_if=lambda a: to_desk or (severity_rank(a.severity) <= floor
                                                                  and self.dispatcher.has_notifiers(route)),
                                  key=key, tags={"desk_topic": topic} if topic else None)
        if outcome.notify:
            (self._desk_outbox if to_desk else self._outbox).append((outcome.alert, outcome.event, now))
        return outcome

    def storm(self) -> StormMode:
        """Storm mode as the rules see it, read once per cycle (the cache is emptied at each cycle):
        the switch, its event's keywords completed with ``storm.keywords``, and its places."""
        if "storm" not in self.cache:
            mode = storm_mode(self.store)
            if mode.on:
                mode = replace(mode, keywords=tuple(dict.fromkeys([*mode.keywords, *self.config["storm.keywords"]])))
            self.cache["storm"] = mode
        return self.cache["storm"]

    def storm_on(self) -> bool:
        """Whether storm mode is on this cycle."""
        return self.storm().on

    def desk_notifiers(self) -> list[str]:
        """The configured notifiers that carry the desk's cards (``storm.desk_notifiers``, else all)."""
        names = list(self.config["storm.desk_notifiers"]) or list(self.dispatcher.notifiers)
        return [name for name in names if name in self.dispatcher.notifiers]

    def card_key(self, rule: Rule, finding: Finding) -> str:
        """The card a finding belongs to: ``incident:ID`` for every rule that names an incident (one
        card per real event, ``alerts.one_card_per_incident``), else the rule's own key. Requests for
        help keep a card each: the desk works them one by one."""
        if (self.config["alerts.one_card_per_incident"] and finding.incident_id
                and finding.rescue_request is None):
            return f"incident:{finding.incident_id}"
        return dedup_key(rule.name, finding)

    def flush(self) -> None:
        """Write the alerts opened since the last flush, then queue their deliveries."""
        self.book.flush()
        outbox, self._outbox = self._outbox, []
        self.dispatcher.enqueue_many(outbox)
        desk, self._desk_outbox = self._desk_outbox, []
        if desk:
            self.dispatcher.enqueue_many(desk, list(self.config["storm.desk_contacts"]), self.desk_notifiers())

    def _enrich(self, finding: Finding, now: datetime, fresh: bool) -> None:
        """Calendar context for every finding; similar past cases for a new incident alert."""
        if self.calendar is not None:
            try:
                today = now.date()
                active = self.calendar.active(today, finding.category, finding.street)
                finding.calendar = sorted(set(finding.calendar) | {w["name"] for w in active})
                level = float(self.calendar.sensitivity(today, finding.category, finding.street))
                if level > float(finding.evidence.get("calendar_sensitivity") or 1.0):
                    finding.evidence["calendar_sensitivity"] = level
            except Exception as exc:
                log.warning("calendar context failed: %s", exc)
        limit = self.config["alerts.similar_cases"]
        if fresh and finding.incident_id and not finding.similar_cases and limit > 0:
            incident = self.store.get_record("incidents", finding.incident_id)
            if incident is not None:
                ctx = EvalContext(now=now, items=[], incidents=[], state={}, store=self.store, cases=self.cases,
                                  cache=self.cache)
                matches = similar(ctx, incident, limit)
                if matches is None:
                    return  # look-up budget spent this cycle; the case_match rule still sees it later
                finding.similar_cases = [{"case_id": m["case_id"], "score": round(m["score"], 3)} for m in matches]
                if any(m.get("bad_outcome") for m in matches):
                    finding.evidence.setdefault("case_outcome_bad", True)

    def escalate_overdue(self, now: datetime) -> int:
        minutes = self.config["alerts.escalation_minutes"]
        contacts = list(self.config["alerts.escalation_contacts"])
        count = 0
        for alert in overdue_alerts(self.store, minutes, now):
            escalated = escalate(self.store, alert.id, minutes, contacts, now)
            if escalated is not None:
                count += 1
                self.dispatcher.enqueue(escalated, "escalated", now, contacts)
        return count


class AlertStage(Stage):
    """Evaluate every rule over the documents and incidents new since the last cycle (incremental)."""

    name = "alert"

    def __init__(self, config, store, engine: Optional[AlertEngine] = None) -> None:
        super().__init__(config, store)
        self.engine = engine or AlertEngine.from_config(config, store)
        # rule memories as last saved: read from the store once, then kept here, so a cycle does not
        # re-read 200 states; a state is checked against the store before it is overwritten, since a
        # purge (governance.retention) may have changed it meanwhile
        self._states: dict[str, str] = {}

    @classmethod
    def from_config(cls, config, store) -> "AlertStage":
        if not config["alerts.enabled"]:
            raise NotConfigured("alerts.enabled is false")
        return cls(config, store)

    def run_once(self, now: Optional[datetime] = None) -> StageReport:
        now = now or _now()
        cfg = self.config
        batch = collect_configured(cfg, self.store, now)
        if batch.items:
            tokenize_items(batch.items)
        sources = self.store.find_records("sources", limit=10000)
        report = StageReport(self.name, processed=len(batch.items))
        self.engine.cache = {"case_budget": cfg["alerts.case_lookups_per_cycle"]}
        states: dict[str, dict] = {}
        events: dict[str, int] = {}
        all_requests: list[tuple[str, dict, str]] = []
        for rule in self.engine.rules:
            key = rule_state_key(rule.name)
            if key not in self._states:
                self._states[key] = json.dumps(self.store.get_state(key) or {}, sort_keys=True, default=str)
            before = self._states[key]
            state = json.loads(before)
            try:
                findings = self.engine.evaluate(rule, batch.items, batch.incidents, now, state, sources)
                if rule.memory_first and json.dumps(state, sort_keys=True, default=str) != before:
                    self._save_state(key, state)  # before its cards (Rule.memory_first)
                    before = self._states[key]
                    state = json.loads(before)  # as kept (merged with another writer's change)
                requests = []
                for finding in findings:
                    outcome = self.engine.raise_finding(rule, finding, now)
                    events[outcome.event] = events.get(outcome.event, 0) + 1
                    if finding.rescue_request is not None:
                        requests.append((finding.dedup_key, finding.rescue_request, outcome.alert.id))
                self.engine.flush()
                if requests:
                    keep_requests(self.store, requests, now)
                    all_requests += requests
            except Exception as exc:  # one broken rule never stops the others
                log.exception("alert rule %s failed: %s", rule.name, exc)
                report.errors += 1
                self.engine.flush()  # what it raised before failing is kept
                continue
            if json.dumps(state, sort_keys=True, default=str) != before:
                states[key] = state
        for key, state in states.items():  # remembered only once the alerts are written
            self._save_state(key, state)
        listed = _requests_on_event_cards(self.engine, all_requests, batch, now, report)
        folded = _fold_post_cards(self.engine, batch, now, report)
        self.store.set_state(CURSOR_KEY, batch.cursor)
        escalated = self.engine.escalate_overdue(now)
        delivered = self.engine.dispatcher.deliver_pending(now)
        report.created = events.get("created", 0)
        report.extra = {"events": events, "escalated": escalated, "delivery": delivered, "waiting": batch.waiting,
                        "incidents": len(batch.incidents), "rules": len(self.engine.rules),
                        "requests_on_event_cards": listed, "cards_folded_into_incidents": folded}
        report.detail = (f"{len(self.engine.rules)} rules, {events.get('created', 0)} new alerts, "
                         f"{events.get('raised', 0) + events.get('updated', 0)} updated, {escalated} escalated, "
                         f"{delivered['sent']} sent, {delivered['pending']} deliveries pending")
        return report

    def _save_state(self, key: str, state: dict) -> None:
        """Keep a rule's memory, merged with what another writer changed since it was read."""
        stored = self.store.get_state(key) or {}
        if json.dumps(stored, sort_keys=True, default=str) != self._states[key]:
            # another writer changed it since it was read (a retention purge forgetting erased
            # phones and addresses): writing ours over it would bring them back, so this cycle's
            # changes are merged into what the store holds now
            log.info("alert rule state %s was changed by another writer; merging this cycle's changes", key)
            state = merge_changes(json.loads(self._states[key]), state, stored)
        self.store.set_state(key, state)
        self._states[key] = json.dumps(state, sort_keys=True, default=str)


def desk_topic(finding: Finding) -> Optional[str]:
    """The emergency desk's business (one of :data:`yuqing.storm.DESK_TOPICS`), or ``None``: a request
    for help (``rescue``), or a rumour or fraud about a natural disaster (``rumor``, ``fraud``: dam
    breaches, death tolls, fake rescue numbers and donation links)."""
    if finding.rescue_request is not None:
        return "rescue"
    harmful = (finding.evidence or {}).get("harmful_type")
    if harmful in ("rumor", "fraud") and finding.category == "natural_disaster":
        return harmful
    return None


def _fold_post_cards(engine: AlertEngine, batch, now: datetime, report: StageReport) -> int:
    """Cards raised on posts before their incident had a card join it (:func:`alerts.incident_cards.
    fold_post_cards`); only with one card per incident."""
    if not engine.config["alerts.one_card_per_incident"] or not batch.incidents:
        return 0
    try:
        return len(fold_post_cards(engine.store, engine.book, batch.incidents, now))
    except Exception as exc:  # folding must not stop alerting: the cards stay as they are
        log.exception("folding cards into their incident's card failed: %s", exc)
        report.errors += 1
        return 0


def _requests_on_event_cards(engine: AlertEngine, requests: list, batch, now: datetime, report: StageReport) -> int:
    """List requests for help on their incident's card (:mod:`alerts.event_requests`); only with one
    card per incident, the card the requests are listed on."""
    if not engine.config["alerts.one_card_per_incident"]:
        return 0
    try:
        return attach_requests(engine.store, engine.book, requests, batch.incidents, batch.items, now)
    except Exception as exc:  # the listing must not stop alerting: the request cards are out already
        log.exception("listing requests on their event's card failed: %s", exc)
        report.errors += 1
        return 0


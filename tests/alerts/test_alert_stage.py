"""The alert stage on a real store (both backends): incremental evaluation, de-dup, realert, silences,
routing, escalation and delivery through real loopback receivers."""
import json
import logging
from datetime import timedelta

from alert_builders import T0, analysis, doc, incident

KEYWORD = {"name": "kw", "type": "keyword", "severity": "yellow", "options": {"words": ["堵路", "讨薪"]}}


def put(store, text, at=T0, analysed=True, stored=None, **kw):
    d = doc(text, at, **({"collected_at": stored} if stored else {}))
    store.put_documents([d])
    if analysed:
        store.put_analyses([analysis(d.id, **kw)])
    store.flush()
    return d


def alerts_of(store, **where):
    store.flush()
    return store.find_records("alerts", where or None, order_by="created_at")


def test_raises_once_then_updates_the_same_alert(store, make_stage):
    stage = make_stage([KEYWORD])
    a = put(store, "工人明天去堵路")
    report = stage.run_once(now=T0 + timedelta(minutes=1))
    assert report.created == 1 and report.processed == 1
    [alert] = alerts_of(store)
    assert alert.state == "new" and alert.severity == "yellow" and alert.doc_ids == [a.id]
    assert alert.history[0].to_state == "new" and alert.history[0].who == "system"
    assert stage.run_once(now=T0 + timedelta(minutes=2)).processed == 0  # nothing new: nothing read
    b = put(store, "继续讨薪", at=T0 + timedelta(minutes=3))
    stage.run_once(now=T0 + timedelta(minutes=4))
    [alert] = alerts_of(store)
    assert alert.doc_ids == [a.id, b.id]  # aggregated, not a second alert
    other = put(store, "有人堵路", at=T0 + timedelta(minutes=5), street="大浪街道")
    stage.run_once(now=T0 + timedelta(minutes=6))
    assert {x.street for x in alerts_of(store)} == {"民治街道", "大浪街道"} and other.id


def test_documents_wait_for_their_analysis(store, make_stage):
    stage = make_stage([KEYWORD], pending_minutes=30)
    d = put(store, "大家去讨薪", analysed=False)
    assert stage.run_once(now=T0 + timedelta(minutes=1)).processed == 0
    store.put_analyses([analysis(d.id)])
    assert stage.run_once(now=T0 + timedelta(minutes=2)).processed == 1
    late = put(store, "晚到的讨薪帖", at=T0 - timedelta(minutes=30))  # published earlier, inside the overlap
    assert stage.run_once(now=T0 + timedelta(minutes=3)).processed == 1 and late.id in alerts_of(store)[0].doc_ids


def test_new_evidence_raises_severity_and_history_shows_it(store, make_stage):
    stage = make_stage([{"name": "grow", "type": "incident_growth", "severity": "yellow"}])
    store.put_records("incidents", [incident("inc1", size=10, growth=2.5, at=T0)])
    stage.run_once(now=T0 + timedelta(minutes=1))
    [alert] = alerts_of(store)
    assert alert.severity == "yellow" and alert.incident_id == "inc1"
    store.put_records("incidents", [incident("inc1", size=80, growth=8.0, at=T0 + timedelta(minutes=5))])
    stage.run_once(now=T0 + timedelta(minutes=6))
    [alert] = alerts_of(store)
    assert alert.severity == "red"  # burst + volume + growth
    assert "升至 红色" in alert.history[-1].note and alert.history[-1].from_state == alert.history[-1].to_state


def test_realert_throttling_and_immediate_notice_on_raise(store, make_stage, http):
    stage = make_stage([dict(KEYWORD, realert_minutes=60)],
                       notifiers={"hook": {"type": "webhook", "url": http.url + "/hook"}})
    put(store, "堵路")
    stage.run_once(now=T0 + timedelta(minutes=1))
    assert [r["json"]["event"] for r in http.requests] == ["created"]
    put(store, "讨薪", at=T0 + timedelta(minutes=10))
    stage.run_once(now=T0 + timedelta(minutes=11))
    assert len(http.requests) == 1  # updated within realert: queued quietly
    put(store, "又去堵路", at=T0 + timedelta(minutes=70))
    stage.run_once(now=T0 + timedelta(minutes=71))
    assert [r["json"]["event"] for r in http.requests] == ["created", "updated"]
    assert len(http.requests[-1]["json"]["alert"]["doc_ids"]) == 3


def test_silences_keep_the_alert_but_do_not_notify(store, make_stage, http):
    until = (T0 + timedelta(hours=1)).isoformat()
    stage = make_stage([KEYWORD], notifiers={"hook": {"type": "webhook", "url": http.url + "/hook"}},
                       silences=[{"rule": "kw", "street": "民治街道", "until": until, "reason": "已知施工"}])
    put(store, "堵路")
    stage.run_once(now=T0 + timedelta(minutes=1))
    put(store, "堵路", street="大浪街道")
    stage.run_once(now=T0 + timedelta(minutes=2))
    assert len(alerts_of(store)) == 2
    assert [r["json"]["alert"]["street"] for r in http.requests] == ["大浪街道"]


def test_routing_sets_department_and_chooses_notifiers(store, make_stage, http):
    stage = make_stage([KEYWORD], notifiers={"a": {"type": "webhook", "url": http.url + "/a"},
                                             "b": {"type": "webhook", "url": http.url + "/b"}},
                       routing=[{"streets": ["民治街道"], "department": "民治街道综治办", "contacts": ["李四"],
                                 "notifiers": ["b"]}])
    put(store, "堵路")
    stage.run_once(now=T0 + timedelta(minutes=1))
    [alert] = alerts_of(store)
    assert alert.department == "民治街道综治办" and alert.contacts == ["李四"]
    assert [r["path"] for r in http.requests] == ["/b"]
    assert http.requests[0]["json"]["route"]["department"] == "民治街道综治办"


def test_escalation_when_not_acknowledged_in_time(store, make_stage, http):
    from alerts.lifecycle import acknowledge

    stage = make_stage([dict(KEYWORD, severity="orange")], escalation_minutes={"orange": 30},
                       escalation_contacts=["街道值班领导"],
                       notifiers={"hook": {"type": "webhook", "url": http.url + "/hook"}})
    put(store, "堵路")
    stage.run_once(now=T0 + timedelta(minutes=1))
    stage.run_once(now=T0 + timedelta(minutes=20))
    assert alerts_of(store)[0].history[-1].note.startswith("第") is False
    report = stage.run_once(now=T0 + timedelta(minutes=32))
    [alert] = alerts_of(store)
    assert report.extra["escalated"] == 1 and alert.escalation_level == 1
    assert "升级" in alert.history[-1].note and "街道值班领导" in alert.history[-1].note
    assert http.requests[-1]["json"]["event"] == "escalated"
    assert "街道值班领导" in http.requests[-1]["json"]["route"]["contacts"]
    assert stage.run_once(now=T0 + timedelta(minutes=40)).extra["escalated"] == 0  # next level after 60
    acknowledge(store, alert.id, by="王五", note="已电话联系")
    assert stage.run_once(now=T0 + timedelta(minutes=200)).extra["escalated"] == 0


def test_failing_notifier_never_blocks_others_nor_loses_the_alert(store, make_stage, http, caplog):
    http.responses["/down"] = (503, {})
    stage = make_stage([dict(KEYWORD, severity="red")], delivery_attempts=2,
                       notifiers={"down": {"type": "webhook", "url": http.url + "/down"},
                                  "ok": {"type": "webhook", "url": http.url + "/ok"}})
    put(store, "堵路 求助电话13800001234")
    with caplog.at_level(logging.INFO, logger="alerts.delivery"):
        report = stage.run_once(now=T0 + timedelta(minutes=1))
    assert report.extra["delivery"] == {"sent": 1, "pending": 1, "failed": 0}
    assert sum(1 for r in http.requests if r["path"] == "/down") == 2  # retried with backoff
    attempts = [r.getMessage() for r in caplog.records if "attempt" in r.getMessage()]
    assert len(attempts) == 3 and not any("13800001234" in m for m in attempts)
    http.responses["/down"] = (200, {})
    report = stage.run_once(now=T0 + timedelta(minutes=2))
    assert report.extra["delivery"] == {"sent": 1, "pending": 0, "failed": 0}
    assert len(alerts_of(store)) == 1


def test_a_broken_rule_does_not_stop_the_others(store, make_stage, tmp_path, monkeypatch):
    (tmp_path / "brokenrules.py").write_text(
        "from alerts.rules.base import Rule\nclass BrokenRule(Rule):\n"
        "    def evaluate(self, ctx):\n        raise RuntimeError('bug')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    stage = make_stage([{"name": "a-broken", "type": "brokenrules.BrokenRule"}, KEYWORD])
    put(store, "堵路")
    report = stage.run_once(now=T0 + timedelta(minutes=1))
    assert report.errors == 1 and report.created == 1


def test_rescue_requests_one_alert_each_across_cycles(store, make_stage):
    stage = make_stage([{"name": "rescue", "type": "rescue_request"}])
    rescue = {"is_request": True, "score": 0.95, "phones": ["13800001111"], "address": "民治某小区3栋",
              "people_count": 4, "vulnerable": ["infant"], "needs": ["evacuation"], "urgency": 0.85}
    put(store, "被困求救", rescue=rescue, category="natural_disaster")
    stage.run_once(now=T0 + timedelta(minutes=1))
    put(store, "转发：被困求救", at=T0 + timedelta(minutes=2), rescue=rescue, category="natural_disaster")
    stage.run_once(now=T0 + timedelta(minutes=3))
    [alert] = alerts_of(store)
    assert alert.severity == "red" and len(alert.doc_ids) == 2 and alert.category == "natural_disaster"
    # the emergency desk's list holds the request once, merged across the two cycles, with its alert
    [request] = store.find_records("rescue_requests")
    assert request.alert_id == alert.id and request.phones == ["13800001111"]
    assert request.address == "民治某小区3栋" and request.people_count == 4 and request.urgency >= 0.85
    assert request.vulnerable == ["infant"] and request.needs == ["evacuation"]
    assert sorted(request.doc_ids) == sorted(alert.doc_ids)
    assert request.first_seen < request.last_seen


def test_case_match_from_the_store_cases(store, make_stage):
    from yuqing.records import Case

    store.put_records("cases", [Case(id="c1", title="某厂欠薪引发聚集", keywords=["欠薪", "工厂", "聚集"],
                                     categories=["labor_dispute"], outcome="工人聚集堵路，后经调解解决")])
    store.flush()
    stage = make_stage([{"name": "cases", "type": "case_match", "severity": "blue", "options": {"min_score": 0.4}}])
    store.put_records("incidents", [incident("inc9", keywords=("欠薪", "工厂"), size=6)])
    stage.run_once(now=T0 + timedelta(minutes=1))
    [alert] = alerts_of(store)
    assert alert.similar_cases[0].case_id == "c1" and alert.severity == "yellow"  # blue + bad outcome


def test_source_health_from_crawler_records(store, make_stage):
    from yuqing.storage.base import JsonRecord

    store.put_records("sources", [JsonRecord(id="forum-x", state="blocked", last_success=T0.isoformat(),
                                             items_per_hour=0, error_rate=1.0)])
    stage = make_stage([{"name": "health", "type": "source_health"}])
    stage.run_once(now=T0)
    stage.run_once(now=T0 + timedelta(minutes=5))
    [alert] = alerts_of(store)
    assert "forum-x" in alert.title


def test_calendar_window_from_the_calendar_jobs_records(store, make_stage):
    import event_calendar.stage  # noqa: F401  (declares calendar_warnings)
    from yuqing.storage.base import JsonRecord

    store.put_records("calendar_warnings", [JsonRecord(
        id="w1", name="春节前欠薪高发期", start="2026-07-05", end="2026-07-20", warn_from="2026-06-25",
        categories=["labor_dispute"], streets=[], reason="节前集中讨薪", keywords=["欠薪"], sensitivity=2.0,
        kind="period")])
    store.set_state("calendar.warnings", {"day": "2026-07-01", "warnings": []})
    store.flush()
    stage = make_stage([{"name": "cal", "type": "calendar_window", "severity": "blue", "options": {"days_ahead": 7}}])
    stage.run_once(now=T0)
    stage.run_once(now=T0 + timedelta(hours=1))
    [alert] = alerts_of(store)
    assert alert.calendar == ["春节前欠薪高发期"] and alert.category == "labor_dispute"
    assert alert.severity == "yellow"  # blue raised by the window's sensitivity


def test_first_cycle_starts_at_the_overlap_not_at_the_oldest_document(store, make_stage):
    stage = make_stage([KEYWORD], overlap_minutes=60)
    put(store, "上个月的堵路旧帖", at=T0 - timedelta(days=30))
    recent = put(store, "刚发的讨薪帖", at=T0 - timedelta(minutes=10))
    assert stage.run_once(now=T0).processed == 1
    assert alerts_of(store)[0].doc_ids == [recent.id]


def test_a_closed_alert_is_never_updated_new_evidence_opens_another(store, make_stage):
    from alerts.lifecycle import dismiss

    stage = make_stage([KEYWORD])
    put(store, "堵路")
    stage.run_once(now=T0 + timedelta(minutes=1))
    [first] = alerts_of(store)
    dismiss(store, first.id, by="张三", note="误报")
    later = put(store, "又有人堵路", at=T0 + timedelta(minutes=5))
    stage.run_once(now=T0 + timedelta(minutes=6))
    alerts = alerts_of(store)
    assert [a.state for a in alerts] == ["dismissed", "new"] and alerts[1].doc_ids == [later.id]
    assert alerts[0].doc_ids == first.doc_ids


RESCUE = {"is_request": True, "score": 0.95, "phones": ["13800002222"], "address": "民治某花园5栋",
          "people_count": 3, "vulnerable": ["elderly"], "needs": ["evacuation"], "urgency": 0.9}


def test_a_late_imported_request_reaches_the_queue_and_the_desk_once(store, make_stage):
    """A rescue sheet imported now, its posts published hours ago (before the watermark and its
    overlap): evaluated once, within alerts.backfill_hours; older posts raise nothing."""
    stage = make_stage([{"name": "rescue", "type": "rescue_request"}, KEYWORD], overlap_minutes=60, backfill_hours=48)
    put(store, "刚发的讨薪帖", at=T0)
    assert stage.run_once(now=T0 + timedelta(minutes=1)).processed == 1  # the watermark is now T0
    now = T0 + timedelta(minutes=30)
    sheet = put(store, "（表格导入）民治某花园5栋三位老人被困", at=T0 - timedelta(hours=6), stored=now,
                rescue=RESCUE, category="natural_disaster")
    put(store, "（表格导入）三天前的堵路", at=T0 - timedelta(days=3), stored=now)
    report = stage.run_once(now=now + timedelta(minutes=1))
    assert report.processed == 1
    rescue_alerts = alerts_of(store, rule="rescue")
    assert len(rescue_alerts) == 1 and rescue_alerts[0].doc_ids == [sheet.id] and rescue_alerts[0].severity == "red"
    [request] = store.find_records("rescue_requests")
    assert request.alert_id == rescue_alerts[0].id and request.doc_ids == [sheet.id]
    assert all("三天前" not in (a.title or "") for a in alerts_of(store))  # older than the look-back: no card
    assert stage.run_once(now=now + timedelta(minutes=2)).processed == 0  # evaluated once


def test_a_fresh_store_evaluates_an_imported_sheet_within_the_look_back(store, make_stage):
    stage = make_stage([{"name": "rescue", "type": "rescue_request"}], overlap_minutes=60, backfill_hours=48)
    now = T0 + timedelta(hours=1)
    for hours in (5, 20, 40):
        put(store, f"导入的求救{hours}", at=T0 - timedelta(hours=hours), stored=now, rescue=dict(RESCUE, phones=[f"1390000{hours:04d}"], address=f"{hours}号院"),
            category="natural_disaster")
    put(store, "导入的旧求救", at=T0 - timedelta(hours=80), stored=now, rescue=dict(RESCUE, phones=["13900009999"], address="旧院"))
    assert stage.run_once(now=now).processed == 3
    assert len(store.find_records("rescue_requests")) == 3


def test_backfill_off_keeps_the_watermark_only(store, make_stage):
    stage = make_stage([KEYWORD], overlap_minutes=60, backfill_hours=0)
    put(store, "讨薪", at=T0)
    stage.run_once(now=T0 + timedelta(minutes=1))
    put(store, "五小时前的堵路", at=T0 - timedelta(hours=5), stored=T0 + timedelta(minutes=2))
    assert stage.run_once(now=T0 + timedelta(minutes=3)).processed == 0


def test_a_purge_between_cycles_is_not_undone_by_the_stage_memory(store, make_stage):
    """The stage keeps rule memories between cycles; a retention purge forgets the phones and
    addresses of old requests meanwhile. The next cycle must not write the forgotten ones back."""
    from governance.retention import purge

    stage = make_stage([{"name": "rescue", "type": "rescue_request"}])
    first = {"is_request": True, "score": 0.95, "phones": ["13800001111"], "address": "民治某小区3栋",
             "people_count": 4, "needs": ["evacuation"], "urgency": 0.85}
    put(store, "被困求救", rescue=first, category="natural_disaster")
    stage.run_once(now=T0 + timedelta(minutes=1))
    remembered = json.dumps(store.get_state("alerts.rule.rescue"), ensure_ascii=False)
    assert "13800001111" in remembered
    purge(store, before_personal=T0 + timedelta(days=40))  # the request was last seen before this
    assert "13800001111" not in json.dumps(store.get_state("alerts.rule.rescue"), ensure_ascii=False)
    second = dict(first, phones=["13900002222"], address="大浪某花园5栋")
    put(store, "另一户被困", at=T0 + timedelta(minutes=2), rescue=second, category="natural_disaster")
    stage.run_once(now=T0 + timedelta(minutes=3))
    stage.run_once(now=T0 + timedelta(minutes=4))  # read afresh: the second request is remembered now
    state = json.dumps(store.get_state("alerts.rule.rescue"), ensure_ascii=False)
    assert "13800001111" not in state and "民治某小区3栋" not in state
    assert "13900002222" in state


def test_merge_changes_keeps_both_writers_changes():
    from alerts.stage import merge_changes

    base = {"identities": {"tel:1": "r1", "tel:2": "r2"}, "seen": 3, "gone": 1}
    ours = {"identities": {"tel:1": "r1", "tel:2": "r2", "tel:3": "r3"}, "seen": 4, "gone": 1}
    theirs = {"identities": {"tel:2": "r2"}, "seen": 3}  # a purge forgot tel:1 and a key
    assert merge_changes(base, ours, theirs) == {"identities": {"tel:2": "r2", "tel:3": "r3"}, "seen": 4}


def test_a_rescue_card_title_names_the_street_and_needs_never_the_home(store, make_stage):
    """Titles reach queues, chat groups and mail subjects: built from the street and the needs, not
    from the address or the post (which carry the family's home and phone)."""
    stage = make_stage([{"name": "rescue", "type": "rescue_request"}])
    rescue = {"is_request": True, "score": 0.95, "phones": ["13800001111"], "address": "民治某小区3栋1502",
              "people_count": 4, "vulnerable": ["infant"], "needs": ["evacuation"], "urgency": 0.85}
    put(store, "民治某小区3栋1502被困，电话13800001111", rescue=rescue, category="natural_disaster")
    stage.run_once(now=T0 + timedelta(minutes=1))
    [alert] = alerts_of(store)
    assert alert.title == "求助：民治街道 4人 婴幼儿 转移被困"
    assert "某小区" not in alert.title and "1380000" not in alert.title


def test_an_incidents_growth_and_sentiment_shift_raise_one_card_with_both_reasons(store, make_stage):
    """One real event, one card: the growth rule and the sentiment-shift rule both fire on the same
    incident and the queue shows a single card carrying both reasons at the stronger colour."""
    stage = make_stage([{"name": "grow", "type": "incident_growth", "severity": "yellow"},
                        {"name": "mood", "type": "sentiment_shift", "severity": "orange",
                         "options": {"scope": "incident", "threshold": 0.6, "min_rise": 0.2, "min_docs": 5}}])
    store.put_records("incidents", [incident("inc1", size=20, growth=3.0, negative=0.8, at=T0)])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=1))
    [card] = alerts_of(store)
    assert card.dedup_key == "incident:inc1" and card.incident_id == "inc1"
    assert set(card.rules) == {"grow", "mood"} and card.severity in ("orange", "red")
    reasons = "；".join(card.reasons)
    assert "增长率" in reasons and "负面占比" in reasons
    # a later cycle with the same signals adds no card
    store.put_records("incidents", [incident("inc1", size=30, growth=3.5, negative=0.85, at=T0 + timedelta(minutes=5))])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=6))
    assert len(alerts_of(store)) == 1


def test_one_card_per_incident_can_be_switched_off(store, make_stage):
    stage = make_stage([{"name": "grow", "type": "incident_growth", "severity": "yellow"},
                        {"name": "mood", "type": "sentiment_shift", "severity": "orange",
                         "options": {"scope": "incident", "threshold": 0.6, "min_rise": 0.2, "min_docs": 5}}],
                       one_card_per_incident=False)
    store.put_records("incidents", [incident("inc1", size=20, growth=3.0, negative=0.8, at=T0)])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=1))
    assert sorted(a.rule for a in alerts_of(store)) == ["grow", "mood"]


TRAPPED = {"is_request": True, "score": 0.95, "phones": ["13800002222"], "address": "京广路隧道北口",
           "people_count": 3, "vulnerable": [], "needs": ["evacuation"], "urgency": 0.85}
GROWTH = {"name": "grow", "type": "incident_growth", "severity": "yellow"}


def _event(inc_id, doc_ids, at):
    found = incident(inc_id, size=10, growth=3.0, category="natural_disaster", at=at)
    found.doc_ids = list(doc_ids)
    return found


def test_a_request_for_help_is_listed_on_its_events_card(store, make_stage):
    """The event's card lists the requests made from its posts, with a history line naming each
    request's own card; the request keeps its card and its row on the desk's board."""
    stage = make_stage([GROWTH, {"name": "rescue", "type": "rescue_request"}])
    news = put(store, "京广路隧道积水，多辆车被困", category="natural_disaster")
    store.put_records("incidents", [_event("inc1", [news.id], T0)])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=1))
    [card] = alerts_of(store)
    assert card.dedup_key == "incident:inc1" and not getattr(card, "requests", None)
    plea = put(store, "京广路隧道北口被困三人，电话13800002222", at=T0 + timedelta(minutes=2), rescue=TRAPPED,
               category="natural_disaster")
    store.put_records("incidents", [_event("inc1", [news.id, plea.id], T0 + timedelta(minutes=2))])
    store.flush()
    report = stage.run_once(now=T0 + timedelta(minutes=3))
    assert report.extra["requests_on_event_cards"] == 1
    [row] = store.find_records("rescue_requests")
    request_card = store.get_record("alerts", row.alert_id)
    assert request_card.rule == "rescue" and request_card.doc_ids == [plea.id]  # its own card, for the desk
    card = store.get_record("alerts", card.id)
    assert card.requests == [row.id]
    assert row.id in card.history[-1].note and request_card.id in card.history[-1].note
    stage.run_once(now=T0 + timedelta(minutes=4))  # listed once
    assert store.get_record("alerts", card.id).requests == [row.id] and len(alerts_of(store)) == 2


def test_an_event_card_opened_after_its_request_lists_it(store, make_stage):
    stage = make_stage([GROWTH, {"name": "rescue", "type": "rescue_request"}])
    plea = put(store, "京广路隧道北口被困三人，电话13800002222", rescue=TRAPPED, category="natural_disaster")
    stage.run_once(now=T0 + timedelta(minutes=1))
    [request_card] = alerts_of(store)
    news = put(store, "京广路隧道积水", at=T0 + timedelta(minutes=2), category="natural_disaster")
    store.put_records("incidents", [_event("inc2", [plea.id, news.id], T0 + timedelta(minutes=2))])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=3))
    [card] = alerts_of(store, rule="grow")
    [row] = store.find_records("rescue_requests")
    assert card.dedup_key == "incident:inc2" and card.requests == [row.id]
    assert request_card.id in card.history[-1].note


def test_requests_are_not_listed_without_one_card_per_incident(store, make_stage):
    stage = make_stage([GROWTH, {"name": "rescue", "type": "rescue_request"}], one_card_per_incident=False)
    plea = put(store, "京广路隧道北口被困三人，电话13800002222", rescue=TRAPPED, category="natural_disaster")
    store.put_records("incidents", [_event("inc3", [plea.id], T0)])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=1))
    assert len(alerts_of(store)) == 2 and not any(getattr(a, "requests", None) for a in alerts_of(store))


def test_a_new_term_in_an_incidents_posts_joins_the_incidents_card(store, make_stage):
    stage = make_stage([GROWTH, {"name": "words", "type": "new_term",
                                 "options": {"min_docs": 2, "warmup_hours": 0}}])
    posts = [put(store, f"鑫达公司拖欠工资{i}", category="labor_dispute", keywords=["鑫达公司"]) for i in range(2)]
    store.put_records("incidents", [incident("inc4", size=10, growth=3.0, at=T0)])
    found = store.get_record("incidents", "inc4")
    found.doc_ids = [p.id for p in posts]
    store.put_records("incidents", [found])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=1))
    [card] = alerts_of(store)
    assert card.dedup_key == "incident:inc4" and set(card.rules) == {"grow", "words"}


GATHER = {"name": "gather", "type": "keyword", "severity": "orange", "options": {"words": ["堵路"]}}


def test_a_keyword_on_an_incidents_posts_joins_the_incidents_card(store, make_stage):
    """A rule grouping by street fires on posts of an incident that already has a card: one card."""
    stage = make_stage([GROWTH, GATHER])
    news = put(store, "鑫达电子厂拖欠工资，工人在厂门口聚集", category="labor_dispute")
    store.put_records("incidents", [_event("inc5", [news.id], T0)])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=1))
    angry = put(store, "鑫达电子厂工人说明天去堵路讨薪", at=T0 + timedelta(minutes=2), category="labor_dispute")
    store.put_records("incidents", [_event("inc5", [news.id, angry.id], T0 + timedelta(minutes=2))])
    store.flush()
    stage.run_once(now=T0 + timedelta(minutes=3))
    [card] = alerts_of(store)
    assert card.dedup_key == "incident:inc5" and set(card.rules) == {"grow", "gather"}
    assert card.severity in ("orange", "red") and angry.id in card.doc_ids


def test_a_card_raised_before_its_incident_formed_folds_into_the_incidents_card(store, make_stage):
    """Posts fire a keyword card first; a cycle later clustering makes them an incident with a card of
    its own: the keyword card is folded into it (closed as 重复, its posts, reasons and colour kept),
    a request for help keeps its own card, and a card on other posts stays."""
    stage = make_stage([GROWTH, GATHER, {"name": "rescue", "type": "rescue_request"}])
    angry = put(store, "鑫达电子厂工人说明天去堵路讨薪", category="labor_dispute")
    elsewhere = put(store, "西乡有人喊去堵路", category="public_order", street="西乡街道")
    plea = put(store, "京广路隧道北口被困三人，电话13800002222", rescue=TRAPPED, category="natural_disaster")
    stage.run_once(now=T0 + timedelta(minutes=1))
    before = {a.rule: a for a in alerts_of(store)}
    assert {a.dedup_key.split(":")[0] for a in before.values()} >= {"gather", "rescue"}
    street_card = next(a for a in alerts_of(store, rule="gather") if angry.id in a.doc_ids)
    assert street_card.incident_id is None and elsewhere.id not in street_card.doc_ids
    news = put(store, "鑫达电子厂拖欠工资三个月", at=T0 + timedelta(minutes=2), category="labor_dispute")
    store.put_records("incidents", [_event("inc6", [angry.id, news.id, plea.id], T0 + timedelta(minutes=2))])
    store.flush()
    report = stage.run_once(now=T0 + timedelta(minutes=3))
    assert report.extra["cards_folded_into_incidents"] == 1
    folded = store.get_record("alerts", street_card.id)
    [card] = alerts_of(store, rule="grow")
    assert folded.state == "duplicate" and folded.duplicate_of == card.id and "inc6" in folded.history[-1].note
    assert card.dedup_key == "incident:inc6" and {"grow", "gather"} <= set(card.rules)
    assert angry.id in card.doc_ids and card.severity in ("orange", "red")
    assert street_card.id in card.history[-1].note
    open_now = [a for a in alerts_of(store) if a.state == "new"]
    assert any(a.rule == "rescue" for a in open_now)  # the request keeps its own card
    assert any(a.rule == "gather" and elsewhere.id in a.doc_ids for a in open_now)  # other posts: their card stays
    stage.run_once(now=T0 + timedelta(minutes=4))
    assert store.get_record("alerts", street_card.id).state == "duplicate"

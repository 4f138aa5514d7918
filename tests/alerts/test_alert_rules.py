"""Each rule type over synthetic documents, analyses and incidents (no store needed)."""
from datetime import timedelta

from alert_builders import T0, ctx, incident, item, rule


def test_keyword_words_phrases_regex_and_exclusions():
    r = rule({"type": "keyword", "options": {"words": ["堵路"], "phrases": ["讨个说法"],
                                             "regex": [r"明[天早]\d{1,2}点.{0,4}集合"], "exclude": ["演练"]}})
    items = [item("工人们说明天要去堵路"), item("大家一起去讨个说法", street="大浪街道"),
             item("明早8点厂门口集合"), item("防汛演练期间堵路"), item("今天天气很好")]
    found = {f.dedup_key: f for f in r.evaluate(ctx(items))}
    assert set(found) == {"民治街道", "大浪街道"}
    assert found["民治街道"].doc_ids == [items[0].doc.id, items[2].doc.id]  # 演练 excluded, weather no hit
    assert "堵路" in found["民治街道"].title


def test_keyword_match_filter_on_category():
    r = rule({"type": "keyword", "match": {"categories": ["labor_dispute"]}, "options": {"words": ["欠薪"]}})
    hits = r.evaluate(ctx([item("老板欠薪跑路了", category="labor_dispute"), item("欠薪传闻", category="other")]))
    assert len(hits) == 1 and len(hits[0].doc_ids) == 1


def test_frequency_counts_within_the_window_across_cycles():
    r = rule({"type": "frequency", "options": {"count": 3, "minutes": 60, "group_by": "street"}})
    state = {}
    assert r.evaluate(ctx([item("工资拖欠", at=T0 - timedelta(minutes=90))], state=state, now=T0)) == []
    assert r.evaluate(ctx([item("工资拖欠", at=T0 - timedelta(minutes=20))], state=state, now=T0)) == []
    found = r.evaluate(ctx([item("讨薪", at=T0 - timedelta(minutes=10)), item("讨薪", at=T0)], state=state, now=T0))
    assert len(found) == 1 and found[0].evidence["volume"] == 3  # the 90-minute-old one fell out
    assert r.evaluate(ctx([item("讨薪", street="大浪街道")], state=state, now=T0)) == []


def _hourly(r, state, counts_by_hours_ago, now):
    items = []
    for hours_ago, count in counts_by_hours_ago.items():
        items += [item("积水严重", at=now - timedelta(hours=hours_ago, minutes=-5)) for _ in range(count)]
    return r.evaluate(ctx(items, state=state, now=now))


def test_spike_against_previous_windows():
    r = rule({"type": "spike", "options": {"window_minutes": 60, "factor": 3, "min_count": 5,
                                           "baseline": ["previous"], "baseline_windows": 3}})
    now = T0
    state = {"since": (now - timedelta(days=1)).timestamp()}
    assert _hourly(r, state, {3: 2, 2: 2, 1: 2}, now) == []
    found = _hourly(r, state, {0: 9}, now)
    assert len(found) == 1 and found[0].evidence["growth"] == 4.5


def test_spike_same_weekday_baseline_keeps_quiet_on_a_usual_peak():
    r = rule({"type": "spike", "options": {"window_minutes": 60, "factor": 3, "min_count": 5,
                                           "baseline": ["weekday"], "baseline_windows": 2}})
    now = T0
    state = {"since": (now - timedelta(days=30)).timestamp()}
    # the same hour of the last two weeks also had 8: a weekly peak, not a spike
    assert _hourly(r, state, {24 * 7: 8, 24 * 14: 8, 0: 9}, now) == []
    r2 = rule({"type": "spike", "options": {"window_minutes": 60, "factor": 3, "min_count": 5,
                                            "baseline": ["previous"], "baseline_windows": 2}})
    assert len(_hourly(r2, {"since": state["since"]}, {24 * 7: 8, 24 * 14: 8, 0: 9}, now)) == 1


def test_spike_stays_quiet_without_history():
    r = rule({"type": "spike", "options": {"min_count": 2}})
    assert _hourly(r, {}, {0: 20}, T0) == []


def test_new_term_learns_then_flags_unseen_terms():
    r = rule({"type": "new_term", "options": {"min_docs": 2, "warmup_hours": 1, "lookback_days": 30}})
    state = {}
    learn = [item("x", keywords=["物业", "停车"]) for _ in range(3)]
    assert r.evaluate(ctx(learn, state=state, now=T0)) == []
    later = T0 + timedelta(hours=2)
    first = [item("x", keywords=["物业", "鑫达公司"], at=later)]
    assert r.evaluate(ctx(first, state=state, now=later)) == []  # one doc is below min_docs
    found = r.evaluate(ctx([item("x", keywords=["鑫达公司"], at=later)], state=state, now=later))
    assert [f.dedup_key for f in found] == ["民治街道|鑫达公司"]
    assert r.evaluate(ctx([item("x", keywords=["鑫达公司"], at=later)], state=state, now=later)) == []


def test_sentiment_shift_for_incidents_and_streets():
    r = rule({"type": "sentiment_shift", "options": {"scope": "incident", "threshold": 0.6, "min_rise": 0.2}})
    state = {}
    assert r.evaluate(ctx(incidents=[incident("i1", negative=0.3)], state=state)) == []
    found = r.evaluate(ctx(incidents=[incident("i1", negative=0.75)], state=state))
    assert found[0].incident_id == "i1" and found[0].evidence["negative_share"] == 0.75
    s = rule({"type": "sentiment_shift", "options": {"scope": "street", "threshold": 0.6, "min_rise": 0.2,
                                                     "min_docs": 3}})
    st = {}
    assert s.evaluate(ctx([item("a", sentiment="neutral") for _ in range(6)], state=st)) == []
    found = s.evaluate(ctx([item("b", sentiment="negative") for _ in range(4)], state=st))
    assert found and found[0].street == "民治街道"


def _rescue(text, phone, urgency, vulnerable=(), address="民治街道某小区3栋"):
    return item(text, rescue={"is_request": True, "score": 0.95, "phones": [phone], "address": address,
                              "people_count": 3, "vulnerable": list(vulnerable), "needs": ["evacuation"],
                              "urgency": urgency}, category="natural_disaster")


def test_rescue_request_one_alert_per_request_graded_by_urgency():
    r = rule({"type": "rescue_request"})
    state = {}
    a = _rescue("被困求救 13800001111", "13800001111", 0.9, ["elderly"])
    b = _rescue("转发求救 13800001111", "13800001111", 0.9)
    c = _rescue("停电求助", "13900002222", 0.4, address="大浪街道某村")
    found = {f.dedup_key: f for f in r.evaluate(ctx([a, b, c], state=state))}
    assert len(found) == 2
    severities = sorted(f.severity for f in found.values())
    assert severities == ["red", "yellow"]
    red = next(f for f in found.values() if f.severity == "red")
    assert red.doc_ids == [a.doc.id, b.doc.id] and red.evidence["vulnerable"] == 1
    assert "13800001111" not in red.title + red.summary  # masked
    again = r.evaluate(ctx([_rescue("又一次转发", "13800001111", 0.9)], state=state))
    assert again[0].dedup_key == red.dedup_key  # same request across cycles


def test_harmful_info_above_score_with_type_severity():
    r = rule({"type": "harmful_info", "options": {"min_score": 0.7, "type_severity": {"fraud": "orange"}}})
    items = [item("冒充救援收费", harmful=[{"label": "fraud", "score": 0.9}]),
             item("传言水库溃坝", harmful=[{"label": "rumor", "score": 0.6}])]
    found = r.evaluate(ctx(items))
    assert [(f.dedup_key, f.severity) for f in found] == [("fraud:民治街道", "orange")]


def test_incident_growth_fires_on_entering_a_higher_state_only():
    r = rule({"type": "incident_growth", "options": {"growing": 2, "burst": 5, "min_size": 5}})
    state = {}
    assert r.evaluate(ctx(incidents=[incident("i1", growth=1.0)], state=state)) == []
    grow = r.evaluate(ctx(incidents=[incident("i1", growth=2.5)], state=state))
    assert grow[0].evidence["level"] == "growing"
    assert r.evaluate(ctx(incidents=[incident("i1", growth=3.0)], state=state)) == []
    burst = r.evaluate(ctx(incidents=[incident("i1", growth=6.0, size=60)], state=state))
    assert burst[0].evidence["level"] == "burst" and burst[0].incident_id == "i1"
    assert r.evaluate(ctx(incidents=[incident("i2", growth=9.0, size=2)], state=state)) == []


def test_calendar_window_inline_windows_warned_ahead_once():
    r = rule({"type": "calendar_window", "options": {"days_ahead": 7, "windows": [
        {"name": "签约截止", "start": "2026-07-05", "end": "2026-07-10", "streets": ["民治街道"],
         "categories": ["land_demolition"], "sensitivity": 2.0},
        {"name": "远期节点", "start": "2026-09-01"}]}})
    state = {}
    found = r.evaluate(ctx(state=state))
    assert [f.dedup_key for f in found] == ["签约截止|2026-07-05"]
    assert found[0].street == "民治街道" and found[0].calendar == ["签约截止"]
    assert found[0].evidence["calendar_sensitivity"] == 2.0
    assert r.evaluate(ctx(state=state, now=T0 + timedelta(days=1))) == []


def test_source_health_blocked_and_flatlined():
    from yuqing.storage.base import JsonRecord

    r = rule({"type": "source_health", "options": {"flatline_hours": 6}})
    sources = [JsonRecord(id="forum-a", state="blocked", last_success=T0.isoformat()),
               JsonRecord(id="news-b", state="ok", last_success=(T0 - timedelta(hours=8)).isoformat()),
               JsonRecord(id="rss-c", state="ok", last_success=(T0 - timedelta(hours=1)).isoformat())]
    found = r.evaluate(ctx(sources=sources))
    assert sorted(f.dedup_key for f in found) == ["forum-a", "news-b"]


def test_new_term_learns_a_street_it_meets_for_the_first_time_before_flagging():
    """A replay of the 2021 storm raised 742 new-term cards: each town seen for the first time after the
    rule's warm-up had no vocabulary, so every word in it was "new". A new street learns first."""
    r = rule({"type": "new_term", "options": {"min_docs": 2, "warmup_hours": 1, "lookback_days": 30}})
    state = {}
    assert r.evaluate(ctx([item("x", keywords=["物业"])], state=state, now=T0)) == []
    later = T0 + timedelta(hours=2)  # the rule's own warm-up is over
    newcomer = [item("x", keywords=["暴雨", "积水"], at=later, street="大浪街道") for _ in range(3)]
    assert r.evaluate(ctx(newcomer, state=state, now=later)) == []  # 大浪 is learning its words
    after = later + timedelta(hours=2)
    fresh = [item("x", keywords=["断网"], at=after, street="大浪街道") for _ in range(2)]
    assert [f.dedup_key for f in r.evaluate(ctx(fresh, state=state, now=after))] == ["大浪街道|断网"]


def _storm_on(**kw):
    from yuqing.storm import StormMode

    return StormMode(on=True, keywords=tuple(kw.get("keywords", ())), places=tuple(kw.get("places", ())))


def test_new_term_keeps_a_storms_own_words_quiet_while_storm_mode_is_on():
    """Replaying the 2021 storm raised 577 new-term cards: a storm's words are new in every street. While
    storm mode is on, the words of requests for help and disaster posts (and the storm's keywords and
    places) are learnt, not flagged; a new company in a wage dispute during the storm still is."""
    r = rule({"type": "new_term", "options": {"min_docs": 2, "warmup_hours": 1, "lookback_days": 30}})
    state = {}
    assert r.evaluate(ctx([item("x", keywords=["物业"])], state=state, now=T0)) == []
    later = T0 + timedelta(hours=2)
    storm = [item("x", keywords=["暴雨", "地下车库", "被困"], category="natural_disaster", at=later) for _ in range(3)]
    # the same words in posts the analyser put in another category (停电 in a utilities complaint)
    aside = [item("x", keywords=["地下车库", "停电"], category="public_service", at=later),
             item("x", keywords=["地下车库", "停电"], category="public_service", at=later)]
    disaster = [item("x", keywords=["停电", "抢修"], category="natural_disaster", at=later)]
    wages = [item("x", keywords=["鑫达公司", "欠薪"], category="labor_dispute", at=later) for _ in range(2)]
    [found] = r.evaluate(ctx(storm + aside + disaster + wages, state=state, now=later, storm=_storm_on()))
    assert found.title == "民治街道 新出现「鑫达公司」「欠薪」" and len(found.reasons) == 2  # one topic, one card
    assert found.doc_ids == [w.doc.id for w in wages]
    # storm mode off: the same storm's words in a fresh street-mate are new again (the rule's old self)
    off = {}
    r.evaluate(ctx([item("x", keywords=["物业"])], state=off, now=T0))
    quiet = r.evaluate(ctx(storm + aside, state=off, now=later))
    assert "民治街道|暴雨" in {f.dedup_key for f in quiet}


def test_new_term_learns_the_storms_words_before_the_switch_and_its_keywords_and_places():
    r = rule({"type": "new_term", "options": {"min_docs": 2, "warmup_hours": 1, "lookback_days": 30}})
    state = {}
    r.evaluate(ctx([item("x", keywords=["物业"], street="大浪街道")], state=state, now=T0))
    later = T0 + timedelta(hours=2)
    # a request for help in another street, before anyone switched storm mode on: flagged as it always was
    rescue = {"is_request": True, "score": 0.9, "phones": [], "address": None, "people_count": None,
              "vulnerable": [], "needs": ["evacuation"], "urgency": 0.6}
    before = [item("x", keywords=["京广隧道"], rescue=rescue, category="other", street="大浪街道", at=later)
              for _ in range(2)]
    assert [f.dedup_key for f in r.evaluate(ctx(before, state=state, now=later))] == ["大浪街道|京广隧道"]
    after = later + timedelta(hours=1)
    echoes = [item("x", keywords=["京广隧道", "郑州", "特大暴雨"], category="other", at=after, street="大浪街道")
              for _ in range(3)]
    mode = _storm_on(keywords=["特大暴雨"], places=["郑州"])
    assert r.evaluate(ctx(echoes, state=state, now=after, storm=mode)) == []
    # the words are learnt, so they stay quiet once storm mode is off again
    assert r.evaluate(ctx(echoes, state=state, now=after + timedelta(hours=1))) == []


def test_new_term_finding_names_the_incident_of_its_posts():
    r = rule({"type": "new_term", "options": {"min_docs": 2, "warmup_hours": 0, "lookback_days": 30}})
    posts = [item("x", keywords=["鑫达公司"]) for _ in range(3)]
    for post in posts[:2]:
        post.incident_id = "inc7"
    [found] = r.evaluate(ctx(posts))
    assert found.incident_id == "inc7"  # two of three posts: it joins that incident's card
    spread = [item("x", keywords=["新楼盘"]) for _ in range(2)]
    spread[0].incident_id = "inc8"
    [alone] = r.evaluate(ctx(spread))
    assert alone.incident_id is None

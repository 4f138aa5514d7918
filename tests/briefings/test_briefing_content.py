"""Report content over a store with known incidents, on both stores: citations, masking, figures."""
import json
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from story import ADDRESS, CASE, PHONE, fill  # noqa: E402

from briefings.content import build_periodic  # noqa: E402
from briefings.special import build_special  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.records import DEFAULT_TZ  # noqa: E402

DAY = date(2026, 7, 20)
AT = datetime(2026, 7, 21, 9, 0, tzinfo=DEFAULT_TZ)


@pytest.fixture
def config(tmp_path):
    return load_config(None, [f"store.path={tmp_path / 'unused.sqlite'}", "cases.search_mode=lexical"])


def paragraphs(report):
    return [p for s in report["sections"] for p in s["paragraphs"]]


def assert_cites_only_existing(store, report):
    cited = {c for p in paragraphs(report) for c in p["citations"]}
    docs = {d.id for d in store.get_documents(sorted(cited))}
    others = cited - docs
    missing = [c for c in others if store.get_record("alerts", c) is None and store.get_record("cases", c) is None]
    assert not missing, missing
    for p in paragraphs(report):
        assert "citations" in p
        assert p["citations"] or p.get("basis"), p  # a sentence stands on ids, or names the figure it counts


def test_daily_report_cites_only_existing_ids_and_each_incident_its_own_posts(store, config):
    ids = fill(store)
    report = build_periodic(config, store, "daily", DAY, at=AT)
    assert set(report) >= {"title", "kind", "period", "streets", "sections", "figures"}
    assert report["kind"] == "daily" and report["period"] == {"start": "2026-07-20T00:00:00+08:00",
                                                             "end": "2026-07-21T00:00:00+08:00"}
    assert_cites_only_existing(store, report)
    cited = {c for p in paragraphs(report) for c in p["citations"]}
    assert "gone-doc" not in cited and "no-such-case" not in cited  # ids the store does not hold are never cited
    assert ids["before"] not in cited  # the day before is not this report's
    incidents = {s["incident_id"]: s for s in report["sections"] if s.get("incident_id")}
    assert list(incidents) == ["inc-flood", "inc-wages"]  # the orange alert's incident first
    own = {"inc-flood": set(ids["flood"]) | {"al-flood", CASE}, "inc-wages": set(ids["wages"]) | {"al-wages"}}
    for incident_id, sec in incidents.items():
        for p in sec["paragraphs"]:
            assert p["citations"] and set(p["citations"]) <= own[incident_id], (incident_id, p)
        quotes = [p for p in sec["paragraphs"] if p.get("quote")]
        assert len(quotes) == 2 and all(len(q["citations"]) == 1 for q in quotes)
        for quote in quotes:  # a quotation is the cited post's own words
            [doc] = store.get_documents(quote["citations"])
            assert doc.text[:12] in quote["text"]
    flood_text = " ".join(p["text"] for p in incidents["inc-flood"]["paragraphs"])
    assert "张三" in flood_text and "已派发" in flood_text  # what was done: the alert's trail
    assert "可参考相似案例" in flood_text  # what is next: the alert's precedent


def test_overview_figures_are_store_counts(store, config):
    ids = fill(store)
    report = build_periodic(config, store, "daily", DAY, at=AT)
    overview = next(f["data"] for f in report["figures"] if f["name"] == "overview")
    assert overview["documents"] == ids["documents_in_day"] == 34
    assert overview["negative"] == 12 + 1 + 8 + 2 and overview["analysed"] == 33
    assert overview["alerts"] == {"total": 4, "red": 1, "orange": 1, "yellow": 2, "blue": 0}
    assert overview["new_incidents"] == 2 and overview["requests_for_help"] == 1 and overview["harmful"] == 2
    table = {r["street"]: r for r in next(f["data"] for f in report["figures"] if f["name"] == "street_table")}
    assert table["观澜街道"]["documents"] == 8 and table["观澜街道"]["alerts"] == 1
    assert table["民治街道"]["requests_for_help"] == 1
    harmful = next(s for s in report["sections"] if s["heading"] == "有害信息发现与处置")
    assert "al-rumour" in harmful["paragraphs"][0]["citations"] and "已办结" in harmful["paragraphs"][0]["text"]


def test_street_filter_and_overdue_items(store, config):
    fill(store)
    report = build_periodic(config, store, "daily", DAY, ["观澜街道"], at=AT)
    overview = next(f["data"] for f in report["figures"] if f["name"] == "overview")
    assert report["streets"] == ["观澜街道"] and report["title"].startswith("观澜街道")
    assert overview["documents"] == 8 and overview["alerts"]["total"] == 1
    assert [s["incident_id"] for s in report["sections"] if s.get("incident_id")] == ["inc-wages"]
    overdue = next(s for s in build_periodic(config, store, "daily", DAY, at=AT)["sections"]
                   if s["heading"] == "逾期督办事项")
    # still new past the escalation deadline: the red request for help and the yellow wage alert;
    # the dispatched flood alert is within briefings.overdue_days
    assert [p["citations"] for p in overdue["paragraphs"]] == [["al-rescue"], ["al-wages"]]


def test_every_text_is_masked(store, config):
    fill(store)
    for report in (build_periodic(config, store, "daily", DAY, at=AT),
                   build_special(config, store, alert_id="al-rescue", at=AT),
                   build_special(config, store, incident_id="inc-flood", at=AT)):
        text = json.dumps(report, ensure_ascii=False)
        assert PHONE not in text and ADDRESS not in text and "碧水龙庭" not in text, report["kind"]
    assert "138****1111" in text  # an analyst's note quoting the phone, masked (the flood alert's trail)


def test_special_report_on_an_incident(store, config):
    ids = fill(store)
    report = build_special(config, store, incident_id="inc-flood", at=AT)
    assert report["kind"] == "special" and report["subject"] == {"incident_id": "inc-flood", "alert_id": None}
    assert [s["heading"] for s in report["sections"]] == ["事件概况", "时间线", "传播情况", "各方情绪", "处置情况",
                                                         "相似案例", "处置建议"]
    assert_cites_only_existing(store, report)
    sections = {s["heading"]: s for s in report["sections"]}
    timeline = sections["时间线"]["paragraphs"]
    assert any("al-flood" in p["citations"] and "张三" in p["text"] for p in timeline)
    assert [p["citations"] for p in sections["相似案例"]["paragraphs"]][0] == [CASE]
    measures = [p for p in sections["处置建议"]["paragraphs"] if p["citations"] == [CASE]]
    from yuqing.records import Case
    case = store.get_record("cases", CASE)
    assert isinstance(case, Case) and measures
    assert all(any(m in p["text"] for m in case.measures) for p in measures)  # the precedent's own measures
    feelings = sections["各方情绪"]["paragraphs"]
    assert any(p["text"].startswith("社交媒体：9 条") for p in feelings)
    cited_docs = {c for p in paragraphs(report) for c in p["citations"]} - {"al-flood", CASE}
    assert cited_docs <= set(ids["flood"])


def test_special_report_needs_a_known_subject(store, config):
    from yuqing.errors import InputError, NotFound

    fill(store)
    with pytest.raises(NotFound, match="no-such"):
        build_special(config, store, incident_id="no-such")
    with pytest.raises(InputError):
        build_special(config, store)


def test_hostile_post_text_is_shown_not_interpreted(sqlite_store, config):
    from briefings.render import to_html
    from yuqing.records import Analysis, Document

    store = sqlite_store
    fill(store)
    hostile = Document(id="d-hostile", text="观澜工厂欠薪<script>alert(1)</script><img src=http://evil.example/x>",
                       published_at=datetime(2026, 7, 20, 13, 0, tzinfo=DEFAULT_TZ), source="本地论坛",
                       source_type="forum", metrics={"reposts": 500})
    store.put_documents([hostile])
    store.put_analyses([Analysis.model_validate({"id": hostile.id, "sentiment": {"label": "negative", "score": 0.9},
                                                 "location": {"street": "观澜街道"}})])
    incident = store.get_record("incidents", "inc-wages")
    incident.doc_ids = incident.doc_ids + [hostile.id]
    store.put_records("incidents", [incident])
    report = build_periodic(config, store, "daily", DAY, at=AT)
    assert any(hostile.id in p["citations"] and p.get("quote") for p in paragraphs(report))  # quoted: most reposted
    html = to_html(report)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html and "<img src=http" not in html

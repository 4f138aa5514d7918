"""A resolved alert becomes a draft case: timeline, measures, outcome, place; no full phone numbers."""
from datetime import datetime, timedelta

from case_library import CaseLibrary
from yuqing.records import DEFAULT_TZ, Alert, Analysis, Document, Incident

T0 = datetime(2026, 1, 20, 9, 0, tzinfo=DEFAULT_TZ)


def _seed(store):
    docs = [
        Document(id="d1", text="观澜某工地几十名工人讨薪，老板电话13812345678打不通", title="观澜工地工人讨薪",
                 published_at=T0, url="https://example.org/1", source="forum"),
        Document(id="d2", text="工人聚集在工地门口要求结清工资", published_at=T0 + timedelta(hours=2), source="forum"),
    ]
    store.put_documents(docs)
    location = {"province": "广东省", "city": "深圳市", "district": "龙华区", "street": "观澜街道", "confidence": 0.9}
    store.put_analyses([Analysis(id=d.id, sentiment={"label": "negative", "score": 0.9},
                                 categories=[{"label": "labor_dispute", "score": 0.95}], location=location,
                                 keywords=["讨薪", "工地", "工资"]) for d in docs])
    store.put_records("incidents", [Incident(id="inc1", label="观澜街道 工地 讨薪", keywords=["农民工", "讨薪"],
                                             doc_ids=["d1", "d2"], category="labor_dispute",
                                             streets=["观澜街道"])])
    history = [
        {"who": "analyst-li", "when": T0 + timedelta(hours=3), "from": "new", "to": "acknowledged",
         "note": "已联系劳动保障所核实"},
        {"who": "analyst-li", "when": T0 + timedelta(hours=4), "from": "acknowledged", "to": "dispatched",
         "note": "劳动监察约谈总包单位，要求总包代付"},
        {"who": "wang", "when": T0 + timedelta(days=2), "from": "dispatched", "to": "resolved",
         "note": "总包单位代付工资共计50人，工人散去；联系人电话13812345678"},
    ]
    alert = Alert(id="a1", rule="spike", severity="orange", title="观澜街道 讨薪聚集", summary="工地工人讨薪聚集",
                  incident_id="inc1", doc_ids=["d2", "d1"], street="观澜街道", category="labor_dispute",
                  created_at=T0 + timedelta(hours=2, minutes=30), state="resolved", history=history)
    store.put_records("alerts", [alert])
    store.flush()
    return alert


def test_draft_from_a_resolved_alert(store):
    alert = _seed(store)
    library = CaseLibrary(store)
    case = library.draft_from_alert(alert)
    assert case.status == "draft" and case.from_alert == "a1"
    assert case.title == "观澜街道 讨薪聚集" and case.categories == ["labor_dispute"]
    assert (case.city, case.district, case.street) == ("深圳市", "龙华区", "观澜街道")
    assert case.start == "2026-01-20" and case.end == "2026-01-22"
    whats = [step["what"] for step in case.timeline]
    assert whats[0] == "观澜工地工人讨薪" and "alert raised by rule spike" in whats[2]
    assert [s["when"] for s in case.timeline] == sorted(s["when"] for s in case.timeline)
    assert any("dispatched → resolved by wang" in w for w in whats)
    assert case.measures == ["已联系劳动保障所核实", "劳动监察约谈总包单位，要求总包代付"]
    assert case.outcome.startswith("resolved: 总包单位代付工资")
    assert "讨薪" in case.keywords and "农民工" in case.keywords
    assert case.sources[0] == "alert:a1" and "https://example.org/1" in case.sources
    assert case.actors == ["analyst-li", "wang"] and case.uncertain
    assert "13812345678" not in case.to_json()  # phone numbers are masked everywhere

    library.put(case, "analyst-li", "drafted")
    store.flush()
    assert library.get(case.id).status == "draft"
    assert case.id not in {m.case_id for m in library.search("观澜 工地 讨薪", limit=10, mode="lexical")}
    library.review(case.id, "chief")
    store.flush()
    assert library.search("观澜 工地 讨薪", limit=1, mode="lexical")[0].case_id == case.id
    assert [v.who for v in library.versions(case.id)] == ["analyst-li", "chief"]


def test_draft_from_an_open_alert_without_documents(store):
    alert = Alert(id="a2", rule="keyword", severity="blue", title="噪音投诉", created_at=T0, category="environment")
    case = CaseLibrary(store).draft_from_alert(alert)
    assert case.outcome == "still new when the draft was made" and case.end is None
    assert case.start == "2026-01-20" and case.trigger == "噪音投诉" and len(case.timeline) == 1

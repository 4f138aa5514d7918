"""A store with a known day (2026-07-20, Asia/Shanghai): two incidents, their alerts and trails, a rumour,
a request for help with a phone number and a home address, chatter, and one post the day before."""
from __future__ import annotations

from datetime import datetime, timedelta

from yuqing.records import DEFAULT_TZ, Alert, AlertChange, Analysis, Document, Incident, SimilarCase

DAY = "2026-07-20"
T = datetime(2026, 7, 20, 8, 0, tzinfo=DEFAULT_TZ)
PHONE = "13800001111"
ADDRESS = "民治街道碧水龙庭3栋"
CASE = "zhengzhou-720-rainstorm-2021"  # a starter case of the case library

FLOOD = ["民治街道暴雨，白石龙村积水已经没过膝盖，内涝严重。", "暴雨持续，民治大道多处积水，车辆被困。",
         "民治街道内涝，地下车库进水，居民正在转移。", "白石龙一带暴雨积水，社区工作人员在疏导交通。",
         "暴雨导致民治街道多个小区停电，积水还在上涨。", "民治地铁站口积水，暴雨中行人绕行。"]
WAGES = ["观澜街道某电子厂拖欠工人三个月工资，工人讨薪。", "观澜工厂欠薪，几十名工人在厂门口等老板回复。",
         "观澜街道电子厂欠薪问题，工人希望劳动监察介入。", "电子厂老板跑路传闻，观澜工人欠薪讨薪。"]


def _doc(i, text, at, source_type="forum", **kw):
    return Document(id=f"d{i:03d}", text=text, published_at=at, collected_at=at, source=kw.pop("source", "本地论坛"),
                    source_type=source_type, url=f"http://example.com/{i}", author=f"user{i % 7}", **kw)


def _analysis(doc_id, street, category, sentiment="negative", rescue=None, harmful=None):
    return Analysis.model_validate({
        "id": doc_id, "sentiment": {"label": sentiment, "score": 0.9},
        "categories": [{"label": category, "score": 0.9}], "rescue": rescue,
        "harmful": {"types": [{"label": harmful, "score": 0.9}]} if harmful else None,
        "location": {"city": "深圳市", "district": "龙华区", "street": street, "confidence": 0.9}, "keywords": []})


def fill(store) -> dict:
    """Write the story; return the ids the tests look for."""
    docs, analyses = [], []
    flood_ids, wage_ids, chatter_ids = [], [], []
    for i in range(12):
        doc = _doc(i, FLOOD[i % len(FLOOD)] + f"（第{i}条）", T + timedelta(minutes=20 * i),
                   source_type="social" if i % 3 else "news", metrics={"reposts": i, "comments": 2 * i})
        docs.append(doc)
        analyses.append(_analysis(doc.id, "民治街道", "natural_disaster"))
        flood_ids.append(doc.id)
    rescue = _doc(20, f"{ADDRESS}被困，家里有两位老人，水已经淹到一楼，急需救援，电话{PHONE}", T + timedelta(hours=2),
                  source_type="social")
    docs.append(rescue)
    analyses.append(_analysis(rescue.id, "民治街道", "natural_disaster", rescue={
        "is_request": True, "score": 0.95, "phones": [PHONE], "address": ADDRESS, "people_count": 2,
        "vulnerable": ["elderly"], "needs": ["evacuation"], "urgency": 0.9}))
    flood_ids.append(rescue.id)
    for i in range(8):
        doc = _doc(30 + i, WAGES[i % len(WAGES)] + f"（第{i}条）", T + timedelta(hours=1, minutes=30 * i))
        docs.append(doc)
        analyses.append(_analysis(doc.id, "观澜街道", "labor_dispute"))
        wage_ids.append(doc.id)
    rumours = [_doc(50 + i, "听说民治水库要决堤了，大家赶紧跑！", T + timedelta(hours=3, minutes=i)) for i in range(2)]
    docs += rumours
    analyses += [_analysis(d.id, "民治街道", "natural_disaster", harmful="rumor") for d in rumours]
    for i in range(10):
        doc = _doc(60 + i, f"大浪街道今天天气不错，公园里人很多（{i}）", T + timedelta(hours=5, minutes=i), source_type="news")
        docs.append(doc)
        analyses.append(_analysis(doc.id, "大浪街道", "other", sentiment="neutral" if i % 2 else "positive"))
        chatter_ids.append(doc.id)
    unanalysed = _doc(80, "一条还没有分析的帖子", T + timedelta(hours=6))
    docs.append(unanalysed)
    before = _doc(90, "民治街道前一天的帖子", T - timedelta(hours=10))
    docs.append(before)
    analyses.append(_analysis(before.id, "民治街道", "other", sentiment="neutral"))
    store.put_documents(docs)
    store.put_analyses(analyses)

    flood = Incident(id="inc-flood", label="民治街道 暴雨 内涝 积水", keywords=["暴雨", "内涝", "积水", "被困"],
                     doc_ids=["gone-doc"] + flood_ids, first_seen=T, last_seen=T + timedelta(hours=4), size=14,
                     growth=3.5, category="natural_disaster", streets=["民治街道"],
                     sentiment={"negative": 0.9, "neutral": 0.1, "positive": 0.0}, state="growing")
    wages = Incident(id="inc-wages", label="观澜街道 欠薪 工厂", keywords=["欠薪", "工厂", "讨薪"], doc_ids=wage_ids,
                     first_seen=T + timedelta(hours=1), last_seen=T + timedelta(hours=4, minutes=30), size=8,
                     growth=1.2, category="labor_dispute", streets=["观澜街道"],
                     sentiment={"negative": 1.0}, state="emerging")
    store.put_records("incidents", [flood, wages])

    def change(who, when, frm, to, note=""):
        return AlertChange.model_validate({"who": who, "when": when, "from": frm, "to": to, "note": note})

    a_flood = Alert(id="al-flood", rule="incident-growth", severity="orange", title="民治街道暴雨内涝事件升温",
                    incident_id="inc-flood", doc_ids=flood_ids[:5], street="民治街道", category="natural_disaster",
                    created_at=T + timedelta(hours=1), state="dispatched", assignee="街道应急办",
                    similar_cases=[SimilarCase(case_id=CASE, score=0.8), SimilarCase(case_id="no-such-case", score=0.7)],
                    history=[change("system", T + timedelta(hours=1), None, "new", "事件增长"),
                             change("张三", T + timedelta(hours=1, minutes=10), "new", "acknowledged", "已核实"),
                             change("张三", T + timedelta(hours=1, minutes=30), "acknowledged", "dispatched",
                                    f"联系居民{PHONE}")])
    a_wages = Alert(id="al-wages", rule="frequency-wage-arrears", severity="yellow", title="观澜街道欠薪信息集中",
                    incident_id="inc-wages", doc_ids=wage_ids[:5], street="观澜街道", category="labor_dispute",
                    created_at=T + timedelta(hours=2), state="new",
                    history=[change("system", T + timedelta(hours=2), None, "new", "2 小时内 5 条")])
    a_rescue = Alert(id="al-rescue", rule="rescue-request", severity="red", title=f"求助：{ADDRESS}",
                     doc_ids=[rescue.id], street="民治街道", category="natural_disaster",
                     created_at=T + timedelta(hours=2), state="new",
                     history=[change("system", T + timedelta(hours=2), None, "new", "紧急度 0.90")])
    a_rumour = Alert(id="al-rumour", rule="harmful-info", severity="yellow", title="民治街道疑似谣言：水库决堤",
                     doc_ids=[d.id for d in rumours], street="民治街道", category="natural_disaster",
                     created_at=T + timedelta(hours=3), state="resolved",
                     history=[change("system", T + timedelta(hours=3), None, "new", "谣言"),
                              change("李四", T + timedelta(hours=3, minutes=5), "new", "acknowledged"),
                              change("李四", T + timedelta(hours=3, minutes=6), "acknowledged", "dispatched"),
                              change("李四", T + timedelta(hours=4), "dispatched", "resolved", "已辟谣")])
    store.put_records("alerts", [a_flood, a_wages, a_rescue, a_rumour])
    from case_library import ensure_starter  # the library the alerts stage matched CASE in
    from yuqing.config import load_config

    ensure_starter(load_config(None), store)
    store.flush()
    return {"flood": flood_ids, "wages": wage_ids, "rumours": [d.id for d in rumours], "rescue": rescue.id,
            "chatter": chatter_ids, "before": before.id, "documents_in_day": len(docs) - 1,
            "alerts": ["al-flood", "al-wages", "al-rescue", "al-rumour"]}

"""A small street office's day, for the web UI's tests: two streets, an incident with its posts and
analyses, alerts of every severity, a request for help with a phone and a home address, a case and a
learned calendar peak. Phone and address are of 民治街道; 龙华街道 has its own, never shown to 民治."""
from __future__ import annotations

from datetime import datetime, timedelta

from yuqing.records import DEFAULT_TZ, Alert, Analysis, Case, Document, Incident
from yuqing.storage.base import JsonRecord

MZ, LH = "民治街道", "龙华街道"
PHONE, MASKED_PHONE = "13812345678", "138****5678"
HOME = "民治街道阳光小区3栋"
LH_PHONE = "13987654321"
START = datetime(2026, 11, 28, 8, 0, tzinfo=DEFAULT_TZ)
INCIDENT = "inc-storm"
USERS = ("web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}, "
         "mz: {role: analyst, token: t-mz, streets: [民治街道]}, root: {role: admin, token: t-root}}")


def _doc(i: int, street: str, text: str, when: datetime, **extra) -> Document:
    return Document(id=f"d{i}", title=extra.pop("title", None), text=text, published_at=when, source=extra.pop(
        "source", "forum" if i % 3 else "weibo"), url=f"https://bbs.example.cn/t/{i}", author=f"网友{i % 7}",
        collected_at=when, **extra)


def _analysis(i: int, street: str, sentiment: str, category: str = "natural_disaster", **extra) -> Analysis:
    return Analysis(id=f"d{i}", sentiment={"label": sentiment, "score": 0.9},
                    categories=[{"label": category, "score": 0.9}],
                    location={"district": "龙华区", "street": street, "confidence": 0.9},
                    keywords=["暴雨", "积水"], **extra)


def seed(store) -> dict:
    """Stores the day; returns the ids the tests use."""
    docs, analyses = [], []
    for i in range(40):  # the storm incident: 40 posts over two days, sentiment turning negative
        when = START + timedelta(hours=i)
        sentiment = "negative" if i % 3 else ("neutral" if i % 2 else "positive")
        text = f"民治街道暴雨积水，第{i}处路口水深过膝，车辆无法通行" if i % 4 else "转发微博 民治街道暴雨积水，路口水深过膝"
        docs.append(_doc(i, MZ, text, when))
        analyses.append(_analysis(i, MZ, sentiment))
    docs[1] = _doc(1, MZ, f"{HOME}积水被困，家中有老人和婴儿，求助电话{PHONE}", START + timedelta(hours=1),
                   title=f"求助 电话{PHONE}")
    analyses[1] = _analysis(1, MZ, "negative", rescue={"score": 0.95, "phones": [PHONE], "address": HOME,
                                                       "people_count": 3, "vulnerable": ["elderly", "infant"],
                                                       "needs": ["evacuation"], "urgency": 0.9})
    analyses[2] = _analysis(2, MZ, "negative", harmful={"types": [{"label": "rumor", "score": 0.8}]})
    docs.append(_doc(50, LH, f"龙华街道清湖新村工厂欠薪，工人讨薪，电话{LH_PHONE}", START + timedelta(hours=3)))
    analyses.append(_analysis(50, LH, "negative", "labor_dispute"))
    docs.append(_doc(51, LH, "龙华街道地铁站附近交通拥堵", START + timedelta(hours=4)))
    analyses.append(_analysis(51, LH, "neutral", "traffic"))
    store.put_documents(docs)
    store.put_analyses(analyses)
    store.put_records("incidents", [
        Incident(id=INCIDENT, label="民治街道 暴雨 内涝 积水", keywords=["暴雨", "内涝", "积水"],
                 doc_ids=[f"d{i}" for i in range(40)], first_seen=START, last_seen=START + timedelta(hours=39),
                 size=40, growth=3.5, category="natural_disaster", streets=[MZ],
                 sentiment={"negative": 0.67, "neutral": 0.17, "positive": 0.16}),
        Incident(id="inc-wages", label="龙华街道 欠薪 讨薪", doc_ids=["d50"], first_seen=START, last_seen=START,
                 size=1, category="labor_dispute", streets=[LH])])
    alerts = [
        Alert(id="a-rescue", rule="rescue_request", severity="red", title=f"求助：{HOME}",
              summary=f"{HOME}积水被困，联系电话{PHONE}", doc_ids=["d1"], street=MZ, category="natural_disaster",
              incident_id=INCIDENT, created_at=START + timedelta(hours=1, minutes=5),
              calendar=["汛期（5月至10月）：强降雨高发"], similar_cases=[{"case_id": "case-storm", "score": 0.82}]),
        Alert(id="a-growth", rule="incident_growth", severity="orange", title="民治街道暴雨内涝事件升温",
              summary="3 小时内帖子增长 3.5 倍", doc_ids=["d0", "d2", "d3"], street=MZ, category="natural_disaster",
              incident_id=INCIDENT, created_at=START + timedelta(hours=6)),
        Alert(id="a-rumor", rule="harmful_info", severity="yellow", title="疑似谣言：水库决堤",
              summary="网传水库决堤，未经证实", doc_ids=["d2"], street=MZ, category="natural_disaster",
              created_at=START + timedelta(hours=7)),
        Alert(id="a-traffic", rule="keyword", severity="blue", title="民治大道积水拥堵", summary="多名网友反映",
              doc_ids=["d4"], street=MZ, category="traffic", created_at=START + timedelta(hours=8)),
        Alert(id="a-wages", rule="keyword", severity="orange", title="龙华街道工厂欠薪讨薪",
              summary=f"工人聚集讨薪，联系电话{LH_PHONE}", doc_ids=["d50"], street=LH, category="labor_dispute",
              created_at=START + timedelta(hours=3)),
    ]
    store.put_records("alerts", alerts)
    store.put_records("rescue_requests", [JsonRecord(id="r1", alert_id="a-rescue", phones=[PHONE], address=HOME,
                                                     street=MZ, urgency=0.9, status="open", people_count=3,
                                                     vulnerable=["elderly", "infant"], needs=["evacuation"],
                                                     last_seen=START + timedelta(hours=1))])
    store.put_records("cases", [Case(id="case-storm", title="2023年9月深圳特大暴雨民治街道内涝处置",
                                     summary="极端强降雨致多个小区积水，街道组织转移群众。", start="2023-09-07",
                                     city="深圳市", district="龙华区", street=MZ, categories=["natural_disaster"],
                                     trigger="暴雨红色预警", timeline=[{"when": "2023-09-07 20:00", "what": "暴雨红色预警"}],
                                     measures=["提前转移低洼地带群众", "开放应急避难场所"], outcome="无人员伤亡",
                                     lessons=["提前发布转移通知", "重点关注独居老人"], keywords=["暴雨", "内涝", "积水"],
                                     sources=["https://news.example.cn/2023/0907"])])
    store.put_records("calendar_proposals", [JsonRecord(
        id="peak-mz-storm", status="proposed", category="natural_disaster", street=MZ, period="season:汛期",
        evidence="民治街道 6 月暴雨类事件 5 年中 4 年高发", p_value=0.001, in_period=12, total=20,
        peak_years=[2022, 2023, 2024, 2025],
        entry={"name": "民治街道 暴雨 汛期高发（历史学习）", "kind": "season", "from": "11-20", "to": "12-10",
               "categories": ["natural_disaster"], "streets": [MZ], "reason": "历史学习", "sensitivity": 1.5,
               "lead": 14})])
    store.flush()
    return {"incident": INCIDENT, "alerts": [a.id for a in alerts]}

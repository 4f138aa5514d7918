"""Two enterprises of two streets for the web UI's enterprise tests, built the way the engine builds them:
a street's CSV export imported (seven months; 鑫达电子 of 民治街道 owing contributions and losing staff in
July), posts and a 12345 ticket naming them (one hostile, one with a phone number), the incidents those
posts belong to, a July scoring (links and scores) and the ``enterprise_risk`` card the alert stage
raises for it."""
from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from enterprise.indicators import code_check_char, import_indicators
from enterprise.service import score_month
from yuqing.config import load_config
from yuqing.records import DEFAULT_TZ, Analysis, Document, Incident

MZ, LH = "民治街道", "龙华街道"
PHONE, LH_PHONE = "13812345678", "13987654321"
HOSTILE = "<script>alert('xss')</script><img src=x onerror=alert(1)>"
MONTH = "2026-07"
NOW = datetime(2026, 8, 3, 9, tzinfo=DEFAULT_TZ)
HEADERS = ["统一社会信用代码", "企业名称", "所属街道", "月份", "行业", "参保人数", "社保缴费", "社保欠费", "用电量", "用水量",
           "12345工单", "劳动监察案件"]


def code(n: int) -> str:
    body = f"91440300MA5{n:06d}"
    return body + code_check_char(body)


XINDA, HONGXING = code(31), code(32)


def _rows() -> list[list]:
    rows = []
    for m in range(1, 7):
        month = f"2026-0{m}"
        rows.append([XINDA, "深圳市鑫达电子有限公司", MZ, month, "电子", 120, 132_000, 0, 50_000 + 500 * m, 800, 0, 0])
        rows.append([HONGXING, "深圳市宏兴五金有限公司", LH, month, "五金", 80, 88_000, 0, 30_000, 500, 0, 0])
    rows.append([XINDA, "深圳市鑫达电子有限公司", MZ, MONTH, "电子", 90, 72_000, 60_000, 47_000, 760, 3, 1])
    rows.append([HONGXING, "深圳市宏兴五金有限公司", LH, MONTH, "五金", 80, 88_000, 0, 30_000, 500, 0, 0])
    return rows


def _at(day: int, hour: int = 20) -> datetime:
    return datetime(2026, 7, day, hour, tzinfo=DEFAULT_TZ)


def _analysis(doc_id: str, street: str) -> Analysis:
    return Analysis.model_validate({"id": doc_id, "sentiment": {"label": "negative", "score": 0.9},
                                    "categories": [{"label": "labor_dispute", "score": 0.9}],
                                    "location": {"district": "龙华区", "street": street, "confidence": 0.9},
                                    "keywords": ["欠薪"]})


def seed(store, folder: Path) -> dict:
    """Stores it all; returns the ids the tests use."""
    path = folder / "indicators.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(_rows())
    summary = import_indicators(store, path, columns=load_config(None)["enterprise.columns"], report=lambda _: None)
    assert summary.errors == 0 and summary.enterprises == 2
    docs = [
        Document(id="p1", title="鑫达电子欠薪", text=f"鑫达电子拖欠工资两个月，工人在厂门口拉横幅讨薪{HOSTILE}，"
                 f"联系电话{PHONE}", published_at=_at(20), source="本地论坛", source_type="forum",
                 url="https://bbs.example.cn/t/1"),
        Document(id="p2", text="民治街道鑫达电子门口又有工人聚集讨薪", published_at=_at(21), source="微博",
                 source_type="social", url="javascript:alert(1)"),
        Document(id="t1", text="来电反映深圳市鑫达电子有限公司拖欠工资，请劳动监察介入", published_at=_at(22, 10),
                 source="12345", source_type="hotline"),
        Document(id="p3", text=f"宏兴五金停产，工人讨薪，电话{LH_PHONE}", published_at=_at(23), source="本地论坛",
                 source_type="forum"),
    ]
    store.put_documents(docs)
    store.put_analyses([_analysis(d.id, LH if d.id == "p3" else MZ) for d in docs])
    store.put_records("incidents", [
        Incident(id="inc-xinda", label="民治街道 鑫达电子 欠薪 讨薪", keywords=["欠薪", "讨薪"], doc_ids=["p1", "p2"],
                 first_seen=_at(20), last_seen=_at(21), size=2, category="labor_dispute", streets=[MZ]),
        Incident(id="inc-hongxing", label="龙华街道 宏兴五金 停产", keywords=["停产"], doc_ids=["p3"],
                 first_seen=_at(23), last_seen=_at(23), size=1, category="labor_dispute", streets=[LH])])
    store.flush()
    config = load_config(None, ["alerts.rules_only=[enterprise-risk]"])
    result = score_month(store, config, MONTH)
    assert result["warnings"] >= 1, result
    from alerts.stage import AlertEngine, AlertStage

    engine = AlertEngine.from_config(config, store, providers=False)
    AlertStage(config, store, engine=engine).run_once(now=NOW)
    store.flush()
    [card] = store.find_records("alerts", {"rule": "enterprise-risk"})
    return {"xinda": XINDA, "hongxing": HONGXING, "card": card.id}

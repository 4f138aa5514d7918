"""Builders shared by the assessment tests: the contract's example card, posts with their analyses."""
from datetime import datetime, timedelta

from yuqing import records as R

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=R.DEFAULT_TZ)


def card_data(**changes):
    """The farmers' market card of the contract, with ``changes``."""
    data = {
        "name": "大浪街道浪口农贸市场拆除重建项目", "type": "拆除重建",
        "summary": "浪口农贸市场经营三十余年，消防隐患多，拟拆除重建。",
        "location": {"city": "深圳市", "district": "龙华区", "street": "大浪街道", "community": "浪口社区"},
        "owner": "大浪街道办事处",
        "scale": {"households": 0, "merchants": 320, "residents_nearby": 8000},
        "stakeholders": ["商户", "周边居民"],
        "timeline": [{"milestone": "方案公示", "date": "2027-03-10"}, {"milestone": "清场", "date": "2027-04-20"}],
        "procedures": {"规划许可": True, "方案公示": True, "环评批复": True, "听证会": True, "补偿方案公示": True,
                       "施工许可": True},
        "compensation": "商户按经营面积补偿，过渡期安置到临时市场。",
        "keywords": ["农贸市场", "拆除"],
    }
    data.update(changes)
    return data


def post(i, text, *, street, sentiment="negative", category="land_demolition", url=True, source_type="social",
         reposts=0, harmful=None, rescue=None):
    """A document and its analysis (the NLP stage's record, written as the stage would)."""
    doc = R.Document(id=f"post-{i:04d}", text=text, title=None, published_at=T0 + timedelta(days=i % 60, hours=i % 24),
                     collected_at=T0 + timedelta(days=61), source="weibo" if source_type == "social" else "shenzhen-news",
                     source_type=source_type, url=f"https://example.org/p/{i}" if url else None,
                     metrics={"reposts": reposts})
    analysis = R.Analysis(id=doc.id, sentiment={"label": sentiment, "score": 0.9},
                          categories=[{"label": category, "score": 0.8}],
                          location={"city": "深圳市", "district": "龙华区", "street": street, "confidence": 0.9},
                          harmful=harmful, rescue=rescue)
    return doc, analysis


def put(store, pairs):
    store.put_documents([d for d, _ in pairs])
    store.put_analyses([a for _, a in pairs])
    store.flush()

"""A storm afternoon for the emergency desk's web tests: posts and their analyses stored, then the real
alert stage (the rescue rule, the desk's rows, follow-ups) run over them, as the service would.

Four requests for help (one reposted, one with two families' posts at one address), two rumour
claims — one already denied by an official post, one whose denial uses other words — and a fraud
post. Times are relative to now, so claims, the rumour board's default window and the review read
as they would during a real storm.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import yaml

from yuqing.records import DEFAULT_TZ, Analysis, Document

MZ, GL = "民治街道", "观澜街道"
A_PHONE, B_PHONE, C_PHONE, C2_PHONE, D_PHONE = "13800001111", "13900002222", "13700003333", "13600004444", "13500005555"
MASKED_A = "138****1111"
A_HOME = "民治街道碧水龙庭3栋"
TEAM = "蓝天救援队"
USERS = ("web.users={ana: {role: analyst, token: t-ana}, vic: {role: viewer, token: t-vic}, "
         "res: {role: responder, token: t-res}, mz: {role: analyst, token: t-mz, streets: [民治街道]}}")
RUMOR = [{"label": "rumor", "score": 0.9}]
T0 = (datetime.now(DEFAULT_TZ) - timedelta(hours=3)).replace(second=0, microsecond=0)
_ids = itertools.count(1)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def rescue(phone: Optional[str], address: Optional[str], urgency: float, people: int = 3,
           vulnerable=("elderly",), needs=("evacuation",)) -> dict:
    return {"is_request": True, "score": 0.95, "phones": [phone] if phone else [], "address": address,
            "people_count": people, "vulnerable": list(vulnerable), "needs": list(needs), "urgency": urgency}


def post(store, text: str, at: datetime, *, rescue_slots: Optional[dict] = None, harmful=None, street=MZ,
         author: Optional[str] = None, source: str = "weibo", doc_id: Optional[str] = None) -> Document:
    """A stored post with its analysis, as the analysis stage would have written them."""
    doc_id = doc_id or f"s{next(_ids)}"
    doc = Document(id=doc_id, text=text, published_at=at, collected_at=at, source=source, source_type="social",
                   author=author or "网友", url=f"https://weibo.example/{doc_id}")
    store.put_documents([doc])
    store.put_analyses([Analysis.model_validate({
        "id": doc.id, "sentiment": {"label": "negative", "score": 0.9},
        "categories": [{"label": "natural_disaster", "score": 0.9}], "rescue": rescue_slots,
        "harmful": {"types": harmful} if harmful else None,
        "location": {"city": "深圳市", "district": "龙华区", "street": street, "confidence": 0.9}, "keywords": []})])
    store.flush()
    return doc


def alert_config(folder: Path):
    """A config whose only alert rule is the rescue rule (the desk's rows come from it)."""
    from yuqing.config import load_config

    rules = folder / "rules.d"
    rules.mkdir(parents=True, exist_ok=True)
    (rules / "rescue.yaml").write_text("name: rescue-request\ntype: rescue_request\n", encoding="utf-8")
    path = folder / "desk-config.yaml"
    path.write_text(yaml.safe_dump({"alerts": {"rules_dirs": [str(rules)]}}, allow_unicode=True), encoding="utf-8")
    return load_config(path, environ={})


class Engine:
    """The service's alert stage and the desk's follow-ups over the store: ``engine.cycle(at)`` runs
    them once at time ``at``, in the pipeline's order."""

    def __init__(self, store, folder: Path) -> None:
        from alerts.stage import AlertEngine, AlertStage
        from desk.followups import FollowupStage

        config = alert_config(folder)
        self.store = store
        self.stages = [AlertStage(config, store, engine=AlertEngine.from_config(config, store, providers=False)),
                       FollowupStage.from_config(config, store)]

    def cycle(self, at: datetime) -> None:
        for stage in self.stages:
            report = stage.run_once(now=at)
            self.store.flush()
            assert report.errors == 0, report.detail


def seed(store, folder: Path) -> dict:
    """Stores the afternoon and runs the engine over it; returns ``{"engine", "rows": {phone: row id}}``."""
    post(store, f"{A_HOME}被困，家里有两位老人，水已经淹到一楼，急需救援，电话{A_PHONE}", minutes(0),
         rescue_slots=rescue(A_PHONE, A_HOME, 0.92, people=2), doc_id="a1")
    post(store, f"转发求助：{A_HOME}两位老人被困，电话{A_PHONE}，请救援队帮忙", minutes(4),
         rescue_slots=rescue(A_PHONE, A_HOME, 0.9, people=2), doc_id="a2")
    post(store, f"观澜街道桂花苑5栋地下室进水，三人被困求救，电话{B_PHONE}", minutes(2), street=GL,
         rescue_slots=rescue(B_PHONE, "观澜街道桂花苑5栋", 0.75, vulnerable=()), doc_id="b1")
    post(store, f"民治街道阳光小区7栋一楼进水，孕妇行动不便，电话{C_PHONE}", minutes(3),
         rescue_slots=rescue(C_PHONE, "民治街道阳光小区7栋", 0.6, people=2, vulnerable=("pregnant",)), doc_id="c1")
    post(store, f"民治街道阳光小区7栋，我家还有一个婴儿需要奶粉，电话{C2_PHONE}", minutes(5),
         rescue_slots=rescue(C2_PHONE, "民治街道阳光小区7栋", 0.55, people=3, vulnerable=("infant",),
                             needs=("food_water",)), doc_id="c2")
    post(store, f"民治街道上塘村12号停电断水，手机快没电了，电话{D_PHONE}", minutes(6),
         rescue_slots=rescue(D_PHONE, "民治街道上塘村12号", 0.45, people=1, vulnerable=(), needs=("power",)),
         doc_id="d1")
    # rumours: the dam claim gets an official denial; the subway claim's denial uses other words
    for i, text in enumerate(("网传郭家咀水库已经溃坝，下游村庄全部被淹，赶紧转移！",
                              "紧急扩散：郭家咀水库溃坝了，下游村庄被淹", "郭家咀水库溃坝下游村庄被淹是真的吗")):
        post(store, text, minutes(10 + 35 * i), harmful=RUMOR, doc_id=f"dam{i}")
    post(store, "听说地铁五号线死亡人数上千，官方瞒报", minutes(20), harmful=RUMOR, doc_id="metro0")
    post(store, "【辟谣】网传“郭家咀水库已溃坝、下游村庄被淹”不实。经核实，水库大坝目前未溃坝，正在抢险。",
         minutes(90), author="某市应急管理局发布", source="gov-site", doc_id="dam-denial")
    post(store, "市政府通报：轨道交通五号线乘客已全部疏散，遇难12人，伤者正在救治", minutes(100), author="某市人民政府新闻办",
         source="gov-site", doc_id="metro-official")
    post(store, "冒充救援队的人在收钱，先转账才派船，大家小心", minutes(30), doc_id="fraud0")
    engine = Engine(store, folder)
    engine.cycle(minutes(8))
    from desk import board

    rows = {}
    for data in board.list_requests(store):
        for phone in data.get("phones") or []:
            rows[phone] = data["id"]
    return {"engine": engine, "rows": rows}

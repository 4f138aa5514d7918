"""Fixtures of the emergency desk's tests: requests for help put on the board by the real alert stage."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Optional

import pytest
import yaml

from yuqing.records import DEFAULT_TZ, Analysis, Document

T0 = datetime(2021, 7, 20, 17, 0, tzinfo=DEFAULT_TZ)
_ids = itertools.count(1)


def rescue_slots(phone: Optional[str], address: Optional[str], urgency: float = 0.85, people: int = 3) -> dict:
    return {"is_request": True, "score": 0.95, "phones": [phone] if phone else [], "address": address,
            "people_count": people, "vulnerable": ["elderly"], "needs": ["evacuation"], "urgency": urgency}


def post(store, text: str, at: datetime, *, rescue: Optional[dict] = None, harmful=None, doc_id=None,
         street="民治街道", source="weibo", author=None, url=None) -> Document:
    """A stored post with its analysis (as the analysis stage would have written it)."""
    doc = Document(id=doc_id or f"p{next(_ids)}", text=text, published_at=at, collected_at=at, source=source,
                   source_type="social", author=author, url=url or f"https://weibo.example/{doc_id or 'x'}")
    store.put_documents([doc])
    store.put_analyses([Analysis.model_validate({
        "id": doc.id, "sentiment": {"label": "negative", "score": 0.9},
        "categories": [{"label": "natural_disaster", "score": 0.9}], "rescue": rescue,
        "harmful": {"types": harmful} if harmful else None,
        "location": {"city": "深圳市", "district": "龙华区", "street": street, "confidence": 0.9}, "keywords": []})])
    store.flush()
    return doc


@pytest.fixture
def desk_config(tmp_path):
    """A config whose only alert rule is the rescue rule."""
    from yuqing.config import load_config

    rules = tmp_path / "rules.d"
    rules.mkdir(exist_ok=True)
    (rules / "rescue.yaml").write_text("name: rescue-request\ntype: rescue_request\n", encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"alerts": {"rules_dirs": [str(rules)]},
                                    "store": {"path": str(tmp_path / "cli.sqlite")}}, allow_unicode=True),
                    encoding="utf-8")
    return load_config(path, environ={})


@pytest.fixture
def cycle(store, desk_config):
    """``cycle(at)``: one cycle at time ``at`` as ``yuqing run --once`` runs it: the real alert stage
    (rules, the desk's rows), then the desk's ``followups`` stage. Returns the alert stage's report."""
    from alerts.stage import AlertEngine, AlertStage
    from desk.followups import FollowupStage

    stage = AlertStage(desk_config, store, engine=AlertEngine.from_config(desk_config, store, providers=False))
    followups = FollowupStage.from_config(desk_config, store)

    def run(at: datetime):
        report = stage.run_once(now=at)
        store.flush()
        assert report.errors == 0, report.detail
        after = followups.run_once(now=at)
        store.flush()
        assert after.errors == 0, after.detail
        return report
    return run


def rows(store) -> dict:
    from desk import board

    store.flush()
    return {r["id"]: r for r in board.list_requests(store)}


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)

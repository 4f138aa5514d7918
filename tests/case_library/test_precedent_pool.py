"""The judge's pool of (incident, case) pairs: no score, rank or reason ever reaches it."""
from pathlib import Path

import pytest

from case_library import CaseLibrary
from case_library.eval.incidents import RealIncident
from case_library.eval.pool import build, main
from yuqing.config import load_config
from yuqing.records import Incident

HIDDEN = {"score", "rank", "full_rank", "reasons", "lexical_rank", "lexical_score", "pooled_by"}


def incidents() -> list[RealIncident]:
    wages = Incident(id="w1", label="观澜街道 电子厂 工资", keywords=["拖欠", "工资", "讨薪"], category="labor_dispute")
    flood = Incident(id="f1", label="民治街道 车库 积水", keywords=["暴雨", "积水", "被困"], category="natural_disaster")
    return [RealIncident(wages, "dev", "hand", [{"id": "a", "text": "电子厂三个月没发工资，联系13800138000"}]),
            RealIncident(flood, "test", "hand", [{"id": "b", "text": "车库积水" * 300}])]


def test_the_pool_hides_what_the_judge_must_not_see(sqlite_store):
    library = CaseLibrary.from_config(load_config(None, ["cases.search_mode=lexical"]), sqlite_store)
    sqlite_store.flush()
    pool, scores, records = build(incidents(), library, top=5, lexical_top=3, extra=2, seed=1)
    assert len(pool) == len(scores)
    assert {p["pair_id"] for p in pool} == {s["pair_id"] for s in scores}
    for line in pool:
        assert not HIDDEN & set(line), line.keys()
        assert "13800138000" not in line["incident_text"]  # phones masked
        assert len(line["incident_text"]) < 700
    by_incident = {}
    for score in scores:
        by_incident.setdefault(score["incident_id"], []).append(score)
    for rows in by_incident.values():
        assert sum(r["pooled_by"] == "random" for r in rows) == 2
        ranks = sorted(r["rank"] for r in rows if r["pooled_by"] == "top")
        assert 1 <= len(ranks) <= 5 and ranks == list(range(1, len(ranks) + 1))  # lexical may find fewer
    wage_top = next(s for s in scores if s["incident_id"] == "w1" and s["rank"] == 1)
    assert wage_top["case_id"] == "winter-wage-arrears-campaign" and wage_top["reasons"]
    assert [r["split"] for r in records] == ["dev", "test"]


def test_the_pool_refuses_to_write_into_the_repository(capsys):
    with pytest.raises(SystemExit):
        main(["--out", str(Path(__file__).resolve().parents[2] / "scratch")])
    assert "outside" in capsys.readouterr().err

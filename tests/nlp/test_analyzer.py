"""The analyser end to end on the committed models, and ``yuqing analyze`` on real files."""
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from nlp.analyzer import Analyzer
from yuqing.records import Analysis, Document

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 1, 20, 0, tzinfo=timezone.utc)


def doc(doc_id, text, **extra):
    return Document(id=doc_id, text=text, published_at=NOW, **extra)


@pytest.fixture(scope="module", params=["cascade", "stage1"])
def analyzer(request):
    return Analyzer.default(mode=request.param)


def test_rescue_request_gets_its_slots(analyzer):
    text = "救命！民治街道锦绣花园3栋被水淹了，家里有老人2个孩子1个，水已经到胸口了，电话138 0013 8000"
    [analysis] = analyzer.analyze([doc("a", text)])
    assert analysis.rescue is not None and analysis.rescue.is_request
    assert analysis.rescue.phones == ["13800138000"]
    assert analysis.rescue.people_count == 3
    assert set(analysis.rescue.vulnerable) >= {"elderly", "child"}
    assert analysis.location.street == "民治街道" and analysis.location.district == "龙华区"
    assert analysis.sentiment.label in ("negative", "neutral")
    assert analysis.keywords


def test_posts_about_help_are_not_requests(analyzer):
    docs = [doc("b", "消防员连夜转移被困群众32人，目前均已安全，感谢救援人员！"),
            doc("c", "志愿者车队提供免费接送，有需要的街坊请联系13900000000")]
    for analysis in analyzer.analyze(docs):
        assert analysis.rescue is None, analysis.id


def test_empty_garbage_and_foreign_text_give_neutral_empty_analyses(analyzer, caplog):
    docs = [doc("e1", ""), doc("e2", "   \u200b\u200b  "), doc("e3", "#$%^&*()_+!!!!"),
            doc("e4", "The weather is nice today and the park is full of people.")]
    with caplog.at_level("INFO", logger="nlp.analyzer"):
        results = analyzer.analyze(docs)
    assert [a.id for a in results] == ["e1", "e2", "e3", "e4"]
    for analysis in results:
        assert analysis.sentiment.label == "neutral"
        assert analysis.categories == [] and analysis.rescue is None and analysis.harmful is None
    assert "nothing to analyse" in caplog.text


def test_contract_shape_and_order(analyzer):
    texts = ["工厂老板跑路，三百多名工人被拖欠三个月工资，工人们聚集讨薪",
             "小区物业乱收费，业主们很生气",
             "今天公园的花开了，很漂亮"]
    docs = [doc(f"d{i}", t) for i, t in enumerate(texts)]
    results = analyzer.analyze(docs)
    assert [a.id for a in results] == ["d0", "d1", "d2"]
    for analysis in results:
        scores = [c.score for c in analysis.categories]
        assert scores == sorted(scores, reverse=True) and analysis.categories
        Analysis.model_validate_json(analysis.to_json())
    assert results[0].top_category == "labor_dispute"
    assert results[1].top_category == "property_management"


def test_repost_of_a_request_is_recognised(analyzer):
    text = "扩散！//@热心网友:帮忙转//@李女士:求救！观澜街道新围仔村被水淹了，我妈80岁走不了，电话13912345678"
    [analysis] = analyzer.analyze([doc("r", text)])
    assert analysis.rescue is not None and "13912345678" in analysis.rescue.phones


def test_long_text_is_windowed_without_crashing():
    analyzer = Analyzer.default(mode="stage1")
    long_text = ("暴雨导致小区地下车库被淹。" * 20000) + "救命！被困了，电话13800138000"
    [analysis] = analyzer.analyze([doc("long", long_text)])
    assert analysis.top_category == "natural_disaster"


def config_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(f"store:\n  path: {tmp_path / 'store.sqlite'}\n", encoding="utf-8")
    return str(path)


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in rows), encoding="utf-8")


def test_analyze_command_reports_bad_lines_and_keeps_order(tmp_path):
    rows = [{"id": "1", "text": "暴雨导致民治街道多处内涝", "published_at": "2026-06-01T20:00:00+08:00"},
            "{not json",
            {"id": "2", "text": "缺少时间"},
            {"id": "3", "text": "工厂拖欠工资，工人讨薪", "published_at": "2026-06-01T21:00:00+08:00"}]
    source = tmp_path / "docs.jsonl"
    write_jsonl(source, rows)
    out = tmp_path / "analysis.jsonl"
    result = subprocess.run([sys.executable, "-m", "yuqing.app.cli", "analyze", "--input", str(source), "--output",
                             str(out), "-s", "nlp.cascade.mode=stage1", "--config", config_file(tmp_path)],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "line 2" in result.stderr and "line 3" in result.stderr and "published_at" in result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["1", "3"]
    assert lines[0]["categories"][0]["label"] == "natural_disaster"
    assert "Traceback" not in result.stderr


def test_analyze_command_stdin_to_stdout(tmp_path):
    line = json.dumps({"id": "x", "text": "救命！被困在二楼，水到胸口了，电话13800138000",
                       "published_at": "2026-06-01T20:00:00+08:00"}, ensure_ascii=False)
    result = subprocess.run([sys.executable, "-m", "yuqing.app.cli", "analyze", "--input", "-", "--output", "-",
                             "--quiet", "--config", config_file(tmp_path)],
                            cwd=REPO, input=line + "\n", capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    [analysis] = [json.loads(x) for x in result.stdout.splitlines()]
    assert analysis["id"] == "x" and analysis["rescue"]["phones"] == ["13800138000"]


def test_a_request_with_its_own_phone_is_not_a_privacy_leak(analyzer):
    text = "来电人称：其家住龙岗区布吉街道可园社区绿景花园14栋22楼，3人，宝宝才4个月大，厂房进水出不来，请速派人，电话13912345678"
    leak = "人肉出来了，撞人的司机叫魏姐，电话173 3775 7467，住新围仔13栋，大家去他家讨说法"
    request, doxxing = analyzer.analyze([doc("h1", text), doc("h2", leak)])
    assert request.rescue is not None and request.harmful is None
    assert doxxing.harmful is not None
    assert {"privacy_leak", "incitement"} <= {t.label for t in doxxing.harmful.types}

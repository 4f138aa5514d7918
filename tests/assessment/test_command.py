"""``yuqing assess`` as users run it (subprocess, output to a pipe): exit codes, errors naming the
field, the contract's JSON on both stores, HTML and PDF files."""
import json
import os
import subprocess
import sys

import pytest
import yaml

from assessment.knowledge import CATEGORY_IDS
from assess_helpers import card_data, post, put


def yuqing(store, tmp_path, *args):
    if store is None or store.name == "sqlite":
        settings = ["-s", f"store.path={store.path if store else tmp_path / 'cli.sqlite'}"]
    else:
        settings = ["-s", f"store.path={tmp_path / 'cli.sqlite'}", "-s", "store.backend=elasticsearch",
                    "-s", f"store.elasticsearch.hosts=[{store.hosts[0]}]",
                    "-s", f"store.elasticsearch.index_prefix={store.prefix}"]
    return subprocess.run([sys.executable, "-m", "yuqing", *args, *settings], capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def write(tmp_path, data, name="p.yaml"):
    path = tmp_path / name
    text = json.dumps(data, ensure_ascii=False) if name.endswith(".json") else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


LEVELS = {"high", "medium", "low"}


def check_contract_shape(out):
    """The contract's ``assessment`` object: every named field, with its type (extra fields allowed)."""
    assert isinstance(out["project"], str) and out["level"] in LEVELS and 0 <= out["score"] <= 100
    assert set(out["checks"]) >= {"procedure", "necessity", "planning"}
    for check in out["checks"].values():
        assert isinstance(check["finding"], str) and all(isinstance(g, str) for g in check["gaps"])
    assert [c["id"] for c in out["categories"]] == list(CATEGORY_IDS)
    for c in out["categories"]:
        assert c["level"] in LEVELS and isinstance(c["score"], int) and 0 <= c["score"] <= 100
        assert all(isinstance(f, str) for f in c["factors"]) and c["factors"]
        assert all(set(e) >= {"doc_id", "quote"} for e in c["evidence"])
        assert all(isinstance(x, str) for x in c["cases"]) and all(isinstance(m, str) for m in c["mitigations"])
    for s in out["similar_cases"]:
        assert set(s) >= {"case_id", "title", "score", "lessons"}
    for c in out["calendar_conflicts"]:
        assert set(c) >= {"milestone", "date", "entry", "start", "end"}
    for p in out["plan"]:
        assert set(p) >= {"risk", "trigger", "actions", "owner"} and p["risk"] in CATEGORY_IDS


def test_json_follows_the_contract_on_both_stores(store, tmp_path):
    put(store, [post(i, f"大浪街道浪口农贸市场拆除，商户担心补偿{i}", street="大浪街道") for i in range(6)]
        + [post(i, f"民治街道农贸市场拆除，商户聚集{i}", street="民治街道") for i in range(6, 12)])
    card = write(tmp_path, card_data(timeline=[{"milestone": "清场", "date": "2027-02-01"}]))
    done = yuqing(store, tmp_path, "assess", "--project", str(card), "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    check_contract_shape(out)
    cited = {e["doc_id"] for c in out["categories"] for e in c["evidence"]}
    assert out["evidence_total"] == 6 and len(cited) == 5  # assess.cite_per_category
    assert cited <= {f"post-{i:04d}" for i in range(6)}
    assert [c["entry"] for c in out["calendar_conflicts"]] == ["春节前欠薪高发期"]
    assert "Traceback" not in done.stderr


def test_a_bad_card_gets_errors_naming_each_field(tmp_path):
    data = card_data(scale={"merchants": -5}, procedure={"听证会": False},
                     timeline=[{"milestone": "清场", "date": "2027-02-30"}], location={"street": "大浪街道", "town": "x"})
    del data["summary"]
    done = yuqing(None, tmp_path, "assess", "--project", str(write(tmp_path, data)))
    assert done.returncode == 1 and done.stdout == ""
    err = done.stderr
    assert "p.yaml: field 'summary': required" in err
    assert "field 'scale.merchants'" in err
    assert "field 'timeline.0.date'" in err
    assert "field 'procedure': not a project card field; did you mean 'procedures'?" in err
    assert "field 'location.town': not a project card field" in err
    assert "Traceback" not in err


def test_a_card_that_is_not_yaml_or_json(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"name": "x", "summary": ', encoding="utf-8")
    done = yuqing(None, tmp_path, "assess", "--project", str(bad))
    assert done.returncode == 1 and "p.json: line 1: not valid JSON" in done.stderr
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    done = yuqing(None, tmp_path, "assess", "--project", str(listed))
    assert done.returncode == 1 and "a project card is a mapping" in done.stderr


def test_misuse_exits_2(tmp_path):
    done = yuqing(None, tmp_path, "assess", "--project", str(tmp_path / "none.yaml"))
    assert done.returncode == 2 and "none.yaml: no such project card" in done.stderr
    card = write(tmp_path, card_data())
    done = yuqing(None, tmp_path, "assess", "--project", str(card), "--format", "json", "--output", "r.pdf")
    assert done.returncode == 2 and ".pdf" in done.stderr
    done = yuqing(None, tmp_path, "assess")
    assert done.returncode == 2 and "--project" in done.stderr


def test_html_and_pdf_files(tmp_path):
    card = write(tmp_path, card_data(procedures={"听证会": False}), "p.json")  # a JSON card
    html, pdf = tmp_path / "out" / "report.html", tmp_path / "out" / "report.pdf"
    done = yuqing(None, tmp_path, "assess", "--project", str(card), "--output", str(html))
    assert done.returncode == 0, done.stderr
    assert "社会稳定风险评估报告" in html.read_text(encoding="utf-8")
    done = yuqing(None, tmp_path, "assess", "--project", str(card), "--output", str(pdf))
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "听证会" in text and "风险识别" in text
    done = yuqing(None, tmp_path, "assess", "--project", str(card))  # HTML to stdout by default
    assert done.returncode == 0 and done.stdout.startswith("<!doctype html>")

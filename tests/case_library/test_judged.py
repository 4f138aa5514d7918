"""Precedents measured against judged pairs: the arithmetic the README's precision@1 rests on."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from case_library.eval.judged import LABELS, First, kappa, measure, read_labels
from case_library.eval.pool import pair_id

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_two_judges_disagreeing_keep_the_lower_label(tmp_path):
    a = write(tmp_path / "a.jsonl", [{"judge": "a"}, {"pair_id": "p1", "label": "relevant"},
                                      {"pair_id": "p2", "label": "relevant"}])
    b = write(tmp_path / "b.jsonl", [{"pair_id": "p1", "label": "partly"}, {"pair_id": "p3", "label": "not_relevant"}])
    labels = read_labels(a, b)
    assert {k: v["label"] for k, v in labels.items()} == {"p1": "partly", "p2": "relevant", "p3": "not_relevant"}


def test_a_label_outside_the_scale_names_file_and_line(tmp_path):
    bad = write(tmp_path / "bad.jsonl", [{"pair_id": "p1", "label": "relevant"}, {"pair_id": "p2", "label": "maybe"}])
    with pytest.raises(SystemExit, match=r"bad.jsonl:2: label 'maybe'"):
        read_labels(bad)


def test_kappa_is_one_for_agreement_and_zero_for_chance():
    assert kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == 0.0


def test_precision_counts_partly_and_unjudged_as_wrong_and_a_floor_withholds():
    labels = {pair_id("i1", "c1"): {"label": "relevant"}, pair_id("i2", "c2"): {"label": "partly"},
              pair_id("i3", "c3"): {"label": "relevant"}}
    firsts = [First("i1", "dev", "c1", 0.9), First("i2", "dev", "c2", 0.8), First("i3", "dev", "c3", 0.4),
              First("i4", "dev", "c9", 0.7), First("i5", "dev", None, 0.0), First("i6", "test", "c1", 0.9)]
    everything = measure(firsts, labels, "dev", 0.0)
    assert (everything["offered"], everything["right"], everything["wrong"], everything["unjudged"]) == (4, 2, 1, 1)
    assert everything["precision_at_1"] == 0.5 and everything["coverage"] == 0.8 and everything["net"] == 0
    floor = measure(firsts, labels, "dev", 0.75)  # withholds the 0.4 (right) and the 0.7 (unjudged)
    assert (floor["offered"], floor["right"], floor["wrong"], floor["unjudged"]) == (2, 1, 1, 0)


def test_the_committed_judgements_hold_ids_and_labels_only():
    assert LABELS, "no judged pairs committed"
    for path in LABELS:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert "judge" in rows[0] and "guidelines" in rows[0]
        for row in rows[1:]:
            assert set(row) == {"pair_id", "incident_id", "case_id", "split", "source", "label", "judge"}, path
            assert row["pair_id"] == pair_id(row["incident_id"], row["case_id"])


def test_the_agreement_command_as_a_user_runs_it(tmp_path):
    a = write(tmp_path / "a.jsonl", [{"pair_id": f"p{i}", "incident_id": f"i{i // 2}", "label": label}
                                      for i, label in enumerate(["relevant", "partly", "not_relevant", "relevant"])])
    b = write(tmp_path / "b.jsonl", [{"pair_id": f"p{i}", "label": label}
                                      for i, label in enumerate(["relevant", "not_relevant", "not_relevant", "partly"])])
    done = subprocess.run([sys.executable, "-m", "case_library.eval.judged", "--agreement", str(a), str(b)],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["pairs"] == 4 and report["incidents"] == 2 and report["agreement"] == 0.5
    assert report["kappa_relevant_or_not"] == 0.5  # 3 of 4 agree on relevant-or-not; chance 0.5

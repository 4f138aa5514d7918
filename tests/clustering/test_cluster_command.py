"""``yuqing cluster``: contract assignments, incident records, bad lines reported, the rest kept."""
import json

from yuqing.app.cli import main

from cluster_fixtures import analysis_for, event_docs

SETTINGS = ["-s", "clustering.embedder=tfidf", "-s", "clustering.min_cluster_size=5", "-s", "clustering.min_samples=3"]


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def doc_line(doc, **extra):
    return json.dumps({**doc.model_dump(mode="json"), **extra}, ensure_ascii=False)


def read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_assignments_and_incidents(tmp_path, capsys):
    flood, wages = event_docs("flood", 12), event_docs("wages", 12)
    lines = [doc_line(d, analysis=analysis_for(d, "flood").model_dump(mode="json", exclude={"id"})) for d in flood]
    lines += [doc_line(d) for d in wages]
    write_lines(tmp_path / "docs.jsonl", lines)
    code = main(["cluster", "--input", str(tmp_path / "docs.jsonl"), "--output", str(tmp_path / "out.jsonl"),
                 "--incidents", str(tmp_path / "incidents.jsonl"), *SETTINGS])
    assert code == 0
    out = read(tmp_path / "out.jsonl")
    assert [row["id"] for row in out] == [d.id for d in flood + wages]  # input order, one line each
    assert all(set(row) == {"id", "incident"} for row in out)
    found = read(tmp_path / "incidents.jsonl")
    assert len(found) == 2
    flood_incident = next(i for i in found if flood[0].id in i["doc_ids"])
    assert flood_incident["category"] == "natural_disaster" and flood_incident["streets"] == ["民治街道"]
    assert {row["incident"] for row in out[:12]} == {flood_incident["id"]}
    wages_incident = next(i for i in found if i is not flood_incident)
    assert wages_incident["category"] is None and wages_incident["sentiment"] == {}
    assert "2 incidents" in capsys.readouterr().err


def test_bad_lines_are_reported_by_number_and_the_rest_clustered(tmp_path, capsys):
    flood = event_docs("flood", 10)
    lines = [doc_line(d) for d in flood[:5]] + ["{not json", json.dumps({"id": "x", "text": "缺少时间"}),
                                                doc_line(flood[0])] + [doc_line(d) for d in flood[5:]]
    write_lines(tmp_path / "docs.jsonl", lines)
    code = main(["cluster", "--input", str(tmp_path / "docs.jsonl"), "--output", str(tmp_path / "out.jsonl"),
                 *SETTINGS])
    err = capsys.readouterr().err
    assert code == 1
    assert "line 6" in err and "line 7" in err and "published_at" in err and "appears again" in err
    out = read(tmp_path / "out.jsonl")
    assert [row["id"] for row in out] == [d.id for d in flood]
    assert len({row["incident"] for row in out} - {None}) == 1


def test_fewer_documents_than_a_cluster_are_all_noise(tmp_path):
    write_lines(tmp_path / "docs.jsonl", [doc_line(d) for d in event_docs("gym", 3)])
    code = main(["cluster", "--input", str(tmp_path / "docs.jsonl"), "--output", str(tmp_path / "out.jsonl"),
                 "--incidents", str(tmp_path / "inc.jsonl"), *SETTINGS])
    assert code == 0
    assert [row["incident"] for row in read(tmp_path / "out.jsonl")] == [None, None, None]
    assert (tmp_path / "inc.jsonl").read_text() == ""


def test_identical_documents_are_one_incident(tmp_path):
    doc = event_docs("gym", 1)[0]
    lines = [doc_line(doc, id=f"copy{i}") for i in range(8)]
    write_lines(tmp_path / "docs.jsonl", lines)
    assert main(["cluster", "--input", str(tmp_path / "docs.jsonl"), "--output", str(tmp_path / "out.jsonl"),
                 *SETTINGS]) == 0
    assert len({row["incident"] for row in read(tmp_path / "out.jsonl")}) == 1
    assert read(tmp_path / "out.jsonl")[0]["incident"] is not None


def test_empty_input_and_missing_file(tmp_path, capsys):
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    assert main(["cluster", "--input", str(tmp_path / "empty.jsonl"), "--output", str(tmp_path / "out.jsonl"),
                 *SETTINGS]) == 0
    assert (tmp_path / "out.jsonl").read_text() == ""
    assert main(["cluster", "--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err

"""The ``analyze`` pipeline stage on both real stores (SQLite file and Elasticsearch)."""
import pytest

from nlp.analyzer import Analyzer
from nlp.stage import AnalyzeStage
from yuqing.config import load_config
from yuqing.pipeline import stage_class


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer.default(mode="stage1")


def test_stage_is_registered_under_its_name():
    assert stage_class("analyze") is AnalyzeStage and AnalyzeStage.name == "analyze"


def test_run_once_analyses_pending_documents_and_resumes(store, make_docs, analyzer, tmp_path):
    config = load_config(tmp_path / "missing.yaml")
    docs = make_docs(30)
    store.put_documents(docs[:20])
    stage = AnalyzeStage(config, store, analyzer=analyzer)
    stage.batch_size = 8
    report = stage.run_once()
    assert report.processed == 20 and report.created == 20 and report.errors == 0
    assert store.documents_without_analysis(100) == []
    stored = store.get_analyses([d.id for d in docs[:20]])
    assert sorted(a.id for a in stored) == sorted(d.id for d in docs[:20])
    assert all(a.sentiment.label in ("negative", "neutral", "positive") for a in stored)
    # nothing pending: a second run does nothing; new documents are picked up next time
    assert stage.run_once().processed == 0
    store.put_documents(docs[20:])
    assert stage.run_once().processed == 10
    assert store.documents_without_analysis(100) == []


def test_a_running_stage_follows_a_promoted_model_version(sqlite_store, make_docs, tmp_path, caplog):
    """`yuqing train` promotes in another process: the service's next run analyses with the new
    version (named in model_versions), and a CURRENT naming no version keeps the loaded models."""
    from nlp import model_registry
    from nlp.classify.task import load_task

    registry = tmp_path / "models"
    config = load_config(tmp_path / "missing.yaml", overrides=[
        f"nlp.models.registry={registry}", "nlp.cascade.mode=stage1"])
    docs = make_docs(6)
    stage = AnalyzeStage(config, sqlite_store)
    sqlite_store.put_documents(docs[:2])
    assert stage.run_once().processed == 2
    assert all(a.model_versions["sentiment"].startswith("bundled-") for a in sqlite_store.get_analyses([d.id for d in docs[:2]]))

    version = model_registry.new_candidate(registry, None, load_task("sentiment"))
    model_registry.promote(registry, version.name, who="test", reason="a promotion made by another process")
    sqlite_store.put_documents(docs[2:4])
    assert stage.run_once().processed == 2
    assert {a.model_versions["sentiment"] for a in sqlite_store.get_analyses([d.id for d in docs[2:4]])} == {version.name}

    (registry / "CURRENT").write_text("v20990101-000000-nothing\n", encoding="utf-8")
    sqlite_store.put_documents(docs[4:])
    assert stage.run_once().processed == 2
    assert {a.model_versions["sentiment"] for a in sqlite_store.get_analyses([d.id for d in docs[4:]])} == {version.name}
    assert stage.run_once().processed == 0
    assert caplog.text.count("keeping the loaded models") == 1  # said once, not every cycle

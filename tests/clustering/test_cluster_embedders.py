"""Embedders and the embedding cache: the default e5 path, cached so re-clustering never re-embeds."""
import numpy as np
import pytest

from clustering.embedders import EMBEDDERS, E5Embedder, EmbeddingCache, TfidfEmbedder, embed_documents
from clustering.stage import ClusterStage
from yuqing.config import load_config
from yuqing.errors import PluginError

from cluster_fixtures import event_docs


def test_cache_round_trip_survives_a_new_process_and_ignores_a_torn_shard(tmp_path):
    cache = EmbeddingCache(tmp_path / "e5")
    vectors = np.eye(3, 8, dtype=np.float32)
    cache.put(["a", "b", "c"], vectors)
    (tmp_path / "e5" / "0-torn.npz").write_bytes(b"PK\x03\x04 not a zip")
    again = EmbeddingCache(tmp_path / "e5")
    found = again.get(["a", "c", "zz"])
    assert set(found) == {"a", "c"} and np.array_equal(found["c"], vectors[2])


def test_registry_names_and_a_clear_error():
    assert EMBEDDERS.get("e5") is E5Embedder and EMBEDDERS.get("tfidf") is TfidfEmbedder
    with pytest.raises(PluginError, match="e5, tfidf"):
        EMBEDDERS.get("word2vec")


def test_e5_default_stage_embeds_each_document_once(sqlite_store, tmp_path):
    from datetime import timedelta

    from cluster_fixtures import T0, Clock

    docs = event_docs("flood", 10) + event_docs("wages", 10)
    sqlite_store.put_documents(docs)
    # About the cache, not the clustering: half of these synthetic flood posts name no place, which
    # event-aware incidents leave out (tests/clustering/test_cluster_events.py).
    config = load_config(None, [f"store.path={tmp_path / 'y.sqlite'}", "clustering.min_cluster_size=5",
                                "clustering.min_samples=3", "clustering.event_enabled=false"])
    stage = ClusterStage(config, sqlite_store, clock=Clock(T0 + timedelta(hours=12)))
    assert stage.embedder.name == "e5-query"
    stage.run_once()
    folder = tmp_path / "y.sqlite.embeddings" / "e5-query"
    assert len(list(folder.glob("*.npz"))) == 1
    stage.run_once(full=True)  # nothing new: no new shard, no embedding
    assert len(list(folder.glob("*.npz"))) == 1
    found = sqlite_store.find_records("incidents")
    assert len(found) == 2 and sorted(i.size for i in found) == [10, 10]
    vectors = embed_documents(docs[:2], stage.embedder, EmbeddingCache(folder))
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_compaction_keeps_only_the_window_in_one_shard(tmp_path):
    cache = EmbeddingCache(tmp_path / "c")
    for n in range(5):
        cache.put([f"d{n}"], np.full((1, 4), n, dtype=np.float32))
    assert not cache.compact(["d3", "d4"], max_shards=10)
    assert cache.compact(["d3", "d4", "gone"], max_shards=3)
    assert len(list((tmp_path / "c").glob("*.npz"))) == 1
    reloaded = EmbeddingCache(tmp_path / "c").get(["d0", "d3", "d4"])
    assert set(reloaded) == {"d3", "d4"} and reloaded["d4"][0] == 4

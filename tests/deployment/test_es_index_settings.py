"""Index templates for a cluster: shards and replicas from the settings, on a real Elasticsearch node."""
from __future__ import annotations

import uuid

from yuqing.config import load_config
from yuqing.storage.elastic import ElasticsearchStore


def test_shards_and_replicas_reach_every_index(es_node, tmp_path, make_docs):
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    config = load_config(None, [f"store.elasticsearch.hosts=[\"{es_node}\"]", f"store.elasticsearch.index_prefix={prefix}",
                                "store.elasticsearch.shards=2", "store.elasticsearch.replicas=1",
                                f"store.path={tmp_path / 'spool' / 'x.sqlite'}"])
    store = ElasticsearchStore.from_config(config)
    try:
        docs = make_docs(20)
        assert store.put_documents(docs).inserted == 20
        store.put_records("job_runs", [])
        store.flush()
        template = store.es.indices.get_index_template(name=f"{prefix}-docs")["index_templates"][0]
        index_settings = template["index_template"]["template"]["settings"]["index"]
        assert (index_settings["number_of_shards"], index_settings["number_of_replicas"]) == ("2", "1")
        settings = store.es.indices.get_settings(index=f"{prefix}-*")
        assert settings, "no index created"
        for name, body in settings.items():
            index = body["settings"]["index"]
            assert index["number_of_replicas"] == "1", name  # every index: a stopped node loses nothing
            if "-docs-" in name or name.endswith("-analyses"):
                assert index["number_of_shards"] == "2", name
        # one node cannot hold the replicas: the cluster is yellow, and the store works all the same
        assert store.search("", limit=5).total == 20
    finally:
        store.delete_indices()
        store.close()

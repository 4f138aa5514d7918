"""Index templates and mappings of the Elasticsearch store.

Chinese analysis: the integ-test distribution ships no ``analysis-common`` module, so neither the
``cjk`` analyzer nor the ``whitespace`` tokenizer (needed for Python-side jieba tokens) exists. The
built-in ``standard`` analyzer splits Han text into single characters with positions, so a
``match_phrase`` of 暴雨 matches exactly the documents containing 暴雨 (measured with
``bench/bench_storage.py``: the hit counts equal the substring truth and the SQLite bigram index on
every query), which is the precision the analyst needs on 2-character queries.
"""
from __future__ import annotations

from typing import Any

DOCUMENT_MAPPINGS: dict[str, Any] = {
    "dynamic": False,  # extra contract fields stay in _source without growing the mapping
    "properties": {
        "id": {"type": "keyword"},
        "source": {"type": "keyword"},
        "source_type": {"type": "keyword"},
        "title": {"type": "text", "analyzer": "standard"},
        "text": {"type": "text", "analyzer": "standard"},
        "author": {"type": "keyword"},
        "published_at": {"type": "date"},
        "collected_at": {"type": "date"},
        "thread_id": {"type": "keyword"},
        # the analysis, denormalised for filters and facets (set by put_analyses)
        "a_analyzed": {"type": "boolean"},
        "a_street": {"type": "keyword"},
        "a_district": {"type": "keyword"},
        "a_category": {"type": "keyword"},
        "a_sentiment": {"type": "keyword"},
    },
}
DENORMALISED = ("a_analyzed", "a_street", "a_district", "a_category", "a_sentiment")

ANALYSIS_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {"f_street": {"type": "keyword"}, "f_district": {"type": "keyword"},
                   "f_category": {"type": "keyword"}, "f_sentiment": {"type": "keyword"}},
}
ANALYSIS_FLAT = ("f_street", "f_district", "f_category", "f_sentiment")

#: Generic record kinds: filter fields under ``f`` (strings as keywords, numbers as doubles, ISO
#: times as dates), the record itself under ``doc`` (kept, not indexed), searchable text in ``text``.
RECORD_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "doc": {"type": "object", "enabled": False},
        "text": {"type": "text", "analyzer": "standard"},
        "f": {
            "type": "object", "dynamic": True,
            "properties": {"id": {"type": "keyword"}},
        },
    },
    "date_detection": True,
    "dynamic_date_formats": ["strict_date_optional_time"],
    "dynamic_templates": [
        {"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}},
        {"integers": {"match_mapping_type": "long", "mapping": {"type": "double"}}},
        {"objects": {"match_mapping_type": "object", "mapping": {"type": "object", "enabled": False}}},
    ],
}

STATE_MAPPINGS: dict[str, Any] = {"dynamic": False, "properties": {"value": {"type": "object", "enabled": False}}}

SMALL_INDEX = {"number_of_shards": 1, "number_of_replicas": 0}


def document_template(prefix: str, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """The composable template of the monthly document indices, with their alias.

    One shard and no replica on one node; on a cluster, ``store.elasticsearch.shards`` and
    ``store.elasticsearch.replicas`` (a replica keeps every document when one node stops).
    """
    return {
        "index_patterns": [f"{prefix}-docs-*"],
        "priority": 200,
        "template": {
            "settings": {"number_of_shards": shards, "number_of_replicas": replicas, "refresh_interval": "1s"},
            "mappings": DOCUMENT_MAPPINGS,
            "aliases": {f"{prefix}-docs": {}},
        },
    }

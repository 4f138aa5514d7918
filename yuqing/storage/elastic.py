"""The Elasticsearch store: monthly document indices, bulk ``create`` ingestion, a durable spool.

Documents go to ``{prefix}-docs-YYYY.MM`` (month of ``published_at`` in Asia/Shanghai) behind the
alias ``{prefix}-docs``; the ``create`` op type makes re-ingestion idempotent (409 = duplicate).
Analyses are kept in ``{prefix}-analyses`` and denormalised onto their document for filters and
facets. While the node is unreachable, ``put_documents`` appends batches to a local spool
(:mod:`yuqing.storage.spool`) and answers "accepted"; a background flusher retries with exponential
backoff up to ``store.elasticsearch.retry_max_seconds`` and :meth:`health` reports the outage.
Reads see this process's writes: an index written since the last read is refreshed first.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from yuqing import records as R
from yuqing.errors import StoreError, StoreUnavailable
from yuqing.storage import elastic_schema as S
from yuqing.storage import textindex
from yuqing.storage.base import DeleteResult, Hit, PutResult, SearchResult, Store
from yuqing.storage.elastic_client import ClientMixin
from yuqing.storage.elastic_records import RecordsMixin
from yuqing.storage.spool import DocumentSpool

log = logging.getLogger(__name__)
FACETS = {"street": "a_street", "category": "a_category", "source": "source", "sentiment": "a_sentiment"}


class ElasticsearchStore(ClientMixin, RecordsMixin, Store):
    """The store on an Elasticsearch 8 node or cluster."""

    name = "elasticsearch"

    def __init__(self, hosts: Sequence[str], *, index_prefix: str = "yuqing", spool_dir: str | Path = "data",
                 request_timeout: float = 30.0, retry_max_seconds: float = 300.0, batch_size: int = 2000,
                 username: str = "", password: str = "", shards: int = 1, replicas: int = 0):
        self.prefix = index_prefix.lower()
        self.shards, self.replicas = shards, replicas  # of new indices (see elastic_schema)
        self.batch_size = batch_size
        self.retry_max_seconds = retry_max_seconds
        self.spool = DocumentSpool(Path(spool_dir).expanduser() / f"es-spool-{self.prefix}")
        self._connect(hosts, request_timeout, username, password)
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._kinds_ready: set[str] = set()
        self._ready = False
        self._outage_lock = threading.RLock()
        self._down_since: Optional[float] = None
        self._delay = 1.0
        self._next_retry = 0.0
        self._stop = threading.Event()
        self._flusher: Optional[threading.Thread] = None
        if self.spool.pending():  # left by an earlier run
            self._start_flusher()

    @classmethod
    def from_config(cls, config) -> "ElasticsearchStore":
        return cls(config["store.elasticsearch.hosts"], index_prefix=config["store.elasticsearch.index_prefix"],
                   spool_dir=Path(config["store.path"]).expanduser().parent,
                   request_timeout=config["store.elasticsearch.request_timeout"],
                   retry_max_seconds=config["store.elasticsearch.retry_max_seconds"],
                   batch_size=config["store.batch_size"], username=config["store.elasticsearch.username"],
                   password=config["store.elasticsearch.password"], shards=config["store.elasticsearch.shards"],
                   replicas=config["store.elasticsearch.replicas"])

    # set-up ---------------------------------------------------------------------------------------
    def _ensure(self) -> None:
        """Templates and fixed indices, created on first use (idempotent)."""
        if self._ready:
            return
        self.es.indices.put_index_template(name=f"{self.prefix}-docs",
                                           **S.document_template(self.prefix, self.shards, self.replicas))
        self._create_index(f"{self.prefix}-analyses", S.ANALYSIS_MAPPINGS, {"number_of_shards": self.shards})
        self._create_index(f"{self.prefix}-state", S.STATE_MAPPINGS)
        self._ready = True

    @property
    def docs_pattern(self) -> str:
        return f"{self.prefix}-docs-*"

    def _doc_index(self, doc: R.Document) -> str:
        return f"{self.prefix}-docs-{doc.published_at.astimezone(R.DEFAULT_TZ):%Y.%m}"

    def close(self) -> None:
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
        try:
            self.es.close()
        except Exception:  # closing never fails the caller
            pass

    # documents ------------------------------------------------------------------------------------
    def put_documents(self, docs: Sequence[R.Document]) -> PutResult:
        result = PutResult()
        for start in range(0, len(docs), self.batch_size):
            batch = list(docs[start:start + self.batch_size])
            if self.spool.pending() and not self._try_drain():
                self._accept_into_spool(batch, result)  # keep order behind what already waits
                continue
            try:
                self._bulk_create(batch, result)
            except StoreUnavailable as exc:
                self._went_down(exc)
                self._accept_into_spool(batch, result)
        return result

    def _accept_into_spool(self, batch: list[R.Document], result: PutResult) -> None:
        self.spool.append(batch)
        result.inserted += len(batch)  # accepted: the node will count duplicates when it is back
        result.inserted_ids.extend(d.id for d in batch)
        self._start_flusher()

    def _bulk_create(self, batch: list[R.Document], result: Optional[PutResult] = None) -> None:
        with self._guard():
            self._ensure()
            body: list[dict[str, Any]] = []
            for doc in batch:
                body.append({"create": {"_index": self._doc_index(doc), "_id": doc.id}})
                body.append(doc.model_dump(mode="json"))
            response = self.es.bulk(operations=body)
        self._dirty.add(self.docs_pattern)
        failed, created = [], {}
        for doc, item in zip(batch, response["items"]):
            status = item["create"]["status"]
            if status in (200, 201):
                created[doc.id] = item["create"]["_index"]
                if result is not None:
                    result.inserted += 1
                    result.inserted_ids.append(doc.id)
            elif status == 409:
                if result is not None:
                    result.duplicates += 1
            elif status in (429, 503):
                raise StoreUnavailable(f"Elasticsearch rejected a bulk request (HTTP {status}); retrying later")
            else:
                failed.append(f"{doc.id}: {item['create'].get('error', {}).get('reason', status)}")
        if created:
            self._copy_facets(created)
        if failed:
            raise StoreError(f"Elasticsearch refused {len(failed)} documents, e.g. {failed[0]}")

    def _copy_facets(self, created: dict[str, str]) -> None:
        """An analysis stored before its document (a re-import): copy its facets onto the document."""
        with self._guard():
            found = self.es.mget(index=f"{self.prefix}-analyses", ids=list(created),
                                 source_includes=list(S.ANALYSIS_FLAT))["docs"]
            body: list[dict[str, Any]] = []
            for item in found:
                if item.get("found"):
                    flat = {f"a_{k[2:]}": v for k, v in item["_source"].items()}
                    body += [{"update": {"_index": created[item["_id"]], "_id": item["_id"],
                                         "retry_on_conflict": 3}},
                             {"doc": {"a_analyzed": True, **flat}}]
            if body:
                self.es.bulk(operations=body)

    def get_documents(self, ids: Sequence[str]) -> list[R.Document]:
        found: dict[str, R.Document] = {}
        ids = list(ids)
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            for hit in self._search(self.docs_pattern, query={"ids": {"values": chunk}}, size=len(chunk))["hits"]["hits"]:
                found[hit["_id"]] = _document(hit["_source"])
        return [found[i] for i in ids if i in found]

    def iter_documents(self, *, since=None, until=None, source=None, batch_size: int = 1000,
                       collected_since=None) -> Iterator[R.Document]:
        filters = self._time_filter(since, until)
        if collected_since is not None:
            filters += self._time_filter(collected_since, None, field="collected_at")
        if source is not None:
            filters.append({"term": {"source": source}})
        query = {"bool": {"filter": filters}}
        sort = [{"published_at": "asc"}, {"id": "asc"}]
        after = None
        while True:
            extra = {"search_after": after} if after else {}
            hits = self._search(self.docs_pattern, query=query, sort=sort, size=batch_size, **extra)["hits"]["hits"]
            for hit in hits:
                yield _document(hit["_source"])
            if len(hits) < batch_size:
                return
            after = hits[-1]["sort"]

    @staticmethod
    def _time_filter(since, until, field: str = "published_at") -> list[dict[str, Any]]:
        bounds = {}
        if since is not None:
            bounds["gte"] = _iso(since)
        if until is not None:
            bounds["lt"] = _iso(until)
        return [{"range": {field: bounds}}] if bounds else []

    def documents_without_analysis(self, limit: int = 1000) -> list[R.Document]:
        query = {"bool": {"must_not": [{"term": {"a_analyzed": True}}]}}
        sort = [{"collected_at": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]
        hits = self._search(self.docs_pattern, query=query, sort=sort, size=limit)["hits"]["hits"]
        return [_document(h["_source"]) for h in hits]

    def _query(self, query, since, until, street, category, source) -> Optional[dict[str, Any]]:
        """The bool query of a search, or None when the query has no searchable token."""
        must = []
        if query and query.strip():
            parts = [p for p in textindex.query_parts(query) if textindex.tokens(p)]
            if not parts:
                return None
            # each part a phrase (a literal: no query-string syntax is ever parsed)
            must = [{"multi_match": {"query": p, "type": "phrase", "fields": ["title", "text"]}} for p in parts]
        filters = self._time_filter(since, until)
        for field, value in (("a_street", street), ("a_category", category), ("source", source)):
            if isinstance(value, (list, tuple, set, frozenset)):  # any of (a user scoped to streets)
                if not value:
                    return None
                filters.append({"terms": {field: list(value)}})
            elif value is not None:
                filters.append({"term": {field: value}})
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}

    def search(self, query: str, *, since=None, until=None, street=None, category=None, source=None,
               limit: int = 20, offset: int = 0) -> SearchResult:
        body = self._query(query, since, until, street, category, source)
        if body is None:
            return SearchResult(total=0, hits=[])
        ranked = bool(query and query.strip())
        sort = ["_score", {"published_at": "desc"}] if ranked else [{"published_at": "desc"}, {"id": "desc"}]
        extra: dict[str, Any] = {}
        if ranked:
            extra["highlight"] = {"pre_tags": [textindex.OPEN], "post_tags": [textindex.CLOSE],
                                  "fields": {"title": {"number_of_fragments": 0}, "text": {"fragment_size": 100,
                                                                                          "number_of_fragments": 3}}}
        response = self._search(self.docs_pattern, query=body, sort=sort, size=limit, from_=offset,
                                track_total_hits=True, track_scores=True, **extra)
        hits = []
        for hit in response["hits"]["hits"]:
            marks = hit.get("highlight", {})
            fragments = textindex.join_highlights(marks.get("title", []) + marks.get("text", []))
            hits.append(Hit(document=_document(hit["_source"]), score=float(hit.get("_score") or 0.0),
                            highlight=fragments))
        return SearchResult(total=response["hits"]["total"]["value"], hits=hits)

    def count_by(self, facet: str, *, since=None, until=None, query=None, street=None, category=None) -> dict[str, int]:
        if facet == "day":
            agg = {"date_histogram": {"field": "published_at", "calendar_interval": "day", "time_zone": "+08:00",
                                      "format": "yyyy-MM-dd", "min_doc_count": 1}}
        elif facet in FACETS:
            agg = {"terms": {"field": FACETS[facet], "size": 10000}}
        else:
            raise StoreError(f"count_by: unknown facet {facet!r}; use one of day, {', '.join(FACETS)}")
        body = self._query(query, since, until, street, category, None)
        if body is None:
            return {}
        response = self._search(self.docs_pattern, query=body, size=0, aggs={"by": agg})
        buckets = response.get("aggregations", {}).get("by", {}).get("buckets", [])
        return {b.get("key_as_string", b["key"]): b["doc_count"] for b in sorted(
            buckets, key=lambda b: str(b.get("key_as_string", b["key"])))}

    def count_documents(self) -> int:
        return self._count(self.docs_pattern)

    # deletion -------------------------------------------------------------------------------------
    def iter_document_ids_stored_before(self, before, *, batch_size: int = 1000) -> Iterator[list[str]]:
        cutoff = _iso(before)
        query = {"bool": {"should": [
            {"range": {"collected_at": {"lt": cutoff}}},
            {"bool": {"must_not": [{"exists": {"field": "collected_at"}}],
                      "filter": [{"range": {"published_at": {"lt": cutoff}}}]}}], "minimum_should_match": 1}}
        after = None
        while True:  # search_after on the id: documents deleted between batches lie behind the cursor
            extra = {"search_after": after} if after else {}
            hits = self._search(self.docs_pattern, query=query, sort=[{"id": "asc"}], size=batch_size,
                                source=False, **extra)["hits"]["hits"]
            if hits:
                yield [h["_id"] for h in hits]
            if len(hits) < batch_size:
                return
            after = hits[-1]["sort"]

    def delete_documents(self, ids: Sequence[str]) -> DeleteResult:
        """Bulk deletes (each document in its monthly index), then a refresh, so a following count is right.

        Bulk and not ``_delete_by_query``: the latter lives in the ``reindex`` module, which the
        integ-test distribution the tests run lacks. The spool is sent first, and the deletion refused
        while the node is down: a document accepted during an outage would otherwise be created after
        its deletion.
        """
        result = DeleteResult()
        ids = list(dict.fromkeys(ids))
        if not ids:
            return result
        if self.spool.pending() and not self._try_drain(force=True):
            raise StoreUnavailable(f"Elasticsearch at {self.hosts_text} is unreachable; nothing was deleted "
                                   f"({self.spool.pending()} accepted documents still wait in {self.spool.directory})")
        analyses = f"{self.prefix}-analyses"
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            hits = self._search(self.docs_pattern, query={"ids": {"values": chunk}}, size=len(chunk),
                                source=False)["hits"]["hits"]
            body = [{"delete": {"_index": h["_index"], "_id": h["_id"]}} for h in hits]
            body += [{"delete": {"_index": analyses, "_id": doc_id}} for doc_id in chunk]
            with self._guard():
                self._ensure()
                response = self.es.bulk(operations=body, refresh=True)
            for item in response["items"]:
                done = item["delete"]
                if done.get("result") == "deleted":
                    if done["_index"] == analyses:
                        result.analyses += 1
                    else:
                        result.documents += 1
                elif done.get("status") != 404:
                    raise StoreError(f"Elasticsearch refused to delete {done['_id']} from {done['_index']}: "
                                     f"{done.get('error', {}).get('reason', done.get('status'))}")
        return result

    # analyses -------------------------------------------------------------------------------------
    def put_analyses(self, analyses: Sequence[R.Analysis]) -> None:
        analyses = list(analyses)
        for start in range(0, len(analyses), self.batch_size):
            self._put_analysis_batch(analyses[start:start + self.batch_size])

    def _put_analysis_batch(self, batch: list[R.Analysis]) -> None:
        where = {h["_id"]: h["_index"] for h in self._search(
            self.docs_pattern, query={"ids": {"values": [a.id for a in batch]}}, size=len(batch),
            source=False)["hits"]["hits"]}
        body: list[dict[str, Any]] = []
        for a in batch:
            fields = {"street": a.location.street, "district": a.location.district, "category": a.top_category,
                      "sentiment": a.sentiment.label}
            body += [{"index": {"_index": f"{self.prefix}-analyses", "_id": a.id}},
                     {**a.model_dump(mode="json"), **{f"f_{k}": v for k, v in fields.items()}}]
            if a.id in where:  # denormalise onto the document for filters and facets
                body += [{"update": {"_index": where[a.id], "_id": a.id, "retry_on_conflict": 3}},
                         {"doc": {"a_analyzed": True, **{f"a_{k}": v for k, v in fields.items()}}}]
        with self._guard():
            self._ensure()
            response = self.es.bulk(operations=body)
        self._dirty.update({self.docs_pattern, f"{self.prefix}-analyses"})
        if response.get("errors"):
            bad = [i for i in response["items"] if list(i.values())[0].get("error")]
            raise StoreError(f"Elasticsearch refused {len(bad)} analysis writes, e.g. {bad[0]}")

    def get_analyses(self, ids: Sequence[str]) -> list[R.Analysis]:
        if not ids:
            return []
        with self._guard():
            self._ensure()
            docs = self.es.mget(index=f"{self.prefix}-analyses", ids=list(ids))["docs"]
        found = {d["_id"]: d["_source"] for d in docs if d.get("found")}
        return [R.Analysis.model_validate(_strip(found[i], S.ANALYSIS_FLAT))
                for i in ids if i in found]

    def count_analyses(self) -> int:
        return self._count(f"{self.prefix}-analyses")

    # maintenance ----------------------------------------------------------------------------------
    def flush(self) -> None:
        """Send what waits in the spool now, then refresh (raises StoreUnavailable if still down)."""
        if self.spool.pending() and not self._try_drain(force=True):
            raise StoreUnavailable(f"Elasticsearch at {self.hosts_text} is still unreachable; "
                                   f"{self.spool.pending()} accepted documents wait in {self.spool.directory}")
        with self._guard():
            self.es.indices.refresh(index=f"{self.prefix}-*", allow_no_indices=True, ignore_unavailable=True)
        self._dirty.clear()

    def health(self) -> dict[str, Any]:
        ok = self._ping()
        return {"backend": self.name, "ok": ok and self._down_since is None, "reachable": ok,
                "hosts": self.hosts_text, "spooled": self.spool.pending(),
                "outage_since": _iso_epoch(self._down_since), "next_retry": _iso_epoch(self._next_retry)
                if self._down_since else None}

    # outage handling ------------------------------------------------------------------------------
    def _went_down(self, exc: Exception) -> None:
        with self._outage_lock:
            if self._down_since is None:
                self._down_since = time.time()
                self._delay = 1.0
                log.warning("Elasticsearch at %s is unreachable (%s); accepting documents into the spool at %s",
                            self.hosts_text, exc, self.spool.directory)
            self._next_retry = time.time() + self._delay
            self._delay = min(self._delay * 2, self.retry_max_seconds)

    def _came_back(self, sent: int) -> None:
        with self._outage_lock:
            if self._down_since is not None:
                log.warning("Elasticsearch at %s is reachable again after %.0f s; %d spooled documents sent",
                            self.hosts_text, time.time() - self._down_since, sent)
            self._down_since = None
            self._delay = 1.0

    def _try_drain(self, force: bool = False) -> bool:
        """Send the spool if the backoff allows; True when the spool is empty afterwards."""
        with self._outage_lock:
            if not force and self._down_since is not None and time.time() < self._next_retry:
                return False
            try:
                sent = self.spool.drain(lambda batch: self._bulk_create(batch), self.batch_size)
            except StoreUnavailable as exc:
                self._went_down(exc)
                return False
            self._came_back(sent)
            return self.spool.pending() == 0

    def _start_flusher(self) -> None:
        if self._flusher is not None and self._flusher.is_alive():
            return
        self._flusher = threading.Thread(target=self._flush_loop, name="es-spool-flusher", daemon=True)
        self._flusher.start()

    def _flush_loop(self) -> None:
        while not self._stop.is_set():
            wait = max(0.2, self._next_retry - time.time()) if self._down_since else 0.2
            if self._stop.wait(wait):
                return
            try:
                if self._try_drain():
                    return
            except Exception as exc:  # the flusher never dies silently; it tries again later
                log.error("spool flush failed: %s", exc)
                self._went_down(exc)


def _document(source: dict[str, Any]) -> R.Document:
    return R.Document.model_validate(_strip(source, S.DENORMALISED))


def _strip(source: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in source.items() if k not in names}


def _iso(value) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=R.DEFAULT_TZ)
    return value.isoformat()


def _iso_epoch(value: Optional[float]) -> Optional[str]:
    if not value:
        return None
    from datetime import datetime
    return datetime.fromtimestamp(value, R.DEFAULT_TZ).isoformat(timespec="seconds")

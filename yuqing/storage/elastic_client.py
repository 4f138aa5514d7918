"""The Elasticsearch client of the store: connecting, error translation, read-your-writes searches."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Sequence

from yuqing.errors import StoreError, StoreUnavailable

from yuqing.storage import elastic_schema as S


class ClientMixin:
    """Connection and request helpers shared by the document and record parts of the store."""

    def _connect(self, hosts: Sequence[str], request_timeout: float, username: str, password: str) -> None:
        from elasticsearch import Elasticsearch

        self.hosts = list(hosts) if isinstance(hosts, (list, tuple)) else [str(hosts)]
        self.hosts_text = ", ".join(self.hosts)
        auth = {"basic_auth": (username, password)} if username else {}
        # one quick retry only: an outage is handled by the spool and its backoff, not by blocking here
        self.es = Elasticsearch(self.hosts, request_timeout=request_timeout, max_retries=1,
                                retry_on_timeout=False, **auth)

    @contextmanager
    def _guard(self):
        """Translate transport failures into the engine's errors, naming the node and the fix."""
        from elastic_transport import ConnectionError as TransportConnectionError
        from elastic_transport import ConnectionTimeout
        from elasticsearch import ApiError

        try:
            yield
        except (TransportConnectionError, ConnectionTimeout) as exc:
            raise StoreUnavailable(f"Elasticsearch at {self.hosts_text} is unreachable ({type(exc).__name__}); "
                                   f"check that the node runs (scripts/elasticsearch.sh status) and the setting "
                                   f"store.elasticsearch.hosts") from None
        except ApiError as exc:
            if exc.meta.status in (404, 409):  # not found / version conflict: the caller decides
                raise
            if exc.meta.status in (429, 503):
                raise StoreUnavailable(f"Elasticsearch at {self.hosts_text} is overloaded or starting "
                                       f"(HTTP {exc.meta.status})") from None
            raise StoreError(f"Elasticsearch at {self.hosts_text} refused a request (HTTP {exc.meta.status}): "
                             f"{_reason(exc)}") from None

    def _refresh_dirty(self) -> None:
        """Refresh indices written by this process since its last read (read-your-writes)."""
        with self._dirty_lock:  # the spool flusher thread marks indices too
            targets = ",".join(sorted(self._dirty))
            self._dirty.clear()
        if targets:
            self.es.indices.refresh(index=targets, allow_no_indices=True, ignore_unavailable=True)

    def _search(self, index: str, **kwargs: Any) -> dict[str, Any]:
        with self._guard():
            self._ensure()
            self._refresh_dirty()
            return self._shards_settled(index, lambda: self.es.search(
                index=index, allow_no_indices=True, ignore_unavailable=True, **kwargs).body)

    def _count(self, index: str, query: dict[str, Any] | None = None) -> int:
        with self._guard():
            self._ensure()
            self._refresh_dirty()
            kwargs = {"query": query} if query else {}
            return self._shards_settled(index, lambda: self.es.count(
                index=index, allow_no_indices=True, ignore_unavailable=True, **kwargs)["count"])

    def _shards_settled(self, index: str, read, attempts: int = 3):
        """``read()``, waiting for the index's shards when a read found none started yet.

        A new index (created by another thread or process a moment ago) can answer a search with
        HTTP 503 ``no_shard_available_action_exception`` before its primary shard has started, even
        after cluster health said yellow; seen in the scheduler's job_runs index. Waiting for the
        index to be yellow and reading again is the fix; an outage still surfaces as before.
        """
        from elasticsearch import ApiError

        for attempt in range(attempts):
            try:
                return read()
            except ApiError as exc:
                if exc.meta.status != 503 or "no_shard_available" not in str(exc.body) or attempt == attempts - 1:
                    raise
                self.es.cluster.health(index=index, wait_for_status="yellow", timeout="10s")
                time.sleep(0.1 * (attempt + 1))

    def _create_index(self, name: str, mappings: dict[str, Any], settings: dict[str, Any] | None = None) -> None:
        from elasticsearch import BadRequestError

        if not self.es.indices.exists(index=name):
            try:
                self.es.indices.create(index=name, mappings=mappings, settings={
                    **S.SMALL_INDEX, "number_of_replicas": getattr(self, "replicas", 0), **(settings or {})})
            except BadRequestError as exc:  # created meanwhile by another thread or process
                if "resource_already_exists" not in str(exc):
                    raise
        # an index another thread just created exists before its shard can answer (HTTP 503)
        self.es.cluster.health(index=name, wait_for_status="yellow", timeout="30s")

    def _ping(self) -> bool:
        try:
            # the integ-test distribution has no GET / handler, so ask for the cluster health
            return self.es.options(request_timeout=2).cluster.health()["status"] in ("green", "yellow")
        except Exception:
            return False

    def delete_indices(self) -> None:
        """Delete every index and template of this prefix (tests and ``reindex --fresh``)."""
        with self._guard():
            names = list(self.es.indices.get(index=f"{self.prefix}-*", allow_no_indices=True,
                                             ignore_unavailable=True).keys())
            for start in range(0, len(names), 50):
                self.es.indices.delete(index=",".join(names[start:start + 50]), ignore_unavailable=True)
            if self.es.indices.exists_index_template(name=f"{self.prefix}-docs"):
                self.es.indices.delete_index_template(name=f"{self.prefix}-docs")
        self._ready = False
        self._kinds_ready.clear()


def _reason(exc: Exception) -> str:
    try:
        return exc.body["error"]["reason"]  # type: ignore[attr-defined]
    except Exception:
        return str(exc)[:300]

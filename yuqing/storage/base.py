"""The storage interface. Two real backends implement it: SQLite (embedded) and Elasticsearch.

Documents and their analyses are first-class (volume, full-text search, time and facet counts).
Every other record kind (incidents, alerts, cases, rescue requests, source health, job runs,
calendar proposals, …) goes through the generic *record collection* API below, so a later stage
adds a kind by declaring it in :data:`KINDS` and never touches a backend.

Guarantees every backend keeps (the shared test suite in ``tests/storage`` checks them):

* Writes are idempotent by id: ``put_documents`` of a document already stored is counted as a
  duplicate and changes nothing, so re-running an import or a crawl adds nothing twice.
* A write that returned has been made durable (SQLite commits; Elasticsearch refreshes lazily but
  keeps accepted documents in a local spool until the node has acknowledged them).
* Query text is always passed as a parameter, never spliced into a query string.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Optional, Sequence

from pydantic import BaseModel

from yuqing import records as R


# --- record kinds ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """A kind of record kept in a generic collection.

    Attributes:
        name: collection name (``alerts``).
        model: the pydantic model its records validate as.
        fields: top-level fields that can be filtered and sorted on. A field holding a list
            matches when any element equals the value asked for.
        text_fields: fields searched by :meth:`Store.search_records`.
        time_field: the field used by ``since``/``until`` filters, if any.
    """

    name: str
    model: type[BaseModel]
    fields: tuple[str, ...] = ()
    text_fields: tuple[str, ...] = ()
    time_field: Optional[str] = None


class JsonRecord(R.Record):
    """A free-form record with an ``id`` (source health, job runs, proposals, …)."""

    id: str


#: Every generic collection. Stages extend this by calling :func:`register_kind` at import.
KINDS: dict[str, Kind] = {}

#: The modules outside this one that declare record kinds. They are imported when a kind is not
#: known yet and before anything lists every kind (``yuqing reindex``), so a command or a test
#: sees all kinds whatever it happened to import (a meta-test keeps this list complete).
KIND_MODULES = ("yuqing.app.scheduler", "event_calendar.stage", "alerts.delivery", "alerts.requests",
                "nlp.corrections", "governance.audit", "briefings.archive", "dispatch.records",
                "enterprise.records", "assessment.projects")


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def all_kinds() -> dict[str, Kind]:
    """Every declared record kind, the owners' modules imported first."""
    import importlib

    for module in KIND_MODULES:
        importlib.import_module(module)
    return KINDS


register_kind(Kind("incidents", R.Incident, fields=("category", "streets", "last_seen", "first_seen", "state", "size"),
                   text_fields=("label", "keywords"), time_field="last_seen"))
register_kind(Kind("alerts", R.Alert, fields=("rule", "severity", "state", "street", "category", "incident_id",
                                              "created_at", "assignee", "dedup_key", "desk_topic"),
                   text_fields=("title", "summary"), time_field="created_at"))
register_kind(Kind("cases", R.Case, fields=("categories", "district", "street", "start"),
                   text_fields=("title", "summary", "trigger", "outcome", "keywords", "lessons", "measures")))
register_kind(Kind("case_versions", JsonRecord, fields=("case_id", "version", "when"), time_field="when"))
register_kind(Kind("sources", JsonRecord, fields=("state", "last_success")))
register_kind(Kind("job_runs", JsonRecord, fields=("job", "ok", "started_at"), time_field="started_at"))
register_kind(Kind("calendar_proposals", JsonRecord, fields=("status", "category", "street")))
register_kind(Kind("lineage", JsonRecord, fields=("incident_id", "relation", "run_at"), time_field="run_at"))
register_kind(Kind("incident_edits", JsonRecord, fields=("action", "incident_id", "other_id", "when", "docs_until"),
                   time_field="docs_until"))  # hand merges and splits (clustering.manual), kept by the engine


# --- query helpers --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Range:
    """An inclusive-exclusive range filter: ``gte <= value < lt`` (either bound may be absent)."""

    gte: Any = None
    lt: Any = None


@dataclass
class PutResult:
    """What a batch write did: how many new, how many already there, and their ids."""

    inserted: int = 0
    duplicates: int = 0
    inserted_ids: list[str] = field(default_factory=list)


@dataclass
class DeleteResult:
    """What a deletion removed: documents, and analyses (an analysis may exist without its document)."""

    documents: int = 0
    analyses: int = 0

    def add(self, other: "DeleteResult") -> None:
        self.documents += other.documents
        self.analyses += other.analyses


@dataclass
class Hit:
    document: R.Document
    score: float
    highlight: list[str] = field(default_factory=list)  # fragments with the match in 【】


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]


@dataclass
class Versioned:
    """A record with the opaque version token used for optimistic concurrency."""

    record: BaseModel
    version: str


# --- the interface --------------------------------------------------------------------------------

class Store(ABC):
    """One store: documents, analyses and generic record collections, plus a key-value state."""

    name: str = "abstract"

    # lifecycle
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release connections; flush what is pending."""

    # documents ------------------------------------------------------------------------------------
    @abstractmethod
    def put_documents(self, docs: Sequence[R.Document]) -> PutResult:
        """Insert documents that are not stored yet (by id); count the others as duplicates."""

    @abstractmethod
    def get_documents(self, ids: Sequence[str]) -> list[R.Document]:
        """The stored documents among ``ids``, in the order asked for (missing ids are left out)."""

    def get_document(self, doc_id: str) -> Optional[R.Document]:
        found = self.get_documents([doc_id])
        return found[0] if found else None

    @abstractmethod
    def iter_documents(self, *, since: Optional[datetime] = None, until: Optional[datetime] = None,
                       source: Optional[str] = None, batch_size: int = 1000,
                       collected_since: Optional[datetime] = None) -> Iterator[R.Document]:
        """Documents with ``since <= published_at < until``, oldest first, streamed in batches;
        with ``collected_since``, only those stored (collected or imported) at or after it."""

    @abstractmethod
    def documents_without_analysis(self, limit: int = 1000) -> list[R.Document]:
        """Up to ``limit`` stored documents that have no analysis yet, oldest collected first."""

    @abstractmethod
    def search(self, query: str, *, since: Optional[datetime] = None, until: Optional[datetime] = None,
               street: Optional[str] = None, category: Optional[str] = None, source: Optional[str] = None,
               limit: int = 20, offset: int = 0) -> SearchResult:
        """Chinese full-text search over title and text, with filters; best first, highlighted.

        ``street`` and ``category`` filter on the document's analysis (top category); ``street``
        may also be a list of streets (any of them; an empty list matches nothing).
        An empty query matches every document (newest first).
        """

    @abstractmethod
    def count_by(self, facet: str, *, since: Optional[datetime] = None, until: Optional[datetime] = None,
                 query: Optional[str] = None, street: Optional[str] = None,
                 category: Optional[str] = None) -> dict[str, int]:
        """Counts of documents by ``facet``: ``day`` (YYYY-MM-DD in Asia/Shanghai), ``street``,
        ``category`` (top category of the analysis), ``source`` or ``sentiment``."""

    @abstractmethod
    def count_documents(self) -> int:
        """How many documents are stored."""

    # deletion (retention and deletion on request, :mod:`governance.retention`) -------------------
    @abstractmethod
    def iter_document_ids_stored_before(self, before: datetime, *, batch_size: int = 1000) -> Iterator[list[str]]:
        """Ids of the documents stored before ``before``, in batches (safe to delete between batches).

        "Stored" is ``collected_at`` (when a crawl or import took the document in); a document without
        one counts from its ``published_at``.
        """

    @abstractmethod
    def delete_documents(self, ids: Sequence[str]) -> DeleteResult:
        """Delete documents and their analyses by id, for good: searches and counts that follow no
        longer see them, and a document with the same id can be stored again. Unknown ids are skipped."""

    def delete_documents_stored_before(self, before: datetime, *, batch_size: int = 1000) -> DeleteResult:
        """Delete every document stored before ``before`` (see above) with its analysis, in batches."""
        total = DeleteResult()
        for ids in self.iter_document_ids_stored_before(before, batch_size=batch_size):
            total.add(self.delete_documents(ids))
        return total

    # analyses -------------------------------------------------------------------------------------
    @abstractmethod
    def put_analyses(self, analyses: Sequence[R.Analysis]) -> None:
        """Insert or replace analyses (an analysis may be recomputed with a newer model)."""

    @abstractmethod
    def get_analyses(self, ids: Sequence[str]) -> list[R.Analysis]:
        """The stored analyses among ``ids``, in the order asked for."""

    def get_analysis(self, doc_id: str) -> Optional[R.Analysis]:
        found = self.get_analyses([doc_id])
        return found[0] if found else None

    @abstractmethod
    def count_analyses(self) -> int:
        """How many analyses are stored."""

    # generic record collections -------------------------------------------------------------------
    @abstractmethod
    def put_records(self, kind: str, records: Sequence[BaseModel]) -> None:
        """Insert or replace records of ``kind`` (last write wins; see :meth:`update_record`)."""

    @abstractmethod
    def get_versioned(self, kind: str, record_id: str) -> Optional[Versioned]:
        """A record with its version token, or ``None``."""

    def get_record(self, kind: str, record_id: str) -> Optional[BaseModel]:
        found = self.get_versioned(kind, record_id)
        return found.record if found else None

    @abstractmethod
    def update_record(self, kind: str, record: BaseModel, expected_version: Optional[str]) -> str:
        """Write ``record`` only if its stored version is still ``expected_version``.

        ``expected_version=None`` means "create; fail if it exists". Returns the new version token;
        raises :class:`~yuqing.errors.ConflictError` if someone else wrote first.
        """

    @abstractmethod
    def find_records(self, kind: str, where: Optional[dict[str, Any]] = None, *,
                     since: Optional[datetime] = None, until: Optional[datetime] = None,
                     order_by: Optional[str] = None, descending: bool = False,
                     limit: Optional[int] = None, offset: int = 0) -> list[BaseModel]:
        """Records of ``kind`` matching every condition of ``where``.

        A condition's value is a scalar (equality; for a list field, membership), a list or tuple
        (any of), ``None`` (field is null) or a :class:`Range`. ``since``/``until`` apply to the
        kind's ``time_field``. Only fields declared in the kind may be used.
        """

    @abstractmethod
    def count_records(self, kind: str, where: Optional[dict[str, Any]] = None) -> int:
        """How many records of ``kind`` match ``where``."""

    @abstractmethod
    def search_records(self, kind: str, query: str, *, where: Optional[dict[str, Any]] = None,
                       limit: int = 20) -> list[tuple[BaseModel, float]]:
        """Full-text search over the kind's ``text_fields``; best first with a score."""

    @abstractmethod
    def delete_record(self, kind: str, record_id: str) -> bool:
        """Delete one record; ``True`` if it existed."""

    # key-value state (crawl cursors, job state, last runs) ---------------------------------------
    @abstractmethod
    def get_state(self, key: str) -> Optional[dict[str, Any]]:
        """A JSON object kept under ``key``, or ``None``."""

    @abstractmethod
    def set_state(self, key: str, value: dict[str, Any]) -> None:
        """Keep a JSON object under ``key`` (replaces)."""

    # maintenance ----------------------------------------------------------------------------------
    def flush(self) -> None:
        """Make every accepted write visible to searches (Elasticsearch refresh; SQLite: no-op)."""

    def health(self) -> dict[str, Any]:
        """Backend status for ``yuqing stats`` and the web UI (``{"backend", "ok", …}``)."""
        return {"backend": self.name, "ok": True}

    def stats(self) -> dict[str, Any]:
        """What the store holds, in the shape of ``yuqing stats --format json``."""
        sources = [
            {"name": s.id, "last_success": getattr(s, "last_success", None), "state": getattr(s, "state", None)}
            for s in self.find_records("sources", order_by="id")
        ]
        return {
            "documents": self.count_documents(),
            "analyses": self.count_analyses(),
            "incidents": self.count_records("incidents"),
            "alerts": self.count_records("alerts"),
            "cases": self.count_records("cases"),
            "sources": sources,
        }


def check_kind(kind: str) -> Kind:
    """The declared kind, or a clear error listing the known ones."""
    from yuqing.errors import StoreError

    if kind not in KINDS:
        all_kinds()
    try:
        return KINDS[kind]
    except KeyError:
        raise StoreError(f"unknown record kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}") from None


def check_fields(kind: Kind, names: Iterable[str]) -> None:
    from yuqing.errors import StoreError

    for name in names:
        if name != "id" and name not in kind.fields:
            raise StoreError(f"{kind.name}: field {name!r} is not filterable; declared fields: "
                             f"{', '.join(kind.fields) or '(none)'}")

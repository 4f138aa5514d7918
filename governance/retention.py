"""Retention and deletion (数据保存时长与删除): what the engine forgets, and when.

Two clocks, two settings:

* ``store.retention_days`` — documents and their analyses are deleted once they were *stored*
  (``collected_at``; ``published_at`` when the source gave no collection time) that long ago. The
  stored time, not the publication time: an archive imported today for analysis is kept a year
  from today, and the demo's replayed 2023 story is not deleted as it arrives.
* ``rescue.retention_days`` — the personal data of a request for help (phones, names, addresses,
  ID numbers) is erased from its ``rescue_requests`` record once the request was last seen that
  long ago, and masked in the alert built from it. The record itself stays (street, needs,
  vulnerable groups, people count, urgency, times) so statistics stay right; it is marked
  ``personal_purged_at``.

Deleting a document also erases what was copied from it: requests for help that cite it lose
their personal data, and alerts that cite it have personal data masked in their texts (the web UI
learns which addresses to hide from the analyses, which are gone with the document). Alerts and
incidents keep the ids of deleted documents; every page and command skips ids it cannot find.

:func:`purge` does the work for ``yuqing purge`` and for the service's daily ``purge`` job
(:class:`PurgeStage`); each run writes one log line and one ``purge`` event to the audit log
(:mod:`governance.audit`), plus one ``delete_document`` event per document deleted on request.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterator, Optional, Sequence

from pydantic import BaseModel

from yuqing import privacy
from yuqing.errors import ConflictError, NotConfigured, NotFound
from yuqing.pipeline import Stage, StageReport
from yuqing.records import now as _now
from yuqing.storage.base import Store

log = logging.getLogger(__name__)

#: Fields of a request for help that hold personal data: emptied, never masked in place.
#: ``split_phones`` maps a phone to the row it was split off to: the phone is its key, so it goes whole
#: (with the phones gone nothing is routed by them any more).
PERSONAL_FIELDS = ("phones", "address", "addresses", "name", "names", "contact", "contacts", "id_number",
                   "id_numbers", "split_phones")
#: Fields a purged request keeps as they are (the statistics, and the desk's lineage of merged and
#: split rows: row and post ids); any other field is kept masked.
KEPT_FIELDS = ("id", "request_id", "alert_id", "doc_ids", "safe_doc_ids", "street", "district", "people_count",
               "vulnerable", "needs", "urgency", "status", "first_seen", "last_seen", "personal_purged_at",
               "merged_into", "merged_from", "split_from", "split_docs", "status_times")
#: Text fields of an alert that may quote a request for help or a deleted document.
ALERT_TEXT_FIELDS = ("title", "summary", "reasons", "history")
PAGE = 1000


@dataclass
class PurgeCounts:
    """What a purge removed or erased (or, in a dry run, would have)."""

    documents: int = 0        # documents deleted
    analyses: int = 0         # analyses deleted with them
    rescue_requests: int = 0  # requests for help whose personal data was erased
    alerts: int = 0           # alerts whose texts had personal data masked
    rule_states: int = 0      # phone/address keys the rescue rule remembered, forgotten

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def cutoffs(config, at: Optional[datetime] = None) -> tuple[Optional[datetime], Optional[datetime]]:
    """``(documents, personal)`` cut-off times from the settings; ``None`` where a setting is 0."""
    at = at or _now()
    days = config["store.retention_days"], config["rescue.retention_days"]
    return tuple(at - timedelta(days=d) if d else None for d in days)  # type: ignore[return-value]


def purge(store: Store, *, before_documents: Optional[datetime] = None, before_personal: Optional[datetime] = None,
          document_ids: Sequence[str] = (), dry_run: bool = False, who: str = "system",
          batch_size: int = PAGE) -> dict[str, int]:
    """Delete old documents, erase old personal data, delete documents on request.

    Args:
        store: the store.
        before_documents: delete documents stored before this time (``None``: none by age).
        before_personal: erase personal data of requests for help last seen before this time.
        document_ids: documents to delete whatever their age (a deletion request). Every id must
            exist: an unknown one raises :class:`~yuqing.errors.NotFound` before anything changes.
        dry_run: count what would change, change nothing.
        who: who asked (``system`` for the service's job), for the log and the audit.

    Returns:
        Counts per kind (:class:`PurgeCounts` as a dict).
    """
    document_ids = list(dict.fromkeys(document_ids))
    _check_known(store, document_ids)
    counts = PurgeCounts()
    deleted: set[str] = set()
    addresses: set[str] = set()
    for batch in _document_batches(store, document_ids, before_documents, batch_size):
        batch = [i for i in batch if i not in deleted]
        if not batch:
            continue
        analyses = store.get_analyses(batch)
        addresses.update(a.rescue.address for a in analyses if a.rescue is not None and a.rescue.address)
        if dry_run:
            counts.documents += len(store.get_documents(batch))
            counts.analyses += len(analyses)
        else:
            done = store.delete_documents(batch)
            counts.documents += done.documents
            counts.analyses += done.analyses
        deleted.update(batch)
    alert_ids, request_keys = _erase_requests(store, before_personal, deleted, addresses, counts, dry_run)
    _mask_alerts(store, alert_ids, deleted, addresses, request_keys, counts, dry_run)
    if not dry_run:
        store.flush()
    result = counts.as_dict()
    log.info("purge%s by %s: documents stored before %s, personal data of requests last seen before %s, "
             "%d documents on request: %s", " (dry run)" if dry_run else "", who, _when(before_documents),
             _when(before_personal), len(document_ids), ", ".join(f"{k} {v}" for k, v in result.items()))
    if not dry_run:
        record_audit(store, who=who, counts=result, before_documents=before_documents,
                     before_personal=before_personal, document_ids=document_ids)
    return result


def record_audit(store: Store, *, who: str, counts: dict[str, int], before_documents: Optional[datetime],
                 before_personal: Optional[datetime], document_ids: Sequence[str]) -> None:
    """The audit trail of a purge (:mod:`governance.audit`): one ``purge`` event with the cut-offs and
    counts, and one ``delete_document`` event per document deleted on request."""
    try:
        from governance import audit
    except ImportError:  # the audit package is not installed: the log line is the only trace
        return
    detail = (f"文档保存截止 {_when(before_documents) or '不按时间删除'}；求助个人信息保存截止 "
              f"{_when(before_personal) or '不按时间清除'}；按请求删除 {len(document_ids)} 篇。{describe(counts)}")
    audit.append(store, "purge", who=who, target_kind="documents", detail=detail)
    for doc_id in document_ids:
        audit.append(store, "delete_document", who=who, target_kind="documents", target_id=doc_id,
                     detail="按请求删除文档及其分析，并清除由它复制的个人信息")


# documents ---------------------------------------------------------------------------------------

def _check_known(store: Store, document_ids: list[str]) -> None:
    found = set()
    for start in range(0, len(document_ids), PAGE):
        found.update(d.id for d in store.get_documents(document_ids[start:start + PAGE]))
    missing = [i for i in document_ids if i not in found]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise NotFound(f"no document with id {', '.join(missing[:5])}{more} in the store; nothing was deleted")


def _document_batches(store: Store, document_ids: list[str], before: Optional[datetime],
                      batch_size: int) -> Iterator[list[str]]:
    for start in range(0, len(document_ids), batch_size):
        yield document_ids[start:start + batch_size]
    if before is not None:
        yield from store.iter_document_ids_stored_before(before, batch_size=batch_size)


# requests for help -------------------------------------------------------------------------------

def _erase_requests(store: Store, before: Optional[datetime], deleted: set[str], addresses: set[str],
                    counts: PurgeCounts, dry_run: bool) -> tuple[set[str], set[str]]:
    """Erase personal data of requests last seen before ``before`` or citing a deleted document.

    Returns the ids of their alerts and the request keys (for the rescue rule's memory).
    """
    alert_ids, keys = set(), set()
    if before is None and not deleted:
        return alert_ids, keys
    for record in _every(store, "rescue_requests"):
        data = record.model_dump(mode="json")
        old = before is not None and _older(data.get("last_seen") or data.get("first_seen"), before)
        if not (old or deleted.intersection(data.get("doc_ids") or [])):
            continue
        erased = erase_personal(data)
        if _same(erased, data):
            continue  # nothing personal left (an earlier purge)
        addresses.update(a for a in _strings(data.get("address")) + _strings(data.get("addresses")) if a)
        keys.add(str(data["id"]))
        if data.get("alert_id"):
            alert_ids.add(str(data["alert_id"]))
        if dry_run or _rewrite(store, "rescue_requests", str(data["id"]), erase_personal):
            counts.rescue_requests += 1
    return alert_ids, keys


def erase_personal(data: dict[str, Any]) -> dict[str, Any]:
    """A request for help without its personal data: statistics kept, other texts masked."""
    addresses = [a for a in _strings(data.get("address")) + _strings(data.get("addresses")) if a]
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in PERSONAL_FIELDS:
            out[key] = [] if isinstance(value, list) else {} if isinstance(value, dict) else None
        elif key in KEPT_FIELDS:
            out[key] = value
        else:
            out[key] = privacy.redact(value, addresses, key=key)
    out["personal_purged_at"] = data.get("personal_purged_at") or _now().isoformat()
    return out


# alerts ------------------------------------------------------------------------------------------

def _mask_alerts(store: Store, alert_ids: set[str], deleted: set[str], addresses: set[str], request_keys: set[str],
                 counts: PurgeCounts, dry_run: bool) -> None:
    chosen: dict[str, BaseModel] = {}
    if deleted:  # alerts keep no index on doc_ids: read them all once
        for alert in _every(store, "alerts"):
            if alert.id in alert_ids or deleted.intersection(alert.doc_ids):
                chosen[alert.id] = alert
    else:
        for alert_id in alert_ids:
            alert = store.get_record("alerts", alert_id)
            if alert is not None:
                chosen[alert_id] = alert
    known = tuple(addresses)

    def mask(data: dict[str, Any]) -> dict[str, Any]:
        out = dict(data)
        for name in ALERT_TEXT_FIELDS:
            if name in out:
                out[name] = privacy.redact(out[name], known, key=name)
        if not _same(out, data):
            out["personal_purged_at"] = data.get("personal_purged_at") or _now().isoformat()
        return out

    rules = set()
    for alert in chosen.values():
        data = alert.model_dump(mode="json")
        if alert.id in alert_ids:
            rules.add(data.get("rule"))
        if _same(mask(data), data):
            continue
        if dry_run or _rewrite(store, "alerts", alert.id, mask):
            counts.alerts += 1
    if request_keys:
        counts.rule_states += _forget_identities(store, {r for r in rules if r}, request_keys, dry_run)


def _forget_identities(store: Store, rules: set[str], request_keys: set[str], dry_run: bool) -> int:
    """The rescue rule remembers ``tel:<phone>``/``addr:<address>`` → request: forget the erased ones."""
    forgotten = 0
    for rule in sorted(rules):
        key = f"alerts.rule.{rule}"  # alerts.stage.rule_state_key
        state = store.get_state(key)
        identities = (state or {}).get("identities")
        if not isinstance(identities, dict):
            continue
        gone = [ident for ident, owner in identities.items() if owner in request_keys]
        if not gone:
            continue
        forgotten += len(gone)
        if not dry_run:
            for ident in gone:
                del identities[ident]
            store.set_state(key, state)
    return forgotten


# helpers -----------------------------------------------------------------------------------------

def _rewrite(store: Store, kind: str, record_id: str, change: Callable[[dict], dict], attempts: int = 5) -> bool:
    """Apply ``change`` to a record under optimistic concurrency (an analyst may write meanwhile)."""
    for _ in range(attempts):
        found = store.get_versioned(kind, record_id)
        if found is None:
            return False
        data = found.record.model_dump(mode="json")
        new = change(data)
        if _same(new, data):
            return False
        try:
            store.update_record(kind, type(found.record).model_validate(new), found.version)
            return True
        except ConflictError:
            continue
    raise ConflictError(f"{kind} {record_id!r} kept changing while its personal data was being erased; "
                        f"run the purge again")


def _every(store: Store, kind: str) -> Iterator[BaseModel]:
    offset = 0
    while True:
        page = store.find_records(kind, order_by="id", limit=PAGE, offset=offset)
        yield from page
        if len(page) < PAGE:
            return
        offset += len(page)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = ("personal_purged_at",)
    return {k: v for k, v in a.items() if k not in strip} == {k: v for k, v in b.items() if k not in strip}


def _older(value: Any, before: datetime) -> bool:
    if not value:
        return False
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return False
    if when.tzinfo is None:
        from yuqing.records import DEFAULT_TZ
        when = when.replace(tzinfo=DEFAULT_TZ)
    return when < before


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _when(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat(timespec="seconds") if value is not None else None


# the service's daily job -------------------------------------------------------------------------

class PurgeStage(Stage):
    """The service's ``purge`` job: both retention settings applied, every ``service.purge_interval``."""

    name = "purge"

    @classmethod
    def from_config(cls, config, store) -> "PurgeStage":
        if not config["store.retention_days"] and not config["rescue.retention_days"]:
            raise NotConfigured("store.retention_days and rescue.retention_days are both 0 (keep forever)")
        return cls(config, store)

    def run_once(self) -> StageReport:
        before_documents, before_personal = cutoffs(self.config)
        counts = purge(self.store, before_documents=before_documents, before_personal=before_personal,
                       batch_size=int(self.config["store.batch_size"]))
        return StageReport(self.name, processed=counts["documents"] + counts["rescue_requests"],
                           detail=", ".join(f"{k} {v}" for k, v in counts.items()), extra=counts)


def describe(counts: dict[str, int], dry_run: bool = False) -> str:
    """The counts as one Chinese sentence (``yuqing purge``)."""
    verb = "将" if dry_run else "已"
    text = (f"{verb}删除文档 {counts['documents']} 篇、分析 {counts['analyses']} 条；"
            f"{verb}清除 {counts['rescue_requests']} 条求助记录中的个人信息，"
            f"{verb}遮盖 {counts['alerts']} 条预警中的个人信息，"
            f"{verb}忘记求助规则记住的电话/地址 {counts['rule_states']} 个。")
    return ("试运行，未做任何更改：" + text) if dry_run else text


__all__ = ["PurgeCounts", "PurgeStage", "cutoffs", "describe", "erase_personal", "purge", "record_audit"]

"""Street scoping (街道权限): a user with ``streets`` sees only those streets' records.

The scope is applied in the store query (a ``street`` condition, the search's street filter), never
by hiding rows after a limit, so counts, pages and limits are those of the user's streets. A scoped
user never sees a record without a street: it cannot be shown to be theirs.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from yuqing.web.auth import User

#: what a store filter gets: None (every street), one street, or a list (any of; empty: nothing)
StreetFilter = Union[None, str, list[str]]


def street_filter(user: User, asked: Optional[str] = None) -> StreetFilter:
    """The street condition for ``user`` when the visitor asked for ``asked`` (or for no street)."""
    if user.streets is None:
        return asked
    if asked is not None:
        return asked if asked in user.streets else []
    return list(user.streets)


def where(user: User, conditions: Optional[dict[str, Any]] = None, *, field: str = "street") -> Optional[dict]:
    """``conditions`` with the user's scope on ``field``; ``None`` when nothing can match."""
    conditions = dict(conditions or {})
    scoped = street_filter(user, conditions.pop(field, None))
    if scoped == []:
        return None
    if scoped is not None:
        conditions[field] = scoped
    return conditions


def stats(store, user: User) -> dict[str, Any]:
    """``store.stats()`` as the user may see it: documents, analyses, incidents and alerts of their streets.

    Cases (the case library, past events from anywhere) and sources are not street data and are
    counted whole. A scoped answer names its ``streets``.
    """
    full = store.stats()
    if user.streets is None:
        return full
    streets = list(user.streets)
    # a document's street is its analysis's, so the documents of these streets are analysed ones
    documents = sum(store.count_by("street", street=streets).values())
    return {**full, "documents": documents, "analyses": documents,
            "incidents": store.count_records("incidents", {"streets": streets}),
            "alerts": store.count_records("alerts", {"street": streets}), "streets": streets}

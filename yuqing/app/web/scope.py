"""Street scoping (街道权限) and project scoping (项目负责人).

A user with ``streets`` sees only those streets' records. The scope is applied in the store query
(a ``street`` condition, the search's street filter), never by hiding rows after a limit, so counts,
pages and limits are those of the user's streets. A scoped user never sees a record without a
street: it cannot be shown to be theirs.

A project owner (role ``owner``) opens only :data:`OWNER_PATHS` — the 稳评 pages under
``/projects`` (:mod:`yuqing.app.web.views.assessment`), signing in and out, the static files: every
other page and API answers 403 (:func:`may_open`, checked by the security middleware before any
route), so a page added later is closed to owners until it is listed here. Their home ``/`` is
``/projects``. Among projects they see their own (:func:`sees_project`): those their ``web.users``
entry lists and those they created; another project answers 404, as if it did not exist.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from yuqing.app.web.auth import User

#: what a store filter gets: None (every street), one street, or a list (any of; empty: nothing)
StreetFilter = Union[None, str, list[str]]


def street_filter(user: User, asked: Optional[str] = None) -> StreetFilter:
    """The street condition for ``user`` when the visitor asked for ``asked`` (or for no street)."""
    if user.streets is None:
        return asked
    if asked is not None:
        return asked if asked in user.streets else []
    return list(user.streets)


#: the paths a project owner may open (a prefix ending in "/" covers what is under it)
OWNER_PATHS = ("/projects", "/projects/", "/static/", "/login", "/logout")
OWNER_HOME = "/projects"


def may_open(user: User, path: str) -> bool:
    """Whether ``user``'s role may open ``path`` at all (only owners are limited this way)."""
    if not user.is_owner:
        return True
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in OWNER_PATHS)


def landing(user: User, path: str) -> Optional[str]:
    """Where to send ``user`` instead of ``path`` (an owner's ``/`` is their projects), else ``None``."""
    return OWNER_HOME if user.is_owner and path == "/" else None


def sees_project(user: User, project: Any) -> bool:
    """Whether ``user`` may see a project record: an owner their own, a street-scoped user their
    streets', everyone else every project."""
    if user.is_owner:
        return project.id in (user.projects or ()) or user.name in (getattr(project, "owner_users", None) or [])
    if user.streets is not None:
        return getattr(project, "street", None) in user.streets
    return True


def project_queries(user: User) -> Optional[list[dict[str, Any]]]:
    """Store conditions whose union is the projects ``user`` sees; ``None``: every project."""
    if user.is_owner:
        queries: list[dict[str, Any]] = [{"owner_users": user.name}]
        if user.projects:
            queries.append({"id": list(user.projects)})
        return queries
    if user.streets is not None:
        return [{"street": list(user.streets)}]
    return None


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

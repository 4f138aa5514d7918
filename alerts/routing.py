"""Routing (分派): a table in config maps streets and categories to the responsible department."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass
class Route:
    department: str
    contacts: list[str] = field(default_factory=list)
    notifiers: Optional[list[str]] = None  # None: every configured notifier


class Router:
    """First matching entry of ``alerts.routing`` wins; an entry without streets/categories matches all.

    Args:
        table: entries ``{streets, categories, department, contacts, notifiers}``.
        default_department: used when nothing matches.
    """

    def __init__(self, table: list[dict[str, Any]], default_department: str) -> None:
        self.table = table
        self.default = Route(default_department)

    @classmethod
    def from_config(cls, config) -> "Router":
        return cls(list(config["alerts.routing"]), config["alerts.default_department"])

    def route(self, street: Optional[str], category: Optional[str]) -> Route:
        for entry in self.table:
            streets, categories = entry.get("streets"), entry.get("categories")
            if streets and street not in streets:
                continue
            if categories and category not in categories:
                continue
            return Route(entry.get("department") or self.default.department, list(entry.get("contacts") or []),
                         entry.get("notifiers"))
        return self.default

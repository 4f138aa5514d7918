"""Spiders, one per kind of source; :data:`SPIDERS` maps a short name to its class."""
from crawlers.spiders.base import SPIDERS, Cursor, Option, SourceSpider

__all__ = ["SPIDERS", "Cursor", "Option", "SourceSpider"]

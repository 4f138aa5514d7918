"""The engine's exception hierarchy, documented in one place.

Every error the engine reports to a user derives from :class:`YuqingError`; its message is a plain
sentence that names where the problem is (file, line, field, URL, setting) and, where possible, how
to fix it. The command line prints ``str(error)`` and never a traceback for these.
"""


class YuqingError(Exception):
    """Base of all errors the engine reports."""


class ConfigError(YuqingError):
    """A setting is missing, unknown or invalid (names file, key and the fix)."""


class RecordError(YuqingError, ValueError):
    """A record failed validation (names the field, and the file and line when known)."""


class InputError(YuqingError):
    """An input file cannot be read at all (missing, unreadable, unknown format)."""


class NotConfigured(YuqingError):
    """A component is switched off by its settings (as in Scrapy); callers skip it quietly."""


class PluginError(YuqingError):
    """A plugin name or dotted path cannot be resolved, or is not of the expected kind."""


class StoreError(YuqingError):
    """The store failed (cannot open, schema mismatch, backend error)."""


class StoreUnavailable(StoreError):
    """The store's backend cannot be reached right now (for example Elasticsearch is down)."""


class ConflictError(StoreError):
    """An optimistic-concurrency check failed: the record changed since it was read."""


class NotFound(YuqingError):
    """A record asked for by id does not exist."""


class TransitionError(YuqingError):
    """An alert state change that the lifecycle does not allow."""


class StageUnavailable(YuqingError):
    """A pipeline stage is not installed yet or cannot run (its dependency is missing)."""


class LeaseLost(YuqingError):
    """A singleton process (``cluster``, ``alert``) no longer holds its lease; it stops its work."""


class StaleToken(LeaseLost):
    """A write carried a fencing token older than the newest one issued: a newer holder exists."""

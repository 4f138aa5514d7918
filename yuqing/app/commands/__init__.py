"""Sub-commands of ``yuqing``: one module each, named in :data:`COMMANDS`.

A command module defines ``Command``, a subclass of :class:`BaseCommand`. Every command's package is
installed with the engine, so a command that fails to import is an error to see, not one to hide.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Optional

from yuqing.config import Config
from yuqing.io import ErrorReport

#: command name → module that defines its ``Command``.
COMMANDS = {
    "run": "yuqing.app.commands.run",
    "import": "yuqing.app.commands.import_cmd",
    "stats": "yuqing.app.commands.stats",
    "search": "yuqing.app.commands.search",
    "reindex": "yuqing.app.commands.reindex",
    "config": "yuqing.app.commands.config_cmd",
    "crawl": "yuqing.app.commands.crawl",
    "sources": "yuqing.app.commands.sources",
    "analyze": "yuqing.app.commands.analyze",
    "rescue": "yuqing.app.commands.rescue",
    "cluster": "yuqing.app.commands.cluster",
    "incidents": "yuqing.app.commands.incidents",
    "alerts": "yuqing.app.commands.alerts",
    "calendar": "yuqing.app.commands.calendar_cmd",
    "cases": "yuqing.app.commands.cases",
    "assess": "yuqing.app.commands.assess",
    "audit": "yuqing.app.commands.audit",
    "purge": "yuqing.app.commands.purge",
    "correct": "yuqing.app.commands.correct",
    "train": "yuqing.app.commands.train",
    "models": "yuqing.app.commands.models",
    "report": "yuqing.app.commands.report",
    "dispatch": "yuqing.app.commands.dispatch_cmd",
    "desk": "yuqing.app.commands.desk",
    "replay": "yuqing.app.commands.replay",
    "indicators": "yuqing.app.commands.indicators",
    "status": "yuqing.app.commands.status",
}


def add_common_options(parser: argparse.ArgumentParser, level: int = 0) -> None:
    """``--config``, ``-s`` and ``-q`` on the parser of one level (0 ``yuqing``, 1 the command, 2 its action).

    Each level keeps its own destination (``config_1``, ``overrides_1``…), because argparse copies a
    sub-parser's namespace over its parent's: one shared destination would let ``yuqing -s a=1 crawl``
    lose ``a=1`` or reset ``--config`` to a default. :func:`common_options` merges the levels.
    """
    top = level == 0
    parser.add_argument("--config", dest=f"config_{level}", default=None if top else argparse.SUPPRESS,
                        metavar="FILE", help="settings file (default $YUQING_CONFIG, else ./config.yaml)")
    parser.add_argument("-s", "--set", dest=f"overrides_{level}", action="append",
                        default=[] if top else argparse.SUPPRESS, metavar="KEY=VALUE",
                        help="override one setting, e.g. -s store.path=scratch/x.sqlite (repeatable)")
    parser.add_argument("-q", "--quiet", dest=f"quiet_{level}", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="no progress bars or summaries on stderr")


def common_options(args: argparse.Namespace) -> tuple[Optional[str], list[str], bool]:
    """The merged ``(config, overrides, quiet)`` of every level; later levels win for ``--config``."""
    config, overrides, quiet = None, [], False
    for level in range(3):
        config = getattr(args, f"config_{level}", None) or config
        overrides += getattr(args, f"overrides_{level}", None) or []
        quiet = quiet or bool(getattr(args, f"quiet_{level}", False))
    args.config, args.overrides, args.quiet = config, overrides, quiet
    return config, overrides, quiet


@dataclass
class Context:
    """What a command gets: the frozen config, the store (opened lazily), the error report.

    It lives beside :class:`BaseCommand`, not in :mod:`yuqing.app.cli`: the command line imports the
    commands, so a command reaching up for its context would close a circle.
    """

    config: Config
    quiet: bool = False
    report: ErrorReport = field(default_factory=ErrorReport)
    _store: object = None

    @property
    def store(self):
        if self._store is None:
            from yuqing.storage import open_store
            self._store = open_store(self.config)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class BaseCommand:
    """One sub-command.

    Attributes:
        name: the word after ``yuqing``.
        help: one line for ``yuqing --help``.
        needs_store: open the configured store before :meth:`run` (``ctx.store``).
    """

    name = ""
    help = ""
    needs_store = False

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the command's own options."""

    def run(self, args: argparse.Namespace, ctx: Context) -> int:
        """Do the work; return the exit code (0 ok, 1 input errors reported, 2 misuse)."""
        raise NotImplementedError

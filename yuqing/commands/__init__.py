"""Sub-commands of ``yuqing``: one module each, named in :data:`COMMANDS`.

A command module defines ``Command``, a subclass of :class:`BaseCommand`. Commands whose module is
part of a package that is not installed yet are listed but answer with a clear sentence and exit 2.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from yuqing.cli import Context

#: command name → module that defines its ``Command``.
COMMANDS = {
    "run": "yuqing.commands.run",
    "import": "yuqing.commands.import_cmd",
    "stats": "yuqing.commands.stats",
    "search": "yuqing.commands.search",
    "config": "yuqing.commands.config_cmd",
    "crawl": "yuqing.commands.crawl",
    "sources": "yuqing.commands.sources",
    "analyze": "yuqing.commands.analyze",
    "rescue": "yuqing.commands.rescue",
    "cluster": "yuqing.commands.cluster",
    "alerts": "yuqing.commands.alerts",
    "calendar": "yuqing.commands.calendar_cmd",
    "cases": "yuqing.commands.cases",
    "assess": "yuqing.commands.assess",
}


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

    def run(self, args: argparse.Namespace, ctx: "Context") -> int:
        """Do the work; return the exit code (0 ok, 1 input errors reported, 2 misuse)."""
        raise NotImplementedError

"""``yuqing import FILE …`` — JSONL, CSV or XLSX documents into the store."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from yuqing.app.commands import BaseCommand
from yuqing.importer import FORMATS, RowMapper, import_file


class Command(BaseCommand):
    name = "import"
    help = "import JSONL, CSV or XLSX documents into the store (bad rows reported, the rest imported)"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--input-format", choices=FORMATS, help="file type, when the extension does not say")
        parser.add_argument("--source", help="source name for documents that have none (default: import.source)")
        parser.add_argument("--format", choices=("text", "json"), default="text",
                            help="json: end with one summary line {imported, duplicates, errors}")

    def run(self, args, ctx) -> int:
        config = ctx.config
        mapper = RowMapper(config["import.columns"], args.source or config["import.source"],
                           config["import.source_type"])
        totals = {"imported": 0, "duplicates": 0, "errors": 0}
        store = ctx.store
        for name in args.files:
            path = Path(name)
            bar = None
            if not ctx.quiet and path.exists():
                from tqdm import tqdm
                bar = tqdm(total=None, unit="doc", desc=path.name, file=sys.stderr, leave=False,
                           disable=not sys.stderr.isatty() and os.environ.get("YUQING_PROGRESS") != "1")
            try:
                summary = import_file(store, path, mapper=mapper, fmt=args.input_format,
                                      batch_size=config["store.batch_size"], report=ctx.report,
                                      progress=bar.update if bar is not None else None)
            finally:
                if bar is not None:
                    bar.close()
            for key, value in summary.as_dict().items():
                totals[key] += value
            if args.format == "text" and not ctx.quiet:
                print(f"{path}: {summary.imported} imported, {summary.duplicates} already there, "
                      f"{summary.errors} bad rows skipped", file=sys.stderr)
        store.flush()
        if args.format == "json":
            print(json.dumps(totals, ensure_ascii=False))
        return 1 if totals["errors"] else 0

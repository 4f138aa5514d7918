"""``yuqing analyze --input docs.jsonl --output analysis.jsonl`` — one analysis per valid document.

Output lines follow the input order; ``-`` is stdin/stdout. Bad input lines are reported with
their line number and field and skipped (exit 1 after writing the rest). A tqdm progress bar goes
to stderr unless ``--quiet``.
"""
from __future__ import annotations

import itertools
import sys

from yuqing.app.commands import BaseCommand
from yuqing.io import open_output, read_documents, write_jsonl


class Command(BaseCommand):
    name = "analyze"
    help = "sentiment, risk categories, rescue, harmful information, place and keywords per document"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, metavar="FILE", help="documents, JSONL (- for stdin)")
        parser.add_argument("--output", required=True, metavar="FILE", help="analyses, JSONL (- for stdout)")
        parser.add_argument("--batch-size", type=int, default=256, help="documents analysed together")

    def run(self, args, ctx) -> int:
        from nlp.analyzer import Analyzer

        if args.batch_size < 1:
            print("error: --batch-size must be at least 1", file=sys.stderr)
            return 2
        analyzer = Analyzer.from_config(ctx.config, preload=True)
        docs = read_documents(args.input, ctx.report)
        progress = None
        if not ctx.quiet:
            from tqdm import tqdm
            progress = tqdm(unit="doc", desc="analyze", file=sys.stderr)
        with open_output(args.output) as handle:
            while True:
                batch = list(itertools.islice(docs, args.batch_size))
                if not batch:
                    break
                write_jsonl(handle, analyzer.analyze(batch))
                handle.flush()
                if progress is not None:
                    progress.update(len(batch))
        if progress is not None:
            progress.close()
        return ctx.report.exit_code

"""``yuqing rescue --input docs.jsonl --output requests.jsonl`` — the emergency desk's view.

One line per distinct request for help (求救), reposts and near-duplicates merged, most urgent
first (CONTRACT.md), plus ``status`` (open|safe) and ``safe_doc_ids``. Analyses come from
``--analyses`` when given, else from the trained analyzer (``nlp.analyzer.Analyzer``) when it is
installed, else from the rule extractors; the log says which one ran. The newest post of the file
is "now" for recency, so a replayed file scores as it did live.
"""
from __future__ import annotations

import logging
import sys

from yuqing.app.commands import BaseCommand
from yuqing.io import open_input, open_output, read_documents, read_jsonl, write_jsonl
from yuqing.records import Analysis

log = logging.getLogger("yuqing.rescue")


def _trained_analyzer(config):
    """The trained analyzer; raises what stops it from starting (the caller falls back, saying so)."""
    from nlp.analyzer import Analyzer

    return Analyzer.from_config(config, preload=True)


class Command(BaseCommand):
    name = "rescue"
    help = "one line per distinct request for help, reposts merged, most urgent first"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, metavar="FILE", help="documents, JSONL (- for stdin)")
        parser.add_argument("--output", required=True, metavar="FILE", help="requests, JSONL (- for stdout)")
        parser.add_argument("--analyses", metavar="FILE", help="analysis JSONL (from yuqing analyze) to use "
                            "instead of analysing again")
        parser.add_argument("--rules", action="store_true", help="use the rule extractors even when the "
                            "trained analyzer is installed")

    def run(self, args, ctx) -> int:
        from nlp.rescue_group import group_requests

        config, report = ctx.config, ctx.report
        docs, seen = [], set()
        name = args.input if args.input != "-" else "stdin"
        for doc in read_documents(args.input, report):
            if doc.id in seen:
                report(f"{name}: document id {doc.id!r} appears again; the first one is kept")
                continue
            seen.add(doc.id)
            docs.append(doc)
        analyses, reader = self._analyses(args, config, docs, report, quiet=ctx.quiet)
        records = group_requests([(d, analyses.get(d.id)) for d in docs],
                                 similarity=config["nlp.rescue_merge_similarity"])
        with open_output(args.output) as handle:
            write_jsonl(handle, records)
        if not ctx.quiet:
            safe = sum(1 for r in records if r["status"] == "safe")
            print(f"{len(docs)} documents: {len(records)} requests ({safe} now safe); read by {reader}", file=sys.stderr)
        return report.exit_code

    def _analyses(self, args, config, docs, report, quiet: bool = False) -> tuple[dict[str, Analysis], str]:
        """The analyses and what read them: the given file, the trained analyzer, or the rule extractors
        (asked for with ``--rules``, or when the trained analyzer fails: never silently, the reason is
        logged and in the summary line)."""
        if args.analyses:
            with open_input(args.analyses) as handle:
                given = {a.id: a for _, a in read_jsonl(handle, Analysis, name=args.analyses, report=report)}
            log.info("rescue: using the analyses of %s", args.analyses)
            return given, f"the analyses of {args.analyses}"
        reader = "the rule extractors (--rules)"
        if not args.rules:
            try:
                analyzer = _trained_analyzer(config)
                result = {a.id: a for part in _chunks(docs, quiet) for a in analyzer.analyze(part)}
                log.info("rescue: analysed %d documents with the trained analyzer", len(docs))
                return result, "the trained analyzer"
            except Exception as exc:  # a broken model must not stop the emergency desk: rules, said aloud
                log.warning("the trained analyzer failed (%s); using the rule extractors", exc)
                reader = f"the rule extractors: THE TRAINED ANALYZER FAILED ({type(exc).__name__}: {exc})"
        from nlp.location import Locator
        from nlp.rescue_group import rule_analysis
        from nlp.segment import configure

        configure(config)
        locator = Locator.from_config(config)
        now = max((d.published_at for d in docs), default=None)
        threshold = config["nlp.rescue_threshold"]
        log.info("rescue: analysing %d documents with the rule extractors", len(docs))
        count = config["nlp.keywords_count"]
        return {d.id: rule_analysis(d, locator=locator, threshold=threshold, now=now, keywords=count)
                for part in _chunks(docs, quiet) for d in part}, reader


def _chunks(docs: list, quiet: bool, size: int = 256):
    """``docs`` in parts, with a progress bar on stderr: a storm's thousands of posts take a while."""
    bar = None
    if not quiet and len(docs) > size:
        from tqdm import tqdm
        bar = tqdm(total=len(docs), unit="post", desc="rescue", file=sys.stderr)
    try:
        for start in range(0, len(docs), size):
            yield docs[start:start + size]
            if bar is not None:
                bar.update(min(size, len(docs) - start))
    finally:
        if bar is not None:
            bar.close()

"""``yuqing cluster --input docs.jsonl --output assignments.jsonl [--incidents FILE]``.

Clusters the documents of one file (the whole file is the window; its newest post is "now" for
bursts and lifecycle). One assignment line per valid document, in input order:
``{"id": "…", "incident": "incident id, or null for noise"}``. Facets (category, streets, sentiment)
come from analyses given inline (an ``analysis`` object on the document line) or by ``--analyses``;
without them incidents simply have no facets.
"""
from __future__ import annotations

import sys
from pathlib import Path

from yuqing.app.commands import BaseCommand
from yuqing.io import ErrorReport, open_input, open_output, read_documents, read_jsonl, write_jsonl
from yuqing.records import Analysis, parse_record
from yuqing.errors import RecordError


class Command(BaseCommand):
    name = "cluster"
    help = "group documents into incidents: one {id, incident} line per document (null = noise)"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, metavar="FILE", help="documents, JSONL (- for stdin)")
        parser.add_argument("--output", required=True, metavar="FILE", help="assignments, JSONL (- for stdout)")
        parser.add_argument("--incidents", metavar="FILE", help="also write the incident records here")
        parser.add_argument("--analyses", metavar="FILE", help="analysis JSONL (from yuqing analyze) for facets")
        parser.add_argument("--embedder", help="embedder name or dotted path (default: clustering.embedder)")

    def run(self, args, ctx) -> int:
        from clustering.embedders import EmbeddingCache, build_embedder, embed_documents
        from clustering.engine import EngineParams, Window, recluster

        config, report = ctx.config, ctx.report
        docs, analyses = self._read(args.input, report)
        if args.analyses:
            with open_input(args.analyses) as handle:
                for _, analysis in read_jsonl(handle, Analysis, name=args.analyses, report=report):
                    analyses[analysis.id] = analysis
        embedder = build_embedder(args.embedder or config["clustering.embedder"], config["clustering.prefix"])
        outcome = None
        if docs:
            folder = config["clustering.embedding_cache"]
            cache = EmbeddingCache(Path(folder).expanduser() / embedder.name) if folder else None
            window = Window(docs, embed_documents(docs, embedder, cache), analyses)
            now = max(d.published_at for d in docs)
            outcome = recluster(window, [], now, EngineParams.from_config(config, embedder))
        assignments = outcome.assignments if outcome else {}
        with open_output(args.output) as handle:
            write_jsonl(handle, ({"id": d.id, "incident": assignments.get(d.id)} for d in docs))
        if args.incidents:
            with open_output(args.incidents) as handle:
                write_jsonl(handle, outcome.incidents if outcome else [])
        if not ctx.quiet:
            found = len(outcome.incidents) if outcome else 0
            noise = sum(1 for v in assignments.values() if v is None)
            print(f"{len(docs)} documents: {found} incidents, {noise} noise", file=sys.stderr)
        return report.exit_code

    @staticmethod
    def _read(path: str, report: ErrorReport):
        """Valid documents in input order (a repeated id is reported; the first is kept)."""
        docs, seen, analyses = [], set(), {}
        name = path if path != "-" else "stdin"
        for doc in read_documents(path, report):
            if doc.id in seen:
                report(f"{name}: document id {doc.id!r} appears again; the first one is kept")
                continue
            seen.add(doc.id)
            docs.append(doc)
            inline = getattr(doc, "analysis", None)
            if isinstance(inline, dict):
                try:
                    analyses[doc.id] = parse_record(Analysis, {"id": doc.id, **inline},
                                                    where=f"{name} document {doc.id!r} field 'analysis'")
                except RecordError as exc:
                    report(f"{exc} (the document is still clustered, without facets)")
        return docs, analyses

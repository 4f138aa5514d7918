"""``yuqing reindex --from OLD.sqlite`` — copy every record of one store into the configured one.

The way from one machine to several: point config.yaml at Elasticsearch and re-index the embedded
file into it. Idempotent (ids are stable), so an interrupted re-index is simply run again.
"""
from __future__ import annotations

import sys

from yuqing.app.commands import BaseCommand
from yuqing.errors import InputError
from yuqing.storage.base import all_kinds


def copy_store(source, target, *, batch_size: int = 2000, progress=None) -> dict[str, int]:
    """Copy documents, analyses, every record kind and nothing twice; returns counts per part."""
    counts = {"documents": 0, "analyses": 0}
    batch = []

    def flush_docs():
        if not batch:
            return
        target.put_documents(batch)
        analyses = source.get_analyses([d.id for d in batch])
        if analyses:
            target.put_analyses(analyses)
        counts["documents"] += len(batch)
        counts["analyses"] += len(analyses)
        if progress:
            progress(len(batch))
        batch.clear()

    for doc in source.iter_documents(batch_size=batch_size):
        batch.append(doc)
        if len(batch) >= batch_size:
            flush_docs()
    flush_docs()
    for kind in all_kinds():
        if kind == "scheduler_jobs":  # schedules belong to the service that runs on the target
            continue
        offset = 0
        while True:
            records = source.find_records(kind, order_by="id", limit=batch_size, offset=offset)
            if not records:
                break
            target.put_records(kind, records)
            counts[kind] = counts.get(kind, 0) + len(records)
            offset += len(records)
    target.flush()
    return counts


class Command(BaseCommand):
    name = "reindex"
    help = "copy every record of an embedded store file into the configured store (e.g. Elasticsearch)"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, metavar="FILE.sqlite",
                            help="the embedded store file to read")

    def run(self, args, ctx) -> int:
        from pathlib import Path

        from yuqing.storage.sqlite import SQLiteStore

        if not Path(args.source).exists():
            raise InputError(f"{args.source}: no such store file")
        with SQLiteStore(args.source) as source:
            total = source.count_documents()
            bar = None
            if not ctx.quiet:
                from tqdm import tqdm
                bar = tqdm(total=total, unit="doc", desc="reindex", file=sys.stderr)
            try:
                counts = copy_store(source, ctx.store, batch_size=ctx.config["store.batch_size"],
                                    progress=bar.update if bar is not None else None)
            finally:
                if bar is not None:
                    bar.close()
        print(", ".join(f"{k}: {v}" for k, v in counts.items() if v), file=sys.stderr)
        return 0

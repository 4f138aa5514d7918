"""``yuqing stats`` — what the store holds."""
from __future__ import annotations

import json

from yuqing.commands import BaseCommand


class Command(BaseCommand):
    name = "stats"
    help = "what the store holds: documents, analyses, incidents, alerts, cases, sources"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args, ctx) -> int:
        stats = ctx.store.stats()
        if args.format == "json":
            print(json.dumps(stats, ensure_ascii=False, default=str))
            return 0
        for key in ("documents", "analyses", "incidents", "alerts", "cases"):
            print(f"{key:<10} {stats[key]:>10,}")
        for source in stats["sources"]:
            print(f"source {source['name']}: {source['state'] or 'unknown'}, last success "
                  f"{source['last_success'] or 'never'}")
        return 0

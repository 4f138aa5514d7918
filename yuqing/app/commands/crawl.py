"""``yuqing crawl SOURCE`` — one crawl of one configured source (or of every source with --all)."""
from __future__ import annotations

import json
import sys

from yuqing.app.commands import BaseCommand
from yuqing.errors import ConfigError


class Command(BaseCommand):
    name = "crawl"
    help = "crawl one configured source once (its documents go to the store)"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="*", help="name(s) of sources in crawl.sources")
        parser.add_argument("--all", action="store_true", help="crawl every enabled source once")
        parser.add_argument("--format", choices=("text", "json"), default="text",
                            help="json: one line per source with its health record")

    def run(self, args, ctx) -> int:
        from crawlers.stage import CrawlStage, configured_sources

        names = [s["name"] for s in configured_sources(ctx.config)] if args.all else args.source
        if not names:
            raise ConfigError("name a source to crawl (yuqing sources lists them), or pass --all")
        failed = False
        for name in names:
            report = CrawlStage(ctx.config, ctx.store, name).run_once()
            health = report.extra.get("health", {})
            failed = failed or health.get("state") not in ("ok", "degraded")
            if args.format == "json":
                print(json.dumps({"source": name, "documents": report.processed, "new": report.created,
                                  "url_errors": len(report.extra.get("url_errors", [])), "health": health},
                                 ensure_ascii=False, default=str))
            elif not ctx.quiet:
                print(report.line(), file=sys.stderr)
                for error in report.extra.get("url_errors", [])[:20]:
                    print(f"  {error['url']}: {error['reason']}", file=sys.stderr)
        return 1 if failed else 0

"""``yuqing sources`` — the configured sources and their health (信源状态)."""
from __future__ import annotations

import json

from yuqing.app.commands import BaseCommand

FIELDS = ("name", "type", "interval", "state", "last_success", "items_per_hour", "error_rate", "last_error")


class Command(BaseCommand):
    name = "sources"
    help = "list the crawl sources with their health: state, last success, items per hour, error rate"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("text", "json"), default="text",
                            help="json: one line per source")

    def run(self, args, ctx) -> int:
        from crawlers.stage import configured_sources

        rows = []
        configured = configured_sources(ctx.config)
        known = {s["name"] for s in configured}
        for source in configured:
            rows.append(_row(source["name"], source, ctx.store.get_record("sources", source["name"]), True))
        for record in ctx.store.find_records("sources", order_by="id"):  # crawled once, since removed
            if record.id not in known:
                rows.append(_row(record.id, {}, record, False))
        for row in rows:
            if args.format == "json":
                print(json.dumps(row, ensure_ascii=False, default=str))
            else:
                print(f"{row['name']:<24} {row['type'] or '-':<10} {row['state'] or 'never crawled':<14} "
                      f"last success {row['last_success'] or 'never'}  {row['items_per_hour'] or 0}/h  "
                      f"errors {float(row['error_rate'] or 0):.0%}" + ("" if row["configured"] else "  (not configured)"))
        return 0


def _row(name, source, record, configured) -> dict:
    health = record.model_dump(mode="json") if record is not None else {}
    row = {key: health.get(key) for key in FIELDS}
    row.update(name=name, type=source.get("type") or health.get("type"),
               interval=source.get("interval") or health.get("interval"), configured=configured)
    return row

"""``yuqing search "QUERY"`` — Chinese full-text search over stored documents."""
from __future__ import annotations

import json
from datetime import datetime

from yuqing.app.commands import BaseCommand
from yuqing.errors import InputError
from yuqing.importer import parse_time
from yuqing.privacy import mask_text


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise InputError(f"--since/--until {exc}") from None


class Command(BaseCommand):
    name = "search"
    help = "full-text search of stored documents, with filters and highlighted matches"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("query", help="words or a phrase; empty string lists the newest documents")
        parser.add_argument("--since")
        parser.add_argument("--until")
        parser.add_argument("--street")
        parser.add_argument("--category")
        parser.add_argument("--source")
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args, ctx) -> int:
        result = ctx.store.search(args.query, since=_time(args.since), until=_time(args.until),
                                  street=args.street, category=args.category, source=args.source,
                                  limit=args.limit)
        if args.format == "json":
            for hit in result.hits:
                print(json.dumps({"id": hit.document.id, "score": hit.score, "title": hit.document.title,
                                  "published_at": hit.document.published_at.isoformat(),
                                  "highlight": hit.highlight}, ensure_ascii=False))
            return 0
        print(f"{result.total} documents match")
        for hit in result.hits:
            snippet = " … ".join(hit.highlight) or hit.document.text[:80]
            print(f"{hit.document.published_at:%Y-%m-%d %H:%M}  {hit.document.id[:10]}  {mask_text(snippet)}")
        return 0

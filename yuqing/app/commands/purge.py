"""``yuqing purge`` — apply the retention settings now, or delete documents on request (数据清理).

Without options it does what the service's daily job does: documents stored more than
``store.retention_days`` ago are deleted with their analyses, and the personal data of requests for
help last seen more than ``rescue.retention_days`` ago is erased (see :mod:`governance.retention`).
``--document ID`` deletes one document whatever its age (a resident's deletion request); given
alone, it does only that. Every input is checked before anything changes.
"""
from __future__ import annotations

import json
from datetime import datetime

from yuqing.app.commands import BaseCommand
from yuqing.errors import InputError
from yuqing.records import DEFAULT_TZ, now


def parse_cutoff(text: str, option: str) -> datetime:
    """``2025-01-31`` (the start of that day, Asia/Shanghai) or an ISO date-time; never in the future."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option} {text!r}: not a date; write YYYY-MM-DD or an ISO 8601 time such as "
                         f"2025-01-31T08:00:00+08:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=DEFAULT_TZ)
    if value > now():
        raise InputError(f"{option} {text!r} is in the future; a purge deletes only what is older than a past "
                         f"time (nothing was deleted)")
    return value


class Command(BaseCommand):
    name = "purge"
    help = "delete documents past store.retention_days and personal data past rescue.retention_days, or one document on request"
    needs_store = True

    def add_arguments(self, parser):
        parser.add_argument("--before", metavar="DATE", help="delete documents stored before DATE "
                            "(default: now minus store.retention_days; none when it is 0)")
        parser.add_argument("--personal-before", metavar="DATE", help="erase personal data of requests for "
                            "help last seen before DATE (default: now minus rescue.retention_days; none when 0)")
        parser.add_argument("--document", action="append", default=[], metavar="ID",
                            help="delete this document and its analysis whatever its age (repeatable); "
                                 "alone, nothing else is purged")
        parser.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args, ctx) -> int:
        from governance.retention import cutoffs, describe, purge  # a package of its own: loaded when used

        config = ctx.config
        before_documents = parse_cutoff(args.before, "--before") if args.before else None
        before_personal = parse_cutoff(args.personal_before, "--personal-before") if args.personal_before else None
        if not args.document:  # the settings' defaults, unless this is a deletion request alone
            default_documents, default_personal = cutoffs(config)
            before_documents = before_documents if args.before else default_documents
            before_personal = before_personal if args.personal_before else default_personal
        counts = purge(ctx.store, before_documents=before_documents, before_personal=before_personal,
                       document_ids=args.document, dry_run=args.dry_run, who=_who(),
                       batch_size=int(config["store.batch_size"]))
        if args.format == "json":
            print(json.dumps({"dry_run": args.dry_run, **counts,
                              "documents_before": _iso(before_documents), "personal_before": _iso(before_personal),
                              "document_ids": list(dict.fromkeys(args.document))}, ensure_ascii=False))
            return 0
        print(f"文档保存截止：{_shown(before_documents, '不按时间删除')}；"
              f"求助个人信息保存截止：{_shown(before_personal, '不按时间清除')}")
        print(describe(counts, args.dry_run))
        return 0


def _who() -> str:
    """The operating-system user who ran the command (for the log and the audit)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a bare container
        return "cli"


def _iso(value):
    return value.isoformat(timespec="seconds") if value is not None else None


def _shown(value, none_text: str) -> str:
    return value.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M") if value is not None else none_text

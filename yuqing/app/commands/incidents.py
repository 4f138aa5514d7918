"""``yuqing incidents`` — correct the clustering by hand (:mod:`clustering.manual`), for scripts.

* ``show ID [--format json]`` — one incident: its posts, lineage (merged from / into, split from),
  the hand history and its ``revision`` (what ``--revision`` checks).
* ``merge KEEP OTHER --by NAME [--note TEXT] [--revision REV]`` — OTHER is the same event as KEEP:
  KEEP takes its posts, OTHER is closed as merged into KEEP; OTHER's open alert cards follow.
* ``split ID DOC… --by NAME [--into ID] [--note TEXT] [--revision REV]`` — the posts DOC… are another
  event: they move to a new incident (printed), or to the existing incident ``--into``.

The engine keeps both on its next re-clusterings. ``--revision`` is the one ``show`` printed: when the
incident (KEEP, or ID) changed since, nothing is done and the command exits 1. Every change is kept
in the incidents' history and lineage with ``--by`` and the time, and audited.
"""
from __future__ import annotations

import json

from yuqing import vocabulary
from yuqing.app.commands import BaseCommand
from yuqing.app.commands import add_common_options as add_options


#: a hand history line's action, as ``show`` prints it
HISTORY_WORDS = {"merge": "合并了", "merged_into": "并入", "split_off": "拆出帖子到", "split_in": "移入帖子自",
                 "split_new": "拆自"}


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def summary(incident) -> dict:
    """What the command prints of an incident (JSON): the contract's fields plus lineage and history."""
    from clustering.manual import revision

    data = incident.model_dump(mode="json")
    keys = ("id", "label", "keywords", "doc_ids", "first_seen", "last_seen", "size", "growth", "category",
            "streets", "sentiment", "state", "merged_into", "merged_from", "parent_ids", "split_from", "history")
    return {**{k: data.get(k) for k in keys}, "revision": revision(incident)}


class Command(BaseCommand):
    name = "incidents"
    help = "show an incident; merge two incidents or split posts off one by hand (kept by the engine)"
    needs_store = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        show = sub.add_parser("show", help="one incident with its lineage, hand history and revision")
        show.add_argument("incident_id", metavar="ID")
        merge = sub.add_parser("merge", help="OTHER is the same event as KEEP: KEEP takes its posts")
        merge.add_argument("keep", metavar="KEEP")
        merge.add_argument("other", metavar="OTHER")
        split = sub.add_parser("split", help="move posts of an incident to a new incident (or --into another)")
        split.add_argument("incident_id", metavar="ID")
        split.add_argument("doc_ids", nargs="+", metavar="DOC")
        split.add_argument("--into", metavar="ID", help="an existing incident to move them to (default: a new one)")
        for p in (merge, split):
            p.add_argument("--by", required=True, metavar="NAME", help="who decides (your name)")
            p.add_argument("--note", default="", help="why (kept in the history and the audit log)")
            p.add_argument("--revision", metavar="REV",
                           help="the revision `show` printed: refuse if the incident changed since")
        for p in sub.choices.values():
            p.add_argument("--format", choices=("text", "json"), default="text")
            add_options(p, level=2)

    def run(self, args, ctx) -> int:
        return getattr(self, "_" + args.action)(args, ctx)

    def _show(self, args, ctx) -> int:
        from clustering.manual import get

        data = summary(get(ctx.store, args.incident_id))
        if args.format == "json":
            print(_dump(data))
            return 0
        state = vocabulary.label("incident_state", data["state"])
        print(f"{data['id']}  {data['label'] or '—'}  {data['size']} 篇  {state}  "
              f"{'、'.join(data['streets'] or []) or '—'}  revision {data['revision']}")
        if data["merged_into"]:
            print(f"  已并入 {data['merged_into']}")
        for key, words in (("merged_from", "合并自"), ("parent_ids", "拆自")):
            if data[key]:
                print(f"  {words} {'、'.join(data[key])}")
        for line in data["history"] or []:
            action = HISTORY_WORDS.get(line.get("action"), line.get("action"))
            print(f"  {str(line.get('when', ''))[:16].replace('T', ' ')} {line.get('who')} {action} "
                  f"{line.get('other_id') or ''} {line.get('note') or ''}".rstrip())
        return 0

    def _merge(self, args, ctx) -> int:
        from alerts.incident_cards import merge_incidents

        expected = {args.keep: args.revision} if args.revision else None
        kept = merge_incidents(ctx.store, args.keep, args.other, by=args.by, note=args.note, expected=expected,
                               role="cli")
        if args.format == "json":
            print(_dump(summary(kept)))
        else:
            print(f"{args.other} 已并入 {args.keep}（现有 {kept.size} 篇帖子）")
        return 0

    def _split(self, args, ctx) -> int:
        from alerts.incident_cards import split_incident

        expected = {args.incident_id: args.revision} if args.revision else None
        target = split_incident(ctx.store, args.incident_id, args.doc_ids, by=args.by, note=args.note,
                                into=args.into, expected=expected, role="cli")
        if args.format == "json":
            print(_dump(summary(target)))
        else:
            kind = "事件" if args.into else "新事件"
            print(f"已从 {args.incident_id} 拆出 {len(set(args.doc_ids))} 篇到{kind} {target.id}")
        return 0

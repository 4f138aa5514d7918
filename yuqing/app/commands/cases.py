"""``yuqing cases search|similar|show|history|import|export|draft-from-alert|review`` — the case library."""
from __future__ import annotations

import json
from pathlib import Path

from yuqing.app.commands import BaseCommand
from yuqing.app.commands.calendar_cmd import add_common_options
from yuqing.errors import InputError, NotFound


class Command(BaseCommand):
    name = "cases"
    help = "case library: search past cases, show, import/export, draft a case from an alert"
    needs_store = True

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        search = sub.add_parser("search", help="cases most like a description")
        search.add_argument("query")
        search.add_argument("--limit", type=int, default=5)
        search.add_argument("--mode", choices=("hybrid", "lexical", "semantic"))
        similar = sub.add_parser("similar", help="cases most like a stored incident")
        similar.add_argument("--incident", required=True, metavar="ID")
        similar.add_argument("--limit", type=int, default=3)
        show = sub.add_parser("show", help="one case (or one of its versions)")
        show.add_argument("case_id")
        show.add_argument("--version", type=int)
        history = sub.add_parser("history", help="the versions of a case: who changed it when")
        history.add_argument("case_id")
        imp = sub.add_parser("import", help="add or update cases from a YAML or JSON file")
        imp.add_argument("file")
        imp.add_argument("--who", default="import")
        exp = sub.add_parser("export", help="write every case to a YAML or JSON file (- for stdout)")
        exp.add_argument("file")
        exp.add_argument("--as", dest="file_format", choices=("yaml", "json"),
                         help="file format (default: from the file's extension, else yaml)")
        draft = sub.add_parser("draft-from-alert", help="draft a case from a (resolved) alert, saved as draft")
        draft.add_argument("alert_id")
        draft.add_argument("--who", default="analyst")
        review = sub.add_parser("review", help="mark a draft case as reviewed so it joins searches")
        review.add_argument("case_id")
        review.add_argument("--who", default="analyst")
        for p in sub.choices.values():
            p.add_argument("--format", choices=("text", "json"), default="text")
            add_common_options(p)

    def run(self, args, ctx) -> int:
        from case_library import CaseLibrary
        library = CaseLibrary.from_config(ctx.config, ctx.store)
        return getattr(self, "_" + args.action.replace("-", "_"))(args, ctx, library)

    @staticmethod
    def _matches(matches, fmt) -> int:
        for m in matches:
            if fmt == "json":
                print(json.dumps(m.as_dict(), ensure_ascii=False))
            else:
                print(f"{m.score:.3f}  {m.case_id}  {m.title}\n       {'; '.join(m.reasons)}")
        return 0

    def _search(self, args, ctx, library) -> int:
        if args.limit < 1:
            raise InputError(f"--limit {args.limit}: give 1 or more")
        return self._matches(library.search(args.query, limit=args.limit, mode=args.mode), args.format)

    def _similar(self, args, ctx, library) -> int:
        incident = ctx.store.get_record("incidents", args.incident)
        if incident is None:
            raise NotFound(f"no incident {args.incident!r} in the store; list incidents in the web UI or "
                           f"with `yuqing cluster --incidents`")
        return self._matches(library.similar_to_incident(incident, limit=args.limit), args.format)

    def _show(self, args, ctx, library) -> int:
        case = library.get_version(args.case_id, args.version) if args.version else library.get(args.case_id)
        if args.format == "json":
            print(case.to_json())
        else:
            from case_library.model import dump_cases
            print(dump_cases([case]), end="")
        return 0

    def _history(self, args, ctx, library) -> int:
        library.get(args.case_id)
        for v in library.versions(args.case_id):
            row = {"version": v.version, "when": v.when, "who": v.who, "note": v.note}
            print(json.dumps(row, ensure_ascii=False) if args.format == "json"
                  else f"v{v.version}  {v.when}  {v.who}  {v.note}")
        return 0

    def _import(self, args, ctx, library) -> int:
        from case_library.model import load_cases
        cases = load_cases(Path(args.file), ctx.report)
        changed = sum(1 for case in cases if _changed(library, case, args.who))
        summary = {"imported": changed, "unchanged": len(cases) - changed, "errors": ctx.report.count}
        print(json.dumps(summary) if args.format == "json" else
              f"{changed} cases added or updated, {len(cases) - changed} unchanged, {ctx.report.count} errors")
        return ctx.report.exit_code

    def _export(self, args, ctx, library) -> int:
        from case_library.model import dump_cases
        from yuqing.io import open_output
        fmt = args.file_format or ("json" if args.file.endswith(".json") else "yaml")
        with open_output(args.file) as out:
            out.write(dump_cases(library.all(), fmt))
        return 0

    def _draft_from_alert(self, args, ctx, library) -> int:
        alert = ctx.store.get_record("alerts", args.alert_id)
        if alert is None:
            raise NotFound(f"no alert {args.alert_id!r}; list alerts with `yuqing alerts list`")
        case = library.draft_from_alert(alert)
        library.put(case, args.who, note=f"drafted from alert {alert.id}")
        if args.format == "json":
            print(case.to_json())
        else:
            print(f"draft case {case.id} saved; check it with `yuqing cases show {case.id}` and mark it "
                  f"reviewed with `yuqing cases review {case.id}`")
        return 0

    def _review(self, args, ctx, library) -> int:
        version = library.review(args.case_id, args.who)
        print(json.dumps({"case_id": args.case_id, "version": version}) if args.format == "json"
              else f"{args.case_id} reviewed (version {version})")
        return 0


def _changed(library, case, who) -> bool:
    before = library.store.get_record("cases", case.id)
    version = library.put(case, who, note="imported")
    return before is None or int(getattr(before, "version", 0) or 0) != version

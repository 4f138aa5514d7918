"""`yuqing alerts test-rule RULE --data docs.jsonl`: what one rule would raise on a file, for writing rules safely.

Nothing is written to the store: the rule runs with an empty memory over the file's documents,
analysed by ``nlp.analyzer.Analyzer`` when the NLP package provides it (or read from
``--analyses``), else on their text alone.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from yuqing.errors import ConfigError, InputError
from yuqing.io import open_input, read_documents, read_jsonl

log = logging.getLogger(__name__)


def find_rule(name: str, config):
    from alerts.schema import load_file, load_rules

    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        if not path.exists():
            raise InputError(f"{name}: no such rule file")
        rules = load_file(path)
        return rules[0]
    from alerts.settings import rules_dirs

    for rule in load_rules(rules_dirs(config)):
        if rule.name == name:
            return rule
    raise ConfigError(f"no rule named {name!r} in {', '.join(config['alerts.rules_dirs'])}; give a rule name "
                      f"or the path of a rule file")


def analyse(docs, config, path_analyses, report, enabled=True):
    from yuqing.records import Analysis

    if path_analyses:
        with open_input(path_analyses) as handle:
            found = {a.id: a for _, a in read_jsonl(handle, Analysis, name=path_analyses, report=report)}
        return [found.get(d.id) for d in docs]
    if not enabled:
        return [None] * len(docs)
    try:
        from nlp.analyzer import Analyzer
    except ImportError:
        log.info("nlp.analyzer is not installed: the rule sees the documents' text only")
        return [None] * len(docs)
    try:
        analyzer = Analyzer.from_config(config)
        method = getattr(analyzer, "analyze_many", None) or getattr(analyzer, "analyze")
        found = list(method(docs))
    except Exception as exc:  # the rule can still be tried on the text
        log.warning("nlp.analyzer failed (%s): the rule sees the documents' text only", exc)
        return [None] * len(docs)
    return found if len(found) == len(docs) else [None] * len(docs)


def try_rule(args, ctx) -> int:
    """Run one rule over the file and print what it would raise; the exit code of the input's errors."""
    from alerts.collect import tokenize_items
    from alerts.rules.base import EvalContext, Item
    from alerts.severity import grade
    from yuqing.records import Incident

    rule = find_rule(args.rule, ctx.config)
    docs = list(read_documents(args.data, ctx.report))
    analyses = analyse(docs, ctx.config, args.analyses, ctx.report, enabled=not args.no_analyze)
    items = [Item(d, a) for d, a in zip(docs, analyses)]
    tokenize_items(items)
    incidents = []
    if args.incidents:
        with open_input(args.incidents) as handle:
            incidents = [i for _, i in read_jsonl(handle, Incident, name=args.incidents, report=ctx.report)]
    owner = {d: inc.id for inc in incidents for d in inc.doc_ids}
    for item in items:
        item.incident_id = owner.get(item.doc.id)
    if args.now:
        now = datetime.fromisoformat(args.now)
    else:
        from yuqing.records import now as _now
        now = max((d.published_at for d in docs), default=None) or _now()
    ctx_eval = EvalContext(now=now, items=items, incidents=incidents, state={}, store=None)
    findings = rule.evaluate(ctx_eval)
    for finding in findings:
        severity, reasons = grade(finding.severity or rule.spec.severity, finding.evidence, rule.spec.max_severity)
        line = {"rule": rule.name, "severity": severity, "title": finding.title, "dedup_key": finding.dedup_key,
                "street": finding.street, "category": finding.category, "incident_id": finding.incident_id,
                "doc_ids": finding.doc_ids, "reasons": finding.reasons + reasons}
        if args.format == "json":
            print(json.dumps(line, ensure_ascii=False, default=str))
        else:
            print(f"[{severity}] {finding.title}  ({len(finding.doc_ids)} docs; {'；'.join(line['reasons'])})")
    if args.format == "text":
        print(f"rule {rule.name}: {len(findings)} alert(s) from {len(docs)} document(s)")
    return ctx.report.exit_code

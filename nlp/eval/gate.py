"""The promotion gate of ``yuqing train``: a candidate model is used only if it is at least as good
as the current one on every frozen real test set of its task.

Both models are run as users run them (``yuqing analyze`` in a subprocess, the user's config, only
``nlp.models.dir`` differing) on the same posts: the real storm posts labelled by reading (the frozen
test split by default) and, for sentiment, ChnSentiCorp's test split (review text, negative vs
positive). Nothing here chooses a threshold or a setting: the gate only compares.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from nlp.eval import score as scoring

#: gate rows per trained model: (row name, figure read off nlp.eval.score.score's result)
STORM_ROWS: dict[str, list[tuple[str, Callable[[dict], float]]]] = {
    "sentiment": [("真实暴雨帖 情感准确率 (sentiment accuracy)", lambda r: r["sentiment_accuracy"])],
    "category": [("真实暴雨帖 风险类别 top-1 (category top-1)", lambda r: r["category_top1"])],
    "rescue": [("真实暴雨帖 求救 F1 (request F1)", lambda r: r["request"]["f1"]),
               ("真实暴雨帖 求救 召回 (request recall)", lambda r: r["request"]["recall"])],
}
GATED_TASKS = tuple(STORM_ROWS)


def _chnsenticorp_docs(rows: Optional[int]) -> tuple[list[dict], list[int]]:
    from nlp.train import data

    texts, labels = data.subset(*data.chnsenticorp("test"), rows)
    docs = [{"id": f"chnsenticorp-test-{i}", "text": t, "source": "chnsenticorp", "source_type": "import",
             "url": f"chnsenticorp:test:{i}", "published_at": "2020-01-01T00:00:00+08:00"}
            for i, t in enumerate(texts)]
    return docs, labels


def measure(task: str, models: Optional[Path], *, config: Optional[str], overrides: list[str], split: str,
            limit: int, public_rows: Optional[int]) -> dict[str, float]:
    """The gate's figures for ``task`` with the models of folder ``models`` (``None``: bundled)."""
    gold = scoring.split_labels(split)
    if limit:
        gold = gold[:limit]
    docs = scoring.documents([row["id"] for row in gold])
    extra_docs, extra_labels = _chnsenticorp_docs(public_rows) if task == "sentiment" else ([], [])
    settings = list(overrides) + [f"nlp.models.dir={models}" if models else "nlp.models.dir="]
    predicted, _ = scoring.run_analyze(docs + extra_docs, settings, config)
    result = scoring.score(gold, predicted, {d["id"]: d["text"] for d in docs})
    figures = {name: float(read(result)) for name, read in STORM_ROWS[task]}
    if extra_docs:
        right = sum(_polar(predicted.get(d["id"])) == label for d, label in zip(extra_docs, extra_labels))
        figures["ChnSentiCorp 测试集 褒贬准确率 (test accuracy, negative vs positive)"] = right / len(extra_docs)
    return figures


def _polar(analysis: Optional[dict]) -> int:
    """ChnSentiCorp is negative/positive only; a neutral answer counts as wrong either way."""
    label = ((analysis or {}).get("sentiment") or {}).get("label")
    return {"positive": 1, "negative": 0}.get(label, -1)


def compare(current: dict[str, float], candidate: dict[str, float]) -> tuple[bool, list[dict]]:
    """``(passed, rows)``: passed when the candidate is at least as good on every row."""
    rows = []
    for name, before in current.items():
        after = candidate[name]
        rows.append({"measure": name, "current": round(before, 4), "candidate": round(after, 4),
                     "ok": after >= before - 1e-12})
    return all(row["ok"] for row in rows), rows


def table(rows: list[dict], current_name: str, candidate_name: str) -> str:
    """The side-by-side table the command prints."""
    width = max([len(r["measure"]) for r in rows] + [10])
    lines = [f"{'指标 measure':<{width}}  {'当前 ' + current_name:>28}  {'候选 ' + candidate_name:>30}  结果",
             "-" * (width + 72)]
    for r in rows:
        lines.append(f"{r['measure']:<{width}}  {r['current']:>28.4f}  {r['candidate']:>30.4f}  "
                     f"{'不低于当前 ok' if r['ok'] else '低于当前 WORSE'}")
    return "\n".join(lines)

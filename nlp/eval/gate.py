"""The promotion gate of ``yuqing train``: a candidate model is used only if it is at least as good
as the current one on every frozen real test set of its task.

Both models are run as users run them (``yuqing analyze`` in a subprocess, the user's config, only
``nlp.models.dir`` differing) on the same posts: the real storm posts labelled by reading (the frozen
test split by default) and the public test splits of the task's real sets: ChnSentiCorp for
sentiment (review text, negative vs positive); Weibo21 and CHECKED (rumour) and COLD (offensive
comments as incitement) for the harmful model. Nothing here chooses a threshold or a setting: the
gate only compares.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from nlp.eval import score as scoring

FALSE_FLAGS = "真实暴雨帖 有害误报数 (false harmful flags; fewer is better)"
#: gate rows per trained model: (row name, figure read off nlp.eval.score.score's result)
STORM_ROWS: dict[str, list[tuple[str, Callable[[dict], float]]]] = {
    "sentiment": [("真实暴雨帖 情感准确率 (sentiment accuracy)", lambda r: r["sentiment_accuracy"])],
    "category": [("真实暴雨帖 风险类别 top-1 (category top-1)", lambda r: r["category_top1"])],
    "rescue": [("真实暴雨帖 求救 F1 (request F1)", lambda r: r["request"]["f1"]),
               ("真实暴雨帖 求救 召回 (request recall)", lambda r: r["request"]["recall"])],
    # almost every storm post is harmless (4 of 900 carry a type), so what the storm posts can say
    # of a harmful model is how often it cries wolf on them
    "harmful": [(FALSE_FLAGS, lambda r: r["false_harmful_flags"])],
}
GATED_TASKS = tuple(STORM_ROWS)
#: rows where a smaller figure is the better one (counts of mistakes)
FEWER_IS_BETTER = frozenset({FALSE_FLAGS})


def _types(analysis: Optional[dict]) -> set[str]:
    return {t["label"] for t in (((analysis or {}).get("harmful") or {}).get("types") or [])}


def _polar(analysis: Optional[dict]) -> int:
    """ChnSentiCorp is negative/positive only; a neutral answer counts as wrong either way."""
    label = ((analysis or {}).get("sentiment") or {}).get("label")
    return {"positive": 1, "negative": 0}.get(label, -1)


def _accuracy(said: list[int], labels: list[int]) -> float:
    return sum(s == y for s, y in zip(said, labels)) / len(labels) if labels else 0.0


def _macro_f1(said: list[int], labels: list[int]) -> float:
    """Macro-F1 as ``bench/bench_nlp.py`` reports it for the rumour sets (classes present only)."""
    from sklearn.metrics import f1_score

    return float(f1_score(labels, said, average="macro", zero_division=0))


@dataclass(frozen=True)
class PublicTest:
    """A public test split a task is gated on: its rows as documents, scored on their analyses."""

    name: str  # the row's name in the table
    source: str  # document ids are ``<source>-test-<i>``
    load: Callable[[], tuple[list[str], list[int]]]  # ``(texts, labels)`` of the test split
    figure: Callable[[list[Optional[dict]], list[int]], float]  # analyses, labels -> the figure

    def documents(self, rows: Optional[int]) -> tuple[list[dict], list[int]]:
        """A fixed subset of ``rows`` rows (``None``: all) as documents for ``yuqing analyze``."""
        from nlp.train import data

        texts, labels = data.subset(*self.load(), rows)
        docs = [{"id": f"{self.source}-test-{i}", "text": t, "source": self.source, "source_type": "import",
                 "url": f"{self.source}:test:{i}", "published_at": "2020-01-01T00:00:00+08:00"}
                for i, t in enumerate(texts)]
        return docs, list(labels)


def _loader(name: str) -> Callable[[], tuple[list[str], list[int]]]:
    def load():
        from nlp.train import data

        return getattr(data, name)("test")
    return load


#: the public test splits of each task, beside the storm posts (loaders of nlp.train.data, as the bench)
PUBLIC_TESTS: dict[str, list[PublicTest]] = {
    "sentiment": [PublicTest("ChnSentiCorp 测试集 褒贬准确率 (test accuracy, negative vs positive)", "chnsenticorp",
                             _loader("chnsenticorp"), lambda found, y: _accuracy([_polar(a) for a in found], y))],
    "harmful": [
        PublicTest("Weibo21 测试集 谣言 macro-F1 (test, rumour vs not)", "weibo21", _loader("weibo21"),
                   lambda found, y: _macro_f1([int("rumor" in _types(a)) for a in found], y)),
        PublicTest("CHECKED 测试集 谣言 macro-F1 (test, rumour vs not)", "checked", _loader("checked"),
                   lambda found, y: _macro_f1([int("rumor" in _types(a)) for a in found], y)),
        PublicTest("COLD 测试集 煽动 准确率 (test accuracy, incitement as offensive)", "cold", _loader("cold"),
                   lambda found, y: _accuracy([int("incitement" in _types(a)) for a in found], y)),
    ],
}


def false_harmful_flags(gold: list[dict], predicted: dict[str, dict]) -> int:
    """Harmful types the engine gave storm posts that their readers did not (one per post and type)."""
    return sum(len(_types(predicted.get(row["id"])) - set(row["harmful"])) for row in gold)


def measure(task: str, models: Optional[Path], *, config: Optional[str], overrides: list[str], split: str,
            limit: int, public_rows: Optional[int], also: tuple[str, ...] = ()) -> dict[str, float]:
    """The gate's figures for ``task`` with the models of folder ``models`` (``None``: bundled).

    ``limit`` keeps the first storm posts of the split, ``public_rows`` a fixed subset of each public
    test split (both for quick checks; 0 / ``None``: all). ``also``: other tasks whose rows are scored
    in the same run (a retrained tuned top answers for sentiment and requests both).
    """
    gold = scoring.split_labels(split)
    if limit:
        gold = gold[:limit]
    docs = scoring.documents([row["id"] for row in gold])
    tasks = [task, *(t for t in dict.fromkeys(also) if t != task)]
    public = [(test, *test.documents(public_rows)) for t in tasks for test in PUBLIC_TESTS.get(t, [])]
    settings = list(overrides) + [f"nlp.models.dir={models}" if models else "nlp.models.dir="]
    predicted, _ = scoring.run_analyze(docs + [d for _, extra, _ in public for d in extra], settings, config)
    result = scoring.score(gold, predicted, {d["id"]: d["text"] for d in docs})
    result["false_harmful_flags"] = false_harmful_flags(gold, predicted)
    figures = {name: float(read(result)) for t in tasks for name, read in STORM_ROWS[t]}
    for test, extra, labels in public:
        figures[test.name] = test.figure([predicted.get(d["id"]) for d in extra], labels)
    return figures


def compare(current: dict[str, float], candidate: dict[str, float]) -> tuple[bool, list[dict]]:
    """``(passed, rows)``: passed when the candidate is at least as good on every row (higher, or
    for the rows of ``FEWER_IS_BETTER`` lower or equal)."""
    rows = []
    for name, before in current.items():
        after = candidate[name]
        fewer = name in FEWER_IS_BETTER
        rows.append({"measure": name, "current": round(before, 4), "candidate": round(after, 4),
                     "ok": after <= before + 1e-12 if fewer else after >= before - 1e-12,
                     "fewer_is_better": fewer})
    return all(row["ok"] for row in rows), rows


def table(rows: list[dict], current_name: str, candidate_name: str) -> str:
    """The side-by-side table the command prints."""
    def shown(row, value):  # counts as counts, figures with four decimals
        return f"{value:.0f}" if row.get("fewer_is_better") else f"{value:.4f}"

    width = max([len(r["measure"]) for r in rows] + [10])
    lines = [f"{'指标 measure':<{width}}  {'当前 ' + current_name:>28}  {'候选 ' + candidate_name:>30}  结果",
             "-" * (width + 72)]
    for r in rows:
        lines.append(f"{r['measure']:<{width}}  {shown(r, r['current']):>28}  {shown(r, r['candidate']):>30}  "
                     f"{'不低于当前 ok' if r['ok'] else '低于当前 WORSE'}")
    return "\n".join(lines)

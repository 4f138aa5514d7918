"""Pre-project assessment: agreement with a consultant's levels, and report render time.

1. Agreement: every card in ``bench/assessment_cards/`` is assessed on an empty store (the card
   alone: no evidence) and its overall and six category levels compared with
   ``bench/assessment_cards/expected.yaml`` (written before assess was first run on the cards; the
   knowledge base is not tuned per card).
2. Render time: the farmers' market card with 1,000 synthetic evidence posts about its place and
   project (merchants, residents, media and government moving from opposition to support over
   twelve weeks) on SQLite and, with ``--es-url``, on Elasticsearch: the time of the assessment
   itself, of the HTML report and of the PDF report (the issue's goals: HTML ≤ 10 s, PDF ≤ 30 s).

    .venv/bin/python bench/bench_assess.py [--es-url http://127.0.0.1:9200] [--posts 1000]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assessment import assess, load_card  # noqa: E402
from assessment.knowledge import CATEGORY_IDS  # noqa: E402
from assessment.report import render_html, write_pdf  # noqa: E402
from yuqing import records as R  # noqa: E402
from yuqing.config import load_config  # noqa: E402

CARDS = Path(__file__).parent / "assessment_cards"
ORDER = ("low", "medium", "high")
SHORT = {"low": "低", "medium": "中", "high": "高"}


def agreement(config, directory: Path) -> None:
    from yuqing.storage.sqlite import SQLiteStore

    expected = yaml.safe_load((CARDS / "expected.yaml").read_text(encoding="utf-8"))
    overall = near = cats = cats_near = 0
    print("card                          expected  got      categories (expected/got, contract order)   agree")
    with SQLiteStore(directory / "agreement.sqlite") as store:
        for name, want in expected.items():
            got = assess(load_card(CARDS / name), store, config)
            levels = {c.id: c.level for c in got.categories}
            pairs = [f"{SHORT[want['categories'][c]]}{'' if want['categories'][c] == levels[c] else '/' + SHORT[levels[c]]}"
                     for c in CATEGORY_IDS]
            same = sum(want["categories"][c] == levels[c] for c in CATEGORY_IDS)
            cats += same
            cats_near += sum(abs(ORDER.index(want["categories"][c]) - ORDER.index(levels[c])) <= 1 for c in CATEGORY_IDS)
            overall += want["level"] == got.level
            near += abs(ORDER.index(want["level"]) - ORDER.index(got.level)) <= 1
            print(f"{name:<30}{want['level']:<10}{got.level:<6}({got.score:>3})  {' '.join(pairs):<40}  {same}/6")
    n = len(expected)
    print(f"\noverall level: {overall}/{n} exact ({overall / n:.0%}), {near}/{n} within one level")
    print(f"category levels: {cats}/{6 * n} exact ({cats / (6 * n):.0%}), {cats_near}/{6 * n} within one level")


TEXTS = {  # stance → what each group says; {place} and {word} are filled in
    "negative": ["{place}{word}，商户说补偿太低，过渡市场还没着落，我们一家靠这个档口吃饭",
                 "{place}{word}太突然了，居民担心以后买菜不方便，街坊们都有意见",
                 "记者走访{place}：{word}引发部分商户不满，有人提出联名反映"],
    "neutral": ["{place}{word}方案公示了，商户在看补偿标准，还在观望",
                "{place}{word}：街道办表示将听取商户和居民意见",
                "有居民问{place}{word}后临时市场设在哪里"],
    "positive": ["{place}{word}消除了火灾隐患，居民支持，早该改了",
                 "商户代表参观了临时市场，{place}{word}的补偿方案比预想的好，愿意签约",
                 "日报报道{place}{word}：街道办公开补偿标准，商户自愿搬迁，获群众点赞"],
}


def evidence_posts(n: int, seed: int = 20) -> list[tuple[R.Document, R.Analysis]]:
    """``n`` posts over 12 weeks: opposition early, support late (the seed case's curve)."""
    rng = random.Random(seed)
    start = datetime(2026, 9, 1, 8, 0, tzinfo=R.DEFAULT_TZ)
    places, words = ["大浪街道浪口社区", "浪口市场", "大浪"], ["农贸市场拆除", "浪口市场拆除重建", "拆除"]
    pairs = []
    for i in range(n):
        when = start + timedelta(hours=rng.random() * 24 * 84)
        progress = (when - start).days / 84
        weights = [max(0.05, 0.7 - progress * 0.6), 0.25, 0.05 + progress * 0.6]
        sentiment = rng.choices(("negative", "neutral", "positive"), weights)[0]
        text = rng.choice(TEXTS[sentiment]).format(place=rng.choice(places), word=rng.choice(words)) + f"（{i}）"
        news = "记者" in text or "日报" in text
        doc = R.Document(id=R.stable_id("bench-assess", str(i)), text=text, published_at=when,
                         collected_at=when + timedelta(minutes=5), source="shenzhen-news" if news else "weibo",
                         source_type="news" if news else "social", url=f"https://example.org/assess/{i}",
                         metrics={"reposts": rng.randint(0, 50), "likes": rng.randint(0, 200)})
        analysis = R.Analysis(id=doc.id, sentiment={"label": sentiment, "score": 0.9},
                              categories=[{"label": "land_demolition", "score": 0.8}],
                              location={"city": "深圳市", "district": "龙华区", "street": "大浪街道", "confidence": 0.9})
        pairs.append((doc, analysis))
    return pairs


def render_times(config, store, label: str, n: int, directory: Path) -> None:
    pairs = evidence_posts(n)
    store.put_documents([d for d, _ in pairs])
    store.put_analyses([a for _, a in pairs])
    store.flush()
    card = load_card(CARDS / "01_market_demolition.yaml")
    assess(card, store, config)  # warm: jieba, the calendar, the starter cases loaded into this store
    t0 = time.perf_counter()
    result = assess(card, store, config)
    t1 = time.perf_counter()
    html = render_html(result)
    t2 = time.perf_counter()
    write_pdf(result, directory / f"{label}.pdf")
    t3 = time.perf_counter()
    # write_pdf renders the HTML again, so the PDF time includes it
    print(f"{label:<14} evidence {result.evidence_total:>5}  assess {t1 - t0:5.2f} s  "
          f"HTML {t2 - t1:5.2f} s (with assess {t2 - t0:5.2f} s, {len(html) // 1024} KB)  "
          f"PDF {t3 - t2:5.2f} s (with assess {t1 - t0 + t3 - t2:5.2f} s, "
          f"{(directory / f'{label}.pdf').stat().st_size // 1024} KB)  level {result.level} ({result.score})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--es-url", help="also time the report on this Elasticsearch node")
    parser.add_argument("--posts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        # lexical case search: precedents add no points, and the embedding model would only add load time
        config = load_config(None, ["cases.search_mode=lexical", f"store.path={directory / 'unused.sqlite'}"])
        agreement(config, directory)
        print(f"\nreport for {args.posts} evidence posts (second run; the first loads jieba and the case library):")
        from yuqing.storage.sqlite import SQLiteStore
        with SQLiteStore(directory / "render.sqlite") as store:
            render_times(config, store, "sqlite", args.posts, directory)
        if args.es_url:
            from yuqing.storage.elastic import ElasticsearchStore
            store = ElasticsearchStore([args.es_url], index_prefix=f"bench-{uuid.uuid4().hex[:8]}", spool_dir=directory)
            try:
                render_times(config, store, "elasticsearch", args.posts, directory)
            finally:
                store.delete_indices()
                store.close()


if __name__ == "__main__":
    main()

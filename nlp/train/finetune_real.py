"""Experiment: fine-tune the backbone's top layers on the real storm posts, out of fold.

    python -m nlp.train.finetune_real --task sentiment|rescue|sentiment,rescue [--layers 4] [--epochs 4]
        [--stage2-dump OOF.npz …] [--limit N]

The same grouped 5-fold split of the real dev split as ``nlp.train.choose`` (folds by near-duplicate
family): for each fold the last ``--layers`` encoder layers and a linear head are trained on the other
folds' posts and the held-out fold is scored. The frozen lower layers run once per post (their states
are kept), so a fold costs about ``layers/12`` of full fine-tuning: ~3 minutes with 4 layers on two
cores. With ``--stage2-dump`` (the out-of-fold probabilities of the shipped stage 2, ``python -m
nlp.train.choose --task T --dump OOF.npz`` with the module's settings) it also prints that head's
figure on the same posts and the average of both. ``sentiment,rescue`` trains one top shared by both
tasks (one head, a slice per task), with one dump per task in that order. The frozen test split is
never read. Nothing is saved: the tuned layers are not wired into the engine (the model card says
why and what it would take).
"""
from __future__ import annotations

import argparse
import copy
import time

import numpy as np

from nlp.train import data
from nlp.train.choose import _folds
from nlp.train.common import log

TASKS = {"sentiment": ["negative", "neutral", "positive"], "rescue": ["no", "yes"]}


def gold(task: str, row: dict) -> int:
    """The class index of a labelled real post."""
    if task == "rescue":
        return int(bool(row["request"]))
    return TASKS[task].index(row["sentiment"])


class TunedTop:
    """A frozen backbone bottom and a trainable copy of its top ``layers`` with a linear head."""

    def __init__(self, backbone, layers: int, classes: int) -> None:
        import torch

        self.backbone = backbone.eval()
        self.split = len(backbone.encoder.layer) - layers
        self.top = torch.nn.ModuleList(copy.deepcopy(backbone.encoder.layer[self.split:]))
        self.head = torch.nn.Linear(backbone.config.hidden_size, classes)

    @staticmethod
    def additive_mask(mask):
        import torch

        return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min

    def lower(self, ids, mask):
        """Hidden states after the frozen layers (computed once per post)."""
        import torch

        with torch.inference_mode():
            hidden = self.backbone.embeddings(input_ids=ids)
            extended = self.additive_mask(mask)
            for layer in self.backbone.encoder.layer[:self.split]:
                out = layer(hidden, attention_mask=extended)
                hidden = out[0] if isinstance(out, tuple) else out
        return hidden.clone()

    def pooled(self, hidden, mask):
        """The mean-pooled embedding from the frozen layers' states through the tuned layers."""
        extended = self.additive_mask(mask)
        for layer in self.top:
            out = layer(hidden, attention_mask=extended)
            hidden = out[0] if isinstance(out, tuple) else out
        return (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)

    def logits(self, hidden, mask):
        """Class logits from the frozen layers' states: the tuned layers, mean pooling, the head."""
        return self.head(self.pooled(hidden, mask))

    def parameters(self, lr: float, head_lr: float) -> list[dict]:
        return [{"params": self.top.parameters(), "lr": lr}, {"params": self.head.parameters(), "lr": head_lr}]


def _token_ids(tokenizer, texts: list[str], max_tokens: int) -> list[list[int]]:
    return [e.ids[:max_tokens - 1] + [2] for e in tokenizer.encode_batch(["query: " + t for t in texts])]


def _padded(states: list, rows: list[int]):
    """One batch of kept states, padded to the longest: (hidden, mask)."""
    import torch

    width = max(states[i].shape[0] for i in rows)
    hidden = torch.zeros(len(rows), width, states[rows[0]].shape[1])
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for r, i in enumerate(rows):
        hidden[r, :states[i].shape[0]] = states[i]
        mask[r, :states[i].shape[0]] = 1
    return hidden, mask


def _batches(states: list, rows: list[int], size: int, rng: np.random.Generator | None):
    """Length-sorted batches of row indices, shuffled as batches when ``rng`` is given."""
    ordered = sorted(rows, key=lambda i: states[i].shape[0])
    groups = [ordered[k:k + size] for k in range(0, len(ordered), size)]
    order = rng.permutation(len(groups)) if rng is not None else range(len(groups))
    return [groups[g] for g in order]


def out_of_fold(tasks: list[str], rows: list[dict], *, layers: int, epochs: int, lr: float, max_tokens: int,
                threads: int) -> dict[str, np.ndarray]:
    """Out-of-fold class probabilities of every row for each task, one tuned top per fold. Several
    tasks share the tuned layers (one head, a slice of it per task; their losses are summed)."""
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    from nlp.backbone.convert import prepare

    torch.set_num_threads(threads)
    folder = prepare()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    backbone = BertModel.from_pretrained(str(folder), add_pooling_layer=False)
    slices, width = {}, 0
    for task in tasks:
        slices[task] = slice(width, width + len(TASKS[task]))
        width += len(TASKS[task])
    y = {task: torch.tensor([gold(task, r) for r in rows]) for task in tasks}
    folds = np.array(_folds(rows, 5))
    start = time.perf_counter()
    probe = TunedTop(backbone, layers, width)
    states = []
    for ids in _token_ids(tokenizer, [r["text"] for r in rows], max_tokens):
        x = torch.tensor([ids])
        states.append(probe.lower(x, torch.ones_like(x))[0])
    log(f"kept the frozen layers' states of {len(rows)} posts in {time.perf_counter() - start:.0f}s")
    probs = {task: np.zeros((len(rows), len(TASKS[task]))) for task in tasks}
    for fold in range(5):
        torch.manual_seed(fold)
        model = TunedTop(backbone, layers, width)
        optimiser = torch.optim.AdamW(model.parameters(lr, 2e-3))
        train = [i for i in range(len(rows)) if folds[i] != fold]
        held = [i for i in range(len(rows)) if folds[i] == fold]
        start = time.perf_counter()
        model.top.train()
        for epoch in range(epochs):
            for batch in _batches(states, train, 16, np.random.default_rng(epoch)):
                logits = model.logits(*_padded(states, batch))
                loss = sum(torch.nn.functional.cross_entropy(logits[:, slices[t]], y[t][batch]) for t in tasks)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        model.top.eval()
        with torch.inference_mode():
            for batch in _batches(states, held, 32, None):
                logits = model.logits(*_padded(states, batch))
                for task in tasks:
                    probs[task][batch] = torch.softmax(logits[:, slices[task]], 1).numpy()
        log(f"fold {fold}: {len(train)} posts trained, {len(held)} held out, {time.perf_counter() - start:.0f}s")
    return probs


def figures(task: str, y: np.ndarray, probs: np.ndarray) -> dict:
    """Accuracy (sentiment) or request precision/recall/F1 at 0.5 (rescue)."""
    predicted = probs.argmax(1)
    if task == "sentiment":
        return {"accuracy": round(float((predicted == y).mean()), 4)}
    tp = int(((predicted == 1) & (y == 1)).sum())
    precision, recall = tp / max(1, int((predicted == 1).sum())), tp / max(1, int((y == 1).sum()))
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.train.finetune_real", description=__doc__.split("\n")[0])
    parser.add_argument("--task", required=True, help="sentiment, rescue, or both (sentiment,rescue: one shared top)")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N dev posts (a quick check)")
    parser.add_argument("--stage2-dump", action="append", default=[],
                        help="out-of-fold probabilities of the shipped stage 2 (choose --dump), one per task in order")
    args = parser.parse_args(argv)
    tasks = args.task.split(",")
    unknown = [t for t in tasks if t not in TASKS]
    if unknown or (args.stage2_dump and len(args.stage2_dump) != len(tasks)):
        parser.error(f"--task takes {', '.join(TASKS)} (comma-separated), with one --stage2-dump per task or none")
    rows = data.real_storm_dev()[:args.limit]
    probs = out_of_fold(tasks, rows, layers=args.layers, epochs=args.epochs, lr=args.lr,
                        max_tokens=args.max_tokens, threads=args.threads)
    result = {"posts": len(rows), "layers": args.layers, "epochs": args.epochs}
    for k, task in enumerate(tasks):
        y = np.array([gold(task, r) for r in rows])
        found = {"tuned": figures(task, y, probs[task])}
        if args.stage2_dump:
            dump = np.load(args.stage2_dump[k])
            where = {str(i): j for j, i in enumerate(dump["ids"])}
            shipped = dump["stage2"][[where[r["id"]] for r in rows]]
            found["shipped stage 2"] = figures(task, y, shipped)
            found["average of both"] = figures(task, y, (probs[task] + shipped) / 2)
        result[task] = found
    import json

    print(json.dumps(result, ensure_ascii=False))
    log("out of fold on the dev split; the test split was not read")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

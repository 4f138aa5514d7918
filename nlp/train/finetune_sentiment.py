"""Experiment: fine-tune the backbone's last layers for sentiment, measured against the frozen head.

    python -m nlp.train.finetune_sentiment [--train-rows 2000] [--layers 2] [--epochs 2]

Full fine-tuning runs at ~4-6 examples/s on two shared cores, so this trains only the last
``--layers`` encoder layers and a linear head: the frozen lower layers run once per example
(hidden states cached), then each epoch costs about ``layers/12`` of a full pass. It prints
ChnSentiCorp test accuracy on the same fixed 400-row subset as bench/bench_nlp.py. The result is
not yet wired into the cascade (it would add a torch head of a few MB per task).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from nlp.train import data
from nlp.train.common import log
from nlp.train.finetune_real import TunedTop


def _batches(tokenizer, texts, max_tokens, batch_size):
    """Length-sorted (ids, mask, original index) batches."""
    import torch

    ids = [e.ids[:max_tokens - 1] + [2] for e in tokenizer.encode_batch(["query: " + t for t in texts])]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        width = max(len(ids[i]) for i in chunk)
        x = torch.full((len(chunk), width), 1, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, i in enumerate(chunk):
            x[row, :len(ids[i])] = torch.tensor(ids[i])
            mask[row, :len(ids[i])] = 1
        yield x, mask, chunk


def main(argv=None) -> int:
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    from nlp.backbone.convert import prepare

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-rows", type=int, default=2000)
    parser.add_argument("--test-rows", type=int, default=400)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    folder = prepare()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    model = TunedTop(BertModel.from_pretrained(str(folder), add_pooling_layer=False), args.layers, 2)

    train_texts, train_y = data.subset(*data.chnsenticorp("train"), args.train_rows, seed=1)
    test_texts, test_y = data.subset(*data.chnsenticorp("test"), args.test_rows)
    start = time.perf_counter()
    cached = [(model.lower(x, m), m, idx) for x, m, idx in _batches(tokenizer, train_texts, args.max_tokens, 16)]
    log(f"cached lower layers of {len(train_texts)} examples in {time.perf_counter() - start:.0f}s")
    optimiser = torch.optim.AdamW(model.parameters(5e-5, 2e-3))
    labels = torch.tensor(train_y)
    model.top.train()
    for epoch in range(args.epochs):
        start = time.perf_counter()
        for b in np.random.default_rng(epoch).permutation(len(cached)):
            hidden, mask, idx = cached[b]
            loss = torch.nn.functional.cross_entropy(model.logits(hidden, mask), labels[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        log(f"epoch {epoch + 1}: {len(train_texts) / (time.perf_counter() - start):.1f} examples/s, last loss {loss.item():.3f}")
    model.top.eval()
    correct = 0
    with torch.inference_mode():
        for x, mask, idx in _batches(tokenizer, test_texts, args.max_tokens, 32):
            predicted = model.logits(model.lower(x, mask), mask).argmax(1).tolist()
            correct += sum(p == test_y[i] for p, i in zip(predicted, idx))
    print(f"ChnSentiCorp test accuracy ({len(test_texts)}-row subset), last {args.layers} layers fine-tuned "
          f"on {len(train_texts)} train rows, {args.epochs} epochs: {correct / len(test_texts):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

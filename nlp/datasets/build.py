"""Write the project's labelled sets: ``python -m nlp.datasets.build`` (deterministic, seeded).

The committed ``*_train.jsonl`` / ``*_dev.jsonl`` / ``*_test.jsonl`` files are the output; re-running reproduces them
byte for byte. See README.md (the data card).
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent


def _write(name: str, rows: list[dict]) -> None:
    with open(HERE / name, "w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    import importlib
    for name in ("rescue", "harmful", "category"):
        module = importlib.import_module(f"nlp.datasets.gen_{name}")
        train, test = module.generate()
        _write(f"{name}_train.jsonl", train)
        _write(f"{name}_test.jsonl", test)
        message = f"{name}: {len(train)} train, {len(test)} test"
        if hasattr(module, "generate_dev"):  # a dev split for choosing settings (never the test split)
            dev = module.generate_dev()
            _write(f"{name}_dev.jsonl", dev)
            message += f", {len(dev)} dev"
        print(message)


if __name__ == "__main__":
    main()

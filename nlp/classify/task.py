"""One classification task in two stages, loaded from ``nlp/models/<task>/``.

Stage 1: hashed term features (+ the task's rule features) → sparse linear model.
Stage 2: ``[backbone embedding, stage-1 log-odds]`` → a dense linear head. Training feeds the head
out-of-fold stage-1 scores, so it learns how far to trust stage 1 rather than copying it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from nlp.classify.features import HashedFeaturizer, append_columns
from nlp.classify.linear import SparseLinearModel
from yuqing.errors import InputError

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
TASKS = ("sentiment", "category", "harmful", "rescue")


# meta.json entries that change a model's answers (TaskModel.stage2_proba), so part of its version
APPLIED_META = ("stage2_log_bias", "stage2_logit_shift", "stage2_keeps_stage1")


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@dataclass
class TaskModel:
    """A task's two stages and its metadata (``meta.json``: labels, thresholds, metrics)."""

    name: str
    stage1: SparseLinearModel
    stage2: Optional[SparseLinearModel]
    meta: dict = field(default_factory=dict)
    rule_features: Optional[Callable[[Sequence[str]], np.ndarray]] = None

    @property
    def labels(self) -> list[str]:
        return self.stage1.labels

    @property
    def version(self) -> str:
        """The version recorded in each analysis this model makes (meta.json ``version``)."""
        return str(self.meta.get("version") or "unversioned")

    def stage1_proba(self, features, texts: Sequence[str], rules: np.ndarray | None = None) -> np.ndarray:
        """Probabilities from hashed ``features`` (of ``texts``) and the rule features."""
        if rules is None and self.rule_features is not None:
            rules = self.rule_features(texts)
        return self.apply_floors(self.stage1.predict_proba(append_columns(features, rules)), texts)

    def apply_floors(self, probs: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Raise probabilities where the task's strong rules fire (nlp.classify.rules.RULE_FLOORS)."""
        from nlp.classify.rules import RULE_FLOORS

        floor = RULE_FLOORS.get(self.name)
        return np.maximum(probs, floor(texts, self.labels)) if floor is not None and len(texts) else probs

    def stage2_proba(self, embeddings: np.ndarray, stage1: np.ndarray) -> np.ndarray:
        """Probabilities from the backbone's embeddings and stage-1 probabilities."""
        if self.stage2 is None:
            return stage1
        probs = self.stage2.predict_proba(stage2_inputs(embeddings, stage1, self.stage1.exclusive))
        bias = self.meta.get("stage2_log_bias")  # {label: added log-probability}, chosen out of fold on real posts
        if bias and self.stage1.exclusive:
            probs = probs * np.exp([float(bias.get(label, 0.0)) for label in self.labels])
            probs = probs / probs.sum(axis=1, keepdims=True)
        shift = self.meta.get("stage2_logit_shift")  # {label: added log-odds} of a per-label head, chosen on real dev
        if shift and not self.stage1.exclusive:
            odds = np.exp([float(shift.get(label, 0.0)) for label in self.labels])
            probs = probs * odds / (probs * odds + 1.0 - probs)  # sigmoid(logit(p) + shift), unclipped
        # labels the head reads worse than stage 1 on real dev text: stage 2 passes stage 1's
        # probability through for them (harmful's rumour, nlp.train.harmful.choose_rumour_stage)
        kept = [self.labels.index(label) for label in self.meta.get("stage2_keeps_stage1", ())
                if label in self.labels]
        if kept and not self.stage1.exclusive:
            probs = probs.copy()
            probs[:, kept] = stage1[:, kept]
        return probs

    def save(self, folder: Path | str) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.stage1.save(folder / "stage1.npz")
        if self.stage2 is not None:
            self.stage2.save(folder / "stage2.npz")
        else:
            (folder / "stage2.npz").unlink(missing_ok=True)  # a head of an earlier training must not load
        (folder / "meta.json").write_text(json.dumps(self.meta, ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")


def stage2_inputs(embeddings: np.ndarray, stage1: np.ndarray, exclusive: bool) -> np.ndarray:
    """The head's input: the embedding and stage 1's log-odds (one column for a binary task)."""
    scores = stage1[:, 1:] if exclusive and stage1.shape[1] == 2 else stage1
    return np.hstack([embeddings, logit(scores) / 4.0])


def load_task(name: str, models_dir: Path | str | None = None) -> TaskModel:
    """Load ``nlp/models/<name>/`` (or ``models_dir/<name>``)."""
    from nlp.classify.rules import RULE_FEATURES

    folder = Path(models_dir or MODELS_DIR) / name
    if not (folder / "stage1.npz").exists():
        raise InputError(f"{folder}/stage1.npz is missing: train it with `python -m nlp.train.{name}`")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta.setdefault("version", content_version(folder))
    stage2 = SparseLinearModel.load(folder / "stage2.npz") if (folder / "stage2.npz").exists() else None
    return TaskModel(name, SparseLinearModel.load(folder / "stage1.npz"), stage2, meta,
                     RULE_FEATURES.get(meta.get("rule_features", "")))


def content_version(folder: Path) -> str:
    """A model folder's version when its meta.json names none (the bundled models): ``bundled-`` and
    a digest of its weights, so two analyses name the same version only if the same weights made them."""
    import hashlib

    digest = hashlib.sha256()
    for name in ("stage1.npz", "stage2.npz"):
        if (folder / name).exists():
            digest.update((folder / name).read_bytes())
    try:  # the settings in meta.json that change what the weights answer are part of the version
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    applied = {key: meta[key] for key in APPLIED_META if meta.get(key)}
    if applied:
        digest.update(json.dumps(applied, sort_keys=True).encode("utf-8"))
    return "bundled-" + digest.hexdigest()[:10]


_featurizer: Optional[HashedFeaturizer] = None


def featurizer() -> HashedFeaturizer:
    """The shared stage-1 featuriser (stateless; one per process)."""
    global _featurizer
    if _featurizer is None:
        _featurizer = HashedFeaturizer()
    return _featurizer

"""Shared training steps: stage-1 fit with out-of-fold scores, stage-2 head, metrics, model card."""
from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.classify.features import append_columns
from nlp.classify.linear import SparseLinearModel, stack_binary
from nlp.classify.task import featurizer, stage2_inputs


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _logistic(C: float, max_iter: int = 300):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=max_iter, class_weight="balanced")


def fit_stage1(texts: Sequence[str], y: np.ndarray, labels: Sequence[str], *, rules: np.ndarray | None = None,
               C: float = 4.0, exclusive: bool = True, folds: int = 5, groups: Sequence | None = None,
               rows_per_label: np.ndarray | None = None, quick: bool = False):
    """Fit the hashed linear model; also return out-of-fold probabilities for the stage-2 head.

    ``y`` is a vector of class indices when ``exclusive``, else an (n, labels) 0/1 matrix.
    ``groups`` (e.g. the template a generated line came from) keeps a group in one fold, so the
    out-of-fold scores are as unsure as on unseen templates rather than on seen ones.
    ``rows_per_label`` (non-exclusive only): an (n, labels) boolean matrix, the rows each label learns
    from (a set labelled for one type only, e.g. COLD for incitement, says nothing of the others); a
    label's other rows get its fitted model's scores as their out-of-fold scores.
    ``quick`` (a ``--public-limit`` model for checks): at most ``QUICK_FOLDS`` folds for the
    out-of-fold scores, and the fits see only the hashed columns some text uses (the same fitted
    weights: with the L2 penalty an unused column's weight stays 0, so dropping it only saves the
    solver the ~200k idle coordinates of a small training set).
    """
    from sklearn.model_selection import GroupKFold, cross_val_predict

    X = append_columns(_features(texts), rules)
    width = X.shape[1]
    active = None
    if quick:
        folds = min(folds, QUICK_FOLDS)
        active = np.unique(X.indices)
        X = X[:, active]
    if exclusive:
        model = SparseLinearModel.from_sklearn(_widen(_logistic(C).fit(X, y), active, width), labels,
                                               exclusive=True)
        cv = GroupKFold(folds) if groups is not None else folds
        oof = cross_val_predict(_logistic(C), X, y, cv=cv, groups=groups, method="predict_proba")
        return model, oof
    estimators, oof = [], np.zeros(y.shape, dtype=np.float64)
    for j in range(y.shape[1]):
        use = np.ones(len(y), dtype=bool) if rows_per_label is None else np.asarray(rows_per_label[:, j], bool)
        Xj, yj = X[use], y[use, j]
        gj = None if groups is None else [g for g, u in zip(groups, use) if u]
        estimator = _logistic(C).fit(Xj, yj)
        estimators.append(estimator)
        cv = GroupKFold(folds) if gj is not None else folds
        if not use.all():
            oof[~use, j] = estimator.predict_proba(X[~use])[:, 1]
        oof[use, j] = cross_val_predict(_logistic(C), Xj, yj, cv=cv, groups=gj, method="predict_proba")[:, 1]
    return stack_binary([_widen(e, active, width) for e in estimators], labels), oof


#: out-of-fold folds of a quick (``--public-limit``) stage-1 fit; the shipped models use 5
QUICK_FOLDS = 3


def _features(texts: Sequence[str]):
    """The hashed features of ``texts``, each distinct text featurised once (training sets repeat
    the real posts up to ten times); the same matrix as ``featurizer().transform(texts)``."""
    position = {text: i for i, text in enumerate(dict.fromkeys(texts))}
    unique = featurizer().transform(list(position))
    return unique[[position[text] for text in texts]]


def _widen(estimator, active: np.ndarray | None, width: int):
    """A LogisticRegression fitted on the columns ``active`` with its weights put back in place
    (0 for every other column) over all ``width`` columns."""
    if active is None:
        return estimator
    coef = np.zeros((estimator.coef_.shape[0], width), dtype=np.float64)
    coef[:, active] = estimator.coef_
    estimator.coef_ = coef
    estimator.n_features_in_ = width
    return estimator


def fit_stage2(embeddings: np.ndarray, stage1: np.ndarray, y: np.ndarray, labels: Sequence[str], *,
               C: float = 1.0, exclusive: bool = True, embedding_scale: float = 1.0,
               use_stage1: bool = True, rows_per_label: np.ndarray | None = None) -> SparseLinearModel:
    """Fit the head over ``[embedding, stage-1 log-odds]`` (stage-1 scores out-of-fold).

    ``embedding_scale`` multiplies the (unit-length) embeddings while fitting and is folded back
    into the weights, so it only changes how strongly the embedding part is regularised against
    the stage-1 part; the stored head takes the usual inputs. ``use_stage1=False`` fits on the
    embeddings alone (the stage-1 columns get weight 0).
    """
    X = stage2_inputs(embeddings, stage1, exclusive)
    dim = embeddings.shape[1]
    X = np.hstack([X[:, :dim] * embedding_scale, X[:, dim:] if use_stage1 else np.zeros_like(X[:, dim:])])
    if exclusive:
        estimators = [_logistic(C, 1000).fit(X, y)]
    else:
        use = np.ones(y.shape, dtype=bool) if rows_per_label is None else np.asarray(rows_per_label, bool)
        estimators = [_logistic(C, 1000).fit(X[use[:, j]], y[use[:, j], j]) for j in range(y.shape[1])]
    for estimator in estimators:
        estimator.coef_[:, :dim] *= embedding_scale
        if not use_stage1:
            estimator.coef_[:, dim:] = 0.0
    if exclusive:
        return SparseLinearModel.from_sklearn(estimators[0], labels, exclusive=True)
    return stack_binary(estimators, labels)


def macro_f1(y_true, y_pred) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


def accuracy(y_true, y_pred) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def write_card(folder: Path, title: str, body: str, metrics: dict) -> None:
    """MODEL_CARD.md: what the model does, its data and terms, split, metrics, date."""
    lines = [f"# {title}", "", body.strip(), "", "## Metrics (held-out splits, never trained on)", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in metrics.items()]
    lines += ["", f"Trained {_dt.date.today().isoformat()} by `python -m nlp.train.{folder.name}`.", ""]
    (folder / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")
    log(json.dumps(metrics, ensure_ascii=False))

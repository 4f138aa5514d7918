"""Classifiers of the NLP stage: a cheap hashed-linear first stage and embedding heads.

Every task (sentiment, category, harmful, rescue) is a :class:`~nlp.classify.task.TaskModel`
loaded from ``nlp/models/<task>/``: ``stage1.npz`` (sparse linear weights over hashed jieba and
character n-grams) and ``stage2.npz`` (a head over the backbone's mean-pooled embedding, blended
with stage 1). :mod:`nlp.cascade` decides which documents the second stage sees.
"""
from nlp.classify.features import HashedFeaturizer
from nlp.classify.linear import SparseLinearModel
from nlp.classify.task import MODELS_DIR, TASKS, TaskModel, load_task

__all__ = ["HashedFeaturizer", "SparseLinearModel", "TaskModel", "load_task", "MODELS_DIR", "TASKS"]

"""HDBSCAN clustering and its bad inputs: too few, identical, empty, unrelated, a million rows."""
import tracemalloc

import numpy as np
import pytest

from clustering.density import DensityParams, cluster_vectors
from clustering.embedders import normalise

PARAMS = DensityParams(min_cluster_size=5, min_samples=3, min_coherence=0.0, assign_min_similarity=0.5)


def blobs(n_per: int, centres: int, dim: int = 32, spread: float = 0.05, seed: int = 0):
    rng = np.random.default_rng(seed)
    middle = normalise(rng.normal(size=(centres, dim)))
    truth = np.repeat(np.arange(centres), n_per)
    return normalise(middle[truth] + rng.normal(scale=spread, size=(len(truth), dim))).astype(np.float32), truth


def test_separated_groups_become_clusters():
    vectors, truth = blobs(20, 4)
    labels = cluster_vectors(vectors, PARAMS)
    assert labels.max() + 1 == 4
    for group in range(4):  # each true group lands in exactly one cluster
        assert len(set(labels[truth == group])) == 1


def test_empty_window_gives_no_labels():
    assert cluster_vectors(np.zeros((0, 16), dtype=np.float32), PARAMS).shape == (0,)


def test_fewer_documents_than_min_cluster_size_are_all_noise():
    vectors, _ = blobs(4, 1)
    assert (cluster_vectors(vectors, PARAMS) == -1).all()


def test_identical_documents_are_one_incident():
    vectors = np.tile(normalise(np.ones((1, 16), dtype=np.float32)), (30, 1))
    assert (cluster_vectors(vectors, PARAMS) == 0).all()


def test_one_event_among_a_little_noise_is_still_found():
    event, _ = blobs(15, 1, seed=1)
    rng = np.random.default_rng(2)
    noise = normalise(rng.normal(size=(4, event.shape[1]))).astype(np.float32)
    labels = cluster_vectors(np.vstack([event, noise]), PARAMS)
    assert (labels[:15] == 0).all() and (labels[15:] == -1).all()


def test_unrelated_documents_stay_noise():
    rng = np.random.default_rng(3)
    vectors = normalise(rng.normal(size=(40, 64))).astype(np.float32)
    labels = cluster_vectors(vectors, DensityParams(min_cluster_size=5, min_samples=3, min_coherence=0.8,
                                                    assign_min_similarity=0.5))
    assert (labels == -1).all()


def test_loose_cluster_is_split_into_coherent_parts():
    # two tight events inside a loose cloud: the coherence check keeps the events, drops the cloud
    tight, truth = blobs(12, 2, spread=0.01, seed=4)
    cloud = normalise(tight.mean(axis=0) + np.random.default_rng(5).normal(scale=0.2, size=(60, 32)))
    vectors = np.vstack([tight, cloud]).astype(np.float32)
    params = DensityParams(min_cluster_size=5, min_samples=3, min_coherence=0.99, assign_min_similarity=0.5)
    labels = cluster_vectors(vectors, params)
    for group in range(2):
        assert len(set(labels[:24][truth == group])) == 1 and labels[:24][truth == group][0] >= 0
    assert np.mean(labels[24:] == -1) > 0.9


def test_a_million_documents_degrade_by_sampling_with_bounded_memory():
    rng = np.random.default_rng(6)
    dim, n = 8, 1_000_000
    centres = normalise(rng.normal(size=(20, dim)))
    truth = rng.integers(0, 20, n)
    vectors = normalise(centres[truth] + rng.normal(scale=0.01, size=(n, dim))).astype(np.float32)
    params = DensityParams(min_cluster_size=10, min_samples=5, max_fit_docs=3000, reduction="none",
                           min_coherence=0.0, assign_min_similarity=0.9)
    tracemalloc.start()
    labels = cluster_vectors(vectors, params)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert labels.shape == (n,)
    assert peak < 400 * 2**20  # the input is 32 MB; batches, not an n × n or n × k × d blow-up
    assert np.mean(labels >= 0) > 0.9  # the calibrated thresholds leave the far fringe as noise
    # every true group maps to one cluster
    sample = rng.choice(n, 20000, replace=False)
    pairs = {(t, l) for t, l in zip(truth[sample], labels[sample]) if l >= 0}
    assert len(pairs) == 20


@pytest.mark.parametrize("reduction", ["pca", "none"])
def test_reduction_choices_both_work(reduction):
    vectors, truth = blobs(15, 3, dim=64)
    labels = cluster_vectors(vectors, DensityParams(**{**PARAMS.__dict__, "reduction": reduction,
                                                       "reduction_dims": 8}))
    assert labels.max() + 1 == 3

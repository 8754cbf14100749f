"""Exact k-NN distances and ball counts (issue #16): the fast paths equal the brute force and the
code they replace, bit for bit, on data with and without ties, in 1-8 dimensions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infolens.estimators import KSG, ContinuousDiscreteMI, KLEntropy, WeightedKL, knn_counts
from infolens.estimators.knn import _ksg_neighbour_counts_legacy, ksg_neighbour_counts, ksg_terms
from infolens.estimators.knn_counts import (
    _count_within_legacy,
    _knn_query_legacy,
    count_within,
    count_within_sorted,
    count_within_torch,
    knn_query,
    knn_query_torch,
    resolve_knn_device,
    resolve_n_jobs,
)
from infolens.estimators.knn_reference import (
    count_within_bruteforce,
    knn_distances_bruteforce,
    ksg_bruteforce,
)
from infolens.tasks import CorrelatedGaussian


def _radii(points: np.ndarray, k: int, norm: str, rule: str) -> np.ndarray:
    """Radii that sit exactly on a neighbour's distance (``exact``) or just below it (``strict``,
    KSG algorithm 1's rule)."""
    eps = knn_distances_bruteforce(points, k, norm)[:, k]
    return eps if rule == "exact" else np.nextafter(eps, 0.0)


KINDS = ["continuous", "integers", "magnitudes"]


@pytest.fixture(params=["input order", "tree order"])
def order(request, monkeypatch):
    """Both code paths: small inputs are searched in input order, large ones in tree order."""
    if request.param == "tree order":
        monkeypatch.setattr(knn_counts, "REORDER_MIN_POINTS", 0)
    return request.param


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("d", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("rule", ["exact", "strict"])
def test_max_norm_counts_equal_bruteforce_and_legacy(kind, d, rule, order, knn_points):
    rng = np.random.default_rng(d)
    points = knn_points(rng, 700, d, kind)
    radius = _radii(points, 4, "max", rule)
    expected = count_within_bruteforce(points, radius, "max")
    assert np.array_equal(count_within(points, radius, "max", n_jobs=1), expected)
    assert np.array_equal(count_within(points, radius, "max", n_jobs=2), expected)
    assert np.array_equal(_count_within_legacy(points, radius, "max"), expected)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("d", [1, 3, 6])
def test_euclidean_counts_equal_legacy(kind, d, order, knn_points):
    # Euclidean counts keep scikit-learn's tree, so they round exactly as before
    rng = np.random.default_rng(10 + d)
    points = knn_points(rng, 600, d, kind)
    radius = _radii(points, 3, "euclidean", "exact")
    legacy = _count_within_legacy(points, radius, "euclidean")
    assert np.array_equal(count_within(points, radius, "euclidean", n_jobs=2), legacy)
    if kind != "magnitudes":  # away from cancellation the sum of squares is that of all pairs
        assert np.array_equal(legacy, count_within_bruteforce(points, radius, "euclidean"))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("norm", ["max", "euclidean"])
@pytest.mark.parametrize("d", [1, 2, 5, 8])
def test_knn_distances_equal_bruteforce_and_indices_equal_legacy(kind, norm, d, order, knn_points):
    rng = np.random.default_rng(20 + d)
    points = knn_points(rng, 500, d, kind)
    dist, idx = knn_query(points, 5, norm, return_indices=True, n_jobs=1)
    legacy_dist, legacy_idx = _knn_query_legacy(points, 5, norm)
    assert np.array_equal(dist, legacy_dist) and np.array_equal(idx, legacy_idx)
    reordered, none = knn_query(points, 5, norm, n_jobs=2)
    assert none is None and np.array_equal(reordered, legacy_dist)
    if norm == "max":
        assert np.array_equal(dist, knn_distances_bruteforce(points, 5, "max"))


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(-6, 6), min_size=2, max_size=60),
    scale=st.sampled_from([1.0, 0.1, 1e-300, 3e15]),
    offset=st.sampled_from([0.0, 0.3, 1e16]),
    radius_steps=st.lists(st.integers(-2, 2), min_size=60, max_size=60),
)
def test_sorted_counts_equal_bruteforce_property(values, scale, offset, radius_steps):
    x = np.asarray(values, dtype=np.float64) * scale + offset
    eps = knn_distances_bruteforce(x[:, None], 1, "max")[:, 1]
    radius = eps.copy()  # radii on, just above and just below a neighbour's distance
    for _ in range(2):
        step = np.asarray(radius_steps[: len(x)])
        radius = np.where(step > 0, np.nextafter(radius, np.inf), radius)
        radius = np.where(step < 0, np.nextafter(radius, 0.0), radius)
    expected = count_within_bruteforce(x[:, None], radius, "max")
    assert np.array_equal(count_within_sorted(x, radius), expected)


@pytest.mark.parametrize("kind", ["continuous", "integers"])
@pytest.mark.parametrize("variant", [1, 2])
@pytest.mark.parametrize("dims", [(1, 1), (2, 3), (4, 4)])
def test_ksg_counts_equal_legacy_and_bruteforce(kind, variant, dims, order, knn_points):
    rng = np.random.default_rng(sum(dims) + variant)
    joint = knn_points(rng, 800, sum(dims), kind)
    if kind == "integers":  # ties everywhere, but no repeated rows in x, y or the joint space
        joint = joint + rng.permutation(len(joint))[:, None] * 1e-3 * (np.arange(sum(dims)) == 0)
    x, y = joint[:, : dims[0]], joint[:, dims[0]:]
    fast = ksg_neighbour_counts(x, y, 4, variant, n_jobs=2)
    legacy = _ksg_neighbour_counts_legacy(x, y, 4, variant)
    assert np.array_equal(fast[0], legacy[0]) and np.array_equal(fast[1], legacy[1])
    if variant == 1:
        mi = float(ksg_terms(*fast, len(x), 4, 1).mean())
        assert mi == ksg_bruteforce(x, y, k=4)


def test_estimators_do_not_depend_on_n_jobs(order):
    x, y = CorrelatedGaussian(3, 2, mutual_information=1.0).sample(3_000, seed=1)
    labels = (x[:, 0] > 0).astype(int) + 2 * (y[:, 0] > 0)
    for make in (KSG, lambda **kw: KSG(variant=2, **kw), KLEntropy, WeightedKL):
        assert make(n_jobs=1).estimate(x, y) == make(n_jobs=2).estimate(x, y)
    for algorithm in ("ross", "kl"):
        one = ContinuousDiscreteMI(algorithm=algorithm, n_jobs=1).estimate(x, labels)
        assert one == ContinuousDiscreteMI(algorithm=algorithm, n_jobs=2).estimate(x, labels)


# ----------------------------------------------------------------------------- torch path


@pytest.mark.parametrize("kind", ["continuous", "integers"])
@pytest.mark.parametrize("d", [1, 4])
def test_torch_path_equals_trees(kind, d, knn_points):
    pytest.importorskip("torch")
    rng = np.random.default_rng(30 + d)
    points = knn_points(rng, 300, d, kind)
    dist, _ = knn_query(points, 4, "max", n_jobs=1)
    torch_dist, torch_idx = knn_query_torch(points, 4, "max", "cpu", chunk_size=37)
    assert np.array_equal(torch_dist, dist)
    chosen = np.abs(points[torch_idx] - points[:, None, :]).max(axis=2)
    assert np.array_equal(chosen, torch_dist)  # the indices point at those distances
    radius = np.nextafter(dist[:, 4], 0.0)
    expected = count_within(points, radius, "max", n_jobs=1)
    assert np.array_equal(count_within_torch(points, radius, "max", "cpu", chunk_size=37), expected)
    euclid, _ = knn_query(points, 4, "euclidean", n_jobs=1)
    torch_euclid, _ = knn_query_torch(points, 4, "euclidean", "cpu")
    np.testing.assert_allclose(torch_euclid, euclid, rtol=1e-14, atol=0.0)


def test_estimators_on_the_torch_path_match_the_trees():
    pytest.importorskip("torch")
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(800, seed=2)
    labels = (x[:, 0] > 0).astype(int)
    assert KSG(device="cpu").estimate(x, y) == KSG(n_jobs=1).estimate(x, y)
    ross = ContinuousDiscreteMI(device="cpu").estimate(x, labels)
    assert ross == ContinuousDiscreteMI(n_jobs=1).estimate(x, labels)
    kl = KLEntropy(device="cpu").estimate(x, y)
    assert kl == pytest.approx(KLEntropy(n_jobs=1).estimate(x, y), abs=1e-12)


# ----------------------------------------------------------------------------- arguments


def test_n_jobs_and_device_are_checked_by_name():
    assert resolve_n_jobs(3) == 3 and resolve_n_jobs(-1) == resolve_n_jobs(None) >= 1
    for bad in (0, -2, 1.5, True, "2"):
        with pytest.raises(ValueError, match="n_jobs: expected a positive int"):
            resolve_n_jobs(bad)
    assert resolve_knn_device(None) is None
    x, y = CorrelatedGaussian(1, 1, mutual_information=1.0).sample(100, seed=0)
    with pytest.raises(ValueError, match="n_jobs:"):
        KSG(n_jobs=0).estimate(x, y)
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match="device:"):
        KSG(device="tpu").estimate(x, y)


def test_radius_is_checked_by_name():
    points = np.zeros((4, 2)) + np.arange(4)[:, None]
    with pytest.raises(ValueError, match=r"radius: expected shape \(4,\)"):
        count_within(points, np.ones(3), "max")
    with pytest.raises(ValueError, match="radius: must be >= 0"):
        count_within(points, np.array([1.0, -1.0, 1.0, 1.0]), "max")
    with pytest.raises(ValueError, match="norm: expected"):
        count_within(points, np.ones(4), "l1")

"""The compiled box tree (issue #16): its max-norm ball counts equal the brute force exactly, on
data with and without ties, with radii on and just below a neighbour's distance, in 2-8
dimensions, for any leaf size and thread count."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infolens.estimators.knn_boxtree import build_box_tree, count_within_max_norm
from infolens.estimators.knn_reference import count_within_bruteforce, knn_distances_bruteforce


@pytest.mark.parametrize("kind", ["continuous", "integers", "magnitudes", "clusters"])
@pytest.mark.parametrize("d", [2, 3, 4, 8])
@pytest.mark.parametrize("rule", ["exact", "strict"])
@pytest.mark.parametrize("leaf_size", [1, 7, 128])
def test_counts_equal_bruteforce(kind, d, rule, leaf_size, knn_points):
    rng = np.random.default_rng(10 * d + leaf_size)
    points = knn_points(rng, 600, d, kind)
    eps = knn_distances_bruteforce(points, 5, "max")[:, 5]
    radius = eps if rule == "exact" else np.nextafter(eps, 0.0)
    expected = count_within_bruteforce(points, radius, "max")
    assert np.array_equal(count_within_max_norm(points, radius, 1, leaf_size), expected)
    assert np.array_equal(count_within_max_norm(points, radius, 3, leaf_size), expected)


def test_counts_with_zero_and_huge_radii_and_repeated_rows():
    rng = np.random.default_rng(0)
    points = np.repeat(rng.normal(size=(50, 3)), 4, axis=0)  # every row four times
    radius = rng.choice([0.0, 0.3, 1e300], size=len(points))
    expected = count_within_bruteforce(points, radius, "max")
    got = count_within_max_norm(points, radius, 2, leaf_size=5)
    assert np.array_equal(got, expected)
    assert np.all(got[radius == 0.0] == 3.0)  # the three copies of the row
    assert np.all(got[radius == 1e300] == len(points) - 1)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 300),
    d=st.integers(2, 6),
    leaf_size=st.integers(1, 40),
    grid=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_counts_equal_bruteforce_on_any_input(seed, n, d, leaf_size, grid):
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n, d))
    if grid:
        points = np.round(points / grid) * grid
    radius = np.abs(rng.normal(size=n)) * rng.choice([0.0, 0.5, 2.0], size=n)
    expected = count_within_bruteforce(points, radius, "max")
    assert np.array_equal(count_within_max_norm(points, radius, 2, leaf_size), expected)


def test_tree_boxes_hold_their_points_and_leaves_partition_them():
    points = np.random.default_rng(1).normal(size=(1000, 4))
    tree = build_box_tree(points, leaf_size=16)
    assert np.array_equal(np.sort(tree.order), np.arange(1000))
    for node in range(len(tree.start)):
        members = points[tree.order[tree.start[node]:tree.end[node]]]
        assert np.array_equal(members.min(axis=0), tree.lower[node])
        assert np.array_equal(members.max(axis=0), tree.upper[node])
    leaves = tree.leaves()
    sizes = tree.end[leaves] - tree.start[leaves]
    assert sizes.max() <= 16 and sizes.sum() == 1000
    assert np.array_equal(tree.start[leaves][1:], tree.end[leaves][:-1])  # contiguous, in order

"""Test data shared by the k-NN count tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def knn_test_points(rng: np.random.Generator, n: int, d: int, kind: str) -> np.ndarray:
    """(n, d) points of one kind: "continuous" (standard normal); "integers" (rounded, so exact
    ties in every coordinate and distance); "magnitudes" (coordinates of very different scale,
    where value +- radius rounds); "clusters" (dense blobs far apart: whole tree nodes fall
    inside and outside the balls)."""
    x = rng.normal(size=(n, d))
    if kind == "integers":
        return np.round(2.0 * x)
    if kind == "magnitudes":
        return x * 10.0 ** rng.integers(-8, 17, size=(1, d)) + rng.choice([0.0, 1e16], size=(1, d))
    if kind == "clusters":
        return x * 1e-3 + rng.integers(0, 4, size=(n, 1)) * 10.0
    if kind != "continuous":
        raise ValueError(f"kind: unknown {kind!r}")
    return x


@pytest.fixture(scope="session")
def knn_points() -> Callable[[np.random.Generator, int, int, str], np.ndarray]:
    """:func:`knn_test_points`, for the k-NN count tests."""
    return knn_test_points

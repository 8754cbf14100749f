"""O(n^2) reference implementations of the k-NN estimators, for tests and benchmarks only.

They compute every pairwise distance (in chunks, so memory stays O(chunk * n)) and count
neighbours directly from the definitions, without trees.
"""

from __future__ import annotations

import numpy as np

from infolens.estimators.knn import ksg_terms

__all__ = ["ksg_bruteforce", "distances_bruteforce", "count_within_bruteforce", "knn_distances_bruteforce"]


def distances_bruteforce(queries: np.ndarray, points: np.ndarray, norm: str = "max") -> np.ndarray:
    """(q, n) distances from each query to each point: max |a - b|, or the root of the sum of
    squared differences, coordinates summed in order (as scikit-learn's trees sum them)."""
    diff = queries[:, None, :] - points[None, :, :]
    if norm == "max":
        return np.abs(diff).max(axis=2)
    total = np.zeros(diff.shape[:2])
    for j in range(diff.shape[2]):
        total += diff[:, :, j] * diff[:, :, j]
    return np.sqrt(total)


def count_within_bruteforce(
    points: np.ndarray, radius: np.ndarray, norm: str = "max", chunk: int = 512
) -> np.ndarray:
    """For each point, the number of other points at distance <= its radius, from all pairs.

    Max-norm: ``max |a - b| <= r``, the test of the KSG definition below. Euclidean: the sum of
    squared differences against ``r**2``, the test of scikit-learn's KD-tree.
    """
    n = len(points)
    counts = np.empty(n)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        if norm == "max":
            inside = distances_bruteforce(points[start:stop], points, "max") <= radius[start:stop, None]
        else:
            diff = points[start:stop, None, :] - points[None, :, :]
            total = np.zeros(diff.shape[:2])
            for j in range(diff.shape[2]):
                total += diff[:, :, j] * diff[:, :, j]
            inside = total <= (radius[start:stop] * radius[start:stop])[:, None]
        counts[start:stop] = inside.sum(axis=1) - 1.0
    return counts


def knn_distances_bruteforce(points: np.ndarray, k: int, norm: str = "max", chunk: int = 512) -> np.ndarray:
    """(n, k + 1) sorted distances from each point to its k + 1 nearest points, itself first."""
    n = len(points)
    out = np.empty((n, k + 1))
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        dist = distances_bruteforce(points[start:stop], points, norm)
        out[start:stop] = np.sort(dist, axis=1)[:, : k + 1]
    return out


def ksg_bruteforce(x: np.ndarray, y: np.ndarray, k: int = 5, chunk: int = 512) -> float:
    """KSG algorithm 1 from its definition (max-norm, strict marginal counts); x, y are (n, d)."""
    n = len(x)
    n_x = np.empty(n)
    n_y = np.empty(n)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        dx = np.abs(x[start:stop, None, :] - x[None, :, :]).max(axis=2)
        dy = np.abs(y[start:stop, None, :] - y[None, :, :]).max(axis=2)
        dz = np.maximum(dx, dy)
        rows = np.arange(stop - start)
        dz[rows, start + rows] = np.inf  # exclude the point itself
        eps = np.partition(dz, k - 1, axis=1)[:, k - 1]
        dx[rows, start + rows] = np.inf
        dy[rows, start + rows] = np.inf
        n_x[start:stop] = (dx < eps[:, None]).sum(axis=1)
        n_y[start:stop] = (dy < eps[:, None]).sum(axis=1)
    return float(ksg_terms(n_x, n_y, n, k, 1).mean())

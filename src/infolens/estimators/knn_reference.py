"""O(n^2) reference implementations of the k-NN estimators, for tests and benchmarks only.

They compute every pairwise distance (in chunks, so memory stays O(chunk * n)) and count
neighbours directly from the definitions, without trees.
"""

from __future__ import annotations

import numpy as np

from infolens.estimators.knn import ksg_terms

__all__ = ["ksg_bruteforce"]


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

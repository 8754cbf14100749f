"""Exact max-norm ball counts on a compiled KD-tree of bounding boxes (numba), for n up to millions.

KSG's marginal counts ``n_x(i) = #{j != i : max_c |x_jc - x_ic| <= r_i}`` in d >= 2 dimensions hold
about sqrt(k n) points per query (about 2,200 at n = 10^6, k = 5). In four dimensions a box of
2,200 points is only about seven points wide, so almost every tree leaf it meets straddles its
boundary, and a node-summarising tree (scikit-learn's ``query_radius(count_only=True)``) spends
its time testing points one at a time behind generic distance calls. This module counts the
same thing with three changes that together make it about ten times faster at n = 10^6:

* **Boxes, not nodes.** Every node keeps the exact bounding box of its points. A node whose box
  lies inside a query's ball is added whole; one outside is skipped; only straddling leaves are
  scanned.
* **A leaf of queries at a time.** Queries run one leaf of the same tree at a time (the points
  are their own queries). A node is skipped or added for the whole leaf of queries when the
  box-to-box distances allow it against the leaf's smallest and largest radius (a dual-tree
  test), and tested per query only where they do not.
* **Vectorised leaf scans.** Coordinates are stored one dimension per row, so the test of a
  query against a leaf of 128 points is a few SIMD loops, not 128 function calls.

Exactness: the count is bit for bit the brute force's ``max_c |x_jc - x_ic| <= r_i``. Rounding is
monotone, so for every point p in a box [lo, hi] the computed ``|p_c - q_c|`` lies between the
computed distances of q_c to the box's nearer and farther face; the box tests therefore never
add a point that fails the test or skip one that passes it.

Parallel: ``n_jobs`` threads over contiguous runs of query leaves; the compiled kernel releases
the GIL. Memory: the points once more (transposed, in tree order), O(n / leaf) nodes with their
boxes, and the counts.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numba
import numpy as np

__all__ = ["BoxTree", "build_box_tree", "count_within_max_norm"]

#: points per leaf: large enough that the per-leaf scans vectorise and the tree stays shallow,
#: small enough that a leaf is not much wider than a query's ball (measured best at 64-256 for
#: KSG's 4-D marginals at n = 10^5 and 10^6)
LEAF_SIZE = 128

#: contiguous runs of query leaves per thread-pool task (balances dense and sparse regions)
TASKS_PER_THREAD = 16

#: deepest tree the fixed traversal stack allows: median splits halve every node, so the depth
#: is log2(n / LEAF_SIZE) + 1, far below this for any n that fits in memory
_STACK_DEPTH = 128


class BoxTree(NamedTuple):
    """A KD-tree as flat arrays: node ``v`` holds the points ``order[start[v]:end[v]]`` inside the
    box ``[lower[v], upper[v]]``; its children are ``left[v]`` and ``left[v] + 1`` (-1: a leaf)."""

    order: np.ndarray
    start: np.ndarray
    end: np.ndarray
    left: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def leaves(self) -> np.ndarray:
        """Leaf node ids in the order of their points."""
        leaves = np.flatnonzero(self.left < 0)
        return leaves[np.argsort(self.start[leaves], kind="stable")]


@numba.njit(cache=True, nogil=True)
def _build(points: np.ndarray, leaf_size: int) -> tuple:  # pragma: no cover - compiled
    n, d = points.shape
    order = np.arange(n)
    max_nodes = 2 * (2 * n // leaf_size + 2)
    start = np.empty(max_nodes, np.int64)
    end = np.empty(max_nodes, np.int64)
    left = np.full(max_nodes, -1, np.int64)
    lower = np.empty((max_nodes, d))
    upper = np.empty((max_nodes, d))
    start[0], end[0] = 0, n
    n_nodes = 1
    stack = np.empty(_STACK_DEPTH, np.int64)
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        s, e = start[node], end[node]
        for c in range(d):
            lower[node, c] = np.inf
            upper[node, c] = -np.inf
        for i in range(s, e):
            p = order[i]
            for c in range(d):
                v = points[p, c]
                lower[node, c] = min(lower[node, c], v)
                upper[node, c] = max(upper[node, c], v)
        if e - s <= leaf_size:
            continue
        widest, spread = 0, -1.0
        for c in range(d):
            if upper[node, c] - lower[node, c] > spread:
                widest, spread = c, upper[node, c] - lower[node, c]
        members = order[s:e]
        order[s:e] = members[np.argsort(points[members, widest], kind="mergesort")]
        mid = (s + e) // 2
        child = n_nodes
        n_nodes += 2
        left[node] = child
        start[child], end[child] = s, mid
        start[child + 1], end[child + 1] = mid, e
        stack[top], stack[top + 1] = child, child + 1
        top += 2
    return (order, start[:n_nodes].copy(), end[:n_nodes].copy(), left[:n_nodes].copy(),
            lower[:n_nodes].copy(), upper[:n_nodes].copy())


def build_box_tree(points: np.ndarray, leaf_size: int = LEAF_SIZE) -> BoxTree:
    """A KD-tree of ``points`` with exact node boxes: median splits on the widest coordinate.

    Parameters
    ----------
    points : numpy.ndarray
        (n, d) float64, finite.
    leaf_size : int, default=LEAF_SIZE
        Most points in a leaf.

    Returns
    -------
    BoxTree

    Examples
    --------
    >>> import numpy as np
    >>> tree = build_box_tree(np.arange(10.0).reshape(5, 2), leaf_size=2)
    >>> tree.lower[0].tolist(), tree.upper[0].tolist(), len(tree.leaves())
    ([0.0, 1.0], [8.0, 9.0], 3)
    """
    return BoxTree(*_build(np.ascontiguousarray(points, dtype=np.float64), int(leaf_size)))


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _count_leaves(
    coords: np.ndarray, radius: np.ndarray, start: np.ndarray, end: np.ndarray, left: np.ndarray,
    lower: np.ndarray, upper: np.ndarray, leaves: np.ndarray, largest_leaf: int,
    counts: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Counts (self included) for the queries of ``leaves``; ``coords`` is (d, n) in tree order,
    ``largest_leaf`` the most points in any leaf of the tree (any leaf may be scanned)."""
    d = coords.shape[0]
    stack = np.empty(_STACK_DEPTH, np.int64)
    inside = np.empty(largest_leaf, np.bool_)
    for g in leaves:
        q0, q1 = start[g], end[g]
        r_min, r_max = np.inf, -np.inf
        for i in range(q0, q1):
            r_min = min(r_min, radius[i])
            r_max = max(r_max, radius[i])
        whole = 0  # points in nodes inside every query's ball
        stack[0] = 0
        top = 1
        while top > 0:
            top -= 1
            node = stack[top]
            near, far = 0.0, 0.0  # box-to-box max-norm distance bounds
            for c in range(d):
                near = max(near, lower[node, c] - upper[g, c], lower[g, c] - upper[node, c])
                far = max(far, upper[node, c] - lower[g, c], upper[g, c] - lower[node, c])
            if near > r_max:
                continue
            if far <= r_min:
                whole += end[node] - start[node]
                continue
            if left[node] >= 0:
                stack[top], stack[top + 1] = left[node], left[node] + 1
                top += 2
                continue
            s, m = start[node], end[node] - start[node]
            for i in range(q0, q1):
                r = radius[i]
                near, far = 0.0, 0.0
                for c in range(d):
                    q = coords[c, i]
                    near = max(near, lower[node, c] - q, q - upper[node, c])
                    far = max(far, q - lower[node, c], upper[node, c] - q)
                if near > r:
                    continue
                if far <= r:
                    counts[i] += m
                    continue
                inside[:m] = True
                for c in range(d):
                    q = coords[c, i]
                    row = coords[c, s:s + m]
                    for t in range(m):
                        inside[t] &= abs(row[t] - q) <= r
                hits = 0
                for t in range(m):
                    hits += inside[t]
                counts[i] += hits
        for i in range(q0, q1):
            counts[i] += whole


def count_within_max_norm(
    points: np.ndarray, radius: np.ndarray, n_jobs: int = 1, leaf_size: int = LEAF_SIZE
) -> np.ndarray:
    """For each point, the number of other points within its radius in the max-norm.

    ``count_i = #{j != i : max_c |points_jc - points_ic| <= radius_i}``, exactly (see the module
    docstring), in ``n_jobs`` threads.

    Parameters
    ----------
    points : numpy.ndarray
        (n, d) float64, finite (the caller checks).
    radius : numpy.ndarray
        (n,) float64 radii, >= 0.
    n_jobs : int, default=1
        Threads (>= 1).
    leaf_size : int, default=LEAF_SIZE
        Most points in a leaf (speed only: the counts do not depend on it).

    Returns
    -------
    numpy.ndarray
        (n,) float64 counts, the point itself excluded.

    Examples
    --------
    >>> import numpy as np
    >>> points = np.array([[0.0, 0.0], [1.0, 0.5], [3.0, 0.0]])
    >>> count_within_max_norm(points, np.array([1.0, 0.5, 2.0])).tolist()
    [1.0, 0.0, 1.0]
    """
    tree = build_box_tree(points, leaf_size)
    coords = np.ascontiguousarray(points[tree.order].T)
    radius_o = np.ascontiguousarray(radius[tree.order], dtype=np.float64)
    counts_o = np.zeros(len(points), dtype=np.int64)
    leaves = tree.leaves()
    largest_leaf = int((tree.end[leaves] - tree.start[leaves]).max())

    def count(run: np.ndarray) -> None:
        _count_leaves(coords, radius_o, tree.start, tree.end, tree.left, tree.lower, tree.upper,
                      run, largest_leaf, counts_o)

    runs = np.array_split(leaves, min(len(leaves), max(1, n_jobs * TASKS_PER_THREAD)))
    if n_jobs == 1 or len(runs) == 1:
        for run in runs:
            count(run)
    else:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            list(pool.map(count, runs))
    counts = np.empty(len(points))
    counts[tree.order] = counts_o - 1
    return counts

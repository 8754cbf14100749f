"""Exact k-nearest-neighbour distances and ball counts for the k-NN estimators, at a million points.

Every k-NN estimator of :mod:`infolens.estimators.knn` reduces to two primitives:

* :func:`knn_query`: the distances to the k nearest neighbours of every point (and, for KSG
  algorithm 2, which points they are);
* :func:`count_within`: for every point, the number of other points at distance <= its own radius
  (KSG's marginal counts, Ross's m_i).

Both are exact: the result is a function of the points and radii alone, bit for bit the same as
the brute-force definition (:mod:`infolens.estimators.knn_reference`) and as the code they
replace (kept as :func:`_knn_query_legacy` and :func:`_count_within_legacy` for the benchmark).
What makes them fast at large n:

* **Tree order.** Points are queried in the leaf order of a KD-tree built on them (and, where
  only distances are needed, the tree is built on the reordered points): consecutive queries
  then visit the same nodes and leaves, and at n = 1,000,000 that alone makes the searches 2-4x
  faster than in the input's random order, which misses the cache on almost every leaf.
* **Sorted one-dimensional counts.** A 1-D ball is an interval of the sorted values, found by
  ``np.searchsorted`` in O(n log n) whatever the counts (KSG on 1+1 dimensions counts about
  sqrt(k n) points per query). The interval's ends are then moved past any value whose computed
  distance disagrees with the rounded bounds, so the count uses exactly the tree's test.
* **Box-tree counts.** In d >= 2 (max-norm, n >= ``REORDER_MIN_POINTS``) a compiled KD-tree
  with exact node boxes counts a leaf of queries at a time and scans straddling leaves in SIMD
  loops (:mod:`infolens.estimators.knn_boxtree`: about 12x scikit-learn's node-summarising
  ``query_radius(count_only=True)`` at n = 10^6, which still serves smaller inputs and the
  Euclidean norm).
* **All cores.** ``n_jobs`` threads (the trees release the GIL): scipy's ``workers`` for the
  neighbour queries, a thread pool over contiguous chunks of the tree order for the counts.

``device`` (a torch device) computes the same quantities by brute force in chunks with torch,
O(n^2 d) work and O(n d + chunk) memory: the way to use a GPU (``"cuda"``); on the CPU it is
only for tests. Max-norm results are bit-identical to the trees' (differences, absolute values
and maxima are exact in IEEE arithmetic); Euclidean distances sum their squares in another order
than scipy and scikit-learn, so they may differ in the last bit.

Memory: O(n d) for the points, the tree and the results, plus one chunk of counts per thread
(CPU) or one ``chunk_size`` block of distances (torch).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy.spatial import cKDTree
from sklearn.neighbors import KDTree

if TYPE_CHECKING:  # torch is imported only on the device path: the core needs no torch
    import torch

__all__ = [
    "resolve_n_jobs",
    "resolve_knn_device",
    "knn_query",
    "count_within",
    "count_within_sorted",
    "knn_query_torch",
    "count_within_torch",
]

#: the distances of the k-NN estimators
Norm = Literal["euclidean", "max"]
_MINKOWSKI_P = {"euclidean": 2.0, "max": np.inf}
_SKLEARN_METRIC = {"euclidean": "euclidean", "max": "chebyshev"}

#: queries per thread-pool task of the tree counts: small enough to balance two to sixteen
#: threads over the dense and the sparse parts of the data, large enough to amortise a task
COUNT_CHUNK = 8192

#: below this many points the data fit in cache and reordering them costs more than it saves
REORDER_MIN_POINTS = 20_000

#: distances held at once by the torch path on the CPU (float64 elements: 2**25 is 256 MiB; two
#: such buffers are live), and on a GPU (2**28: 2 GiB each)
TORCH_CHUNK_ELEMENTS = 2**25
TORCH_GPU_CHUNK_ELEMENTS = 2**28


# ----------------------------------------------------------------------------- arguments


#: environment variable read by ``n_jobs=None`` (threads per k-NN call)
N_JOBS_ENV = "INFOLENS_N_JOBS"


def resolve_n_jobs(n_jobs: int | None) -> int:
    """The number of threads ``n_jobs`` asks for.

    ``None``: ``$INFOLENS_N_JOBS`` when set (the grid runner, :mod:`infolens.grid`, sets it to
    the CPUs of each cell, so that parallel cells do not each take every core), else -1;
    ``-1``: every core this process may use.

    Parameters
    ----------
    n_jobs : int or None
        A positive thread count, -1 for all cores, or None (see above).

    Returns
    -------
    int
        The thread count, >= 1.

    Raises
    ------
    ValueError
        Naming ``n_jobs``, when it is neither None, -1 nor a positive int, or
        ``INFOLENS_N_JOBS`` when it is set to anything but a positive int.

    Examples
    --------
    >>> resolve_n_jobs(1), resolve_n_jobs(-1) >= 1
    (1, True)
    """
    if n_jobs is None:
        setting = os.environ.get(N_JOBS_ENV, "").strip()
        if setting:
            if not setting.isdigit() or int(setting) < 1:
                raise ValueError(f"{N_JOBS_ENV}: must be a positive integer, got {setting!r}")
            return int(setting)
    if n_jobs is None or (isinstance(n_jobs, (int, np.integer)) and not isinstance(n_jobs, bool)
                          and n_jobs == -1):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    if isinstance(n_jobs, (int, np.integer)) and not isinstance(n_jobs, bool) and n_jobs >= 1:
        return int(n_jobs)
    raise ValueError(f"n_jobs: expected a positive int, -1 or None (all cores), got {n_jobs!r}")


def resolve_knn_device(device: object) -> torch.device | None:
    """The torch device of the brute-force path, or None for the KD-trees.

    Parameters
    ----------
    device : None, str or torch.device
        None: KD-trees on the CPU (the default of every k-NN estimator). ``"auto"``: CUDA when
        torch sees a GPU, else the KD-trees. Any other name (``"cuda"``, ``"cuda:1"``,
        ``"cpu"``) or ``torch.device``: chunked brute force with torch there
        (:func:`infolens._validation.resolve_device` checks it).

    Returns
    -------
    torch.device or None
        None for the KD-trees.

    Raises
    ------
    ValueError
        Naming ``device``: not a device, or one this machine lacks.
    """
    if device is None:
        return None
    from infolens._validation import resolve_device

    resolved = resolve_device(device)
    if isinstance(device, str) and device.strip().lower() == "auto" and resolved.type == "cpu":
        return None  # brute force on the CPU is for tests; "auto" means "a GPU if there is one"
    return resolved


def _check_norm(norm: str) -> None:
    if norm not in _MINKOWSKI_P:
        raise ValueError(f"norm: expected 'euclidean' or 'max', got {norm!r}")


def _check_radius(points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    radius = np.asarray(radius, dtype=np.float64)
    if radius.shape != (len(points),):
        raise ValueError(f"radius: expected shape ({len(points)},), one per point, got {radius.shape}")
    if not (radius >= 0).all():  # also catches NaN
        raise ValueError("radius: must be >= 0 and not NaN")
    return radius


def _as_points(points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2:
        raise ValueError(f"points: expected shape (n_samples, n_features), got {points.ndim}-D")
    return points


# ----------------------------------------------------------------------------- neighbours


def knn_query(
    points: np.ndarray, k: int, norm: Norm, *, return_indices: bool = False,
    n_jobs: int | None = None, device: object = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Distances from every point to its k nearest neighbours, the point itself first.

    The same numbers as ``cKDTree(points).query(points, k + 1, p)`` (column 0 is the point
    itself at distance 0), queried in the tree's leaf order. Where ``return_indices`` is false
    the tree is built on the reordered points, faster again; the distances are the same, only
    which of several equidistant neighbours a query returns could change, and that is not
    returned.

    Parameters
    ----------
    points : numpy.ndarray
        (n, d) float64.
    k : int
        Number of neighbours besides the point itself (n > k).
    norm : {"euclidean", "max"}
        The distance.
    return_indices : bool, default=False
        Also return the neighbours' row numbers, exactly those of ``cKDTree(points).query``.
    n_jobs : int or None, default=None
        Threads; None or -1: all cores.
    device : None, str or torch.device, default=None
        None: KD-trees; a torch device: :func:`knn_query_torch` (see :func:`resolve_knn_device`).

    Returns
    -------
    distances : numpy.ndarray
        (n, k + 1), each row sorted.
    indices : numpy.ndarray or None
        (n, k + 1) row numbers where ``return_indices``, else None.

    Examples
    --------
    >>> import numpy as np
    >>> dist, _ = knn_query(np.array([[0.0], [1.0], [3.0]]), 1, "max", n_jobs=1)
    >>> dist[:, 1].tolist()
    [1.0, 1.0, 2.0]
    """
    _check_norm(norm)
    points = _as_points(points)
    torch_device = resolve_knn_device(device)
    if torch_device is not None:
        dist, idx = knn_query_torch(points, k, norm, torch_device)
        return dist, (idx if return_indices else None)
    workers = resolve_n_jobs(n_jobs)
    p = _MINKOWSKI_P[norm]
    tree = cKDTree(points)
    if len(points) < REORDER_MIN_POINTS:
        dist, idx = tree.query(points, k=k + 1, p=p, workers=workers)
        return dist, (idx if return_indices else None)
    order = tree.indices
    if return_indices:  # today's tree, so that ties between neighbours resolve as they always did
        dist_o, idx_o = tree.query(points[order], k=k + 1, p=p, workers=workers)
        dist, idx = np.empty_like(dist_o), np.empty_like(idx_o)
        dist[order], idx[order] = dist_o, idx_o
        return dist, idx
    ordered = points[order]
    dist_o, _ = cKDTree(ordered).query(ordered, k=k + 1, p=p, workers=workers)
    dist = np.empty_like(dist_o)
    dist[order] = dist_o
    return dist, None


# ----------------------------------------------------------------------------- ball counts


def count_within(
    points: np.ndarray, radius: np.ndarray, norm: Norm, *, n_jobs: int | None = None,
    device: object = None,
) -> np.ndarray:
    """For each point, the number of other points at distance <= its radius.

    ``count_i = #{j != i : dist(points_j, points_i) <= radius_i}``, with the distance computed as
    scikit-learn's KD-tree computes it (max-norm: ``max |a - b|``, as the brute-force reference;
    Euclidean: the sum of squared differences against ``radius**2``). One-dimensional max-norm
    counts are :func:`count_within_sorted`'s; other max-norm counts at n >= ``REORDER_MIN_POINTS``
    run on the compiled box tree (:func:`~infolens.estimators.knn_boxtree.count_within_max_norm`),
    below it on scikit-learn's KD-tree; Euclidean counts keep the tree of the code before (its node
    bounds round differently from its point test, so another tree could move a count on a
    boundary tie); all in ``n_jobs`` threads.

    Parameters
    ----------
    points : numpy.ndarray
        (n, d) float64.
    radius : numpy.ndarray
        (n,) radii, >= 0.
    norm : {"euclidean", "max"}
        The distance.
    n_jobs : int or None, default=None
        Threads; None or -1: all cores.
    device : None, str or torch.device, default=None
        None: trees and sorting; a torch device: :func:`count_within_torch`.

    Returns
    -------
    numpy.ndarray
        (n,) float64 counts, the point itself excluded.

    Raises
    ------
    ValueError
        Naming the argument: a norm other than the two, radii of the wrong shape or negative.

    Examples
    --------
    >>> import numpy as np
    >>> count_within(np.array([[0.0], [1.0], [3.0]]), np.array([1.0, 0.5, 2.0]), "max", n_jobs=1)
    array([1., 0., 1.])
    """
    _check_norm(norm)
    points = _as_points(points)
    radius = _check_radius(points, radius)
    torch_device = resolve_knn_device(device)
    if torch_device is not None:
        return count_within_torch(points, radius, norm, torch_device)
    if points.shape[1] == 1 and norm == "max":
        return count_within_sorted(points[:, 0], radius)
    workers = resolve_n_jobs(n_jobs)
    if len(points) < REORDER_MIN_POINTS:
        tree = KDTree(points, metric=_SKLEARN_METRIC[norm])
        return _threaded_counts(tree, points, radius, workers) - 1.0
    if norm == "max":  # exact box tests: the compiled box tree
        from infolens.estimators.knn_boxtree import count_within_max_norm  # imports numba

        return count_within_max_norm(points, radius, n_jobs=workers)
    # Euclidean node bounds round differently from the point test: keep today's tree
    tree = KDTree(points, metric="euclidean")
    order = tree.get_arrays()[1]
    counts_o = _threaded_counts(tree, points[order], radius[order], workers)
    counts = np.empty(len(points))
    counts[order] = counts_o - 1.0
    return counts


def _threaded_counts(tree: KDTree, queries: np.ndarray, radius: np.ndarray, workers: int) -> np.ndarray:
    """``tree.query_radius(queries, radius, count_only=True)`` over contiguous chunks in threads."""
    starts = range(0, len(queries), COUNT_CHUNK)

    def count(start: int) -> np.ndarray:
        stop = start + COUNT_CHUNK
        return tree.query_radius(queries[start:stop], radius[start:stop], count_only=True)

    if workers == 1 or len(queries) <= COUNT_CHUNK:
        parts = [count(s) for s in starts]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(count, starts))
    return np.concatenate(parts).astype(np.float64)


def _within_1d(values: np.ndarray, centres: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """The trees' and the brute force's test in one dimension: ``|v - c| <= r``."""
    return np.abs(values - centres) <= radius


def count_within_sorted(values: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """:func:`count_within` for one-dimensional points, by sorting: O(n log n), exact.

    The points within ``radius_i`` of ``values_i`` are the sorted values between two bounds:
    the computed distance ``|v - values_i|`` does not decrease as v moves away from
    ``values_i``, so the set is an interval. ``np.searchsorted``
    finds its ends from the rounded bounds ``values_i -+ radius_i``; each end is then moved, a
    block of equal values at a time, until the value just inside passes the test and the value
    just outside fails it. Rounding moves the ends by a value or two at most, so this takes a
    few vectorised passes.

    Parameters
    ----------
    values : numpy.ndarray
        (n,) float64.
    radius : numpy.ndarray
        (n,) radii, >= 0.

    Returns
    -------
    numpy.ndarray
        (n,) float64 counts, the point itself excluded.

    Examples
    --------
    >>> import numpy as np
    >>> count_within_sorted(np.array([0.0, 1.0, 1.0, 3.0]), np.array([1.0, 0.0, 2.0, 0.5]))
    array([2., 1., 3., 0.])
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    radius = _check_radius(values[:, None], radius)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    r = radius[order]
    # [lo, hi) holds the values within r of ordered[i], itself included; queries in sorted
    # order keep the binary searches in cache
    hi = _settle_end(ordered, r, np.searchsorted(ordered, ordered + r, side="right"), upper=True)
    lo = _settle_end(ordered, r, np.searchsorted(ordered, ordered - r, side="left"), upper=False)
    counts = np.empty(len(values))
    counts[order] = hi - lo - 1
    return counts


def _settle_end(ordered: np.ndarray, radius: np.ndarray, end: np.ndarray, *, upper: bool) -> np.ndarray:
    """Move one end of every interval until the values inside pass the test and those outside fail.

    Query i is ``ordered[i]`` with ``radius[i]``. ``upper``: ``end`` is one past the last value
    inside; else it is the first value inside. Ends move a block of equal values at a time.
    """
    n = len(ordered)
    end = end.copy()
    todo = np.arange(n)
    while len(todo):
        e, centre, r = end[todo], ordered[todo], radius[todo]
        outside = e if upper else e - 1  # the first value beyond the end
        out_val = ordered[np.clip(outside, 0, n - 1)]
        grow = ((outside < n) if upper else (outside >= 0)) & _within_1d(out_val, centre, r)
        inside = e - 1 if upper else e  # the last value before the end
        in_val = ordered[np.clip(inside, 0, n - 1)]
        shrink = ((inside >= 0) if upper else (inside < n)) & ~_within_1d(in_val, centre, r)
        side_grow, side_shrink = ("right", "left") if upper else ("left", "right")
        e[grow] = np.searchsorted(ordered, out_val[grow], side=side_grow)
        e[shrink] = np.searchsorted(ordered, in_val[shrink], side=side_shrink)
        moved = grow | shrink
        end[todo[moved]] = e[moved]
        todo = todo[moved]
    return end


# ----------------------------------------------------------------------------- torch, any device


def _torch_distances(
    queries: torch.Tensor, points: torch.Tensor, norm: Norm, out: torch.Tensor | None = None
) -> torch.Tensor:
    """(q, n) distances, coordinate by coordinate so that memory stays (q, n)."""
    import torch

    dist = out if out is not None else torch.empty(
        (len(queries), len(points)), dtype=points.dtype, device=points.device)
    diff = torch.empty_like(dist)
    for j in range(points.shape[1]):
        torch.sub(queries[:, j, None], points[None, :, j], out=diff)
        if norm == "max":
            diff.abs_()
            if j == 0:
                dist.copy_(diff)
            else:
                torch.maximum(dist, diff, out=dist)
        else:
            diff.mul_(diff)
            if j == 0:
                dist.copy_(diff)
            else:
                dist.add_(diff)
    if norm == "euclidean":
        dist.sqrt_()
    return dist


def _query_rows(n: int, chunk_size: int | None, device: torch.device) -> int:
    if chunk_size is not None:
        return max(1, int(chunk_size))
    budget = TORCH_CHUNK_ELEMENTS if device.type == "cpu" else TORCH_GPU_CHUNK_ELEMENTS
    return max(1, budget // max(n, 1))


def knn_query_torch(
    points: np.ndarray, k: int, norm: Norm, device: str | torch.device = "cpu",
    chunk_size: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`knn_query` by brute force with torch: exact distances, O(n^2 d) work.

    Parameters
    ----------
    points : numpy.ndarray
        (n, d) float64.
    k : int
        Number of neighbours besides the point itself.
    norm : {"euclidean", "max"}
        The distance.
    device : str or torch.device, default="cpu"
        Where to compute (a GPU: ``"cuda"``).
    chunk_size : int or None, default=None
        Queries per block; None: as many as :data:`TORCH_CHUNK_ELEMENTS` distances allow
        (:data:`TORCH_GPU_CHUNK_ELEMENTS` on a GPU).

    Returns
    -------
    distances, indices : numpy.ndarray
        (n, k + 1) each, rows sorted by distance. Distances equal :func:`knn_query`'s (max-norm:
        bit for bit); among equidistant neighbours the indices may differ.

    Examples
    --------
    >>> import numpy as np
    >>> dist, idx = knn_query_torch(np.array([[0.0], [1.0], [3.0]]), 1, "max")
    >>> dist[:, 1].tolist(), idx[2, 1].item()
    ([1.0, 1.0, 2.0], 1)
    """
    import torch

    _check_norm(norm)
    points = _as_points(points)
    n = len(points)
    if not 1 <= k < n:
        raise ValueError(f"k: expected 1 <= k < n = {n}, got {k!r}")
    data = torch.as_tensor(points, dtype=torch.float64, device=device)
    rows = _query_rows(n, chunk_size, data.device)
    dist_out = np.empty((n, k + 1))
    idx_out = np.empty((n, k + 1), dtype=np.int64)
    with torch.no_grad():
        for start in range(0, n, rows):
            block = _torch_distances(data[start:start + rows], data, norm)
            values, indices = torch.topk(block, k + 1, dim=1, largest=False, sorted=True)
            dist_out[start:start + rows] = values.cpu().numpy()
            idx_out[start:start + rows] = indices.cpu().numpy()
    return dist_out, idx_out


def count_within_torch(
    points: np.ndarray, radius: np.ndarray, norm: Norm, device: str | torch.device = "cpu",
    chunk_size: int | None = None,
) -> np.ndarray:
    """:func:`count_within` by brute force with torch: O(n^2 d) work, O(n d + chunk) memory.

    Parameters
    ----------
    points : numpy.ndarray
        (n, d) float64.
    radius : numpy.ndarray
        (n,) radii, >= 0.
    norm : {"euclidean", "max"}
        The distance (max-norm counts are bit for bit :func:`count_within`'s).
    device : str or torch.device, default="cpu"
        Where to compute (a GPU: ``"cuda"``).
    chunk_size : int or None, default=None
        Queries per block; None: as many as :data:`TORCH_CHUNK_ELEMENTS` distances allow
        (:data:`TORCH_GPU_CHUNK_ELEMENTS` on a GPU).

    Returns
    -------
    numpy.ndarray
        (n,) float64 counts, the point itself excluded.

    Examples
    --------
    >>> import numpy as np
    >>> count_within_torch(np.array([[0.0], [1.0], [3.0]]), np.array([1.0, 0.5, 2.0]), "max")
    array([1., 0., 1.])
    """
    import torch

    _check_norm(norm)
    points = _as_points(points)
    radius = _check_radius(points, radius)
    n = len(points)
    data = torch.as_tensor(points, dtype=torch.float64, device=device)
    radii = torch.as_tensor(radius, dtype=torch.float64, device=device)
    rows = _query_rows(n, chunk_size, data.device)
    counts = np.empty(n)
    with torch.no_grad():
        for start in range(0, n, rows):
            block = _torch_distances(data[start:start + rows], data, norm)
            inside = (block <= radii[start:start + rows, None]).sum(dim=1)
            counts[start:start + rows] = inside.cpu().numpy() - 1.0
    return counts


# ----------------------------------------------------------------------------- the code before


def _knn_query_legacy(points: np.ndarray, k: int, norm: Norm) -> tuple[np.ndarray, np.ndarray]:
    """The neighbour search of infolens before issue #16, for the benchmark and the tests."""
    return cKDTree(points).query(points, k=k + 1, p=_MINKOWSKI_P[norm], workers=-1)


def _count_within_legacy(points: np.ndarray, radius: np.ndarray, norm: Norm) -> np.ndarray:
    """The ball counts of infolens before issue #16 (one thread, input order)."""
    counts = KDTree(points, metric=_SKLEARN_METRIC[norm]).query_radius(points, radius, count_only=True)
    return counts.astype(np.float64) - 1.0

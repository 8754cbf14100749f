"""Upper bounds by SAT: colour the pieces of a triangulated grid.

The unit square [0, 1]^2 (the square itself, or the fundamental domain of the flat torus) is cut
into squares of side 1/resolution and each of those by its two diagonals into 4 triangles, the
*pieces*. Two pieces P, Q *conflict* at a bound b when sup_{p in P, q in Q} d(p, q)^2 > b^2
(Euclidean: the max over vertex pairs; torus: :func:`~diampart.certificate.torus_sup_squared`,
exact). An m-colouring of the pieces with no monochromatic conflicting pair is a partition into
m cells (a cell: the pieces of one colour) whose diameter is at most b: every pair of its points
lies in some pair of its pieces. "Is there such a colouring" is a CNF (see
:func:`diampart.lower.find_colouring`) for CaDiCaL (Biere et al., "CaDiCaL, Kissat, Paracooba,
Plingeling and Treengeling entering the SAT Competition 2020", through PySAT: Ignatiev, Morgado
& Marques-Silva, "PySAT: A Python Toolkit for Prototyping with SAT Oracles", SAT 2018).

The diameter of every cell is one of the finitely many pair values sup d(P, Q)^2, so a binary
search over those values finds the smallest bound at which this grid is m-colourable: the best
partition whose cells are unions of grid pieces. The colouring becomes a
:class:`~diampart.certificate.Certificate` (a square of one colour is one piece) that is checked
exactly before it is returned. A cell need not be connected: d_m counts covers by m sets.

This is the search that reaches the published torus bound for m = 6 (Protasov, Tolmachev &
Voronov, "Optimal partitions of the flat torus into parts of smaller diameter",
arXiv:2402.03997), sqrt(17)/8 = |(1/8, 1/2)|, on the 1/8 grid; the Voronoi search
(:mod:`diampart.search`) stops at 2 sin 15 deg there.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np

from diampart.certificate import Certificate, check_certificate, torus_sup_squared
from diampart.geometry import Point, max_squared_distance
from diampart.lower import find_colouring
from diampart.search import SearchResult
from diampart.shapes import ConvexPolygon, FlatTorus, Shape, get_shape

__all__ = ["GridPieces", "pair_squared_sups", "colour_pieces", "grid_sat_partition"]

_EPS = 1e-6
"""Pair values (grid units^2) closer than this are one value; far above float rounding error."""


class GridPieces:
    """The triangulated 1/resolution grid on [0, 1]^2: its 4 * resolution^2 triangles.

    Parameters
    ----------
    resolution : int
        Grid squares per side (>= 1).

    Attributes
    ----------
    units : numpy.ndarray of shape (4 * resolution ** 2, 3, 2)
        The triangles' vertices as integers in units of 1/(2 resolution).
    exact : list of tuple of Point
        The same triangles as exact rational points, counter-clockwise.

    Raises
    ------
    ValueError
        When ``resolution`` is not an integer >= 1.

    References
    ----------
    Mesh partitions searched with a SAT solver, as in Protasov, Tolmachev & Voronov, "Optimal
    partitions of the flat torus into parts of smaller diameter", arXiv:2402.03997.

    Examples
    --------
    >>> pieces = GridPieces(2)
    >>> len(pieces), pieces.exact[0][2]
    (16, (Fraction(1, 4), Fraction(1, 4)))
    """

    def __init__(self, resolution: int) -> None:
        if isinstance(resolution, bool) or not isinstance(resolution, int | np.integer) or resolution < 1:
            raise ValueError(f"resolution: expected an integer >= 1, got {resolution!r}")
        self.resolution = int(resolution)
        self.unit = 2 * self.resolution
        tris = []
        for i in range(self.resolution):
            for j in range(self.resolution):
                x, y = 2 * i, 2 * j
                a, b, c, d, mid = (x, y), (x + 2, y), (x + 2, y + 2), (x, y + 2), (x + 1, y + 1)
                tris += [(a, b, mid), (b, c, mid), (c, d, mid), (d, a, mid)]  # ccw
        self.units = np.array(tris, dtype=np.int64)
        self.exact: list[tuple[Point, ...]] = [
            tuple((Fraction(int(px), self.unit), Fraction(int(py), self.unit)) for px, py in t)
            for t in tris
        ]

    def __len__(self) -> int:
        return len(self.exact)


def _check_shape(shape: Shape) -> None:
    if isinstance(shape, FlatTorus):
        return
    unit_square = ((0, 0), (1, 0), (1, 1), (0, 1))
    if isinstance(shape, ConvexPolygon) and tuple(shape.vertices) == unit_square:
        return
    raise ValueError(
        f"shape: the grid SAT search covers the unit square and the torus only, got {shape.name!r}"
    )


def _wrapped_sq(z: np.ndarray, u: float) -> np.ndarray:
    """dist(z, (u Z)^2)^2 along the last axis."""
    w = z - u * np.round(z / u)
    return (w**2).sum(-1)


def _torus_sups(diff: np.ndarray, u: float) -> np.ndarray:
    """sup of dist(z, (u Z)^2)^2 over the convex hull of each row of points ``diff`` (k, p, 2).

    On every lattice Voronoi square the distance is convex, so the sup over hull cap square is at
    a vertex of that clipped polygon: a hull vertex, a crossing of a hull edge with a square side,
    or a square corner inside the hull. Candidates: all points, all crossings of all segments
    between points with the lines x, y = +-u/2 (hull edges are among those segments, the rest lie
    inside), and each corner whose line meets the hull in an interval around it.
    """
    best = _wrapped_sq(diff, u).max(-1)
    a_idx, b_idx = np.triu_indices(diff.shape[1], 1)
    a, b = diff[:, a_idx], diff[:, b_idx]  # (k, s, 2)
    for axis in (0, 1):
        other = 1 - axis
        for c in (-u / 2, u / 2):
            da, db = a[..., axis] - c, b[..., axis] - c
            cross = da * db < 0
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(cross, da / (da - db), 0.0)
            along = a[..., other] + t * (b[..., other] - a[..., other])
            point = np.empty(along.shape + (2,))
            point[..., axis], point[..., other] = c, along
            best = np.maximum(best, np.where(cross, _wrapped_sq(point, u), 0.0).max(-1))
            on = np.abs(diff[..., axis] - c) < 1e-12
            lo = np.minimum(np.where(cross, along, np.inf).min(-1),
                            np.where(on, diff[..., other], np.inf).min(-1))
            hi = np.maximum(np.where(cross, along, -np.inf).max(-1),
                            np.where(on, diff[..., other], -np.inf).max(-1))
            for c2 in (-u / 2, u / 2):
                best = np.where((lo <= c2) & (c2 <= hi), np.maximum(best, u * u / 2), best)
    return best


def pair_squared_sups(shape: Shape, pieces: GridPieces) -> np.ndarray:
    """Matrix of sup_{p in P_i, q in P_j} d(p, q)^2 in grid units^2, (n, n) and symmetric.

    Floats: exact integers for the square; for the torus the sup of the distance to the lattice
    over the difference polygon (see :func:`_torus_sups`, rounding error only). The bound a
    partition claims is recomputed in exact arithmetic and checked by the certificate checker.

    Parameters
    ----------
    shape : Shape
        The unit square or the torus.
    pieces : GridPieces
        The grid.

    Returns
    -------
    numpy.ndarray of shape (n, n)
        The pair values.

    Raises
    ------
    ValueError
        For another shape.
    """
    _check_shape(shape)
    t = pieces.units.astype(np.float64)
    n, u = len(t), float(pieces.unit)
    out = np.zeros((n, n))
    for i in range(n):
        diff = (t[i][None, :, None, :] - t[i:][:, None, :, :]).reshape(n - i, 9, 2)
        if isinstance(shape, FlatTorus):
            out[i, i:] = _torus_sups(diff, u)
        else:
            out[i, i:] = (diff**2).sum(-1).max(1)
    return np.maximum(out, out.T)


def colour_pieces(
    sups: np.ndarray, parts: int, bound_units: float, *, solver: str = "cadical153",
    conflict_budget: int | None = None,
) -> list[int] | None | bool:
    """Colours (one per piece) with no monochromatic pair above ``bound_units``.

    Parameters
    ----------
    sups : numpy.ndarray of shape (n, n)
        Pair values (:func:`pair_squared_sups`).
    parts : int
        Number of colours.
    bound_units : float
        The squared bound, in grid units^2.
    solver : str, default="cadical153"
        PySAT solver name.
    conflict_budget : int or None, default=None
        Conflict limit of the solver; ``None``: none.

    Returns
    -------
    list of int or bool or None
        A colour per piece; False when the solver proves there is none; None when it runs out
        of ``conflict_budget``.
    """
    if np.any(np.diag(sups) > bound_units):
        return False
    iu, ju = np.nonzero(np.triu(sups > bound_units, 1))
    edges = list(zip(iu.tolist(), ju.tolist(), strict=True))
    return find_colouring(len(sups), edges, parts, solver=solver, conflict_budget=conflict_budget,
                          clique=[0])


def _cells(pieces: GridPieces, colours: list[int], parts: int) -> list[list[tuple[Point, ...]]]:
    """Pieces by colour; the 4 triangles of a one-coloured grid square become that square. An
    unused colour takes one piece from the largest cell (a subset of a cell keeps its bound)."""
    cells: list[list[tuple[Point, ...]]] = [[] for _ in range(parts)]
    for sq in range(len(pieces) // 4):
        cs = colours[4 * sq: 4 * sq + 4]
        if len(set(cs)) == 1:
            a, b, c, d = (pieces.exact[4 * sq + k][0] for k in range(4))
            cells[cs[0]].append((a, b, c, d))
        else:
            for k in range(4):
                cells[cs[k]].append(pieces.exact[4 * sq + k])
    for empty in [c for c in range(parts) if not cells[c]]:  # a subset keeps the bound
        donor = max(range(parts), key=lambda c: len(cells[c]))
        if len(cells[donor]) < 2:
            raise ValueError(f"resolution: too coarse for {parts} non-empty cells")
        cells[empty].append(cells[donor].pop())
    return cells


def grid_sat_partition(
    shape: Shape | str,
    parts: int,
    *,
    resolution: int = 8,
    solver: str = "cadical153",
    conflict_budget: int | None = 200_000,
    time_limit: float | None = None,
) -> SearchResult | None:
    """Smallest-diameter partition of ``shape`` (``torus`` or ``square``) into ``parts`` cells that
    are unions of pieces of the triangulated 1/``resolution`` grid, found by binary search over
    the pair values with a SAT solver; the certificate is checked exactly.

    A SAT call that runs out of ``conflict_budget`` (or of ``time_limit`` for the whole search)
    counts as "not colourable", so the result is the best bound proved colourable, which may be
    above the grid's true optimum.

    Parameters
    ----------
    shape : Shape or str
        ``"torus"`` or ``"square"`` (or the shape object).
    parts : int
        m >= 1, the number of cells.
    resolution : int, default=8
        Grid squares per side.
    solver : str, default="cadical153"
        PySAT solver name.
    conflict_budget : int or None, default=200_000
        Conflict limit of every SAT call.
    time_limit : float or None, default=None
        Stop the binary search after this many seconds (once a colouring is found).

    Returns
    -------
    SearchResult or None
        The checked partition; None when no bound up to the largest pair value works.

    Examples
    --------
    >>> res = grid_sat_partition("square", 4, resolution=2)
    >>> res.report.ok, res.certificate.bound_squared  # four quarters: diameter sqrt(2)/2
    (True, Fraction(1, 2))
    """
    start = time.perf_counter()
    shape = get_shape(shape) if isinstance(shape, str) else shape
    if isinstance(parts, bool) or not isinstance(parts, int | np.integer) or parts < 1:
        raise ValueError(f"parts: expected an integer >= 1, got {parts!r}")
    _check_shape(shape)
    pieces = GridPieces(resolution)
    sups = pair_squared_sups(shape, pieces)
    values = np.unique(np.round(sups, 9))
    lo, hi = 0, len(values) - 1
    best: tuple[int, list[int]] | None = None
    calls = 0
    while lo <= hi:
        if time_limit is not None and best is not None and time.perf_counter() - start > time_limit:
            break
        mid = (lo + hi) // 2
        colours = colour_pieces(sups, parts, values[mid] + _EPS, solver=solver,
                                conflict_budget=conflict_budget)
        calls += 1
        if isinstance(colours, list):
            best, hi = (mid, colours), mid - 1
        else:
            lo = mid + 1
    if best is None:
        return None
    cells = _cells(pieces, best[1], parts)
    # exact squared diameter of the colouring: the largest exact pair value inside one cell
    claimed = _exact_bound(shape, pieces, best[1], sups)
    cert = Certificate(
        shape=shape.name, parts=parts, bound_squared=claimed, cells=cells,
        meta={"method": "grid SAT", "resolution": pieces.resolution, "solver": solver,
              "sat_calls": calls},
    )
    report = check_certificate(cert)
    if not report.ok:  # pragma: no cover - the checker never trusts the searcher
        raise RuntimeError(f"grid SAT partition failed the exact check: {report.message}")
    return SearchResult(
        certificate=cert, report=report, float_diameter=math.sqrt(float(claimed)),
        restarts=calls, seconds=time.perf_counter() - start,
    )


def _exact_bound(shape: Shape, pieces: GridPieces, colours: list[int], sups: np.ndarray) -> Fraction:
    """max over monochromatic piece pairs of the exact sup d^2 (in shape units)."""
    colours_arr = np.asarray(colours)
    same = colours_arr[:, None] == colours_arr[None, :]
    worst = np.max(np.where(same, sups, -1.0))
    i_s, j_s = np.nonzero(same & (sups > worst - _EPS))
    best = Fraction(0)
    for i, j in zip(i_s.tolist(), j_s.tolist(), strict=True):
        a, b = pieces.exact[i], pieces.exact[j]
        # Euclidean: a + b also holds the pairs inside one piece, and those are monochromatic too
        v = torus_sup_squared(a, b) if isinstance(shape, FlatTorus) else max_squared_distance(a + b)
        best = max(best, v)
    return best

"""Upper bounds on the torus from periodic hexagonal tilings, solved exactly.

A lattice Lambda that contains Z^2 with index m (``[Lambda : Z^2] = m``, covolume 1/m) has m
cosets modulo Z^2, so any tile T of the plane by Lambda gives m translates ``T + lambda_i`` that
tile the torus R^2/Z^2: a partition into m congruent parts. The lattices are the
``(1/m) L`` for the index-m sublattices L of Z^2 (every such L contains m Z^2), one per Hermite
normal form ``L = <(a, 0), (b, d)>`` with ``a d = m``, ``0 <= b < a`` (sigma(m) of them).

Tiles. Let t1, t2 be a basis of Lambda. Every centrally symmetric hexagon whose neighbours sit
at +-t1, +-t2, +-(t2 - t1) has vertices

    v1 = t1 - w, v2 = w, v3 = t2 - w, v4 = -v1, v5 = -v2, v6 = -v3      (w free in R^2),

(v1 + v2 = t1, v2 + v3 = t2, v3 + v4 = t2 - t1). Its vertex differences are the constant
lattice vectors t1, t2, t2 - t1 or ``2w - c`` for c in C = {0, t1, t2, t1 + t2, 2 t1, 2 t2}, so

    min_w diam^2 = max(|t1|^2, |t2|^2, |t2 - t1|^2, R(C)^2),

R(C) the radius of the smallest circle enclosing C, reached at 2w = its centre. The centre is a
midpoint or a circumcentre of rational points, so the optimal tile of each basis is rational and
its diameter exact. Bases are taken among the short vectors of the Gauss-reduced lattice;
a parallelogram (w on a side) is the degenerate case. The tile of least diameter over all
lattices and bases becomes a :class:`~diampart.certificate.Certificate` (one piece per part, a
non-convex tile ear-clipped) and is checked exactly; on the torus its checked diameter may be
smaller than the plane diameter (distances wrap).

A regular hexagon of area 1/m has diameter sqrt(8 / (3 sqrt 3 m)), 1.0996 x the area bound
2 / sqrt(pi m); only a lattice close to the hexagonal one gets near it
(:func:`area_ratio`). The best lattice tilings for m = 6..25 (ratio to the area bound): within
1.111 for m = 8, 12, 15, 16, 20, 23, 24; 1.113 (25), 1.12-1.125 (9, 14, 18, 19), 1.133 (21),
1.142 (11, 22), 1.144 (6), 1.162 (17), 1.178 (10), 1.220 (7), 1.233 (13).

Why no other hexagonal pattern does better. Suppose the m parts are polygons that form a
hexagonal map on the torus (every part a hexagon, three parts at every vertex). Lifted to the
plane, the map is the hexagonal tessellation, and the deck group Z^2 acts on it as an index-m
subgroup L of its translation group T (orientation-preserving automorphisms without fixed points
are translations). The isomorphism L -> Z^2 extends to a linear map tau on T; averaging the
realisation over T / L, ``psi(v) = (1/m) sum_t (phi(t v) - tau(t))``, gives a realisation in
which every part is a translate of one hexagon, and by the triangle inequality every part's
diameter in psi is at most the largest diameter in phi. So among hexagonal maps a lattice
tiling is optimal, and it is one of those enumerated here; beating the numbers above needs
another pattern (parts with five or seven sides, four parts at a vertex), which only the
Voronoi search (:mod:`diampart.optimize`) explores.

References
----------
Protasov, Tolmachev & Voronov, "Optimal partitions of the flat torus into parts of smaller
diameter", arXiv:2402.03997 (optimised periodic hexagonal tilings among their upper bounds).

Examples
--------
>>> tiling = best_hexagonal_tiling(15)
>>> round(tiling.diameter, 6), round(tiling.ratio, 4)
(0.320555, 1.1003)
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from diampart.certificate import Certificate, CheckReport, cell_squared_diameters, check_certificate
from diampart.geometry import Point, cross, is_convex_ccw, signed_area
from diampart.search import SearchResult, triangulate
from diampart.shapes import FlatTorus

__all__ = [
    "HexagonalTiling",
    "superlattices",
    "gauss_reduce",
    "smallest_enclosing_circle",
    "best_hexagon",
    "lattice_tilings",
    "best_hexagonal_tiling",
    "hexagonal_partition",
    "strip_partition",
    "strip_bound",
    "tiling_certificate",
    "coset_points",
    "area_ratio",
    "REGULAR_HEXAGON_RATIO",
]

SHORT_VECTOR_RANGE = 3
"""Bases (t1, t2) are drawn from i u + j v, |i|, |j| <= this, for the reduced basis (u, v)."""
REGULAR_HEXAGON_RATIO = math.sqrt(8 / (3 * math.sqrt(3))) * math.sqrt(math.pi) / 2
"""Diameter of the regular hexagon of area 1/m over the area bound 2 / sqrt(pi m): 1.0996."""

Vector = tuple[Fraction, Fraction]


def area_ratio(parts: int, diameter: float) -> float:
    """``diameter`` over the area bound 2 / sqrt(pi m): diameter * sqrt(pi m) / 2.

    The yardstick of the torus table (a regular hexagon of area 1/m sits at
    :data:`REGULAR_HEXAGON_RATIO` = 1.0996); the bound itself holds for m >= 6
    (:func:`diampart.torus_lower.area_bound`).

    Parameters
    ----------
    parts : int
        m >= 1.
    diameter : float
        An upper bound of d_m.

    Returns
    -------
    float
        diameter * sqrt(pi m) / 2.

    Examples
    --------
    >>> round(area_ratio(1, math.sqrt(8 / (3 * math.sqrt(3)))), 4)
    1.0996
    """
    _check_parts(parts)
    return diameter * math.sqrt(math.pi * parts) / 2


def _check_parts(parts: int) -> None:
    if isinstance(parts, bool) or not isinstance(parts, int | np.integer) or parts < 1:
        raise ValueError(f"parts: expected an integer >= 1, got {parts!r}")


def superlattices(parts: int) -> list[tuple[Vector, Vector]]:
    """Bases of every lattice Lambda containing Z^2 with index m.

    Lambda = (1/m) L with L = <(a, 0), (b, d)> an index-m sublattice of Z^2 in Hermite normal
    form (a d = m, 0 <= b < a); there are sigma(m) of them.

    Parameters
    ----------
    parts : int
        m >= 1, the index.

    Returns
    -------
    list of tuple of Vector
        One basis ((a/m, 0), (b/m, d/m)) per lattice, exact.

    Examples
    --------
    >>> len(superlattices(4)), len(superlattices(7))  # sigma(4) = 7, sigma(7) = 8
    (7, 8)
    """
    _check_parts(parts)
    m = parts
    out = []
    for a in range(1, m + 1):
        if m % a:
            continue
        d = m // a
        for b in range(a):
            out.append(((Fraction(a, m), Fraction(0)), (Fraction(b, m), Fraction(d, m))))
    return out


def _dot(u: Vector, v: Vector) -> Fraction:
    return u[0] * v[0] + u[1] * v[1]


def _det(u: Vector, v: Vector) -> Fraction:
    return u[0] * v[1] - u[1] * v[0]


def _comb(i: int, u: Vector, j: int, v: Vector) -> Vector:
    return (i * u[0] + j * v[0], i * u[1] + j * v[1])


def gauss_reduce(u: Vector, v: Vector) -> tuple[Vector, Vector]:
    """Lagrange-Gauss reduction: a basis with |u| <= |v| and |u . v| <= |u|^2 / 2 (exact).

    Parameters
    ----------
    u : Vector
        First basis vector.
    v : Vector
        Second basis vector, independent of ``u``.

    Returns
    -------
    tuple of Vector
        The reduced basis of the same lattice; u is a shortest non-zero vector.

    Raises
    ------
    ValueError
        When u and v are dependent.

    Examples
    --------
    >>> F = Fraction
    >>> gauss_reduce((F(1), F(0)), (F(7), F(1)))
    ((Fraction(1, 1), Fraction(0, 1)), (Fraction(0, 1), Fraction(1, 1)))
    """
    if _det(u, v) == 0:
        raise ValueError("v: the basis vectors are dependent")
    if _dot(u, u) > _dot(v, v):
        u, v = v, u
    while True:
        k = round(_dot(u, v) / _dot(u, u))
        v = _comb(-k, u, 1, v)
        if _dot(v, v) >= _dot(u, u):
            return u, v
        u, v = v, u


def _circle_two(a: Vector, b: Vector) -> tuple[Vector, Fraction]:
    c = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return c, _dot(_comb(1, a, -1, c), _comb(1, a, -1, c))


def _circle_three(a: Vector, b: Vector, c: Vector) -> tuple[Vector, Fraction] | None:
    bx, by = b[0] - a[0], b[1] - a[1]
    cx, cy = c[0] - a[0], c[1] - a[1]
    d = 2 * (bx * cy - by * cx)
    if d == 0:
        return None
    b2, c2 = bx * bx + by * by, cx * cx + cy * cy
    ux, uy = (cy * b2 - by * c2) / d, (bx * c2 - cx * b2) / d
    return (a[0] + ux, a[1] + uy), ux * ux + uy * uy


def smallest_enclosing_circle(points: list[Vector]) -> tuple[Vector, Fraction]:
    """Centre and squared radius of the smallest circle enclosing a few rational points (exact).

    Brute force over the circles through two points (as a diameter) or three: the smallest
    candidate that holds every point is the answer (it is determined by at most three points).

    Parameters
    ----------
    points : list of Vector
        At least one point.

    Returns
    -------
    centre : Vector
        The centre (rational).
    radius_squared : fractions.Fraction
        The squared radius.

    Examples
    --------
    >>> F = Fraction
    >>> smallest_enclosing_circle([(F(0), F(0)), (F(2), F(0)), (F(1), F(1, 2))])
    ((Fraction(1, 1), Fraction(0, 1)), Fraction(1, 1))
    """
    pts = list(dict.fromkeys(points))
    if not pts:
        raise ValueError("points: expected at least one point")
    if len(pts) == 1:
        return pts[0], Fraction(0)
    cands = [_circle_two(a, b) for a, b in itertools.combinations(pts, 2)]
    cands += [c for t in itertools.combinations(pts, 3) if (c := _circle_three(*t)) is not None]
    best: tuple[Vector, Fraction] | None = None
    for centre, r2 in sorted(cands, key=lambda c: c[1]):
        if all(_dot(_comb(1, p, -1, centre), _comb(1, p, -1, centre)) <= r2 for p in pts):
            best = (centre, r2)
            break
    assert best is not None  # the circle through the farthest pair's triple always holds all
    return best


def best_hexagon(t1: Vector, t2: Vector) -> tuple[tuple[Point, ...], Fraction]:
    """The centrally symmetric hexagon of least diameter tiling by <t1, t2> with neighbours
    at +-t1, +-t2, +-(t2 - t1) (exact; see the module docstring).

    Parameters
    ----------
    t1 : Vector
        A lattice basis vector.
    t2 : Vector
        The other one.

    Returns
    -------
    hexagon : tuple of Point
        Its vertices v1..v6 (repeated or collinear ones kept; orientation as given by t1, t2).
    squared_diameter : fractions.Fraction
        max(|t1|^2, |t2|^2, |t2 - t1|^2, R^2), the hexagon's squared diameter.

    Examples
    --------
    >>> F = Fraction
    >>> hexagon, d2 = best_hexagon((F(1), F(0)), (F(0), F(1)))  # a unit square lattice
    >>> d2  # the unit square's diagonal
    Fraction(2, 1)
    """
    if _det(t1, t2) == 0:
        raise ValueError("t2: t1 and t2 are dependent")
    zero = (Fraction(0), Fraction(0))
    cset = [zero, t1, t2, _comb(1, t1, 1, t2), _comb(2, t1, 0, t2), _comb(0, t1, 2, t2)]
    centre, r2 = smallest_enclosing_circle(cset)
    w = (centre[0] / 2, centre[1] / 2)
    v1, v3 = _comb(1, t1, -1, w), _comb(1, t2, -1, w)
    hexagon = (v1, w, v3, _comb(-1, v1, 0, v1), _comb(-1, w, 0, w), _comb(-1, v3, 0, v3))
    t3 = _comb(1, t2, -1, t1)
    return hexagon, max(_dot(t1, t1), _dot(t2, t2), _dot(t3, t3), r2)


@dataclass
class HexagonalTiling:
    """A tiling of the torus by m translates of one centrally symmetric hexagon.

    Parameters
    ----------
    parts : int
        m.
    lattice : tuple of Vector
        Gauss-reduced basis of Lambda (contains Z^2 with index m).
    basis : tuple of Vector
        The basis (t1, t2) the hexagon is built on.
    hexagon : tuple of Point
        The tile, centred at the origin.
    squared_diameter : fractions.Fraction
        The tile's squared plane diameter (exact).

    Examples
    --------
    >>> t = best_hexagonal_tiling(4)
    >>> t.squared_diameter  # a hexagon beats the 1/2 x 1/2 square (1/2) in the plane
    Fraction(25, 64)
    """

    parts: int
    lattice: tuple[Vector, Vector]
    basis: tuple[Vector, Vector]
    hexagon: tuple[Point, ...]
    squared_diameter: Fraction

    @property
    def diameter(self) -> float:
        """sqrt of :attr:`squared_diameter` (float)."""
        return math.sqrt(self.squared_diameter)

    @property
    def ratio(self) -> float:
        """The diameter over the area bound 2 / sqrt(pi m) (regular hexagon: 1.0996)."""
        return area_ratio(self.parts, self.diameter)


def _short_bases(u: Vector, v: Vector, reach: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Coefficient pairs ((i1, j1), (i2, j2)), |i|, |j| <= reach, of the bases t1 = i1 u + j1 v,
    t2 = i2 u + j2 v with det(t1, t2) = |det(u, v)| (positively oriented)."""
    sign = 1 if _det(u, v) > 0 else -1
    coefs = [(i, j) for i in range(-reach, reach + 1) for j in range(-reach, reach + 1)
             if (i, j) != (0, 0)]
    return [(a, b) for a, b in itertools.permutations(coefs, 2)
            if (a[0] * b[1] - a[1] * b[0]) * sign == 1]


def _screen_sq(t1: np.ndarray, t2: np.ndarray) -> float:
    """A lower estimate of :func:`best_hexagon`'s value in floats: the constant lattice vectors
    and half the largest distance in C (R(C) is at least that)."""
    cset = np.array([[0.0, 0.0], t1, t2, t1 + t2, 2 * t1, 2 * t2])
    z = cset[:, None, :] - cset[None, :, :]
    t3 = t2 - t1
    return max(float(t1 @ t1), float(t2 @ t2), float(t3 @ t3), float((z * z).sum(-1).max()) / 4)


def lattice_tilings(parts: int, *, reach: int = SHORT_VECTOR_RANGE) -> list[HexagonalTiling]:
    """The best hexagonal tile of every lattice containing Z^2 with index m, best first.

    Parameters
    ----------
    parts : int
        m >= 1.
    reach : int, default=SHORT_VECTOR_RANGE
        Bases (t1, t2) are drawn from i u + j v with |i|, |j| <= reach (u, v reduced).

    Returns
    -------
    list of HexagonalTiling
        One per lattice (up to the symmetries of Z^2 nothing is merged), by squared diameter.
        Within a lattice the search is exact over the bases drawn: bases are visited by a float
        lower estimate of their value and the visit stops once it exceeds the best exact one.

    Examples
    --------
    >>> [round(t.diameter, 4) for t in lattice_tilings(3)][:2]  # plane; on the torus 0.6009
    [0.7857, 0.7857]
    """
    _check_parts(parts)
    if reach < 1:
        raise ValueError(f"reach: expected an integer >= 1, got {reach!r}")
    out = []
    for g1, g2 in superlattices(parts):
        u, v = gauss_reduce(g1, g2)
        uf, vf = np.array(u, float), np.array(v, float)
        scored = sorted((_screen_sq(a[0] * uf + a[1] * vf, b[0] * uf + b[1] * vf), a, b)
                        for a, b in _short_bases(u, v, reach))
        best: HexagonalTiling | None = None
        for screen, a, b in scored:
            # the screen is a lower estimate (up to float error): nothing after can win
            if best is not None and screen > float(best.squared_diameter) * (1 + 1e-9):
                break
            t1, t2 = _comb(a[0], u, a[1], v), _comb(b[0], u, b[1], v)
            hexagon, d2 = best_hexagon(t1, t2)
            if best is None or d2 < best.squared_diameter:
                best = HexagonalTiling(parts, (u, v), (t1, t2), hexagon, d2)
        assert best is not None
        out.append(best)
    out.sort(key=lambda t: t.squared_diameter)
    return out


def best_hexagonal_tiling(parts: int) -> HexagonalTiling:
    """The hexagonal tiling of least plane diameter over all lattices containing Z^2 with index m.

    Parameters
    ----------
    parts : int
        m >= 1.

    Returns
    -------
    HexagonalTiling
        The best one (:func:`lattice_tilings`).
    """
    return lattice_tilings(parts)[0]


def coset_points(tiling: HexagonalTiling) -> list[Vector]:
    """The m elements of Lambda / Z^2 of a tiling's lattice, as points of [0, 1)^2 (exact).

    Parameters
    ----------
    tiling : HexagonalTiling
        The tiling (its ``lattice`` and ``parts``).

    Returns
    -------
    list of Vector
        The cosets' representatives; part i of the tiling is the tile moved by the i-th.

    Examples
    --------
    >>> sorted(coset_points(best_hexagonal_tiling(2)))[1]
    (Fraction(1, 2), Fraction(1, 2))
    """
    return _cosets(tiling.lattice, tiling.parts)


def _cosets(lattice: tuple[Vector, Vector], parts: int) -> list[Vector]:
    """The m elements of Lambda / Z^2, as points of [0, 1)^2."""
    u, v = lattice
    seen: dict[Vector, None] = {}
    for i in range(parts):
        for j in range(parts):
            p = _comb(i, u, j, v)
            seen.setdefault((p[0] % 1, p[1] % 1), None)
    if len(seen) != parts:
        raise ValueError(f"lattice: index {len(seen)} in Z^2, expected {parts}")
    return list(seen)


def _tile_pieces(hexagon: tuple[Point, ...]) -> list[tuple[Point, ...]]:
    """The tile as convex ccw pieces: repeated vertices dropped, ear-clipped when not convex."""
    poly = [p for i, p in enumerate(hexagon) if p != hexagon[i - 1]]
    if signed_area(poly) < 0:
        poly = poly[::-1]
    # collinear vertices are fine for is_convex_ccw; strictly reflex ones need ear clipping
    if is_convex_ccw(poly):
        return [tuple(poly)]
    if any(cross(poly[i - 2], poly[i - 1], poly[i]) == 0 for i in range(len(poly))):
        poly = [p for i, p in enumerate(poly)
                if cross(poly[i - 1], p, poly[(i + 1) % len(poly)]) != 0]
    return triangulate(poly)


def tiling_certificate(tiling: HexagonalTiling, *, meta: dict | None = None) -> Certificate:
    """The torus certificate of a hexagonal tiling: part i is the tile moved by coset i.

    Parameters
    ----------
    tiling : HexagonalTiling
        The tiling.
    meta : dict or None, default=None
        Recorded in the certificate.

    Returns
    -------
    Certificate
        With ``bound_squared`` the tile's squared plane diameter (the checker may find the
        torus diameter smaller; the claim is what it checks against).
    """
    pieces = _tile_pieces(tiling.hexagon)
    cells = []
    for c in _cosets(tiling.lattice, tiling.parts):
        cells.append([tuple((x + c[0], y + c[1]) for x, y in piece) for piece in pieces])
    return Certificate(shape="torus", parts=tiling.parts, bound_squared=tiling.squared_diameter,
                       cells=cells, meta=dict(meta or {}))


def _certify(tiling: HexagonalTiling, meta: dict) -> tuple[Certificate, CheckReport] | None:
    """The tiling's certificate claiming its exact torus cell diameter, and its check."""
    try:
        cert = tiling_certificate(tiling, meta=meta)
    except ValueError:
        return None
    cert.bound_squared = max(cell_squared_diameters(cert, FlatTorus()))
    return cert, check_certificate(cert)


def hexagonal_partition(parts: int, *, candidates: int = 3) -> SearchResult:
    """Best checked torus partition into m translates of one hexagon (exact, no randomness).

    The ``candidates`` best lattices (by plane diameter) are certified; since a tile's torus
    diameter can be below its plane diameter for small m, the certificate claims the checker's
    exact torus value of the cells, and the smallest that passes is returned.

    Parameters
    ----------
    parts : int
        m >= 1.
    candidates : int, default=3
        Lattices certified.

    Returns
    -------
    SearchResult
        The partition (``restarts`` counts the lattices tried; ``float_diameter`` is the tile's
        plane diameter).

    Raises
    ------
    ValueError
        For a bad ``parts`` or ``candidates``.
    RuntimeError
        When no certificate passes the check (not expected).

    References
    ----------
    Protasov, Tolmachev & Voronov, "Optimal partitions of the flat torus into parts of smaller
    diameter", arXiv:2402.03997.

    Examples
    --------
    >>> res = hexagonal_partition(9)
    >>> res.report.ok, round(res.diameter, 6)
    (True, 0.422287)
    """
    _check_parts(parts)
    if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
        raise ValueError(f"candidates: expected an integer >= 1, got {candidates!r}")
    start = time.perf_counter()
    tilings = lattice_tilings(parts)
    best: SearchResult | None = None
    for k, tiling in enumerate(tilings[:candidates]):
        meta = {"method": "hexagonal", "lattice": [[str(x) for x in vec] for vec in tiling.lattice],
                "basis": [[str(x) for x in vec] for vec in tiling.basis],
                "plane_squared_diameter": str(tiling.squared_diameter), "rank": k}
        done = _certify(tiling, meta)
        if done is None:
            continue
        cert, report = done
        if report.ok and (best is None or cert.bound_squared < best.certificate.bound_squared):
            best = SearchResult(cert, report, tiling.diameter, len(tilings), 0.0, [])
    if best is None:
        raise RuntimeError(f"hexagonal: no valid tiling found for m={parts}")
    best.seconds = time.perf_counter() - start
    best.certificate.meta["seconds"] = best.seconds
    return best


def strip_partition(parts: int) -> SearchResult:
    """The m strips [i/m, (i+1)/m] x [0, 1] of the torus, diameter sqrt(1/4 + 1/m^2) (checked).

    A strip's long side wraps around, so two of its points are at most 1/2 apart along it and
    1/m across: Theorem 1 of the torus paper, d_m <= sqrt(1/4 + 1/m^2) for every m.

    Parameters
    ----------
    parts : int
        m >= 1.

    Returns
    -------
    SearchResult
        The checked partition.

    References
    ----------
    Protasov, Tolmachev & Voronov, "Optimal partitions of the flat torus into parts of smaller
    diameter", arXiv:2402.03997, Theorem 1.

    Examples
    --------
    >>> strip_partition(4).certificate.bound_squared  # 1/4 + 1/16
    Fraction(5, 16)
    """
    _check_parts(parts)
    start = time.perf_counter()
    zero, one, w = Fraction(0), Fraction(1), Fraction(1, parts)
    rect = ((-w / 2, -one / 2), (w / 2, -one / 2), (w / 2, one / 2), (-w / 2, one / 2))
    tiling = HexagonalTiling(parts, ((w, zero), (zero, one)), ((w, zero), (zero, one)), rect,
                             w * w + one)
    done = _certify(tiling, {"method": "strips"})
    if done is None or not done[1].ok:  # pragma: no cover - a strip partition always passes
        raise RuntimeError(f"strips: the certificate for m={parts} failed its check")
    cert, report = done
    return SearchResult(cert, report, strip_bound(parts), 1, time.perf_counter() - start, [])


def strip_bound(parts: int) -> float:
    """sqrt(1/4 + 1/m^2), the strip partition's diameter (Theorem 1 of the torus paper).

    Parameters
    ----------
    parts : int
        m >= 1.

    Returns
    -------
    float
        The bound.

    Examples
    --------
    >>> strip_bound(2) == math.sqrt(2) / 2
    True
    """
    _check_parts(parts)
    return math.sqrt(0.25 + 1 / parts**2)

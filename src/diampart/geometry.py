"""Exact plane geometry in rational arithmetic (:class:`fractions.Fraction`).

Every function here is exact: no floats enter, so comparisons are decisions, not estimates.
Polygons are tuples of points ``(x, y)`` listed counter-clockwise; convex polygons may have
collinear vertices.

Examples
--------
>>> square = [to_point(p) for p in [(0, 0), (1, 0), (1, 1), (0, 1)]]
>>> polygon_area(square), is_convex_ccw(square), max_squared_distance(square)
(Fraction(1, 1), True, Fraction(2, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

__all__ = [
    "Point",
    "Polygon",
    "to_fraction",
    "to_point",
    "cross",
    "signed_area",
    "polygon_area",
    "is_convex_ccw",
    "point_in_convex",
    "clip_halfplane",
    "clip_convex",
    "clip_by_halfplanes",
    "intersection_area",
    "interiors_disjoint",
    "squared_distance",
    "max_squared_distance",
    "convex_hull",
    "bounding_box",
]

Point = tuple[Fraction, Fraction]
FLOAT_MARGIN = 1e-9
"""Float values this far below zero decide a sign (float error is below 1e-12 there)."""
Polygon = tuple[Point, ...]


def to_fraction(value: object, *, max_denominator: int | None = None) -> Fraction:
    """Exact rational from an int, a Fraction, a ``"p/q"`` string or a float.

    A float is first converted exactly and then, when ``max_denominator`` is given, replaced by
    the closest fraction with denominator at most ``max_denominator`` (Fraction.limit_denominator).

    Parameters
    ----------
    value : int, fractions.Fraction, str, float or numpy scalar
        The number (not a bool, not NaN or infinite).
    max_denominator : int or None, default=None
        Round floats to a fraction with at most this denominator; ``None``: exact.

    Returns
    -------
    fractions.Fraction
        The rational.

    Raises
    ------
    ValueError
        For a bool, a non-finite float or text that is not a rational.

    Examples
    --------
    >>> to_fraction("3/4"), to_fraction(0.1, max_denominator=100)
    (Fraction(3, 4), Fraction(1, 10))
    """
    if isinstance(value, bool):
        raise ValueError(f"coordinate: expected a number, got {value!r}")
    if isinstance(value, Fraction):
        out = value
    elif isinstance(value, int):
        out = Fraction(value)
    elif isinstance(value, str):
        try:
            out = Fraction(value)
        except (ValueError, ZeroDivisionError) as err:
            raise ValueError(f"coordinate: cannot read {value!r} as a rational") from err
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"coordinate: not finite ({value!r})")
        out = Fraction(value)
    else:
        try:
            out = Fraction(float(value))  # numpy scalars
        except (TypeError, ValueError) as err:
            raise ValueError(f"coordinate: expected a number, got {value!r}") from err
    if max_denominator is not None and not isinstance(value, str | Fraction | int):
        out = out.limit_denominator(max_denominator)
    return out


def to_point(value: Sequence[object], *, max_denominator: int | None = None) -> Point:
    """Exact point from a pair of numbers (see :func:`to_fraction`).

    Parameters
    ----------
    value : sequence
        Two coordinates.
    max_denominator : int or None, default=None
        As in :func:`to_fraction`.

    Returns
    -------
    Point
        ``(x, y)`` as Fractions.
    """
    if len(value) != 2:
        raise ValueError(f"point: expected 2 coordinates, got {len(value)}")
    return (
        to_fraction(value[0], max_denominator=max_denominator),
        to_fraction(value[1], max_denominator=max_denominator),
    )


def cross(o: Point, a: Point, b: Point) -> Fraction:
    """Orientation (a - o) x (b - o): > 0 for a left turn o -> a -> b.

    Parameters
    ----------
    o : Point
        The common origin.
    a : Point
        End of the first vector.
    b : Point
        End of the second vector.

    Returns
    -------
    fractions.Fraction
        Twice the signed area of the triangle o, a, b.
    """
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def signed_area(poly: Sequence[Point]) -> Fraction:
    """Shoelace A = 1/2 sum_i (x_i y_{i+1} - x_{i+1} y_i); positive when counter-clockwise.

    Parameters
    ----------
    poly : sequence of Point
        The vertices, in order.

    Returns
    -------
    fractions.Fraction
        The signed area.
    """
    n = len(poly)
    total = Fraction(0)
    for i in range(n):
        x0, y0 = poly[i]
        x1, y1 = poly[(i + 1) % n]
        total += x0 * y1 - x1 * y0
    return total / 2


def polygon_area(poly: Sequence[Point]) -> Fraction:
    """Absolute area of a simple polygon (shoelace).

    Parameters
    ----------
    poly : sequence of Point
        Its vertices in either orientation.

    Returns
    -------
    fractions.Fraction
        ``|signed_area(poly)|``.
    """
    return abs(signed_area(poly))


def is_convex_ccw(poly: Sequence[Point]) -> bool:
    """True when ``poly`` is a convex polygon listed counter-clockwise with positive area.

    Collinear consecutive vertices are allowed. Test: positive shoelace area, no right turn,
    no edge that doubles back, and the edge directions sweep the circle exactly once (they
    switch between the half-planes "angle in [0, pi)" and "[pi, 2 pi)" exactly twice).

    Parameters
    ----------
    poly : sequence of Point
        The vertices.

    Returns
    -------
    bool
        The verdict.
    """
    n = len(poly)
    if n < 3 or signed_area(poly) <= 0:
        return False
    edges = []
    for i in range(n):
        e = (poly[(i + 1) % n][0] - poly[i][0], poly[(i + 1) % n][1] - poly[i][1])
        if e != (0, 0):
            edges.append(e)
    k = len(edges)
    switches = 0
    for i in range(k):
        (ax, ay), (bx, by) = edges[i], edges[(i + 1) % k]
        turn = ax * by - ay * bx
        if turn < 0 or (turn == 0 and ax * bx + ay * by < 0):
            return False
        half_a = 0 if (ay > 0 or (ay == 0 and ax > 0)) else 1
        half_b = 0 if (by > 0 or (by == 0 and bx > 0)) else 1
        switches += half_a != half_b
    return switches == 2


def point_in_convex(p: Point, poly: Sequence[Point]) -> bool:
    """True when p lies in the closed convex ccw polygon ``poly``.

    Parameters
    ----------
    p : Point
        The point.
    poly : sequence of Point
        A convex polygon, counter-clockwise.

    Returns
    -------
    bool
        Whether p is left of (or on) every edge.
    """
    n = len(poly)
    return all(cross(poly[i], poly[(i + 1) % n], p) >= 0 for i in range(n))


def clip_halfplane(poly: Sequence[Point], a: Point, b: Point) -> list[Point]:
    """Part of convex ``poly`` left of (or on) the line a -> b (one Sutherland-Hodgman step).

    Parameters
    ----------
    poly : sequence of Point
        A convex polygon.
    a : Point
        A point of the line.
    b : Point
        A second point, giving the line's direction.

    Returns
    -------
    list of Point
        The clipped polygon, without repeated points (possibly empty).
    """
    out: list[Point] = []
    n = len(poly)
    if n == 0:
        return out
    sides = [cross(a, b, p) for p in poly]
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        sp, sq = sides[i], sides[(i + 1) % n]
        if sp >= 0:
            out.append(p)
        if (sp > 0 and sq < 0) or (sp < 0 and sq > 0):
            t = sp / (sp - sq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    # drop repeated points so the result stays a clean polygon
    clean: list[Point] = []
    for p in out:
        if not clean or clean[-1] != p:
            clean.append(p)
    if len(clean) > 1 and clean[0] == clean[-1]:
        clean.pop()
    return clean


def clip_convex(subject: Sequence[Point], clip: Sequence[Point]) -> list[Point]:
    """Intersection of a convex polygon with a convex ccw polygon (Sutherland-Hodgman 1974).

    The cost is len(clip) passes over the subject, so put the polygon with few edges second.

    Parameters
    ----------
    subject : sequence of Point
        The polygon clipped.
    clip : sequence of Point
        The convex counter-clockwise polygon it is clipped to.

    Returns
    -------
    list of Point
        The intersection, or an empty list when it has fewer than 3 vertices.

    References
    ----------
    Sutherland & Hodgman, "Reentrant polygon clipping", Communications of the ACM 17(1), 1974.
    """
    out = list(subject)
    n = len(clip)
    for i in range(n):
        if len(out) < 3:
            return []
        out = clip_halfplane(out, clip[i], clip[(i + 1) % n])
    return out if len(out) >= 3 else []


def clip_by_halfplanes(
    poly: Sequence[Point], halfplanes: Sequence[tuple[Point, Fraction]]
) -> list[Point]:
    """Part of convex ``poly`` inside every half-plane a . x <= c, given as pairs (a, c).

    Exact; a float mirror only skips work: with |a|, |x|, |c| below 2^10 the float value of
    a . x - c is within 1e-12 of the exact one, so a float value below -FLOAT_MARGIN decides
    the sign; every other sign, and every value used to place a new vertex, is exact. A cut
    recomputes only the vertices outside and their neighbours (see :func:`_cut`), so N
    half-planes cost N array passes over the polygon, not N Python loops.

    Parameters
    ----------
    poly : sequence of Point
        A convex polygon.
    halfplanes : sequence of tuple
        Pairs ``(a, c)`` with ``a`` a Point and ``c`` a Fraction.

    Returns
    -------
    list of Point
        The clipped polygon, or an empty list when less than a triangle is left.
    """
    out = list(poly)
    if not out or not halfplanes:
        return out
    coef = np.array([[float(a[0]), float(a[1]), float(c)] for a, c in halfplanes])
    fl = np.array([[float(p[0]), float(p[1])] for p in out])
    coef_ok = bool(np.abs(coef).max() <= 2.0**10 and np.abs(fl).max() <= 2.0**10)
    order: Sequence[int] = range(len(halfplanes))
    if coef_ok:
        # a half-plane that holds every vertex of poly holds every clipped part of it too
        order = np.flatnonzero((fl @ coef[:, :2].T - coef[:, 2] >= -FLOAT_MARGIN).any(axis=0)).tolist()
    for k in order:
        (a0, a1), c = halfplanes[k]
        if coef_ok:
            unsure = np.flatnonzero(fl @ coef[k, :2] - coef[k, 2] >= -FLOAT_MARGIN).tolist()
        else:
            unsure = range(len(out))
        values = {i: a0 * out[i][0] + a1 * out[i][1] - c for i in unsure}
        outside = {i for i, v in values.items() if v > 0}
        if not outside:
            continue
        out, fl = _cut(out, fl, (a0, a1), c, values, outside)
        if len(out) < 3:
            return []
    return out


def _cut(
    poly: list[Point], fl: np.ndarray, a: Point, c: Fraction, values: dict, outside: set[int]
) -> tuple[list[Point], np.ndarray]:
    """One Sutherland-Hodgman step for the half-plane a . x <= c, with its float mirror.

    ``values`` holds exact a . x - c for the vertices the floats could not place strictly
    inside (every other vertex is strictly inside), ``outside`` the indices where it is > 0.
    Only an edge with an end outside can cross the line, so only the vertices outside and
    their predecessors are visited; the runs between them are copied as slices. Consecutive
    repeated vertices are dropped, as in :func:`clip_halfplane`.
    """
    n = len(poly)

    def value(i: int) -> Fraction:
        if i not in values:
            values[i] = a[0] * poly[i][0] + a[1] * poly[i][1] - c
        return values[i]

    pts: list[Point] = []
    rows: list[np.ndarray] = []
    start = 0
    for i in sorted(outside | {(o - 1) % n for o in outside}):
        pts.extend(poly[start:i])
        rows.append(fl[start:i])
        if i not in outside:
            pts.append(poly[i])
            rows.append(fl[i : i + 1])
        j = (i + 1) % n
        if (i in outside) != (j in outside) and value(i) * value(j) < 0:
            t = value(i) / (value(i) - value(j))
            p, q = poly[i], poly[j]
            cut = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
            pts.append(cut)
            rows.append(np.array([[float(cut[0]), float(cut[1])]]))
        start = i + 1
    pts.extend(poly[start:])
    rows.append(fl[start:])
    new_fl = np.concatenate(rows)
    if len(pts) < 2:
        return pts, new_fl
    # equal points have equal floats, so only those are compared exactly
    maybe = np.flatnonzero((new_fl == np.roll(new_fl, 1, axis=0)).all(axis=1)).tolist()
    repeats = {i for i in maybe if pts[i] == pts[i - 1]}
    if repeats:
        keep = [i for i in range(len(pts)) if i not in repeats]
        return [pts[i] for i in keep], new_fl[keep]
    return pts, new_fl


def intersection_area(p: Sequence[Point], q: Sequence[Point]) -> Fraction:
    """Area of the intersection of two convex ccw polygons (0 when interiors are disjoint).

    Parameters
    ----------
    p : sequence of Point
        First polygon.
    q : sequence of Point
        Second polygon.

    Returns
    -------
    fractions.Fraction
        The area of p cap q.
    """
    if not _boxes_overlap(bounding_box(p), bounding_box(q)):
        return Fraction(0)
    small, large = (p, q) if len(p) <= len(q) else (q, p)
    inter = clip_convex(large, small)
    return polygon_area(inter) if inter else Fraction(0)


def interiors_disjoint(p: Sequence[Point], q: Sequence[Point]) -> bool:
    """True when two convex ccw polygons have disjoint interiors.

    Separating axis theorem for convex polygons: the interiors are disjoint iff some edge line of
    one of them has the other polygon weakly on its outer side.

    Parameters
    ----------
    p : sequence of Point
        A convex polygon, counter-clockwise.
    q : sequence of Point
        Another one.

    Returns
    -------
    bool
        Whether no point lies in both interiors (shared edges or corners are allowed).
    """
    if not _boxes_overlap(bounding_box(p), bounding_box(q)):
        return True
    for a_poly, b_poly in ((p, q), (q, p)):
        n = len(a_poly)
        for i in range(n):
            a, b = a_poly[i], a_poly[(i + 1) % n]
            if a == b:
                continue
            if all(cross(a, b, v) <= 0 for v in b_poly):
                return True
    return False


def squared_distance(p: Point, q: Point) -> Fraction:
    """|p - q|^2, exactly.

    Parameters
    ----------
    p : Point
        One point.
    q : Point
        The other.

    Returns
    -------
    fractions.Fraction
        The squared Euclidean distance.
    """
    dx = p[0] - q[0]
    dy = p[1] - q[1]
    return dx * dx + dy * dy


def max_squared_distance(points: Sequence[Point]) -> Fraction:
    """Squared diameter of a finite point set: max_{i<j} |p_i - p_j|^2, exactly.

    The diameter of a polygon (or a finite union of polygons) equals that of its vertex set,
    because a compact set and its convex hull have the same diameter and the hull's extreme
    points are vertices. Only hull vertices are compared, and a float pass selects the pairs
    to compare exactly: with coordinates below 2^20 in magnitude every float squared distance
    is within 1e-6 * (1 + its value) of the exact one, so the exact maximum is among the pairs
    whose float value is within 1e-5 * (1 + max) of the float maximum.

    Parameters
    ----------
    points : sequence of Point
        The points (e.g. every vertex of a cell's pieces).

    Returns
    -------
    fractions.Fraction
        The squared diameter (0 for fewer than two distinct points).
    """
    hull = convex_hull(points)
    n = len(hull)
    if n < 2:
        return Fraction(0)
    xy = np.array([[float(p[0]), float(p[1])] for p in hull])
    if np.abs(xy).max() >= 2.0**20:
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    else:
        pairs = _float_far_pairs(xy, 1e-5)
    return max(squared_distance(hull[i], hull[j]) for i, j in pairs)


_PAIR_BLOCK = 256
"""Rows of the float distance matrix held at once (memory _PAIR_BLOCK * n, not n^2)."""


def _float_far_pairs(xy: np.ndarray, rel: float) -> list[tuple[int, int]]:
    """Pairs i < j whose float squared distance is within rel * (1 + max) of the maximum."""
    n = len(xy)

    def block(lo: int) -> np.ndarray:
        return ((xy[lo : lo + _PAIR_BLOCK, None, :] - xy[None, :, :]) ** 2).sum(-1)

    top = max(float(block(lo).max()) for lo in range(0, n, _PAIR_BLOCK))
    pairs: list[tuple[int, int]] = []
    for lo in range(0, n, _PAIR_BLOCK):
        ii, jj = np.nonzero(block(lo) >= top - rel * (1.0 + top))
        ii = ii + lo
        keep = ii < jj
        pairs.extend(zip(ii[keep].tolist(), jj[keep].tolist(), strict=True))
    return pairs


def convex_hull(points: Sequence[Point]) -> list[Point]:
    """Convex hull, counter-clockwise, without collinear points (Andrew's monotone chain).

    Parameters
    ----------
    points : sequence of Point
        Any points.

    Returns
    -------
    list of Point
        The hull's vertices (all distinct points when there are at most two).

    References
    ----------
    Andrew, "Another efficient algorithm for convex hulls in two dimensions", Information
    Processing Letters 9(5), 1979.
    """
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts
    lower: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def bounding_box(poly: Sequence[Point]) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """The bounding box of a polygon.

    Parameters
    ----------
    poly : sequence of Point
        At least one point.

    Returns
    -------
    tuple of fractions.Fraction
        ``(xmin, ymin, xmax, ymax)``.
    """
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    return min(xs), min(ys), max(xs), max(ys)


def _boxes_overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

"""The compact sets that diampart partitions: disk, convex polygons and the flat torus.

Each shape knows its diameter, its area and exact (rational) membership. Sizes follow the
conventions of the known values (:mod:`diampart.known`): disk of diameter 1, square of side 1,
equilateral triangle of side 1, flat torus R^2/Z^2 (as in Protasov, Tolmachev & Voronov,
"Optimal partitions of the flat torus into parts of smaller diameter", arXiv:2402.03997).

Examples
--------
>>> from fractions import Fraction
>>> get_shape("square").contains((Fraction(1), Fraction(1, 2))), get_shape("torus").diameter
(True, 0.7071067811865476)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np

from diampart.geometry import Point, Polygon, is_convex_ccw, point_in_convex, polygon_area

__all__ = [
    "Disk",
    "ConvexPolygon",
    "FlatTorus",
    "Shape",
    "square",
    "equilateral_triangle",
    "regular_polygon",
    "rational_circle_point",
    "tangent_points",
    "tangent_polygon",
    "torus_distance",
    "get_shape",
    "SHAPE_NAMES",
    "MAX_NGON_SIDES",
]

TANGENT_DENOMINATOR = 10_000
"""Largest denominator of tan(theta/2) used for rational points on a circle."""
MAX_NGON_SIDES = 1024
"""Most vertices of ``ngon<N>`` (a certificate names its shape; building it costs O(N))."""
_NGON = re.compile(r"ngon([0-9]{1,12})")


def rational_circle_point(theta: float, radius: Fraction, *, max_denominator: int = 10**9) -> Point:
    """A rational point exactly on the circle |x| = radius near angle ``theta``.

    With t = tan(theta/2) rounded to a fraction, (r (1 - t^2)/(1 + t^2), r 2t/(1 + t^2)) lies on
    the circle exactly (the rational parametrisation of the circle). Angles near pi use the
    antipodal point of theta - pi so that t stays bounded.

    Parameters
    ----------
    theta : float
        The angle, radians.
    radius : fractions.Fraction
        The circle's radius.
    max_denominator : int, default=10**9
        Largest denominator of t.

    Returns
    -------
    Point
        ``(x, y)`` with ``x^2 + y^2 == radius^2`` exactly.

    Examples
    --------
    >>> from fractions import Fraction
    >>> x, y = rational_circle_point(0.7, Fraction(1, 2))
    >>> x * x + y * y == Fraction(1, 4)
    True
    """
    theta = math.remainder(theta, 2 * math.pi)
    flip = abs(theta) > math.pi / 2
    if flip:
        theta = math.remainder(theta - math.pi, 2 * math.pi)
    t = Fraction(math.tan(theta / 2)).limit_denominator(max_denominator)
    den = 1 + t * t
    x, y = radius * (1 - t * t) / den, radius * 2 * t / den
    return (-x, -y) if flip else (x, y)


@lru_cache(maxsize=8)
def tangent_points(radius: Fraction, sides: int) -> tuple[Point, ...]:
    """Rational points p_k on the circle near angles 2 pi k / sides; tangent k is x . p_k = r^2.

    Parameters
    ----------
    radius : fractions.Fraction
        The circle's radius.
    sides : int
        Number of points (>= 8).

    Returns
    -------
    tuple of Point
        The points, counter-clockwise from angle 0.
    """
    if sides < 8:
        raise ValueError(f"sides: need at least 8 tangent lines, got {sides}")
    return tuple(
        rational_circle_point(2 * math.pi * k / sides, radius, max_denominator=TANGENT_DENOMINATOR)
        for k in range(sides)
    )


@lru_cache(maxsize=8)
def tangent_polygon(radius: Fraction, sides: int) -> Polygon:
    """A rational polygon circumscribed about the disk |x| <= radius, with ``sides`` edges.

    Its edges lie on the tangent lines x . p_k = r^2 at rational points p_k on the circle
    (angles 2 pi k / sides), and vertex k is where tangents k and k + 1 meet (Cramer's rule).
    Every edge half-plane contains the disk, so the polygon contains the disk; its vertices lie
    at radius about r / cos(pi / sides).

    Parameters
    ----------
    radius : fractions.Fraction
        The disk's radius r.
    sides : int
        Number of edges (>= 8).

    Returns
    -------
    Polygon
        The vertices, counter-clockwise.

    Raises
    ------
    ValueError
        When ``sides < 8``.
    """
    if sides < 8:
        raise ValueError(f"sides: need at least 8 tangent lines, got {sides}")
    r2 = radius * radius
    pts = tangent_points(radius, sides)
    verts = []
    for k in range(sides):
        (a1, b1), (a2, b2) = pts[k], pts[(k + 1) % sides]
        det = a1 * b2 - a2 * b1
        verts.append(((r2 * b2 - r2 * b1) / det, (a1 * r2 - a2 * r2) / det))
    poly = tuple(verts)
    if not is_convex_ccw(poly):
        raise RuntimeError("tangent polygon is not convex; increase TANGENT_DENOMINATOR")
    return poly


@dataclass(frozen=True)
class Disk:
    """Closed disk of the given diameter centred at the origin.

    Parameters
    ----------
    diameter_exact : fractions.Fraction, default=Fraction(1)
        The diameter.
    name : str, default="disk"
        The shape's name in certificates.

    Attributes
    ----------
    kind : str
        ``"disk"``.

    Examples
    --------
    >>> from fractions import Fraction
    >>> Disk().contains((Fraction(1, 2), Fraction(0))), Disk().radius
    (True, Fraction(1, 2))
    """

    diameter_exact: Fraction = Fraction(1)
    name: str = "disk"
    kind: str = field(default="disk", init=False)

    @property
    def radius(self) -> Fraction:
        """The radius, exactly."""
        return self.diameter_exact / 2

    @property
    def diameter(self) -> float:
        """The diameter as a float."""
        return float(self.diameter_exact)

    @property
    def area(self) -> float:
        """pi r^2 (float)."""
        return math.pi * float(self.radius) ** 2

    def contains(self, p: Point) -> bool:
        """Exact membership x^2 + y^2 <= r^2.

        Parameters
        ----------
        p : Point
            A rational point.

        Returns
        -------
        bool
            Whether ``p`` lies in the closed disk.
        """
        return p[0] * p[0] + p[1] * p[1] <= self.radius * self.radius

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n uniform points (polar method with sqrt radius).

        Parameters
        ----------
        n : int
            Number of points.
        rng : numpy.random.Generator
            The random source.

        Returns
        -------
        numpy.ndarray of shape (n, 2)
            The points (floats).
        """
        r = float(self.radius) * np.sqrt(rng.random(n))
        a = 2 * math.pi * rng.random(n)
        return np.column_stack([r * np.cos(a), r * np.sin(a)])


@dataclass(frozen=True)
class ConvexPolygon:
    """Convex polygon with rational vertices (counter-clockwise).

    Parameters
    ----------
    vertices : Polygon
        Rational vertices, counter-clockwise.
    name : str, default="polygon"
        The shape's name in certificates.
    exact_note : str, default="vertices are exact"
        How the rational polygon relates to the named shape when the true vertices are
        irrational (then the rational polygon contains the true one, so every partition
        certificate for it bounds d_m of the true shape from above).

    Attributes
    ----------
    kind : str
        ``"polygon"``.

    Raises
    ------
    ValueError
        When ``vertices`` is not a convex counter-clockwise polygon.

    Examples
    --------
    >>> from fractions import Fraction
    >>> tri = ConvexPolygon(((Fraction(0), Fraction(0)), (Fraction(1), Fraction(0)),
    ...                      (Fraction(0), Fraction(1))))
    >>> tri.area_exact, round(tri.diameter, 6)
    (Fraction(1, 2), 1.414214)
    """

    vertices: Polygon
    name: str = "polygon"
    exact_note: str = "vertices are exact"
    kind: str = field(default="polygon", init=False)

    def __post_init__(self) -> None:
        if not is_convex_ccw(self.vertices):
            raise ValueError("vertices: not a convex counter-clockwise polygon")

    @property
    def diameter(self) -> float:
        """The largest vertex distance (float)."""
        v = self.float_vertices
        return float(max(np.linalg.norm(a - b) for a in v for b in v))

    @property
    def area(self) -> float:
        """The area (float)."""
        return float(polygon_area(self.vertices))

    @property
    def area_exact(self) -> Fraction:
        """The area, exactly."""
        return polygon_area(self.vertices)

    @property
    def float_vertices(self) -> np.ndarray:
        """The vertices as a float array of shape (n, 2)."""
        return np.array([[float(x), float(y)] for x, y in self.vertices])

    def contains(self, p: Point) -> bool:
        """Exact membership: p is left of (or on) every edge.

        Parameters
        ----------
        p : Point
            A rational point.

        Returns
        -------
        bool
            Whether ``p`` lies in the closed polygon.
        """
        return point_in_convex(p, self.vertices)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n uniform points, by rejection from the bounding box.

        Parameters
        ----------
        n : int
            How many.
        rng : numpy.random.Generator
            Source of the uniform candidates.

        Returns
        -------
        numpy.ndarray of shape (n, 2)
            Float points inside the polygon.
        """
        v = self.float_vertices
        lo, hi = v.min(axis=0), v.max(axis=0)
        out = np.empty((0, 2))
        while len(out) < n:
            cand = lo + (hi - lo) * rng.random((2 * n + 16, 2))
            keep = np.ones(len(cand), bool)
            for i in range(len(v)):
                a, b = v[i], v[(i + 1) % len(v)]
                side = (b[0] - a[0]) * (cand[:, 1] - a[1]) - (b[1] - a[1]) * (cand[:, 0] - a[0])
                keep &= side >= 0
            out = np.vstack([out, cand[keep]])
        return out[:n]


@dataclass(frozen=True)
class FlatTorus:
    """The flat torus R^2 / Z^2 with d(x, y) = min_{k in Z^2} |x - y - k|; diameter sqrt(2)/2.

    Parameters
    ----------
    name : str, default="torus"
        The shape's name in certificates.

    Attributes
    ----------
    kind : str
        ``"torus"``.

    References
    ----------
    Protasov, Tolmachev & Voronov, "Optimal partitions of the flat torus into parts of smaller
    diameter", arXiv:2402.03997.

    Examples
    --------
    >>> import numpy as np
    >>> FlatTorus().sample(3, np.random.default_rng(0)).shape, FlatTorus().area
    ((3, 2), 1.0)
    """

    name: str = "torus"
    kind: str = field(default="torus", init=False)

    @property
    def diameter(self) -> float:
        """sqrt(2)/2, the distance from a point to the farthest one, (1/2, 1/2) away."""
        return math.sqrt(2) / 2

    @property
    def area(self) -> float:
        """1."""
        return 1.0

    def contains(self, p: Point) -> bool:
        """Every point of the plane represents a point of the torus.

        Parameters
        ----------
        p : Point
            Any point.

        Returns
        -------
        bool
            True.
        """
        return True

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n uniform points of the fundamental square [0, 1)^2.

        Parameters
        ----------
        n : int
            Number of samples.
        rng : numpy.random.Generator
            Where they come from.

        Returns
        -------
        numpy.ndarray of shape (n, 2)
            The points.
        """
        return rng.random((n, 2))


Shape = Disk | ConvexPolygon | FlatTorus


def torus_distance(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """min_k |p - q - k| over k in Z^2: the nearest k rounds each coordinate of p - q.

    Parameters
    ----------
    p : numpy.ndarray of shape (..., 2)
        Points (floats).
    q : numpy.ndarray of shape (..., 2)
        Points, broadcast against ``p``.

    Returns
    -------
    numpy.ndarray
        The torus distances.

    Examples
    --------
    >>> float(torus_distance(np.array([0.1, 0.1]), np.array([0.9, 0.9])))  # doctest: +ELLIPSIS
    0.28284271...
    """
    z = np.asarray(p, float) - np.asarray(q, float)
    z = z - np.round(z)
    return np.linalg.norm(z, axis=-1)


def square(side: Fraction | int = 1) -> ConvexPolygon:
    """Axis-parallel square [0, side]^2.

    Parameters
    ----------
    side : fractions.Fraction or int, default=1
        Side length.

    Returns
    -------
    ConvexPolygon
        The square, named ``"square"``.
    """
    s = Fraction(side)
    zero = Fraction(0)
    return ConvexPolygon(((zero, zero), (s, zero), (s, s), (zero, s)), name="square")


def equilateral_triangle() -> ConvexPolygon:
    """Equilateral triangle of side 1 with base [0, 1] x {0}, as a rational outer triangle.

    The apex (1/2, sqrt(3)/2) is irrational; we use the apex (1/2, h) with the rational
    h >= sqrt(3)/2 checked exactly (h^2 >= 3/4), h - sqrt(3)/2 < 1e-12. The rational triangle
    contains the true one (its apex lies on the segment from (1/2, 0) to (1/2, h)), so a
    partition certificate for it bounds d_m of the true triangle from above, with at most
    1e-12 lost.

    Returns
    -------
    ConvexPolygon
        The rational outer triangle, named ``"triangle"``.
    """
    h = Fraction(math.sqrt(3) / 2).limit_denominator(10**12)
    while h * h < Fraction(3, 4):
        h += Fraction(1, 10**12)
    zero = Fraction(0)
    verts = ((zero, zero), (Fraction(1), zero), (Fraction(1, 2), h))
    note = "rational outer triangle, h^2 >= 3/4 exact"
    return ConvexPolygon(verts, name="triangle", exact_note=note)


def regular_polygon(n: int) -> ConvexPolygon:
    """Regular n-gon of circumradius 1/2 centred at the origin, one vertex at angle pi/2.

    Vertices are rational points exactly on the circumcircle (see :func:`rational_circle_point`)
    within about 1e-18 of the true ones; the rational polygon is then inscribed in the same
    circle and is a numerical (not an exact) stand-in for the regular n-gon, which is said in
    ``exact_note``. n = 4 gives the exact square rotated by 45 degrees.

    Parameters
    ----------
    n : int
        Number of vertices, 3 to :data:`MAX_NGON_SIDES`.

    Returns
    -------
    ConvexPolygon
        The polygon, named ``"ngon<n>"``.

    Raises
    ------
    ValueError
        When ``n`` is out of range.
    """
    if not 3 <= n <= MAX_NGON_SIDES:
        raise ValueError(f"n: a polygon has at least 3 and at most {MAX_NGON_SIDES} vertices, got {n}")
    r = Fraction(1, 2)
    verts = tuple(rational_circle_point(math.pi / 2 + 2 * math.pi * k / n, r) for k in range(n))
    return ConvexPolygon(verts, name=f"ngon{n}", exact_note="rational points on the circumcircle, "
                         "within 1e-15 of the regular polygon (numerical stand-in)")


SHAPE_NAMES = ("disk", "square", "triangle", "torus", "ngon<N>")


def get_shape(name: str) -> Shape:
    """Shape by name.

    Parameters
    ----------
    name : str
        ``disk``, ``square``, ``triangle``, ``torus`` or ``ngon<N>`` (e.g. ngon6); case and
        surrounding spaces are ignored.

    Returns
    -------
    Shape
        A new shape object.

    Raises
    ------
    ValueError
        For an unknown name or an ``ngon<N>`` out of range.

    Examples
    --------
    >>> get_shape("ngon6").name, get_shape(" Disk ").name
    ('ngon6', 'disk')
    """
    key = str(name).strip().lower()
    if key == "disk":
        return Disk()
    if key == "square":
        return square()
    if key == "triangle":
        return equilateral_triangle()
    if key == "torus":
        return FlatTorus()
    ngon = _NGON.fullmatch(key)
    if ngon:
        n = int(ngon.group(1))
        if not 3 <= n <= MAX_NGON_SIDES:
            raise ValueError(f"shape: ngon<N> has at least 3 and at most {MAX_NGON_SIDES} sides, got {n}")
        return regular_polygon(n)
    raise ValueError(f"shape: unknown shape {name!r}; expected one of {', '.join(SHAPE_NAMES)}")


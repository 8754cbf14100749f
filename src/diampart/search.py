"""Upper bounds: search for a partition with a small largest cell diameter, then certify it.

Pipeline (after Voronov, Tolmachev, Protasov, Neopryatnaya, MOTOR 2023, and Protasov, Tolmachev,
Voronov, "Optimal partitions of the flat torus into parts of smaller diameter",
arXiv:2402.03997): well-spread seeds (farthest-point or Lloyd), their Voronoi cells
(periodic on the torus), SLSQP on the cell vertices (:mod:`diampart.optimize`), many seeded
restarts. The best float layout is rounded to rationals and turned into a
:class:`~diampart.certificate.Certificate`, which is then checked exactly; only a certificate
that passes is returned.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from diampart.certificate import (
    DEFAULT_TANGENT_SIDES,
    Certificate,
    CheckReport,
    cell_squared_diameters,
    check_certificate,
)
from diampart.geometry import (
    Point,
    cross,
    interiors_disjoint,
    is_convex_ccw,
    signed_area,
    to_fraction,
)
from diampart.optimize import optimise_layout, smooth_layout
from diampart.shapes import (
    ConvexPolygon,
    Disk,
    FlatTorus,
    Shape,
    get_shape,
    rational_circle_point,
)
from diampart.voronoi import (
    Layout,
    build_layout,
    cell_centroids,
    subdivide_edges,
    well_spread_seeds,
)

__all__ = [
    "SearchResult",
    "search_partition",
    "layout_certificate",
    "merge_close_vertices",
    "perturb_layouts",
    "triangulate",
]

SEED_METHODS = ("farthest", "lloyd")
SEED_METHODS_TORUS = ("farthest", "lloyd", "lattice")
_NUMERICAL_FAILURES = (ValueError, ArithmeticError, IndexError, np.linalg.LinAlgError)
"""A restart that fails this way (degenerate seeds or layout) is skipped, not fatal."""
MAX_DENOMINATOR = 10**9
"""Floats from the search are rounded to fractions with at most this denominator."""
CAP_STEP = math.pi / 6
"""Angular step of the outer chain of a disk cap (inscribed in the circle of radius 2r)."""
BOUND_DIGITS = 10**15
"""The claimed bound_squared is the checked value rounded up to a multiple of 1/BOUND_DIGITS."""
PERTURB_SCALES = (0.05, 0.1, 0.2, 0.3)
"""Noise of the perturbation steps (:func:`perturb_layouts`), in units of the cell spacing
1/sqrt(m); the k-th step on a pool member uses entry k mod 4."""


@dataclass
class SearchResult:
    """Best checked partition found.

    Parameters
    ----------
    certificate : Certificate
        The checked partition.
    report : CheckReport
        Its check.
    float_diameter : float
        The optimiser's (numerical) value of the largest cell diameter.
    restarts : int
        Restarts run (or SAT calls, for the grid search).
    seconds : float
        Wall time of the search.
    history : list of float, default=[]
        The optimiser's value of every restart.

    Examples
    --------
    >>> res = search_partition("square", 2, restarts=2, seed=0)
    >>> res.report.ok, round(res.diameter, 6)  # sqrt(5)/2
    (True, 1.118034)
    """

    certificate: Certificate
    report: CheckReport
    float_diameter: float
    restarts: int
    seconds: float
    history: list[float] = field(default_factory=list)

    @property
    def diameter(self) -> float:
        """Checked upper bound sqrt(bound_squared), rounded up."""
        return self.certificate.bound


def triangulate(poly: list[Point]) -> list[tuple[Point, ...]]:
    """Convex pieces of a simple ccw polygon: itself if convex, else ear-clipping triangles.

    Exact (Fractions); degenerate (zero-area) ears are dropped.

    Parameters
    ----------
    poly : list of Point
        A simple polygon, counter-clockwise.

    Returns
    -------
    list of tuple of Point
        Convex pieces whose areas add up to the polygon's, with disjoint interiors.

    Raises
    ------
    ValueError
        When no ear is found or the pieces do not tile the polygon (it is not simple).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> ell = [(F(0), F(0)), (F(2), F(0)), (F(2), F(1)), (F(1), F(1)), (F(1), F(2)), (F(0), F(2))]
    >>> len(triangulate(ell))
    4
    """
    pts = [p for i, p in enumerate(poly) if p != poly[i - 1]]
    if len(pts) >= 3 and is_convex_ccw(pts):
        return [tuple(pts)]
    if signed_area(pts) <= 0:
        raise ValueError("polygon: not counter-clockwise or degenerate")
    out = []
    pts = list(pts)
    while len(pts) > 3:
        n = len(pts)
        for i in range(n):
            a, b, c = pts[i - 1], pts[i], pts[(i + 1) % n]
            turn = cross(a, b, c)
            if turn < 0:
                continue
            if turn == 0:
                pts.pop(i)  # collinear or spike: removing it keeps the region
                break
            tri = (a, b, c)
            if any(
                q not in tri and all(cross(tri[k], tri[(k + 1) % 3], q) >= 0 for k in range(3))
                for q in pts
            ):
                continue
            out.append(tri)
            pts.pop(i)
            break
        else:
            raise ValueError("polygon: no ear found (not simple)")
    if len(pts) == 3 and cross(*pts) > 0:
        out.append(tuple(pts))
    total = sum((signed_area(t) for t in out), Fraction(0))
    if total != signed_area(poly) or any(
        not interiors_disjoint(out[i], out[j])
        for i in range(len(out))
        for j in range(i + 1, len(out))
    ):
        raise ValueError("polygon: triangulation failed (polygon not simple)")
    return out


def _round(value: float) -> Fraction:
    return to_fraction(float(value), max_denominator=MAX_DENOMINATOR)


def _exact_vertices(layout: Layout) -> list[Point]:
    """Rational vertex positions: corners exact, edge vertices exactly on their edge, circle
    vertices exactly on the circle, free vertices rounded and pulled inside when needed."""
    shape = layout.shape
    x = layout.params
    out: list[Point] = []
    for i, kind in enumerate(layout.kinds):
        o = layout.offsets[i]
        if kind.kind == "fixed":
            out.append(shape.vertices[kind.index])
        elif kind.kind == "edge":
            a = shape.vertices[kind.index]
            b = shape.vertices[(kind.index + 1) % len(shape.vertices)]
            t = min(max(_round(x[o]), Fraction(0)), Fraction(1))
            out.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
        elif kind.kind == "circle":
            out.append(rational_circle_point(float(x[o]), shape.radius))
        else:
            p = (_round(x[o]), _round(x[o + 1]))
            if isinstance(shape, ConvexPolygon) and not shape.contains(p):
                c = shape.float_vertices.mean(axis=0)
                for k in range(1, 60):
                    lam = Fraction(1, 2**k)
                    q = (p[0] + lam * (_round(c[0]) - p[0]), p[1] + lam * (_round(c[1]) - p[1]))
                    if shape.contains(q):
                        p = q
            if isinstance(shape, Disk) and not shape.contains(p):
                p = (p[0] * (1 - Fraction(1, 10**9)), p[1] * (1 - Fraction(1, 10**9)))
            out.append(p)
    return out


def _cap(shape: Disk, theta_a: float, theta_b: float, a: Point, b: Point) -> tuple[Point, ...]:
    """Convex piece between chord a-b and the circle of radius 2r, bounded by the rays 0a, 0b."""
    steps = max(1, math.ceil((theta_b - theta_a) / CAP_STEP))
    outer = [
        rational_circle_point(theta_a + (theta_b - theta_a) * j / steps, 2 * shape.radius)
        for j in range(1, steps)
    ]
    return (a, (2 * a[0], 2 * a[1]), *outer, (2 * b[0], 2 * b[1]), b)


MERGE_DISTANCE = 1e-7
"""Vertices this close after optimisation are merged before rounding (a collapsed edge)."""
_RANK = {"fixed": 3, "edge": 2, "circle": 1, "free": 0}


def merge_close_vertices(layout: Layout, tol: float = MERGE_DISTANCE) -> Layout:
    """Merge vertices closer than ``tol`` (modulo Z^2 on the torus) into one.

    So that rounding cannot open a sliver between two ends of an edge the optimiser collapsed.

    Parameters
    ----------
    layout : Layout
        A float layout.
    tol : float, default=MERGE_DISTANCE
        Vertices closer than this become one.

    Returns
    -------
    Layout
        The layout with merged vertices (``layout`` itself when nothing merges).
    """
    v, _ = layout.vertex_positions()
    n = len(v)
    torus = isinstance(layout.shape, FlatTorus)
    target = list(range(n))
    offset = [(0, 0)] * n  # vertex i = vertex target[i] + offset[i]
    order = sorted(range(n), key=lambda i: -_RANK[layout.kinds[i].kind])
    for ii, i in enumerate(order):
        if target[i] != i:
            continue
        for j in order[ii + 1 :]:
            if target[j] != j:
                continue
            z = v[j] - v[i]
            k = np.round(z) if torus else np.zeros(2)
            if np.linalg.norm(z - k) < tol:
                target[j] = i
                offset[j] = (int(k[0]), int(k[1]))
    if all(target[i] == i for i in range(n)):
        return layout
    cells, arcs = [], []
    for cell, arc in zip(layout.cells, layout.arcs, strict=True):
        new_cell: list[tuple[int, tuple[int, int]]] = []
        new_arc: dict[int, int] = {}
        for pos, (vid, (kx, ky)) in enumerate(cell):
            t, (ox, oy) = target[vid], offset[vid]
            item = (t, (kx + ox, ky + oy))
            if new_cell and new_cell[-1] == item:
                if pos in arc:
                    new_arc[len(new_cell) - 1] = arc[pos]
                continue
            if pos in arc:
                new_arc[len(new_cell)] = arc[pos]
            new_cell.append(item)
        while len(new_cell) > 1 and new_cell[0] == new_cell[-1]:
            last = len(new_cell) - 1
            if last in new_arc:
                new_arc[0] = new_arc.pop(last)
            new_cell.pop()
        cells.append(new_cell)
        arcs.append(new_arc)
    return Layout(layout.shape, layout.kinds, layout.params, layout.offsets, cells, arcs)


def layout_certificate(
    layout: Layout,
    parts: int,
    *,
    tangent_sides: int = DEFAULT_TANGENT_SIDES,
    meta: dict | None = None,
) -> Certificate:
    """Round a float layout to an exact certificate whose bound is its exact checked diameter.

    Cells become convex pieces (ear-clipped when a rounded cell is not convex). On the disk an
    arc from angle theta_a to theta_b is split so each sub-arc spans < pi/2 and gets a cap
    piece; the caps of all cells tile the ring between the cells' chords and radius 2r.

    Parameters
    ----------
    layout : Layout
        An optimised float layout.
    parts : int
        m, the number of cells.
    tangent_sides : int, default=DEFAULT_TANGENT_SIDES
        Edges of the disk's circumscribed polygon Q.
    meta : dict or None, default=None
        Recorded in the certificate.

    Returns
    -------
    Certificate
        With ``bound_squared`` the exact checked value rounded up to a multiple of
        1/:data:`BOUND_DIGITS` (not yet checked for overlaps and coverage).
    """
    shape = layout.shape
    layout = merge_close_vertices(layout)
    verts = _exact_vertices(layout)
    cells = []
    for ci, cell in enumerate(layout.cells):
        poly: list[Point] = []
        caps: list[tuple[Point, ...]] = []
        n = len(cell)
        for pos, (v, (kx, ky)) in enumerate(cell):
            p = (verts[v][0] + kx, verts[v][1] + ky)
            poly.append(p)
            if pos in layout.arcs[ci]:
                w = layout.arcs[ci][pos]
                nv = cell[(pos + 1) % n][0]
                ta = layout.angle(v)
                tb = layout.angle(nv) + 2 * math.pi * w
                pieces = max(1, math.ceil((tb - ta) / (math.pi / 2 - 1e-3)))
                angles = [ta + (tb - ta) * j / pieces for j in range(pieces + 1)]
                pts = [p]
                for a in angles[1:-1]:
                    pts.append(rational_circle_point(a, shape.radius))
                pts.append(verts[nv])
                poly.extend(pts[1:-1])
                for j in range(pieces):
                    caps.append(_cap(shape, angles[j], angles[j + 1], pts[j], pts[j + 1]))
        pieces = triangulate(poly) if len(poly) >= 3 and signed_area(poly) > 0 else []
        cells.append(pieces + caps)
    cert = Certificate(
        shape=shape.name, parts=parts, bound_squared=Fraction(0), cells=cells,
        tangent_sides=tangent_sides, meta=dict(meta or {}),
    )
    worst = max(cell_squared_diameters(cert, shape))
    cert.bound_squared = Fraction(math.ceil(worst * BOUND_DIGITS), BOUND_DIGITS)
    return cert


def perturb_layouts(
    pool: list[tuple[float, Layout]],
    rng: np.random.Generator,
    *,
    steps: int,
    time_limit: float | None = None,
) -> tuple[list[tuple[float, Layout, int]], int]:
    """Iterated local search on the torus: perturb the cell centroids of good layouts.

    Step j takes pool member i = j mod len(pool), moves each of its cell centroids
    (:func:`~diampart.voronoi.cell_centroids`) by independent N(0, (s / sqrt(m))^2) noise,
    s = :data:`PERTURB_SCALES`[(j // len(pool)) mod 4], rebuilds the periodic Voronoi layout of
    the moved points and optimises it (:func:`~diampart.optimize.optimise_layout`); the result
    replaces member i when its value is lower. Rebuilding the Voronoi diagram changes the cells'
    combinatorics, which SLSQP on fixed combinatorics cannot; restarts from scratch rarely
    reach the same neighbourhood (torus m = 19, the table's seeds: 84 restarts gave 0.289760,
    94 steps from their 4 best 0.288813; 200 restarts alone still 0.289760).

    Parameters
    ----------
    pool : list of (float, Layout)
        Optimised torus layouts with their values.
    rng : numpy.random.Generator
        The noise source.
    steps : int
        Most steps (>= 0).
    time_limit : float or None, default=None
        Stop starting steps after this many seconds.

    Returns
    -------
    pool : list of (float, Layout, int)
        The members (same order), each with the number of steps that improved it.
    steps_run : int
        Steps run.
    """
    start = time.perf_counter()
    members = [(v, lay, 0) for v, lay in pool]
    run = 0
    for j in range(steps if members else 0):
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
        run += 1
        i = j % len(members)
        value, layout, improved = members[i]
        m = len(layout.cells)
        scale = PERTURB_SCALES[(j // len(members)) % len(PERTURB_SCALES)] / math.sqrt(m)
        seeds = (cell_centroids(layout) + scale * rng.standard_normal((m, 2))) % 1.0
        try:
            new, new_value = optimise_layout(build_layout(layout.shape, seeds))
        except _NUMERICAL_FAILURES:
            continue
        if len(new.cells) == m and new_value < value - 1e-9:
            members[i] = (new_value, new, improved + 1)
    return members, run


def search_partition(
    shape: Shape | str,
    parts: int,
    *,
    restarts: int = 16,
    seed: int = 0,
    time_limit: float | None = None,
    tangent_sides: int = DEFAULT_TANGENT_SIDES,
    keep: int = 4,
    refine: bool | None = None,
    seed_methods: tuple[str, ...] | None = None,
    smooth: bool = False,
    perturb_steps: int = 0,
    perturb_time: float | None = None,
) -> SearchResult:
    """Best checked partition of ``shape`` into ``parts`` cells over seeded restarts.

    Restart r draws seeds from numpy Generator(seed) (cycling through farthest-point, Lloyd and,
    on the torus, cyclic-lattice seeds), optimises the Voronoi layout with SLSQP, and the
    ``keep`` best distinct float layouts are
    certified; the best certificate that passes the exact check is returned. With ``refine``
    (default: on the torus for m >= 4) each kept layout also gets a midpoint on every edge and a
    second SLSQP run without the convexity constraints, so cell boundaries may bend; the exact
    check decides whether the bent layout is still a tiling.

    Parameters
    ----------
    shape : Shape or str
        The shape, or its name (:func:`~diampart.shapes.get_shape`).
    parts : int
        m >= 1, the number of cells.
    restarts : int, default=16
        Seeded restarts (>= 1).
    seed : int, default=0
        Seed of the restarts.
    time_limit : float or None, default=None
        Stop starting restarts after this many seconds (at least one runs).
    tangent_sides : int, default=DEFAULT_TANGENT_SIDES
        Edges of the disk's circumscribed polygon Q.
    keep : int, default=4
        Distinct float layouts certified.
    refine : bool or None, default=None
        Also try bent edges; ``None``: on the torus for m >= 4.
    seed_methods : tuple of str or None, default=None
        The seed methods restarts cycle through (:func:`~diampart.voronoi.well_spread_seeds`);
        ``None``: farthest, lloyd (and lattice on the torus).
    smooth : bool, default=False
        Run L-BFGS on a smooth surrogate (:func:`~diampart.optimize.smooth_layout`) before
        SLSQP. On the torus (m = 17, six seeds) it led SLSQP to the same optima, 2-4 times
        slower, hence off by default.
    perturb_steps : int, default=0
        Torus only: after the restarts, at most this many perturbation steps
        (:func:`perturb_layouts`) on the ``keep`` best distinct layouts, with noise from numpy
        Generator([seed, 1]) (the restarts' stream is unchanged).
    perturb_time : float or None, default=None
        Stop starting perturbation steps after this many seconds (counted from their start).

    Returns
    -------
    SearchResult
        The best checked partition.

    Raises
    ------
    ValueError
        For a bad ``parts``, ``restarts`` or ``perturb_steps`` (also: steps off the torus).
    RuntimeError
        When no restart gives a valid certificate.

    References
    ----------
    Voronov, Tolmachev, Protasov, Neopryatnaya, MOTOR 2023; Protasov, Tolmachev & Voronov,
    "Optimal partitions of the flat torus into parts of smaller diameter", arXiv:2402.03997;
    SLSQP: Kraft, "A software package for sequential quadratic programming", DFVLR 1988.

    Examples
    --------
    >>> res = search_partition("triangle", 3, restarts=2, seed=0)
    >>> res.report.ok, round(res.diameter, 6)  # 1/sqrt(3)
    (True, 0.57735)
    """
    shape = get_shape(shape) if isinstance(shape, str) else shape
    if isinstance(parts, bool) or not isinstance(parts, int | np.integer) or parts < 1:
        raise ValueError(f"parts: expected an integer >= 1, got {parts!r}")
    if restarts < 1:
        raise ValueError(f"restarts: expected an integer >= 1, got {restarts!r}")
    if isinstance(perturb_steps, bool) or not isinstance(perturb_steps, int) or perturb_steps < 0:
        raise ValueError(f"perturb_steps: expected an integer >= 0, got {perturb_steps!r}")
    if perturb_steps and not isinstance(shape, FlatTorus):
        raise ValueError(f"perturb_steps: perturbation steps exist on the torus only, got shape "
                         f"{shape.name!r}")
    methods = SEED_METHODS_TORUS if isinstance(shape, FlatTorus) else SEED_METHODS
    if seed_methods is not None:
        known = ("farthest", "lloyd", "uniform") + (
            ("lattice", "hexgrid", "motif") if isinstance(shape, FlatTorus) else ())
        if not seed_methods or any(sm not in known for sm in seed_methods):
            raise ValueError(f"seed_methods: expected a non-empty tuple of {known}, got {seed_methods!r}")
        methods = tuple(seed_methods)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    found: list[tuple[float, int, Layout]] = []
    history = []
    runs = 0
    for r in range(restarts):
        if time_limit is not None and r > 0 and time.perf_counter() - start > time_limit:
            break
        runs += 1
        seeds = well_spread_seeds(shape, parts, rng, method=methods[r % len(methods)])
        try:
            layout = build_layout(shape, seeds)
            if smooth:
                layout = smooth_layout(layout)
            layout, value = optimise_layout(layout)
        except _NUMERICAL_FAILURES:
            continue
        history.append(value)
        found.append((value, r, layout))
    found.sort(key=lambda item: item[0])
    distinct: list[tuple[float, int, Layout, str]] = []
    for v, r, lay in found:  # different local optima, not copies of one
        if all(abs(v - d[0]) > 1e-7 for d in distinct):
            distinct.append((v, r, lay, "voronoi+slsqp"))
        if len(distinct) >= max(keep, 1):
            break
    found = distinct
    steps_run = 0
    if perturb_steps and found:
        pool, steps_run = perturb_layouts(
            [(v, lay) for v, _, lay, _ in found], np.random.default_rng([seed, 1]),
            steps=perturb_steps, time_limit=perturb_time)
        found = [(v, r, lay, method if improved == 0 else "voronoi+slsqp+perturbed")
                 for (v, lay, improved), (_, r, _, method) in zip(pool, found, strict=True)]
    if refine is None:
        refine = isinstance(shape, FlatTorus) and parts >= 4
    if refine:
        for value, r, layout, _ in list(found):
            try:
                bent, bent_value = optimise_layout(subdivide_edges(layout), convex=False)
            except _NUMERICAL_FAILURES:
                continue
            if bent_value < value - 1e-9:
                found.append((bent_value, r, bent, "voronoi+slsqp+bent-edges"))
        found.sort(key=lambda item: item[0])
    best: SearchResult | None = None
    for value, r, layout, method in found:
        meta = {"seed": seed, "restart": r, "restarts_run": runs, "float_diameter": value,
                "method": method}
        if steps_run:
            meta["perturb_steps"] = steps_run
        try:
            cert = layout_certificate(layout, parts, tangent_sides=tangent_sides, meta=meta)
        except _NUMERICAL_FAILURES:
            continue  # e.g. a rounded cell that is no longer a simple polygon
        report = check_certificate(cert)
        if report.ok and (best is None or cert.bound_squared < best.certificate.bound_squared):
            best = SearchResult(cert, report, value, runs, 0.0, history)
    if best is None:
        raise RuntimeError(f"search: no valid partition found for {shape.name}, m={parts}")
    best.seconds = time.perf_counter() - start
    best.certificate.meta["seconds"] = best.seconds
    return best



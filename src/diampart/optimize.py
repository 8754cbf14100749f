"""Minimise the largest cell diameter of a :class:`~diampart.voronoi.Layout` (SLSQP).

Problem (SLSQP as in scipy.optimize.minimize: Kraft, "A software package for sequential
quadratic programming", DFVLR-FB 88-28, 1988):

    minimise t  over (vertex parameters, t)
    subject to  t >= |p_a - p_b|^2         for every pair of points of one cell,
                cells stay convex           (cross(p_{l-1}, p_l, p_{l+1}) >= 0 along each cell),
                free vertices stay inside   (polygon edges / |v| <= r),
                arcs keep their orientation (span >= 0),

where the points of a cell are its vertices, plus samples on the arcs it follows (disk) and on
its edges (torus, where |.| is the torus distance min_k |z - k|, k = round(z)). Convex cells
with fixed combinatorics and positive orientation keep the layout a tiling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from diampart.shapes import ConvexPolygon, Disk, FlatTorus
from diampart.voronoi import Layout

__all__ = [
    "CellPoints",
    "cell_points",
    "layout_diameter",
    "optimise_layout",
    "plane_diameter",
    "smooth_layout",
]

ARC_SAMPLE_STEP = math.pi / 60
"""Angular step of the arc samples (3 degrees): sampled diameter within r (1 - cos 1.5 deg)."""
TORUS_EDGE_SAMPLES = 0
"""Extra torus edge samples; the exact crossing constraints below make them unnecessary."""
TORUS_LINES = (-1.5, -0.5, 0.5, 1.5)
"""Lattice Voronoi lines x = c and y = c where the torus distance has a ridge."""
RIDGE_PARTS = 8
"""From this many cells on, the torus is optimised on the cells' plane lifts: distances are
plane distances between lifted points, with no wrapping and no ridge constraints. The plane
diameter of a lift bounds the cell's torus diameter from above and equals it below 1/2, where
the optima lie (hexagonal tilings give 0.442 at m = 8), so the objective is an honest upper
bound; the ridges were most of the constraints (3-4x the time). Measured on the torus distance
without the ridges instead, SLSQP drifted from most starts into cells wider than 1/2 whose
wrapped vertex distances undercut their true diameter (m = 11: 0.40 by that count, 0.53 in
fact). The exact check of the certificate has the last word anyway. Below this m nothing
changes."""


@dataclass
class CellPoints:
    """Every point the objective uses, as functions of the vertex positions.

    Point k is ``lin[k] @ V + shift[k]`` when ``arc[k]`` is None, otherwise the circle point at
    angle (1 - s) theta_a + s (theta_b + 2 pi w) for ``arc[k] = (a, b, w, s)``.

    Parameters
    ----------
    lin : numpy.ndarray of shape (n_points, n_vertices)
        Linear combinations of the vertex positions.
    shift : numpy.ndarray of shape (n_points, 2)
        Constant shifts (torus translates).
    arc : list of tuple or None
        Arc parameters ``(a, b, w, s)`` of arc samples, None for the others.
    diameter_sets : list of numpy.ndarray
        Per cell, the indices of the points whose pairwise distances bound its diameter.
    outlines : list of numpy.ndarray
        Per cell, the indices of its vertices in order (convexity constraints).

    Examples
    --------
    >>> import numpy as np
    >>> from diampart.shapes import get_shape
    >>> from diampart.voronoi import build_layout
    >>> layout = build_layout(get_shape("square"), np.array([[0.25, 0.5], [0.75, 0.5]]))
    >>> points = cell_points(layout)
    >>> points.lin.shape[1] == layout.n_vertices, len(points.outlines)
    (True, 2)
    """

    lin: np.ndarray
    shift: np.ndarray
    arc: list[tuple[int, int, int, float] | None]
    diameter_sets: list[np.ndarray]
    outlines: list[np.ndarray]


def cell_points(layout: Layout) -> CellPoints:
    """Points (vertices, arc and torus-edge samples) and, per cell, the diameter set and outline.

    Parameters
    ----------
    layout : Layout
        The layout.

    Returns
    -------
    CellPoints
        The points the objective and the constraints use.
    """
    nv = layout.n_vertices
    lin_rows, shifts, arcs = [], [], []
    diameter_sets, outlines = [], []
    torus = isinstance(layout.shape, FlatTorus)

    def add(row: np.ndarray, shift: tuple[float, float], arc: tuple | None) -> int:
        lin_rows.append(row)
        shifts.append(shift)
        arcs.append(arc)
        return len(arcs) - 1

    for ci, cell in enumerate(layout.cells):
        dset, outline = [], []
        n = len(cell)
        for pos, (v, shift) in enumerate(cell):
            row = np.zeros(nv)
            row[v] = 1.0
            k = add(row, shift, None)
            dset.append(k)
            outline.append(k)
            nxt_v, nxt_shift = cell[(pos + 1) % n]
            if pos in layout.arcs[ci]:
                w = layout.arcs[ci][pos]
                ta, tb = layout.angle(v), layout.angle(nxt_v) + 2 * math.pi * w
                samples = max(2, math.ceil((tb - ta) / ARC_SAMPLE_STEP))
                for j in range(1, samples):
                    k = add(np.zeros(nv), (0.0, 0.0), (v, nxt_v, w, j / samples))
                    dset.append(k)
                    outline.append(k)
            elif torus and n > 1:
                for j in range(1, TORUS_EDGE_SAMPLES + 1):
                    s = j / (TORUS_EDGE_SAMPLES + 1)
                    row = np.zeros(nv)
                    row[v] += 1 - s
                    row[nxt_v] += s
                    sh = (
                        (1 - s) * shift[0] + s * nxt_shift[0],
                        (1 - s) * shift[1] + s * nxt_shift[1],
                    )
                    dset.append(add(row, sh, None))
        diameter_sets.append(np.array(dset))
        outlines.append(np.array(outline))
    return CellPoints(np.array(lin_rows), np.array(shifts, float), arcs, diameter_sets, outlines)


class _Problem:
    def __init__(self, layout: Layout, convex: bool = True, ridge: bool = True) -> None:
        self.layout = layout
        self.pts = cell_points(layout)
        self.torus = isinstance(layout.shape, FlatTorus)
        # without the ridge constraints, distances are measured in the cells' plane lifts: an
        # upper bound of the torus distance (equal below 1/2) that no cell can undercut by
        # wrapping around the torus
        self.wrap = self.torus and ridge
        pairs = []
        for dset in self.pts.diameter_sets:
            i, j = np.triu_indices(len(dset), 1)
            pairs.append(np.column_stack([dset[i], dset[j]]))
        self.pairs = np.concatenate(pairs) if pairs else np.zeros((0, 2), int)
        triples = []
        for out in self.pts.outlines if convex else []:
            n = len(out)
            if n >= 3:
                triples.extend((out[(k - 1) % n], out[k], out[(k + 1) % n]) for k in range(n))
        self.triples = np.array(triples, int).reshape(-1, 3)
        self.arc_idx = [k for k, a in enumerate(self.pts.arc) if a is not None]
        segs = []
        if self.torus and ridge:
            # boundary of C - C lies in the union of segments (edge - vertex)
            for out in self.pts.outlines:
                n = len(out)
                for k in range(n):
                    for j in range(n):
                        if j != k and j != (k + 1) % n:
                            segs.append((out[k], out[(k + 1) % n], out[j]))
        self.segs = np.array(segs, int).reshape(-1, 3)
        self.free = [i for i, kd in enumerate(layout.kinds) if kd.kind == "free"]
        self.n_params = len(layout.params)

    def points(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v, dv = self.layout.vertex_positions(x)
        p = self.pts.lin @ v + self.pts.shift
        dp = np.einsum("kv,vdn->kdn", self.pts.lin, dv)
        if self.arc_idx:
            r = float(self.layout.shape.radius)
            for k in self.arc_idx:
                a, b, w, s = self.pts.arc[k]
                oa, ob = self.layout.offsets[a], self.layout.offsets[b]
                th = (1 - s) * x[oa] + s * (x[ob] + 2 * math.pi * w)
                p[k] = r * np.array([math.cos(th), math.sin(th)])
                tangent = r * np.array([-math.sin(th), math.cos(th)])
                dp[k] = 0.0
                dp[k, :, oa] += (1 - s) * tangent
                dp[k, :, ob] += s * tangent
        return p, dp

    def diffs(self, p: np.ndarray) -> np.ndarray:
        z = p[self.pairs[:, 0]] - p[self.pairs[:, 1]]
        if self.wrap:
            z = z - np.round(z)
        return z

    def constraints(self, xt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, t = xt[:-1], xt[-1]
        p, dp = self.points(x)
        n = len(xt)
        vals, jacs = [], []
        z = self.diffs(p)
        vals.append(t - (z * z).sum(1))
        dz = dp[self.pairs[:, 0]] - dp[self.pairs[:, 1]]
        jd = -2 * np.einsum("kd,kdn->kn", z, dz)
        jacs.append(np.hstack([jd, np.ones((len(z), 1))]))
        if len(self.segs):
            cv, cj = self._ridge(p, dp)
            vals.append(t - cv)
            jacs.append(np.hstack([-cj, np.ones((len(cv), 1))]))
        if len(self.triples):
            o, a, b = (p[self.triples[:, c]] for c in range(3))
            do, da, db = (dp[self.triples[:, c]] for c in range(3))
            u, w = a - o, b - o
            du, dw = da - do, db - do
            vals.append(u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0])
            jc = (
                du[:, 0] * w[:, 1, None]
                + u[:, 0, None] * dw[:, 1]
                - du[:, 1] * w[:, 0, None]
                - u[:, 1, None] * dw[:, 0]
            )
            jacs.append(np.hstack([jc, np.zeros((len(o), 1))]))
        shape = self.layout.shape
        if self.free and isinstance(shape, ConvexPolygon | Disk):
            v, dv = self.layout.vertex_positions(x)
            vf, dvf = v[self.free], dv[self.free]
            if isinstance(shape, Disk):
                r2 = float(shape.radius) ** 2
                vals.append(r2 - (vf * vf).sum(1))
                jv = -2 * np.einsum("kd,kdn->kn", vf, dvf)
                jacs.append(np.hstack([jv, np.zeros((len(vf), 1))]))
            else:
                poly = shape.float_vertices
                for e in range(len(poly)):
                    a, b = poly[e], poly[(e + 1) % len(poly)]
                    d = b - a
                    vals.append(d[0] * (vf[:, 1] - a[1]) - d[1] * (vf[:, 0] - a[0]))
                    jv = d[0] * dvf[:, 1] - d[1] * dvf[:, 0]
                    jacs.append(np.hstack([jv, np.zeros((len(vf), 1))]))
        for ci, arcs in enumerate(self.layout.arcs):
            for pos, w in arcs.items():
                cell = self.layout.cells[ci]
                a, b = cell[pos][0], cell[(pos + 1) % len(cell)][0]
                oa, ob = self.layout.offsets[a], self.layout.offsets[b]
                vals.append(np.array([x[ob] + 2 * math.pi * w - x[oa]]))
                row = np.zeros((1, n))
                row[0, ob] += 1.0
                row[0, oa] -= 1.0
                jacs.append(row)
        return np.concatenate(vals), np.vstack(jacs)

    def _ridge(self, p: np.ndarray, dp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Squared torus distance where segments z1 -> z2 of C - C cross the lines x = c, y = c.

        The value 1/4 + z_y^2 (distance to (c +- 1/2, 0)) is >= the torus distance and >= 1/2
        once the segment passes a lattice corner, so the optimiser keeps corners out of C - C.
        Returns 0 (and a zero gradient) for a segment that misses a line.
        """
        a, b, c = (p[self.segs[:, i]] for i in range(3))
        da, db, dc = (dp[self.segs[:, i]] for i in range(3))
        z1, z2 = a - c, b - c
        dz1, dz2 = da - dc, db - dc
        vals, jacs = [], []
        for axis in (0, 1):
            other = 1 - axis
            dx = z2[:, axis] - z1[:, axis]
            safe = np.where(np.abs(dx) > 1e-12, dx, 1.0)
            dy = z2[:, other] - z1[:, other]
            for line in TORUS_LINES:
                s = (line - z1[:, axis]) / safe
                hit = (np.abs(dx) > 1e-12) & (s >= 0) & (s <= 1)
                # distance to the lattice points (c +- 1/2, 0): an upper bound of the torus
                # distance that also accounts for a lattice corner (c, +-1/2) inside C - C
                fy = z1[:, other] + s * dy
                g = np.where(hit, 0.25 + fy * fy, 0.0)
                slope = dy / safe
                dzy = (
                    (1 - s)[:, None] * dz1[:, other]
                    + s[:, None] * dz2[:, other]
                    - (slope * (1 - s))[:, None] * dz1[:, axis]
                    - (slope * s)[:, None] * dz2[:, axis]
                )
                jacs.append(np.where(hit[:, None], 2 * fy[:, None] * dzy, 0.0))
                vals.append(g)
        return np.concatenate(vals), np.vstack(jacs)

    def max_sq(self, x: np.ndarray) -> float:
        p, dp = self.points(x)
        z = self.diffs(p)
        best = float((z * z).sum(1).max()) if len(z) else 0.0
        if len(self.segs):
            best = max(best, float(self._ridge(p, dp)[0].max()))
        return best

    def bounds(self) -> list[tuple[float | None, float | None]]:
        out: list[tuple[float | None, float | None]] = [(None, None)] * self.n_params
        for i, kd in enumerate(self.layout.kinds):
            if kd.kind == "edge":
                out[self.layout.offsets[i]] = (0.0, 1.0)
        return out + [(0.0, None)]


def plane_diameter(layout: Layout) -> float:
    """Largest diameter of the cells' lifts to the plane (no wrapping; vertices only).

    Parameters
    ----------
    layout : Layout
        The layout.

    Returns
    -------
    float
        max over cells of the largest plane distance between their lifted vertices (at least
        the torus diameter; equal when it is below 1/2).

    Examples
    --------
    >>> import numpy as np
    >>> from diampart.voronoi import torus_layout_from_polygons
    >>> halves = [np.array([[0, 0], [0.5, 0], [0.5, 1], [0, 1]]),
    ...           np.array([[0.5, 0], [1, 0], [1, 1], [0.5, 1]])]
    >>> round(plane_diameter(torus_layout_from_polygons(halves)), 6)
    1.118034
    """
    best = 0.0
    for p in layout.cell_polygons():
        z = p[:, None, :] - p[None, :, :]
        best = max(best, float(np.sqrt((z * z).sum(-1).max())))
    return best


def layout_diameter(layout: Layout) -> float:
    """Largest sampled cell diameter of the layout (floats).

    Parameters
    ----------
    layout : Layout
        The layout.

    Returns
    -------
    float
        max over cells of the largest distance between their points.

    Examples
    --------
    >>> import numpy as np
    >>> from diampart.shapes import get_shape
    >>> from diampart.voronoi import build_layout
    >>> layout = build_layout(get_shape("square"), np.array([[0.25, 0.5], [0.75, 0.5]]))
    >>> round(layout_diameter(layout), 6)  # two 1/2 x 1 halves
    1.118034
    """
    return math.sqrt(_Problem(layout).max_sq(layout.params))


SMOOTH_SHARPNESS = (20.0, 80.0, 320.0)
"""Sharpness beta of the successive log-sum-exp stages of :func:`smooth_layout` (relative to
the largest squared pair distance at the stage's start)."""
CONVEXITY_PENALTY = 1e3
"""Weight of the squared convexity violations in :func:`smooth_layout`."""


def _smooth_objective(x: np.ndarray, prob: _Problem, beta: float, scale: float) -> tuple[float, np.ndarray]:
    """The surrogate of :func:`smooth_layout` and its gradient."""
    p, dp = prob.points(x)
    z = p[prob.pairs[:, 0]] - p[prob.pairs[:, 1]]
    if prob.torus:
        z = z - prob.frozen_shift
    d = (z * z).sum(1) / scale
    dz = dp[prob.pairs[:, 0]] - dp[prob.pairs[:, 1]]
    dd = 2 * np.einsum("kd,kdn->kn", z, dz) / scale
    top = d.max()
    w = np.exp(beta * (d - top))
    total = w.sum()
    f = scale * (top + math.log(total) / beta)
    g = scale * (w / total) @ dd
    if len(prob.triples):
        o, a, b = (p[prob.triples[:, c]] for c in range(3))
        do, da, db = (dp[prob.triples[:, c]] for c in range(3))
        u, v = a - o, b - o
        du, dv = da - do, db - do
        c = (u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]) / scale
        bad = np.minimum(c, 0.0)
        jc = (du[:, 0] * v[:, 1, None] + u[:, 0, None] * dv[:, 1]
              - du[:, 1] * v[:, 0, None] - u[:, 1, None] * dv[:, 0]) / scale
        f += CONVEXITY_PENALTY * scale * float(bad @ bad)
        g = g + 2 * CONVEXITY_PENALTY * scale * (bad @ jc)
    return f, g


def smooth_layout(
    layout: Layout, *, sharpness: tuple[float, ...] = SMOOTH_SHARPNESS, maxiter: int = 200
) -> Layout:
    """Minimise a smooth surrogate of the largest cell diameter with L-BFGS (no constraints).

    Each stage minimises a surrogate (log-sum-exp of the squared pair distances,
    plus a penalty on non-convex corners) at a larger sharpness:

        f(x) = scale / beta * log sum_k exp(beta D_k(x) / scale)
               + CONVEXITY_PENALTY * scale * sum_c min(0, cross_c(x) / scale)^2,

    D_k the squared distance of pair k (two points of one cell; torus rounding frozen at the
    stage's start), cross_c the turn at each cell corner (>= 0 for convex cells), ``scale`` the
    largest D_k at the stage's start. The log-sum-exp is within scale * log(pairs) / beta above
    max_k D_k. Each stage runs at a larger sharpness, which tends to the largest
    squared diameter; the result is a starting point for :func:`optimise_layout`, which
    restores the exact constraints (the value that counts is the certificate's).

    Parameters
    ----------
    layout : Layout
        The starting layout.
    sharpness : tuple of float, default=SMOOTH_SHARPNESS
        Sharpness of the successive stages (relative to the largest squared distance).
    maxiter : int, default=200
        L-BFGS iterations per stage.

    Returns
    -------
    Layout
        The smoothed layout (same combinatorics).

    References
    ----------
    Liu & Nocedal, "On the limited memory BFGS method for large scale optimization",
    Mathematical Programming 45, 1989.

    Examples
    --------
    >>> import numpy as np
    >>> from diampart.shapes import FlatTorus
    >>> from diampart.voronoi import build_layout, well_spread_seeds
    >>> seeds = well_spread_seeds(FlatTorus(), 9, np.random.default_rng(0), method="hexgrid")
    >>> layout = build_layout(FlatTorus(), seeds)
    >>> layout_diameter(smooth_layout(layout)) < layout_diameter(layout)
    True
    """
    if not sharpness or any(not b > 0 for b in sharpness):
        raise ValueError(f"sharpness: expected positive numbers, got {sharpness!r}")
    best = layout
    for beta in sharpness:
        prob = _Problem(best, convex=True, ridge=False)
        x0 = best.params.copy()
        p, _ = prob.points(x0)
        z = p[prob.pairs[:, 0]] - p[prob.pairs[:, 1]]
        prob.frozen_shift = np.round(z) if prob.torus else 0.0
        scale = max(float(((z - prob.frozen_shift) ** 2).sum(1).max()), 1e-12)
        res = minimize(_smooth_objective, x0, args=(prob, beta, scale), jac=True,
                       method="L-BFGS-B", bounds=prob.bounds()[:-1], options={"maxiter": maxiter})
        if np.all(np.isfinite(res.x)):
            best = Layout(best.shape, best.kinds, res.x.copy(), best.offsets, best.cells, best.arcs)
    return best


def optimise_layout(
    layout: Layout, *, rounds: int = 3, maxiter: int = 300, convex: bool = True
) -> tuple[Layout, float]:
    """SLSQP on the layout's parameters; returns the improved layout and its float diameter.

    Several rounds re-linearise the torus rounding k = round(z) and arc sample counts. A round
    whose result violates the constraints by more than 1e-9 is discarded.

    Parameters
    ----------
    layout : Layout
        The starting layout.
    rounds : int, default=3
        Most SLSQP runs.
    maxiter : int, default=300
        Iterations per run.
    convex : bool, default=True
        Keep cells convex; ``False`` drops the convexity constraints (cells may become
        non-convex; the exact check then decides whether the result is still a tiling).

    Returns
    -------
    layout : Layout
        The best layout found.
    diameter : float
        Its largest sampled cell diameter.

    References
    ----------
    Kraft, "A software package for sequential quadratic programming", DFVLR-FB 88-28, 1988.
    """
    torus = isinstance(layout.shape, FlatTorus)
    ridge = torus and len(layout.cells) < RIDGE_PARTS
    best = layout
    best_val = _Problem(layout, ridge=ridge).max_sq(layout.params)
    for _ in range(rounds):
        prob = _Problem(best, convex=convex, ridge=ridge)
        x0 = np.append(best.params, prob.max_sq(best.params) * 1.0001)
        cons = {
            "type": "ineq",
            "fun": lambda xt, prob=prob: prob.constraints(xt)[0],
            "jac": lambda xt, prob=prob: prob.constraints(xt)[1],
        }
        res = minimize(
            lambda xt: xt[-1],
            x0,
            jac=lambda xt: np.eye(len(xt))[-1],
            method="SLSQP",
            constraints=[cons],
            bounds=prob.bounds(),
            options={"maxiter": maxiter, "ftol": 1e-13},
        )
        xt = res.x
        vals, _ = prob.constraints(xt)
        if vals.min() < -1e-9 or not np.all(np.isfinite(xt)):
            break
        cand = Layout(best.shape, best.kinds, xt[:-1].copy(), best.offsets, best.cells, best.arcs)
        val = prob.max_sq(xt[:-1])
        if val < best_val - 1e-13:
            best, best_val = cand, val
        else:
            break
    return best, math.sqrt(best_val)

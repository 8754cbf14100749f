"""Float Voronoi partitions turned into a shared-vertex layout the optimiser can move.

A :class:`Layout` holds the partition's vertices (each free, sliding on a polygon edge, fixed at
a corner, or on the circle), and every cell as a cyclic list of (vertex, integer shift) with
flags for the edges that follow the disk's boundary arc. Cells come from clipping the Voronoi
half-planes |x - s_i| <= |x - s_j| of well-spread seeds; on the torus the seeds' translates by
k in {-2..2}^2 are included (periodic Voronoi).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from diampart.shapes import ConvexPolygon, Disk, FlatTorus, Shape

__all__ = [
    "Layout",
    "VertexKind",
    "build_layout",
    "cell_centroids",
    "clip_polygon_float",
    "hexgrid_points",
    "motif_points",
    "subdivide_edges",
    "torus_layout_from_polygons",
    "well_spread_seeds",
]

MERGE_TOL = 1e-8
"""Vertices of neighbouring cells closer than this are the same vertex."""
ARC_SPLIT = math.pi / 2
"""Longest arc a cell edge may follow; longer arcs get extra circle vertices."""


@dataclass(frozen=True)
class VertexKind:
    """How a vertex moves.

    Parameters
    ----------
    kind : {"free", "edge", "fixed", "circle"}
        ``"free"``: parameters (x, y); ``"edge"``: t on polygon edge ``index``; ``"fixed"``:
        corner ``index``; ``"circle"``: its angle.
    index : int, default=-1
        The edge or corner it belongs to.

    Examples
    --------
    >>> VertexKind("edge", 2)
    VertexKind(kind='edge', index=2)
    """

    kind: str
    index: int = -1


@dataclass
class Layout:
    """A partition in floats with fixed combinatorics.

    Parameters
    ----------
    shape : Shape
        The shape partitioned.
    kinds : list of VertexKind
        How every vertex moves.
    params : numpy.ndarray
        The parameters of all vertices, concatenated.
    offsets : list of int
        Where each vertex's parameters start in ``params``.
    cells : list of list of tuple
        ``cells[i]`` is a list of (vertex id, (kx, ky)) around cell i (ccw); the shift places
        the vertex's torus translate.
    arcs : list of dict of int to int, default=[]
        ``arcs[i]`` holds, for each cell edge l -> l+1 that follows the circle, the number of
        full turns w added to the end angle (the arc runs from theta_a to theta_b + 2 pi w).

    References
    ----------
    Voronoi partitions optimised on their vertices, after Voronov, Tolmachev, Protasov,
    Neopryatnaya, MOTOR 2023, and Protasov, Tolmachev & Voronov, "Optimal partitions of the
    flat torus into parts of smaller diameter", arXiv:2402.03997.

    Examples
    --------
    >>> import numpy as np
    >>> from diampart.shapes import get_shape
    >>> layout = build_layout(get_shape("square"), np.array([[0.25, 0.5], [0.75, 0.5]]))
    >>> len(layout.cells), layout.vertex_positions()[0].shape
    (2, (6, 2))
    """

    shape: Shape
    kinds: list[VertexKind]
    params: np.ndarray
    offsets: list[int]
    cells: list[list[tuple[int, tuple[int, int]]]]
    arcs: list[dict[int, int]] = field(default_factory=list)

    @property
    def n_vertices(self) -> int:
        """Number of vertices."""
        return len(self.kinds)

    def vertex_positions(self, params: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the vertices and their Jacobian.

        Parameters
        ----------
        params : numpy.ndarray or None, default=None
            Parameters to evaluate at; ``None``: the layout's own.

        Returns
        -------
        v : numpy.ndarray of shape (n_vertices, 2)
            Positions.
        dv : numpy.ndarray of shape (n_vertices, 2, n_params)
            Their derivatives with respect to the parameters.
        """
        x = self.params if params is None else params
        n = self.n_vertices
        v = np.zeros((n, 2))
        dv = np.zeros((n, 2, len(x)))
        shape = self.shape
        for i, kind in enumerate(self.kinds):
            o = self.offsets[i]
            if kind.kind == "free":
                v[i] = x[o : o + 2]
                dv[i, 0, o] = 1.0
                dv[i, 1, o + 1] = 1.0
            elif kind.kind == "edge":
                a, b = _edge(shape, kind.index)
                v[i] = a + x[o] * (b - a)
                dv[i, :, o] = b - a
            elif kind.kind == "fixed":
                v[i] = shape.float_vertices[kind.index]
            else:
                r = float(shape.radius)
                v[i] = r * np.array([math.cos(x[o]), math.sin(x[o])])
                dv[i, :, o] = r * np.array([-math.sin(x[o]), math.cos(x[o])])
        return v, dv

    def cell_polygons(self) -> list[np.ndarray]:
        """Every cell's vertices in order, each moved by its shift (the cell's plane lift).

        Returns
        -------
        list of numpy.ndarray of shape (k, 2)
            One polygon per cell (arcs of the disk replaced by their chords).
        """
        v, _ = self.vertex_positions()
        return [np.array([v[i] + np.array(s, float) for i, s in cell]) for cell in self.cells]

    def angle(self, vertex: int, params: np.ndarray | None = None) -> float:
        """The angle parameter of a circle vertex.

        Parameters
        ----------
        vertex : int
            A vertex of kind ``"circle"``.
        params : numpy.ndarray or None, default=None
            Parameters to read; ``None``: the layout's own.

        Returns
        -------
        float
            The angle, radians.
        """
        x = self.params if params is None else params
        return float(x[self.offsets[vertex]])


def _edge(shape: ConvexPolygon, index: int) -> tuple[np.ndarray, np.ndarray]:
    v = shape.float_vertices
    return v[index], v[(index + 1) % len(v)]


def clip_polygon_float(poly: np.ndarray, normal: np.ndarray, offset: float) -> np.ndarray:
    """Part of a convex polygon with normal . x <= offset (Sutherland-Hodgman, floats).

    Parameters
    ----------
    poly : numpy.ndarray of shape (n, 2)
        A convex polygon.
    normal : numpy.ndarray of shape (2,)
        Outer normal of the half-plane.
    offset : float
        Its offset.

    Returns
    -------
    numpy.ndarray of shape (k, 2)
        The clipped polygon (possibly empty).
    """
    if len(poly) == 0:
        return poly
    s = poly @ normal - offset
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        sp, sq = s[i], s[(i + 1) % n]
        if sp <= 0:
            out.append(p)
        if (sp < 0 < sq) or (sq < 0 < sp):
            out.append(p + sp / (sp - sq) * (q - p))
    return np.array(out) if out else np.zeros((0, 2))


def _voronoi_cell(base: np.ndarray, seed: np.ndarray, others: np.ndarray) -> np.ndarray:
    cell = base
    for o in others:
        normal = o - seed
        cell = clip_polygon_float(cell, normal, 0.5 * (o @ o - seed @ seed))
    return cell


def well_spread_seeds(
    shape: Shape, m: int, rng: np.random.Generator, *, method: str = "farthest"
) -> np.ndarray:
    """m seeds spread over the shape.

    'farthest': greedy max-min (farthest-point) selection among 3000 uniform samples, started
    at a random sample; 'lloyd': 30 Lloyd (k-means) steps on the samples, which tends to the
    centroidal Voronoi tessellation; 'lattice' (torus only): the orbit s + i (p, q)/m mod 1 of a
    random cyclic subgroup, whose Voronoi cells are congruent (strips, hexagons). Distances are
    torus distances on the torus; 'hexgrid' (torus only): a cut-out triangular lattice of
    covolume 1/m relaxed by a few Lloyd steps (:func:`hexgrid_points`: nearly regular hexagons
    with a seam of defects); 'motif' (torus only): a few points repeated by a coarser lattice
    (:func:`motif_points`); 'uniform': independent uniform points (varied topologies).
    A 1e-4 jitter keeps the Voronoi diagram generic.

    Parameters
    ----------
    shape : Shape
        Where the seeds go.
    m : int
        Number of seeds.
    rng : numpy.random.Generator
        The random source.
    method : {"farthest", "lloyd", "lattice", "hexgrid", "motif", "uniform"}, default="farthest"
        How they are spread.

    Returns
    -------
    numpy.ndarray of shape (m, 2)
        The seeds.

    References
    ----------
    Lloyd, "Least squares quantization in PCM", IEEE Transactions on Information Theory 28(2),
    1982.
    """
    torus = isinstance(shape, FlatTorus)
    if method == "hexgrid":
        if not torus:
            raise ValueError("method: 'hexgrid' seeds exist only on the torus")
        cand = shape.sample(3000, rng)
        seeds = _lloyd(hexgrid_points(m, rng), cand, HEXGRID_LLOYD_STEPS, torus=True)
        return seeds + 1e-4 * rng.standard_normal(seeds.shape)
    if method == "motif":
        if not torus:
            raise ValueError("method: 'motif' seeds exist only on the torus")
        cand = shape.sample(3000, rng)
        seeds = _lloyd(motif_points(m, rng), cand, HEXGRID_LLOYD_STEPS, torus=True)
        return seeds + 1e-4 * rng.standard_normal(seeds.shape)
    if method == "lattice":
        if not torus:
            raise ValueError("method: 'lattice' seeds exist only on the torus")
        p, q = (int(k) for k in rng.integers(0, m, size=2))
        seeds = (rng.random(2) + np.outer(np.arange(m), [p / m, q / m])) % 1.0
        return seeds + 1e-4 * rng.standard_normal(seeds.shape)
    if method == "uniform":
        return shape.sample(m, rng)
    cand = shape.sample(3000, rng)

    def dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        z = a - b
        if torus:
            z = z - np.round(z)
        return np.linalg.norm(z, axis=-1)

    if method == "farthest":
        idx = [int(rng.integers(len(cand)))]
        d = dist(cand, cand[idx[0]])
        for _ in range(m - 1):
            j = int(np.argmax(d))
            idx.append(j)
            d = np.minimum(d, dist(cand, cand[j]))
        seeds = cand[idx]
    else:
        seeds = _lloyd(cand[rng.choice(len(cand), m, replace=False)], cand, 30, torus=torus)
    return seeds + 1e-4 * rng.standard_normal(seeds.shape)


def _lloyd(seeds: np.ndarray, cand: np.ndarray, steps: int, *, torus: bool) -> np.ndarray:
    """``steps`` Lloyd (k-means) steps of the seeds on the sample points ``cand``."""
    seeds = np.array(seeds, float)
    m = len(seeds)
    for _ in range(steps):
        z = cand[:, None, :] - seeds[None, :, :]
        if torus:
            z = z - np.round(z)
        lab = np.argmin((z * z).sum(-1), axis=1)
        for k in range(m):
            mine = z[lab == k, k]
            if len(mine):
                seeds[k] = seeds[k] + mine.mean(axis=0)
    return seeds % 1.0 if torus else seeds


def motif_points(m: int, rng: np.random.Generator) -> np.ndarray:
    """m torus points with a periodic motif: r random points repeated by a coarser lattice.

    r is a random divisor of m with 1 < r < m (r = m when m is prime), and the lattice one of
    the Lambda containing Z^2 with index m / r (:func:`diampart.hexagonal.superlattices`),
    drawn among the three whose hexagonal tiles are smallest, so the cells come in r shapes
    repeated periodically (two or three hexagon types for even m or m divisible by 3).

    Parameters
    ----------
    m : int
        Number of points (>= 1).
    rng : numpy.random.Generator
        The random source.

    Returns
    -------
    numpy.ndarray of shape (m, 2)
        Points of [0, 1)^2.

    Examples
    --------
    >>> motif_points(12, np.random.default_rng(0)).shape
    (12, 2)
    """
    from diampart.hexagonal import coset_points, lattice_tilings

    divisors = [r for r in range(2, m) if m % r == 0] or [m]
    r = int(rng.choice(divisors))
    if r == m:
        return rng.random((m, 2))
    tilings = lattice_tilings(m // r)[:3]
    shifts = np.array(coset_points(tilings[int(rng.integers(len(tilings)))]), float)
    motif = rng.random((r, 2))
    return (motif[:, None, :] + shifts[None, :, :]).reshape(-1, 2) % 1.0


HEXGRID_LLOYD_STEPS = 8
"""Lloyd steps that relax a cut-out hexagonal grid (:func:`hexgrid_points`) on the torus."""


def hexgrid_points(m: int, rng: np.random.Generator) -> np.ndarray:
    """m torus points cut from a randomly rotated and shifted triangular lattice of covolume 1/m.

    The lattice (spacing a with sqrt(3)/2 a^2 = 1/m, whose Voronoi cells are regular hexagons
    of area 1/m) does not fit Z^2 in general, so where it wraps around there is a seam of
    defects; points beyond m are dropped at random, missing ones added farthest-first.

    Parameters
    ----------
    m : int
        Number of points (>= 1).
    rng : numpy.random.Generator
        The random source (rotation, shift, which points go).

    Returns
    -------
    numpy.ndarray of shape (m, 2)
        Points of [0, 1)^2.

    Examples
    --------
    >>> hexgrid_points(12, np.random.default_rng(0)).shape
    (12, 2)
    """
    a = math.sqrt(2 / (math.sqrt(3) * m))
    theta = rng.uniform(0, math.pi / 3)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    basis = a * np.array([[1.0, 0.0], [0.5, math.sqrt(3) / 2]]) @ rot.T
    reach = int(math.ceil(2 / a)) + 2
    ij = np.array([(i, j) for i in range(-reach, reach + 1) for j in range(-reach, reach + 1)], float)
    pts = ij @ basis + rng.random(2)
    pts = pts[(pts >= 0).all(axis=1) & (pts < 1).all(axis=1)]
    if len(pts) > m:
        pts = pts[rng.choice(len(pts), m, replace=False)]
    while len(pts) < m:
        cand = rng.random((400, 2))
        if len(pts):
            z = cand[:, None, :] - pts[None, :, :]
            z = z - np.round(z)
            far = int(np.argmax((z * z).sum(-1).min(axis=1)))
        else:
            far = 0
        pts = np.vstack([pts, cand[far]]) if len(pts) else cand[far : far + 1]
    return pts


class _Merger:
    """Union of nearby points into shared vertex ids (optionally modulo Z^2)."""

    def __init__(self, torus: bool) -> None:
        self.torus = torus
        self.points: list[np.ndarray] = []
        self.tags: list[object] = []

    def add(self, p: np.ndarray, tag: object = None) -> int:
        self.points.append(np.asarray(p, float))
        self.tags.append(tag)
        return len(self.points) - 1

    def groups(self) -> np.ndarray:
        pts = np.array(self.points)
        if self.torus:
            pts = pts - np.floor(pts + MERGE_TOL)
        tree = cKDTree(pts)
        parent = list(range(len(pts)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        pairs = set(tree.query_pairs(MERGE_TOL * 10))
        if self.torus:
            # pairs across the unit-square sides
            for sx in (-1, 0, 1):
                for sy in (-1, 0, 1):
                    if sx == 0 and sy == 0:
                        continue
                    other = cKDTree(pts + np.array([sx, sy]))
                    for i, js in enumerate(tree.query_ball_tree(other, MERGE_TOL * 10)):
                        pairs.update((i, j) for j in js)
        for i, j in pairs:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
        roots = np.array([find(i) for i in range(len(pts))])
        _, labels = np.unique(roots, return_inverse=True)
        return labels


def build_layout(shape: Shape, seeds: np.ndarray) -> Layout:
    """Voronoi layout of ``seeds`` inside ``shape`` (periodic on the torus).

    Parameters
    ----------
    shape : Shape
        The shape.
    seeds : numpy.ndarray of shape (m, 2)
        The seeds (:func:`well_spread_seeds`).

    Returns
    -------
    Layout
        One cell per seed, with shared vertices.
    """
    if isinstance(shape, FlatTorus):
        return _torus_layout(seeds)
    if isinstance(shape, Disk):
        return _disk_layout(shape, seeds)
    return _polygon_layout(shape, seeds)


def _dedupe_cycle(ids: list) -> list:
    out = []
    for v in ids:
        if not out or out[-1] != v:
            out.append(v)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def _polygon_layout(shape: ConvexPolygon, seeds: np.ndarray) -> Layout:
    base = shape.float_vertices
    merger = _Merger(torus=False)
    raw_cells = []
    for i, s in enumerate(seeds):
        cell = _voronoi_cell(base, s, np.delete(seeds, i, axis=0))
        raw_cells.append([merger.add(p) for p in cell])
    labels = merger.groups()
    pts = np.array(merger.points)
    nv = labels.max() + 1
    rep = np.zeros((nv, 2))
    for k in range(len(pts)):
        rep[labels[k]] = pts[k]
    kinds, params, offsets = [], [], []
    nb = len(base)
    for v in rep:
        kind = None
        dc = np.linalg.norm(base - v, axis=1)
        if dc.min() < 1e-7:
            kind, p = VertexKind("fixed", int(dc.argmin())), []
        else:
            for e in range(nb):
                a, b = base[e], base[(e + 1) % nb]
                t = float(np.dot(v - a, b - a) / np.dot(b - a, b - a))
                if 0 < t < 1 and np.linalg.norm(a + t * (b - a) - v) < 1e-7:
                    kind, p = VertexKind("edge", e), [t]
                    break
        if kind is None:
            kind, p = VertexKind("free"), list(v)
        offsets.append(len(params))
        kinds.append(kind)
        params.extend(p)
    cells = [[(int(labels[k]), (0, 0)) for k in _dedupe_cycle(c)] for c in raw_cells]
    cells = [_dedupe_cycle(c) for c in cells]
    return Layout(shape, kinds, np.array(params, float), offsets, cells, [{} for _ in cells])


def _disk_layout(shape: Disk, seeds: np.ndarray) -> Layout:
    r = float(shape.radius)
    box = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]) * 2 * r
    merger = _Merger(torus=False)
    raw_cells: list[list[int]] = []
    raw_arcs: list[set[int]] = []
    for i, s in enumerate(seeds):
        cell = _voronoi_cell(box, s, np.delete(seeds, i, axis=0))
        seq: list[tuple[np.ndarray, str]] = []  # (point, 'in'|'enter'|'exit')
        n = len(cell)
        for k in range(n):
            p, q = cell[k], cell[(k + 1) % n]
            if p @ p <= r * r:
                seq.append((p, "in"))
            d = q - p
            aa, bb, cc = d @ d, 2 * p @ d, p @ p - r * r
            disc = bb * bb - 4 * aa * cc
            if disc <= 0:
                continue
            root = math.sqrt(disc)
            for t in sorted(((-bb - root) / (2 * aa), (-bb + root) / (2 * aa))):
                if 0 < t < 1:
                    x = p + t * d
                    x = x * (r / np.linalg.norm(x))
                    seq.append((x, "exit" if bb + 2 * aa * t > 0 else "enter"))
        if not seq:
            # no vertex inside and no crossing: the cell holds the whole disk
            seq = [(r * np.array([math.cos(a), math.sin(a)]), "both")
                   for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)]
        # insert extra circle points on long arcs
        out: list[tuple[np.ndarray, str]] = []
        arc_after: list[bool] = []
        for k, (p, kind) in enumerate(seq):
            out.append((p, "circle" if kind != "in" else "in"))
            nxt = seq[(k + 1) % len(seq)]
            is_arc = kind in ("exit", "both") and nxt[1] in ("enter", "both")
            arc_after.append(is_arc)
            if is_arc:
                a0 = math.atan2(p[1], p[0])
                a1 = math.atan2(nxt[0][1], nxt[0][0])
                span = (a1 - a0) % (2 * math.pi)
                if kind == "both" and span == 0:
                    span = 2 * math.pi
                pieces = max(1, math.ceil(span / ARC_SPLIT - 1e-9))
                for j in range(1, pieces):
                    a = a0 + span * j / pieces
                    out.append((r * np.array([math.cos(a), math.sin(a)]), "circle"))
                    arc_after.append(True)
        ids = [merger.add(p, kind) for p, kind in out]
        raw_cells.append(ids)
        raw_arcs.append({k for k, flag in enumerate(arc_after) if flag})
    labels = merger.groups()
    pts = np.array(merger.points)
    nv = labels.max() + 1
    rep = np.zeros((nv, 2))
    on_circle = np.zeros(nv, bool)
    for k in range(len(pts)):
        rep[labels[k]] = pts[k]
        if merger.tags[k] == "circle":
            on_circle[labels[k]] = True
    kinds, params, offsets = [], [], []
    for v, circ in zip(rep, on_circle, strict=True):
        offsets.append(len(params))
        if circ:
            kinds.append(VertexKind("circle"))
            params.append(math.atan2(v[1], v[0]))
        else:
            kinds.append(VertexKind("free"))
            params.extend(v)
    params_arr = np.array(params, float)
    layout = Layout(shape, kinds, params_arr, offsets, [], [])
    for ids, arc_set in zip(raw_cells, raw_arcs, strict=True):
        cyc = [int(labels[k]) for k in ids]
        cell: list[tuple[int, tuple[int, int]]] = []
        arcs: dict[int, int] = {}
        keep = [k for k in range(len(cyc)) if cyc[k] != cyc[(k + 1) % len(cyc)] or len(cyc) == 1]
        for pos, k in enumerate(keep):
            cell.append((cyc[k], (0, 0)))
            if k in arc_set or any(j in arc_set for j in range(k, _next_keep(keep, pos, len(cyc)))):
                a = cyc[k]
                b = cyc[keep[(pos + 1) % len(keep)]]
                ta, tb = layout.angle(a), layout.angle(b)
                span = (tb - ta) % (2 * math.pi)
                arcs[pos] = round((ta + span - tb) / (2 * math.pi))
        layout.cells.append(cell)
        layout.arcs.append(arcs)
    return layout


def _next_keep(keep: list[int], pos: int, n: int) -> int:
    nxt = keep[(pos + 1) % len(keep)]
    return nxt if nxt > keep[pos] else nxt + n


def _torus_layout(seeds: np.ndarray) -> Layout:
    seeds = np.asarray(seeds, float) % 1.0
    shifts = np.array([(a, b) for a in range(-2, 3) for b in range(-2, 3)], float)
    polygons = []
    for s in seeds:
        others = np.concatenate([seeds + k for k in shifts])
        keep = np.linalg.norm(others - s, axis=1) > 1e-12
        box = s + np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
        polygons.append(_voronoi_cell(box, s, others[keep]))
    return torus_layout_from_polygons(polygons)


def torus_layout_from_polygons(polygons: list[np.ndarray]) -> Layout:
    """Torus layout of polygons that tile R^2/Z^2 (lifts in the plane, counter-clockwise).

    Corners that agree modulo Z^2 (within 1e-8) become one shared vertex; each cell lists its
    corners as (vertex, integer shift) so the lift is kept.

    Parameters
    ----------
    polygons : list of numpy.ndarray of shape (k, 2)
        One polygon per cell; together they tile the torus.

    Returns
    -------
    Layout
        The layout, every vertex free.

    Examples
    --------
    >>> halves = [np.array([[0, 0], [0.5, 0], [0.5, 1], [0, 1]]),
    ...           np.array([[0.5, 0], [1, 0], [1, 1], [0.5, 1]])]
    >>> layout = torus_layout_from_polygons(halves)
    >>> layout.n_vertices, [len(c) for c in layout.cells]
    (2, [4, 4])
    """
    merger = _Merger(torus=True)
    raw_cells = []
    for cell in polygons:
        raw_cells.append([merger.add(p) for p in np.asarray(cell, float)])
    labels = merger.groups()
    pts = np.array(merger.points)
    nv = labels.max() + 1
    rep = np.full((nv, 2), np.nan)
    for k in range(len(pts)):
        if np.isnan(rep[labels[k], 0]):
            rep[labels[k]] = pts[k]
    kinds = [VertexKind("free") for _ in range(nv)]
    offsets = [2 * i for i in range(nv)]
    cells = []
    for ids in raw_cells:
        cell = []
        for k in ids:
            shift = np.round(pts[k] - rep[labels[k]])
            cell.append((int(labels[k]), (int(shift[0]), int(shift[1]))))
        cells.append(_dedupe_cycle(cell))
    return Layout(FlatTorus(), kinds, rep.reshape(-1).copy(), offsets, cells, [{} for _ in cells])


def cell_centroids(layout: Layout) -> np.ndarray:
    """Area centroids of the layout's cells, as polygons on their vertices (torus: mod 1).

    For a polygon with vertices (x_l, y_l), c_l = x_l y_{l+1} - x_{l+1} y_l and A = sum c_l / 2,
    the centroid is (sum (x_l + x_{l+1}) c_l, sum (y_l + y_{l+1}) c_l) / (6 A). Arcs of the disk
    are replaced by their chords.

    Parameters
    ----------
    layout : Layout
        The layout.

    Returns
    -------
    numpy.ndarray of shape (n_cells, 2)
        One centroid per cell, in the cell order.

    Examples
    --------
    >>> halves = [np.array([[0, 0], [0.5, 0], [0.5, 1], [0, 1]]),
    ...           np.array([[0.5, 0], [1, 0], [1, 1], [0.5, 1]])]
    >>> cell_centroids(torus_layout_from_polygons(halves)).round(6).tolist()
    [[0.25, 0.5], [0.75, 0.5]]
    """
    out = np.empty((len(layout.cells), 2))
    for k, p in enumerate(layout.cell_polygons()):
        q = np.roll(p, -1, axis=0)
        c = p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]
        out[k] = ((p + q) * c[:, None]).sum(axis=0) / (3.0 * c.sum())
    return out % 1.0 if isinstance(layout.shape, FlatTorus) else out


def subdivide_edges(layout: Layout) -> Layout:
    """Insert a free midpoint vertex on every edge shared by two cells (torus: every edge).

    Lets the optimiser bend cell boundaries (cells may then become non-convex). The midpoint
    is one new vertex shared by both cells, with the shifts that keep the torus lifts aligned.

    Parameters
    ----------
    layout : Layout
        The layout.

    Returns
    -------
    Layout
        A new layout with the midpoints as free vertices.
    """
    v, _ = layout.vertex_positions()
    uses: dict[tuple, int] = {}
    for cell in layout.cells:
        n = len(cell)
        for pos in range(n):
            key = _edge_key(cell[pos], cell[(pos + 1) % n])
            uses[key] = uses.get(key, 0) + 1
    kinds = list(layout.kinds)
    params = list(layout.params)
    offsets = list(layout.offsets)
    new_id: dict[tuple, int] = {}
    cells, arcs = [], []
    for ci, cell in enumerate(layout.cells):
        n = len(cell)
        new_cell: list[tuple[int, tuple[int, int]]] = []
        new_arc: dict[int, int] = {}
        for pos in range(n):
            a, b = cell[pos], cell[(pos + 1) % n]
            if pos in layout.arcs[ci]:
                new_arc[len(new_cell)] = layout.arcs[ci][pos]
            new_cell.append(a)
            key = _edge_key(a, b)
            if pos in layout.arcs[ci] or uses.get(key, 0) < 2:
                continue
            if key not in new_id:
                (u, _), (w, d) = key
                mid = 0.5 * (v[u] + v[w] + np.array(d, float))
                new_id[key] = len(kinds)
                kinds.append(VertexKind("free"))
                offsets.append(len(params))
                params.extend(mid.tolist())
            # the midpoint sits at (its canonical position) + (shift of the first endpoint)
            new_cell.append((new_id[key], min(a, b)[1]))
        cells.append(new_cell)
        arcs.append(new_arc)
    return Layout(layout.shape, kinds, np.array(params), offsets, cells, arcs)


def _minus(s: tuple[int, int], t: tuple[int, int]) -> tuple[int, int]:
    return (s[0] - t[0], s[1] - t[1])


def _edge_key(a: tuple, b: tuple) -> tuple:
    """Translation-invariant key of the undirected edge a-b: ((u, (0, 0)), (w, d)).

    The first endpoint is the smaller (vertex, shift) pair; for two ids the order does not
    depend on the shifts, and for one id the smaller shift comes first, so the key is the same
    in both cells that share the edge.
    """
    first, second = min(a, b), max(a, b)
    return ((first[0], (0, 0)), (second[0], _minus(second[1], first[1])))

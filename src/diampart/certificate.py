"""Partition certificates (JSON) and their exact checker.

A certificate claims d_m(F) <= sqrt(bound_squared). It lists m cells, each a list of convex
pieces (polygons with rational vertices, counter-clockwise). The checker rebuilds the shape
from its name, reads every number as a Fraction and decides, in exact arithmetic:

- polygon shapes: every piece lies in the shape; pieces have pairwise disjoint interiors; their
  areas sum to the shape's area (so they cover it); every cell's squared diameter (max over
  pairs of its pieces' vertices) is <= bound_squared.
- disk of radius r: Q is the rational polygon circumscribed about the disk with
  ``tangent_sides`` tangent edges (built by the checker). Pieces have pairwise disjoint
  interiors and the areas of (piece cap Q) sum to area(Q), so the clipped pieces tile Q, which
  contains the disk. Cell i of the disk is (union of its pieces) cap disk, a subset of
  (union of its pieces) cap Q, so its diameter is at most the max distance between vertices of
  its clipped pieces, which is what is compared with the bound.
- torus R^2/Z^2: pieces are polygons in the plane; for every two pieces A, B and every k in
  Z^2, A and B + k have disjoint interiors (A with its own translates for k != 0), and the areas
  sum to 1, so their images tile the torus. The torus diameter of a cell is
  max over its piece pairs (A, B) of sup_{z in A - B} dist(z, Z^2), computed exactly: A - B is
  the convex hull of the vertex differences; on each lattice Voronoi square
  [i - 1/2, i + 1/2] x [j - 1/2, j + 1/2] the distance to Z^2 is |z - (i, j)|, a convex
  function, so its max over (A - B) cap square is at a vertex of that clipped polygon.

Because cells cover the shape and each has diameter <= sqrt(bound_squared), d_m <= that bound.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from diampart.geometry import (
    Point,
    bounding_box,
    clip_by_halfplanes,
    clip_convex,
    convex_hull,
    interiors_disjoint,
    is_convex_ccw,
    max_squared_distance,
    polygon_area,
    to_point,
)
from diampart.shapes import Disk, FlatTorus, Shape, get_shape, tangent_points, tangent_polygon

__all__ = [
    "FORMAT",
    "DEFAULT_TANGENT_SIDES",
    "Certificate",
    "CheckReport",
    "cell_squared_diameters",
    "check_certificate",
    "load_certificate",
    "save_certificate",
    "torus_sup_squared",
]

FORMAT = "diampart-partition/1"
DEFAULT_TANGENT_SIDES = 1024
"""Tangent edges of the polygon Q around the disk; diameter slack <= 2 r (sec(pi/N) - 1)."""

Piece = tuple[Point, ...]


@dataclass
class Certificate:
    """A claimed partition: ``cells[i]`` is a list of convex pieces (tuples of rational points)."""

    shape: str
    parts: int
    bound_squared: Fraction
    cells: list[list[Piece]]
    tangent_sides: int = DEFAULT_TANGENT_SIDES
    meta: dict = field(default_factory=dict)

    @property
    def bound(self) -> float:
        """sqrt(bound_squared) as a float, rounded up in the last place."""
        return math.nextafter(math.sqrt(float(self.bound_squared)), math.inf)

    def to_json(self) -> dict:
        """Plain JSON record; every coordinate is an exact ``"p/q"`` string."""
        return {
            "format": FORMAT,
            "shape": self.shape,
            "parts": self.parts,
            "bound_squared": str(self.bound_squared),
            "bound_float": self.bound,
            "tangent_sides": self.tangent_sides,
            "cells": [
                {"pieces": [[[str(x), str(y)] for x, y in piece] for piece in cell]}
                for cell in self.cells
            ],
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict) -> Certificate:
        """Parse a JSON record; raises ValueError naming the field that is malformed."""
        if not isinstance(data, dict):
            raise ValueError("certificate: expected a JSON object")
        if data.get("format") != FORMAT:
            raise ValueError(f"format: expected {FORMAT!r}, got {data.get('format')!r}")
        try:
            parts = int(data["parts"])
            bound_squared = Fraction(str(data["bound_squared"]))
            cells_raw = data["cells"]
            shape = str(data["shape"])
        except KeyError as err:
            raise ValueError(f"certificate: missing field {err.args[0]!r}") from err
        except (TypeError, ValueError, ZeroDivisionError) as err:
            raise ValueError(f"certificate: malformed parts or bound_squared ({err})") from err
        if not isinstance(cells_raw, list):
            raise ValueError("cells: expected a list")
        cells: list[list[Piece]] = []
        for i, cell in enumerate(cells_raw):
            pieces = cell.get("pieces") if isinstance(cell, dict) else None
            if not isinstance(pieces, list):
                raise ValueError(f"cells[{i}]: expected an object with a 'pieces' list")
            cells.append([tuple(to_point(p) for p in piece) for piece in pieces])
        return cls(
            shape=shape,
            parts=parts,
            bound_squared=bound_squared,
            cells=cells,
            tangent_sides=int(data.get("tangent_sides", DEFAULT_TANGENT_SIDES)),
            meta=dict(data.get("meta", {})),
        )


@dataclass
class CheckReport:
    """Outcome of :func:`check_certificate`; ``failed`` names the first condition that failed."""

    ok: bool
    failed: str | None
    message: str
    bound_squared: Fraction
    max_squared_diameter: Fraction | None = None
    cell_squared_diameters: list[Fraction] = field(default_factory=list)

    @property
    def max_diameter(self) -> float | None:
        """Checked diameter as a float (rounded up), or None when the check failed earlier."""
        if self.max_squared_diameter is None:
            return None
        return math.nextafter(math.sqrt(float(self.max_squared_diameter)), math.inf)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "failed": self.failed,
            "message": self.message,
            "bound_squared": str(self.bound_squared),
            "max_squared_diameter": None
            if self.max_squared_diameter is None
            else str(self.max_squared_diameter),
            "max_diameter": self.max_diameter,
        }


def save_certificate(cert: Certificate, path: str | os.PathLike) -> Path:
    """Write the certificate atomically (tmp file, then os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(cert.to_json(), indent=1))
    os.replace(tmp, path)
    return path


def load_certificate(path: str | os.PathLike) -> Certificate:
    """Read a certificate file; ValueError on a missing file or bad JSON."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"file: no such certificate file {str(path)!r}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"file: {str(path)!r} is not valid JSON ({err.msg})") from err
    return Certificate.from_json(data)


def torus_sup_squared(a: Sequence[Point], b: Sequence[Point]) -> Fraction:
    """sup_{x in A, y in B} d_T(x, y)^2 for convex polygons A, B, exactly.

    d_T(x, y) = dist(x - y, Z^2); A - B = hull{a_i - b_j}; on each lattice Voronoi square the
    distance to Z^2 is the distance to that square's lattice point, a convex function, so its
    max over (A - B) cap square is attained at a vertex of the clipped polygon.
    """
    diff = convex_hull([(p[0] - q[0], p[1] - q[1]) for p in a for q in b])
    if len(diff) < 3:
        diff_pts = diff
        return max((_lattice_dist_sq(z) for z in diff_pts), default=Fraction(0))
    xmin, ymin, xmax, ymax = bounding_box(diff)
    half = Fraction(1, 2)
    best = Fraction(0)
    for i in range(math.floor(xmin + half), math.ceil(xmax - half) + 1):
        for j in range(math.floor(ymin + half), math.ceil(ymax - half) + 1):
            sq = (
                (i - half, j - half),
                (i + half, j - half),
                (i + half, j + half),
                (i - half, j + half),
            )
            clipped = clip_convex(diff, sq)
            for z in clipped:
                d = (z[0] - i) ** 2 + (z[1] - j) ** 2
                if d > best:
                    best = d
    return best


def _lattice_dist_sq(z: Point) -> Fraction:
    return min(
        (z[0] - i) ** 2 + (z[1] - j) ** 2
        for i in (math.floor(z[0]), math.ceil(z[0]))
        for j in (math.floor(z[1]), math.ceil(z[1]))
    )


def _clip_to_q(cert: Certificate, shape: Disk) -> list[list[Piece]]:
    """Every piece intersected with Q = cap_k {x : x . p_k <= r^2} (a piece inside the disk
    is kept whole: it lies in the disk, hence in Q)."""
    r2 = shape.radius * shape.radius
    halfplanes = [(p, r2) for p in tangent_points(shape.radius, cert.tangent_sides)]
    out = []
    for cell in cert.cells:
        clipped = []
        for piece in cell:
            if all(shape.contains(p) for p in piece):
                clipped.append(piece)
            else:
                clipped.append(tuple(clip_by_halfplanes(piece, halfplanes)))
        out.append(clipped)
    return out


def cell_squared_diameters(cert: Certificate, shape: Shape | None = None) -> list[Fraction]:
    """Exact squared diameter bound of every cell (the quantity the checker compares).

    Polygon shapes: max squared vertex distance over the cell's pieces. Disk: the same after
    clipping every piece to the circumscribed polygon Q. Torus: max over piece pairs of
    :func:`torus_sup_squared`.
    """
    shape = get_shape(cert.shape) if shape is None else shape
    if isinstance(shape, FlatTorus):
        out = []
        for cell in cert.cells:
            best = Fraction(0)
            for i, a in enumerate(cell):
                for b in cell[i:]:
                    best = max(best, torus_sup_squared(a, b))
            out.append(best)
        return out
    cells = _clip_to_q(cert, shape) if isinstance(shape, Disk) else cert.cells
    return [max_squared_distance([p for piece in cell for p in piece]) for cell in cells]


def _fail(cert: Certificate, failed: str, message: str) -> CheckReport:
    return CheckReport(False, failed, message, cert.bound_squared)


def check_certificate(cert: Certificate) -> CheckReport:
    """Decide the certificate exactly; the report names the first failed condition.

    Conditions, in order: ``parts`` (m >= 1 cells, as many as claimed, tangent_sides >= 8),
    ``convexity`` (each piece convex, counter-clockwise, non-degenerate), ``containment``
    (polygon shapes: pieces inside the shape), ``overlap`` (pairwise disjoint interiors;
    torus: also against integer translates), ``area`` (areas add up to the shape's, or Q's),
    ``diameter`` (every cell's squared diameter <= bound_squared).
    """
    try:
        shape = get_shape(cert.shape)
    except ValueError as err:
        return _fail(cert, "shape", str(err))
    m = cert.parts
    if m < 1:
        return _fail(cert, "parts", f"parts must be >= 1, got {m}")
    if len(cert.cells) != m:
        return _fail(cert, "parts", f"claimed {m} parts but lists {len(cert.cells)} cells")
    if cert.bound_squared < 0:
        return _fail(cert, "parts", "bound_squared is negative")
    if isinstance(shape, Disk) and cert.tangent_sides < 8:
        return _fail(cert, "parts", "tangent_sides must be >= 8")
    pieces = [(ci, piece) for ci, cell in enumerate(cert.cells) for piece in cell]
    for ci, piece in pieces:
        if not is_convex_ccw(piece):
            return _fail(cert, "convexity", f"cell {ci}: a piece is not a convex ccw polygon")
    if not isinstance(shape, Disk | FlatTorus):
        for ci, piece in pieces:
            for p in piece:
                if not shape.contains(p):
                    return _fail(
                        cert, "containment", f"cell {ci}: vertex {float(p[0]):.6g}, "
                        f"{float(p[1]):.6g} lies outside the {shape.name}"
                    )
    # pairwise interiors
    for i, (ci, a) in enumerate(pieces):
        for cj, b in pieces[i + (0 if isinstance(shape, FlatTorus) else 1):]:
            if isinstance(shape, FlatTorus):
                if not _torus_disjoint(a, b, same=b is a):
                    return _fail(cert, "overlap", f"cells {ci} and {cj} overlap on the torus")
            elif not interiors_disjoint(a, b):
                return _fail(cert, "overlap", f"cells {ci} and {cj} have overlapping interiors")
    # areas
    if isinstance(shape, Disk):
        clipped = _clip_to_q(cert, shape)
        total = sum((polygon_area(p) for cell in clipped for p in cell if p), Fraction(0))
        target = polygon_area(tangent_polygon(shape.radius, cert.tangent_sides))
        what = "the circumscribed polygon Q"
    else:
        total = sum((polygon_area(p) for _, p in pieces), Fraction(0))
        target = Fraction(1) if isinstance(shape, FlatTorus) else shape.area_exact
        what = f"the {shape.name}"
    if total != target:
        return _fail(
            cert, "area", f"pieces cover area {float(total):.12g}, {what} has {float(target):.12g}"
        )
    diams = cell_squared_diameters(cert, shape)
    worst = max(diams)
    report = CheckReport(
        ok=worst <= cert.bound_squared,
        failed=None,
        message="",
        bound_squared=cert.bound_squared,
        max_squared_diameter=worst,
        cell_squared_diameters=diams,
    )
    if not report.ok:
        bad = diams.index(worst)
        report.failed = "diameter"
        report.message = (
            f"cell {bad}: squared diameter {float(worst):.12g} exceeds the bound "
            f"{float(cert.bound_squared):.12g}"
        )
    else:
        report.message = (
            f"valid partition of the {cert.shape} into {m} parts, "
            f"diameter <= {report.max_diameter:.9f}"
        )
    return report


def _torus_disjoint(a: Piece, b: Piece, *, same: bool) -> bool:
    """A and B + k have disjoint interiors for every k in Z^2 (k != 0 when A is B)."""
    ax0, ay0, ax1, ay1 = bounding_box(a)
    bx0, by0, bx1, by1 = bounding_box(b)
    # B + k can meet A only when the shifted boxes overlap
    for kx in range(math.floor(ax0 - bx1), math.ceil(ax1 - bx0) + 1):
        for ky in range(math.floor(ay0 - by1), math.ceil(ay1 - by0) + 1):
            if same and kx == 0 and ky == 0:
                continue
            shifted = tuple((p[0] + kx, p[1] + ky) for p in b)
            if not interiors_disjoint(a, shifted):
                return False
    return True

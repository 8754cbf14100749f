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

Pieces are told apart by their position in the certificate, never by object identity: a piece
listed twice overlaps its copy. Input is bounded (the ``MAX_*`` constants, docs/diampart.md
"Limits") so that no small file makes the checker work for long; reading a file checks the
JSON types and the limits in one place (:meth:`Certificate.from_json`, :func:`check_limits`)
and raises a one-line ValueError naming the field.

Examples
--------
>>> from fractions import Fraction as F
>>> half = [((F(0), F(0)), (F(1, 2), F(0)), (F(1, 2), F(1)), (F(0), F(1)))]
>>> other = [((F(1, 2), F(0)), (F(1), F(0)), (F(1), F(1)), (F(1, 2), F(1)))]
>>> cert = Certificate("square", 2, F(5, 4), [half, other])
>>> report = check_certificate(cert)
>>> report.ok, report.max_squared_diameter
(True, Fraction(5, 4))
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import reprlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

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
)
from diampart.shapes import Disk, FlatTorus, Shape, get_shape, tangent_points, tangent_polygon

if TYPE_CHECKING:
    from diampart.embedding import EmbeddingCertificate, EmbeddingReport

__all__ = [
    "FORMAT",
    "DEFAULT_TANGENT_SIDES",
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_SHAPE_CHARS",
    "MAX_PARTS",
    "MAX_PIECES",
    "MAX_PIECE_VERTICES",
    "MAX_VERTICES",
    "MAX_TANGENT_SIDES",
    "MAX_NUMBER_CHARS",
    "MAX_EXPONENT",
    "MAX_DIGITS",
    "MAX_COORDINATE",
    "MAX_TORUS_SPAN",
    "Certificate",
    "CheckReport",
    "cell_squared_diameters",
    "check_certificate",
    "check_limits",
    "distinct_decimals",
    "load_certificate",
    "parse_certificate",
    "save_certificate",
    "torus_sup_squared",
]

FORMAT = "diampart-partition/1"
DEFAULT_TANGENT_SIDES = 1024
"""Tangent edges of the polygon Q around the disk; diameter slack <= 2 r (sec(pi/N) - 1)."""

# Limits of the format (docs/diampart.md, "Limits"). Beyond them a certificate is refused with
# a ValueError before any geometry runs; inside them every step below works.
MAX_FILE_BYTES = 8 * 2**20
"""Largest certificate file read."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of JSON arrays and objects (the format itself uses 6 levels)."""
MAX_SHAPE_CHARS = 64
"""Longest shape name."""
MAX_PARTS = 1024
"""Largest m, and most cells."""
MAX_PIECES = 1024
"""Most pieces, all cells together."""
MAX_PIECE_VERTICES = 256
"""Most vertices of one piece."""
MAX_VERTICES = 8192
"""Most vertices, all pieces together."""
MAX_TANGENT_SIDES = 4096
"""Most tangent edges of Q. Rounded tangent parameters tan(theta/2) are spaced at most 1e-4
apart (denominators up to shapes.TANGENT_DENOMINATOR); consecutive angles differ in
tan(theta/2) by at least pi/N >= 7.6e-4, so the tangent points stay distinct and in order and
Q is convex (it first breaks near N = 63,000)."""
MAX_NUMBER_CHARS = 256
"""Longest number written as a string."""
MAX_EXPONENT = 256
"""Largest |exponent| of a decimal string such as "1.5e-7" (checked before it is expanded)."""
MAX_DIGITS = 100
"""Most decimal digits of the numerator and of the denominator of a number in lowest terms."""
MAX_COORDINATE = 1024
"""Largest |x| or |y| of a vertex. It keeps the float prefilters of the checker valid: their
error stays below 1e-12 (geometry.clip_by_halfplanes needs |x| <= 2^10)."""
MAX_TORUS_SPAN = 4
"""Widest and tallest bounding box of a torus piece (the overlap test visits the translates
that its box meets, at most (2 * span + 1)^2)."""

_DIGITS_BOUND = 10**MAX_DIGITS
_EXPONENT = re.compile(r"[eE]([-+]?\d+(?:_\d+)*)\s*\Z")
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 40

Piece = tuple[Point, ...]


def _short(value: object) -> str:
    """A repr of a JSON value cut to a few dozen characters, for one-line messages."""
    return _REPR.repr(value)


def _decimal(x: Fraction, digits: int) -> Decimal:
    """x rounded to ``digits`` significant digits (exact decimal arithmetic, no float)."""
    with localcontext() as ctx:
        ctx.prec = digits
        return Decimal(x.numerator) / Decimal(x.denominator)


def distinct_decimals(a: Fraction, b: Fraction, *, digits: int = 12, most: int = 60) -> tuple[str, str]:
    """a and b as decimals with the fewest significant digits that tell them apart.

    So a message never prints two different numbers alike. Numbers that agree to ``most``
    digits are printed with ``most`` digits (messages also print the difference).

    Parameters
    ----------
    a : fractions.Fraction
        First number.
    b : fractions.Fraction
        Second number.
    digits : int, default=12
        Least number of significant digits.
    most : int, default=60
        Most significant digits.

    Returns
    -------
    tuple of str
        The two decimals.

    Examples
    --------
    >>> distinct_decimals(Fraction(1, 3), Fraction(1, 3) - Fraction(1, 10**15))
    ('0.333333333333333', '0.333333333333332')
    """
    for n in range(digits, most):
        shown_a, shown_b = _decimal(a, n), _decimal(b, n)
        if shown_a != shown_b or a == b:
            return str(shown_a), str(shown_b)
    return str(_decimal(a, most)), str(_decimal(b, most))


def _read_number(value: object, where: str) -> Fraction:
    """Exact rational from a JSON number or a "p/q" / decimal string, read safely.

    A string's length and a decimal exponent are checked before the Fraction is built:
    Fraction("1e100000000") would first build an integer of 10^8 digits. Digits and magnitude
    are :func:`check_limits`' business.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{where}: expected a number or a 'p/q' string, got {_short(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: not a finite number ({value!r})")
    if not isinstance(value, str):
        return Fraction(value)
    if len(value) > MAX_NUMBER_CHARS:
        raise ValueError(
            f"{where}: a number string has at most {MAX_NUMBER_CHARS} characters, got {len(value)}"
        )
    exponent = _EXPONENT.search(value)
    if exponent and abs(int(exponent.group(1))) > MAX_EXPONENT:
        raise ValueError(f"{where}: decimal exponent beyond +-{MAX_EXPONENT} in {_short(value)}")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError) as err:
        raise ValueError(f"{where}: cannot read {_short(value)} as a rational 'p/q' or decimal") from err


def _read_int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{where}: expected an integer, got {_short(value)}")
    return int(value)


def _read_list(value: object, where: str, most: int, what: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of {what}, got {_short(value)}")
    _check_count(len(value), most, where, what)
    return value


def _check_count(count: int, most: int, where: str, what: str, *, total: bool = False) -> None:
    if count > most:
        if total:
            raise ValueError(f"{where}: more than {most} {what} in all")
        raise ValueError(f"{where}: at most {most} {what}, got {count}")


def _read_point(value: object, where: str) -> Point:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"{where}: expected a point [x, y], got {_short(value)}")
    return _read_number(value[0], f"{where}[0]"), _read_number(value[1], f"{where}[1]")


def _read_cells(value: object) -> list[list[Piece]]:
    """The ``cells`` field; counts are checked before anything is converted."""
    cells: list[list[Piece]] = []
    pieces = vertices = 0
    for i, cell in enumerate(_read_list(value, "cells", MAX_PARTS, "cells")):
        if not isinstance(cell, dict) or "pieces" not in cell:
            raise ValueError(f"cells[{i}]: expected an object with a 'pieces' list, got {_short(cell)}")
        raw = _read_list(cell["pieces"], f"cells[{i}].pieces", MAX_PIECES, "pieces")
        pieces += len(raw)
        _check_count(pieces, MAX_PIECES, f"cells[{i}].pieces", "pieces", total=True)
        out = []
        for j, piece in enumerate(raw):
            where = f"cells[{i}].pieces[{j}]"
            points = _read_list(piece, where, MAX_PIECE_VERTICES, "vertices")
            vertices += len(points)
            _check_count(vertices, MAX_VERTICES, where, "vertices", total=True)
            out.append(tuple(_read_point(p, f"{where}[{k}]") for k, p in enumerate(points)))
        cells.append(out)
    return cells


def _json_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in JSON text, brackets inside strings ignored.

    One regex pass and one cumulative sum, so a file of 10^5 '[' costs microseconds, where
    json.loads would recurse and fail.
    """
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


@dataclass
class Certificate:
    """A claimed partition: d_m(shape) <= sqrt(bound_squared).

    Parameters
    ----------
    shape : str
        The shape's name (:func:`~diampart.shapes.get_shape`).
    parts : int
        m, the number of cells.
    bound_squared : fractions.Fraction
        The claimed squared diameter bound.
    cells : list of list of tuple of Point
        ``cells[i]`` is a list of convex pieces (tuples of rational points, counter-clockwise).
    tangent_sides : int, default=DEFAULT_TANGENT_SIDES
        Edges of the polygon Q circumscribed about the disk (disk only).
    meta : dict, default={}
        Free-form information (not checked).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> cert = Certificate("square", 1, F(2), [[((F(0), F(0)), (F(1), F(0)), (F(1), F(1)),
    ...                                           (F(0), F(1)))]])
    >>> Certificate.from_json(cert.to_json()) == cert, round(cert.bound, 6)
    (True, 1.414214)
    """

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
        """Plain JSON record; every coordinate is an exact ``"p/q"`` string.

        Returns
        -------
        dict
            The record of :data:`FORMAT`.
        """
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
    def from_json(cls, data: object) -> Certificate:
        """Parse a JSON record: the one place that checks its types, then :func:`check_limits`.

        Parameters
        ----------
        data : object
            A JSON value (as ``json.loads`` returns it).

        Returns
        -------
        Certificate
            The certificate (not yet checked geometrically).

        Raises
        ------
        ValueError
            Naming the field that is malformed or beyond a limit, e.g.
            ``cells[0].pieces[2][1]: expected a point [x, y], got 5``.
        """
        if not isinstance(data, dict):
            raise ValueError(f"certificate: expected a JSON object, got {_short(data)}")
        if data.get("format") != FORMAT:
            raise ValueError(f"format: expected {FORMAT!r}, got {_short(data.get('format'))}")
        for key in ("shape", "parts", "bound_squared", "cells"):
            if key not in data:
                raise ValueError(f"certificate: missing field {key!r}")
        if not isinstance(data["shape"], str):
            raise ValueError(f"shape: expected a string, got {_short(data['shape'])}")
        meta = data.get("meta", {})
        if not isinstance(meta, dict):
            raise ValueError(f"meta: expected an object, got {_short(meta)}")
        cert = cls(
            shape=data["shape"],
            parts=_read_int(data["parts"], "parts"),
            bound_squared=_read_number(data["bound_squared"], "bound_squared"),
            cells=_read_cells(data["cells"]),
            tangent_sides=_read_int(data.get("tangent_sides", DEFAULT_TANGENT_SIDES), "tangent_sides"),
            meta=dict(meta),
        )
        check_limits(cert)
        return cert


def _check_rational(x: object, where: str, *, magnitude: int | None = None) -> None:
    """An exact rational within the digit limit (and the magnitude limit when given)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Rational):
        raise ValueError(f"{where}: expected an exact rational (int or Fraction), got {_short(x)}")
    if magnitude is not None and abs(x) > magnitude:
        # log10 of the integers, not float(x), which overflows beyond 1e308
        size = math.log10(abs(x.numerator)) - math.log10(x.denominator)
        raise ValueError(f"{where}: magnitude above the limit {magnitude} (about 1e{size:.0f})")
    if abs(x.numerator) >= _DIGITS_BOUND or x.denominator >= _DIGITS_BOUND:
        raise ValueError(f"{where}: more than {MAX_DIGITS} digits in the numerator or denominator")


def check_limits(cert: Certificate) -> None:
    """Raise ValueError naming the field when ``cert`` is beyond a limit of the format.

    The limits are the ``MAX_*`` constants of this module (docs/diampart.md, "Limits"): counts
    (parts, cells, pieces, vertices, tangent_sides), the shape name's length, the digits and
    magnitude of every number, and the span of a torus piece. Lower bounds (m >= 1,
    tangent_sides >= 8, bound_squared >= 0) are conditions the checker reports as failed.

    Parameters
    ----------
    cert : Certificate
        The certificate.

    Raises
    ------
    ValueError
        Naming the first field beyond a limit.
    """
    if not isinstance(cert.shape, str) or len(cert.shape) > MAX_SHAPE_CHARS:
        raise ValueError(f"shape: at most {MAX_SHAPE_CHARS} characters, got {_short(cert.shape)}")
    for name, most in (("parts", MAX_PARTS), ("tangent_sides", MAX_TANGENT_SIDES)):
        value = _read_int(getattr(cert, name), name)
        if value > most:
            raise ValueError(f"{name}: at most {most}, got {_short(value)}")
    _check_rational(cert.bound_squared, "bound_squared")
    _check_count(len(cert.cells), MAX_PARTS, "cells", "cells")
    try:
        torus = isinstance(get_shape(cert.shape), FlatTorus)
    except ValueError:
        torus = False  # an unknown shape is the checker's first failed condition
    pieces = vertices = 0
    for i, cell in enumerate(cert.cells):
        pieces += len(cell)
        _check_count(pieces, MAX_PIECES, f"cells[{i}].pieces", "pieces", total=True)
        for j, piece in enumerate(cell):
            where = f"cells[{i}].pieces[{j}]"
            _check_count(len(piece), MAX_PIECE_VERTICES, where, "vertices")
            vertices += len(piece)
            _check_count(vertices, MAX_VERTICES, where, "vertices", total=True)
            for k, point in enumerate(piece):
                if not isinstance(point, Sequence) or len(point) != 2:
                    raise ValueError(f"{where}[{k}]: expected a point (x, y), got {_short(point)}")
                for axis, x in enumerate(point):
                    _check_rational(x, f"{where}[{k}][{axis}]", magnitude=MAX_COORDINATE)
            if torus and piece:
                x0, y0, x1, y1 = bounding_box(piece)
                if max(x1 - x0, y1 - y0) > MAX_TORUS_SPAN:
                    raise ValueError(f"{where}: a torus piece spans at most {MAX_TORUS_SPAN} in x "
                                     f"and in y, this one {float(x1 - x0):.3g} x {float(y1 - y0):.3g}")


@dataclass
class CheckReport:
    """Outcome of :func:`check_certificate`.

    Parameters
    ----------
    ok : bool
        Whether the certificate is valid.
    failed : str or None
        The first condition that failed (``"shape"``, ``"parts"``, ``"convexity"``,
        ``"containment"``, ``"overlap"``, ``"area"``, ``"diameter"``), or ``None``.
    message : str
        One line saying what was found.
    bound_squared : fractions.Fraction
        The certificate's claimed bound.
    max_squared_diameter : fractions.Fraction or None, default=None
        The largest exact squared cell diameter (``None`` when the check failed before it).
    cell_squared_diameters : list of fractions.Fraction, default=[]
        Every cell's exact squared diameter.

    Examples
    --------
    >>> report = CheckReport(False, "parts", "parts must be >= 1, got 0", Fraction(1))
    >>> report.max_diameter is None, report.as_dict()["failed"]
    (True, 'parts')
    """

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
        """The report as JSON (numbers as exact ``"p/q"`` strings)."""
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
    """Write the certificate atomically (tmp file, then os.replace).

    Parameters
    ----------
    cert : Certificate
        The certificate.
    path : str or os.PathLike
        The file (its directory is created if needed).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(cert.to_json(), indent=1))
    os.replace(tmp, path)
    return path


def parse_certificate(
    text: str | bytes, *, source: str = "certificate", base: str | os.PathLike | None = None
) -> Certificate | EmbeddingCertificate:
    """A certificate from JSON text.

    A partition certificate (:data:`FORMAT`, an upper bound) or an embedding certificate
    (``diampart-embedding/1``, a lower bound: :mod:`diampart.embedding`), told apart by its
    ``format`` field.

    Parameters
    ----------
    text : str or bytes
        The JSON text (bytes must be UTF-8).
    source : str, default="certificate"
        Where the text comes from, for error messages.
    base : str or os.PathLike or None, default=None
        Directory where an embedding certificate's ``proof_file`` is looked up.

    Returns
    -------
    Certificate or EmbeddingCertificate
        The certificate (not yet checked geometrically).

    Raises
    ------
    ValueError
        One line, starting with ``source`` or the field, on text that is too long, not UTF-8,
        nested too deeply, not JSON, or not a certificate within the limits.
    """
    if len(text) > MAX_FILE_BYTES:
        unit = "bytes" if isinstance(text, bytes) else "characters"
        raise ValueError(f"{source}: {len(text)} {unit}, more than the limit of {MAX_FILE_BYTES}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"{source}: not UTF-8 text (byte {err.start})") from err
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"{source}: JSON nested {depth} levels deep, more than the limit of "
                         f"{MAX_JSON_DEPTH}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{source}: not valid JSON ({err.msg} at line {err.lineno} column "
                         f"{err.colno})") from err
    except ValueError as err:  # an integer beyond Python's 4300-digit conversion limit
        raise ValueError(f"{source}: a JSON number has too many digits") from err
    if isinstance(data, dict) and data.get("format") == "diampart-embedding/1":
        from diampart.embedding import EmbeddingCertificate

        return EmbeddingCertificate.from_json(data, base=base)
    return Certificate.from_json(data)


def load_certificate(path: str | os.PathLike) -> Certificate | EmbeddingCertificate:
    """Read a certificate file (see :func:`parse_certificate`).

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    Certificate or EmbeddingCertificate
        The certificate (an embedding certificate's proof file is read from the same folder).

    Raises
    ------
    ValueError
        On a missing, unreadable or oversized file too.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"file: no such certificate file {str(path)!r}")
    source = f"file {str(path)!r}"
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{source}: {size} bytes, more than the limit of {MAX_FILE_BYTES}")
        raw = path.read_bytes()
    except OSError as err:
        raise ValueError(f"{source}: cannot read it ({err.strerror})") from err
    return parse_certificate(raw, source=source, base=path.parent)


def torus_sup_squared(a: Sequence[Point], b: Sequence[Point]) -> Fraction:
    """sup_{x in A, y in B} d_T(x, y)^2 for convex polygons A, B, exactly.

    d_T(x, y) = dist(x - y, Z^2); A - B = hull{a_i - b_j}; on each lattice Voronoi square the
    distance to Z^2 is the distance to that square's lattice point, a convex function, so its
    max over (A - B) cap square is attained at a vertex of the clipped polygon.

    Parameters
    ----------
    a : sequence of Point
        Vertices of the convex polygon A.
    b : sequence of Point
        Vertices of the convex polygon B.

    Returns
    -------
    fractions.Fraction
        The squared torus diameter bound of A and B together.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> square = [(F(0), F(0)), (F(1, 2), F(0)), (F(1, 2), F(1, 2)), (F(0), F(1, 2))]
    >>> torus_sup_squared(square, square)
    Fraction(1, 2)
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


def _clip_to_q(cells: list[list[Piece]], shape: Disk, tangent_sides: int) -> list[list[Piece]]:
    """Every piece intersected with Q = cap_k {x : x . p_k <= r^2} (a piece inside the disk
    is kept whole: it lies in the disk, hence in Q)."""
    r2 = shape.radius * shape.radius
    halfplanes = [(p, r2) for p in tangent_points(shape.radius, tangent_sides)]
    return [
        [piece if all(shape.contains(p) for p in piece)
         else tuple(clip_by_halfplanes(piece, halfplanes)) for piece in cell]
        for cell in cells
    ]


def _squared_diameters(cells: list[list[Piece]], shape: Shape) -> list[Fraction]:
    """Per cell: max squared vertex distance, or on the torus max over its piece pairs (a piece
    with itself included) of :func:`torus_sup_squared`."""
    if not isinstance(shape, FlatTorus):
        return [max_squared_distance([p for piece in cell for p in piece]) for cell in cells]
    return [_torus_squared_diameter(cell) for cell in cells]


_TORUS_MARGIN = 1e-9
"""Float bounds below decide nothing closer than this: with |coordinates| <= MAX_COORDINATE and
torus pieces at most MAX_TORUS_SPAN wide, their float error is below 1e-11."""


def _torus_pair_bounds(cell: Sequence[Piece]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float bounds for every pair i <= j of pieces: (i, j, upper, lower) arrays.

    lower = max over vertex differences z = a - b of dist(z, Z^2)^2 (points of A - B);
    upper = min(1/2, max over z of |z - k|^2) with k the lattice point nearest to the mean of
    the z: dist(., Z^2) <= |. - k| and the max of that convex function over the polygon
    A - B = hull{z} is at a vertex; dist(., Z^2)^2 <= 1/2 everywhere. Exact when A - B lies in
    the Voronoi square of k, which is the usual case for small pieces.
    """
    most = max(len(p) for p in cell)
    xy = np.array([[[float(c) for c in p[k % len(p)]] for k in range(most)] for p in cell])
    pairs_i, pairs_j, upper, lower = [], [], [], []
    for i in range(len(cell)):
        z = xy[i][None, :, None, :] - xy[i:][:, None, :, :]  # (pieces j >= i, a, b, 2)
        lower.append(((z - np.round(z)) ** 2).sum(-1).max(axis=(1, 2)))
        k = np.round(z.mean(axis=(1, 2)))[:, None, None, :]
        upper.append(np.minimum(((z - k) ** 2).sum(-1).max(axis=(1, 2)), 0.5))
        pairs_i.append(np.full(len(cell) - i, i))
        pairs_j.append(np.arange(i, len(cell)))
    return (np.concatenate(pairs_i), np.concatenate(pairs_j), np.concatenate(upper),
            np.concatenate(lower))


def _torus_squared_diameter(cell: Sequence[Piece]) -> Fraction:
    """Exact max over piece pairs of :func:`torus_sup_squared`, computed only for the pairs
    whose float upper bound can reach the best value (largest upper bounds first)."""
    if not cell:
        return Fraction(0)
    pairs_i, pairs_j, upper, lower = _torus_pair_bounds(cell)
    floor = float(lower.max()) - _TORUS_MARGIN
    best = Fraction(0)
    for n in np.argsort(-upper, kind="stable").tolist():
        if upper[n] < max(floor, float(best) - _TORUS_MARGIN) or best == Fraction(1, 2):
            break  # no pair left can exceed best (1/2 is the largest torus distance squared)
        best = max(best, torus_sup_squared(cell[pairs_i[n]], cell[pairs_j[n]]))
    return best


def cell_squared_diameters(cert: Certificate, shape: Shape | None = None) -> list[Fraction]:
    """Exact squared diameter bound of every cell (the quantity the checker compares).

    Polygon shapes: max squared vertex distance over the cell's pieces. Disk: the same after
    clipping every piece to the circumscribed polygon Q. Torus: max over piece pairs of
    :func:`torus_sup_squared`.

    Parameters
    ----------
    cert : Certificate
        The certificate.
    shape : Shape or None, default=None
        Its shape, when already built (``None``: built from ``cert.shape``).

    Returns
    -------
    list of fractions.Fraction
        One squared diameter per cell.
    """
    shape = get_shape(cert.shape) if shape is None else shape
    cells = _clip_to_q(cert.cells, shape, cert.tangent_sides) if isinstance(shape, Disk) else cert.cells
    return _squared_diameters(cells, shape)


_BOX_SLACK = 1e-9
"""Float bounding boxes are widened by this much before pairs are skipped: with coordinates up
to MAX_COORDINATE their float error is below 1e-12, so a skipped pair is disjoint exactly."""


def _box_candidates(pieces: Sequence[Piece], *, torus: bool) -> Iterator[tuple[int, int]]:
    """Index pairs i < j (i <= j on the torus) in order whose open bounding boxes may overlap
    (on the torus: after an integer shift of the second); every other pair is disjoint."""
    x0, y0, x1, y1 = np.array([[float(v) for v in bounding_box(p)] for p in pieces]).reshape(-1, 4).T
    for i in range(len(pieces)):
        j = np.arange(i if torus else i + 1, len(pieces))
        if torus:  # some integer k with x0_i - x1_j < k < x1_i - x0_j, and the same in y
            near = (np.floor(x1[i] - x0[j] + _BOX_SLACK) >= np.ceil(x0[i] - x1[j] - _BOX_SLACK)) & (
                np.floor(y1[i] - y0[j] + _BOX_SLACK) >= np.ceil(y0[i] - y1[j] - _BOX_SLACK))
        else:
            near = ((x0[i] < x1[j] + _BOX_SLACK) & (x0[j] < x1[i] + _BOX_SLACK)
                    & (y0[i] < y1[j] + _BOX_SLACK) & (y0[j] < y1[i] + _BOX_SLACK))
        for jj in j[near].tolist():
            yield i, jj


def _torus_overlap_shift(a: Piece, b: Piece, *, same: bool) -> tuple[int, int] | None:
    """Some k in Z^2 with A and B + k overlapping in their interiors (k != 0 when B is A
    itself, at the same place in the certificate), or None when there is none."""
    ax0, ay0, ax1, ay1 = bounding_box(a)
    bx0, by0, bx1, by1 = bounding_box(b)
    # B + k can meet A's interior only when the open boxes overlap: ax0 - bx1 < kx < ax1 - bx0
    for kx in range(math.floor(ax0 - bx1) + 1, math.ceil(ax1 - bx0)):
        for ky in range(math.floor(ay0 - by1) + 1, math.ceil(ay1 - by0)):
            if same and kx == 0 and ky == 0:
                continue
            if not interiors_disjoint(a, tuple((p[0] + kx, p[1] + ky) for p in b)):
                return kx, ky
    return None


def _overlap_message(first: tuple[int, int], second: tuple[int, int], shift: tuple | None) -> str:
    """Which pieces overlap: ``first`` and ``second`` are (cell, piece index in the cell)."""
    (ci, pi), (cj, pj) = first, second
    torus = "" if shift is None else " on the torus"
    moved = "" if shift in (None, (0, 0)) else f" shifted by {shift}"
    if (ci, pi) == (cj, pj):
        return f"cell {ci} overlaps itself{torus} (piece {pi} and its own translate by {shift})"
    if ci == cj:
        return f"cell {ci} overlaps itself{torus} (pieces {pi} and {pj}{moved})"
    return f"cells {ci} and {cj} overlap{torus} (piece {pi} of cell {ci} and piece {pj} of cell {cj}{moved})"


def _overlap_failure(spots: list[tuple[int, int]], pieces: list[Piece], *, torus: bool) -> str | None:
    """The first pair of pieces with overlapping interiors (on the torus: up to Z^2), as a
    message. Pieces are told apart by position: a piece listed twice overlaps its copy."""
    for i, j in _box_candidates(pieces, torus=torus):
        if torus:
            shift = _torus_overlap_shift(pieces[i], pieces[j], same=i == j)
            if shift is not None:
                return _overlap_message(spots[i], spots[j], shift)
        elif not interiors_disjoint(pieces[i], pieces[j]):
            return _overlap_message(spots[i], spots[j], None)
    return None


def _fail(cert: Certificate, failed: str, message: str) -> CheckReport:
    return CheckReport(False, failed, message, cert.bound_squared)


def _parts_failure(cert: Certificate, shape: Shape) -> str | None:
    if cert.parts < 1:
        return f"parts must be >= 1, got {cert.parts}"
    if len(cert.cells) != cert.parts:
        return f"claimed {cert.parts} parts but lists {len(cert.cells)} cells"
    if cert.bound_squared < 0:
        return "bound_squared is negative"
    if isinstance(shape, Disk) and cert.tangent_sides < 8:
        return f"tangent_sides must be >= 8, got {cert.tangent_sides}"
    return None


def check_certificate(cert: Certificate | EmbeddingCertificate) -> CheckReport | EmbeddingReport:
    """Decide the certificate exactly; the report names the first failed condition.

    An :class:`~diampart.embedding.EmbeddingCertificate` (a lower bound) is passed to
    :func:`~diampart.embedding.check_embedding`; what follows is about partitions.

    Conditions, in order: ``shape`` (a known name), ``parts`` (m >= 1 cells, as many as
    claimed, bound_squared >= 0, tangent_sides >= 8), ``convexity`` (each piece convex,
    counter-clockwise, non-degenerate), ``containment`` (polygon shapes: pieces inside the
    shape), ``overlap`` (pairwise disjoint interiors; torus: also against integer translates),
    ``area`` (areas add up to the shape's, or Q's), ``diameter`` (every cell's squared
    diameter <= bound_squared).

    Parameters
    ----------
    cert : Certificate or EmbeddingCertificate
        The certificate.

    Returns
    -------
    CheckReport or EmbeddingReport
        ``ok``, the first failed condition and a message.

    Raises
    ------
    ValueError
        Naming the field, when the certificate is beyond the limits of the format
        (:func:`check_limits`).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> whole = [((F(0), F(0)), (F(1), F(0)), (F(1), F(1)), (F(0), F(1)))]
    >>> check_certificate(Certificate("square", 1, F(1), [whole])).failed
    'diameter'
    """
    if not isinstance(cert, Certificate):
        from diampart.embedding import EmbeddingCertificate, check_embedding

        if isinstance(cert, EmbeddingCertificate):
            return check_embedding(cert)
    check_limits(cert)
    try:
        shape = get_shape(cert.shape)
    except ValueError as err:
        return _fail(cert, "shape", str(err))
    problem = _parts_failure(cert, shape)
    if problem:
        return _fail(cert, "parts", problem)
    spots = [(ci, pi) for ci, cell in enumerate(cert.cells) for pi in range(len(cell))]
    pieces = [piece for cell in cert.cells for piece in cell]
    for (ci, pi), piece in zip(spots, pieces, strict=True):
        if not is_convex_ccw(piece):
            return _fail(cert, "convexity", f"cell {ci}, piece {pi}: not a convex counter-clockwise "
                         "polygon of positive area")
    if not isinstance(shape, Disk | FlatTorus):
        for (ci, pi), piece in zip(spots, pieces, strict=True):
            for p in piece:
                if not shape.contains(p):
                    return _fail(cert, "containment", f"cell {ci}, piece {pi}: vertex ({p[0]}, "
                                 f"{p[1]}) lies outside the {shape.name}")
    problem = _overlap_failure(spots, pieces, torus=isinstance(shape, FlatTorus))
    if problem:
        return _fail(cert, "overlap", problem)
    cells = cert.cells
    if isinstance(shape, Disk):
        cells = _clip_to_q(cert.cells, shape, cert.tangent_sides)
        target = polygon_area(tangent_polygon(shape.radius, cert.tangent_sides))
        what = "the circumscribed polygon Q"
    else:
        target = Fraction(1) if isinstance(shape, FlatTorus) else shape.area_exact
        what = f"the {shape.name}"
    total = sum((polygon_area(p) for cell in cells for p in cell if p), Fraction(0))
    if total != target:
        covered, needed = distinct_decimals(total, target)
        return _fail(cert, "area", f"pieces cover area {covered}, {what} has {needed} "
                     f"(difference {_decimal(total - target, 3)})")
    diams = _squared_diameters(cells, shape)
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
        shown, bound = distinct_decimals(worst, cert.bound_squared)
        report.failed = "diameter"
        report.message = (
            f"cell {diams.index(worst)}: squared diameter {shown} exceeds the bound {bound} "
            f"(by {_decimal(worst - cert.bound_squared, 3)})"
        )
    else:
        report.message = (
            f"valid partition of the {cert.shape} into {cert.parts} parts, "
            f"diameter <= {report.max_diameter:.9f}"
        )
    return report

"""Lower bounds for d_m of the flat torus T^2 = R^2/Z^2: theorems and checked computations.

d_m(T^2) is the least x such that the torus is covered by m sets of diameter <= x (torus
metric). Two kinds of lower bounds are combined here.

Theorems (:func:`theorem_lower_bound`, instant), from Protasov, Tolmachev & Voronov, "Optimal
partitions of the flat torus into parts of smaller diameter", arXiv:2402.03997:

- m = 1: the torus has diameter sqrt(2)/2 (the point (1/2, 1/2) is that far from 0), so
  d_1 = sqrt(2)/2; the paper proves d_2 = sqrt(2)/2 and d_3 = sqrt(13)/6 as well.
- The area bound d_m >= 2/sqrt(pi m) for m >= 6: the m parts have area >= 1 in all, and a part
  of diameter d < 1/2 has area <= pi d^2/4 (the isodiametric inequality on the torus). For
  m >= 12 the bound is <= 1/3, and there the inequality follows from the plane's: a set of torus
  diameter d <= 1/3 lifts to the plane with the same diameter (lift every point next to one
  lifted point; two lifts whose difference is not the shortest one are >= 1 - d > 2d apart,
  but all lifts lie within 2d of each other), and the covering map is injective on it.
  For 6 <= m <= 11 (1/3 < bound < 1/2) the statement is the paper's.
- d_{k^2+k-1} >= 1/k for k >= 2 (the paper), hence d_m >= 1/k for every m <= k^2 + k - 1 (d_m does not
  increase with m: a partition into m parts refines into one of m + 1).

Computed bounds (:func:`torus_lower_bound`): a finite point set X of the torus whose
">= tau" distance graph has no proper m-colouring gives d_m >= tau (:mod:`diampart.lower`);
here X is the grid G_{s,tau} of the s^2 points (i/s, j/s) or a graph embedded by
:mod:`diampart.embedding`, and the non-colourability is a DRUP proof checked by
:mod:`diampart.proof`, never the solver's word alone.

Examples
--------
>>> lb = theorem_lower_bound(8)
>>> lb.exact, round(lb.value, 6), lb.method
('2/sqrt(8*pi)', 0.398942, 'area')
>>> theorem_lower_bound(19).exact  # d_19 >= 1/4 (k = 4), the area bound is larger
'2/sqrt(19*pi)'
"""

from __future__ import annotations

import hashlib
import json
import math
import pathlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from diampart.embedding import (
    EmbeddingCertificate,
    check_embedding,
    load_embedding,
    prove_points,
    save_embedding,
)
from diampart.lower import find_colouring

__all__ = [
    "TorusLowerBound",
    "PI_LOWER",
    "PI_UPPER",
    "AREA_BOUND_FROM",
    "sqrt_expression",
    "area_bound",
    "hexagonal_k_bound",
    "small_m_bound",
    "theorem_bounds",
    "theorem_lower_bound",
    "exceeds_area_bound",
    "torus_lower_bound",
    "RECIPES",
    "CONFLICTS_PER_SECOND",
    "grid_squared_distance",
    "grid_graph",
    "grid_values",
    "largest_unsat_value",
    "grid_certificate",
    "computed_torus_bounds",
]

PI_LOWER = Fraction(314159265358979, 10**14)
"""A rational strictly below pi (pi = 3.14159265358979323...)."""
PI_UPPER = Fraction(314159265358980, 10**14)
"""A rational strictly above pi."""
AREA_BOUND_FROM = 6
"""Least m for which the paper states the area bound d_m >= 2/sqrt(pi m)."""


@dataclass(frozen=True)
class TorusLowerBound:
    """d_m(T^2) >= value, with how it was obtained.

    Parameters
    ----------
    parts : int
        m, the number of parts.
    value : float
        The bound, rounded down (a safe float for a lower bound).
    exact : str
        The bound as an exact expression, e.g. ``"sqrt(73)/18"`` or ``"2/sqrt(8*pi)"``.
    method : str
        Where it comes from: ``"area"``, ``"d_{k^2+k-1} >= 1/k"``, ``"d_3 = sqrt(13)/6"``,
        ``"grid SAT 18x18"``, ``"embedding: <graph>"``, ...
    checked : bool
        The certificate behind it was checked exactly here (theorems: True).
    proof_checked : bool
        Nothing behind it rests on an unchecked solver answer: a theorem, a clique (pigeonhole),
        or an UNSAT answer whose DRUP proof the independent checker :mod:`diampart.proof`
        accepted.
    beats_theorems : bool
        A computed bound strictly above every theorem bound for this m.
    seconds : float
        Wall time to obtain (or reload and re-check) it.
    tau_squared : fractions.Fraction or None, default=None
        The bound squared when it is rational (computed bounds, 1/k), else None.
    certificate : str or None, default=None
        Path of the certificate file behind a computed bound, when one was written.

    Examples
    --------
    >>> lb = TorusLowerBound(7, 4 / 9, "4/9", "grid SAT 9x9", True, True, True, 1.0)
    >>> lb.as_dict()["exact"]
    '4/9'
    """

    parts: int
    value: float
    exact: str
    method: str
    checked: bool
    proof_checked: bool
    beats_theorems: bool
    seconds: float
    tau_squared: Fraction | None = None
    certificate: str | None = None

    def as_dict(self) -> dict:
        """The bound as JSON (``tau_squared`` as a ``"p/q"`` string).

        Returns
        -------
        dict
            Every field.
        """
        return {
            "parts": self.parts,
            "value": self.value,
            "exact": self.exact,
            "method": self.method,
            "checked": self.checked,
            "proof_checked": self.proof_checked,
            "beats_theorems": self.beats_theorems,
            "seconds": self.seconds,
            "tau_squared": None if self.tau_squared is None else str(self.tau_squared),
            "certificate": self.certificate,
        }


def _check_parts(parts: object) -> int:
    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise ValueError(f"parts: expected an integer >= 1, got {parts!r}")
    return parts


def _safe_sqrt(x: Fraction) -> float:
    """sqrt(x) as a float at or below the true value."""
    r = math.nextafter(math.sqrt(float(x)), -math.inf)
    return r if Fraction(r) ** 2 <= x else math.nextafter(r, -math.inf)


def _square_part(n: int) -> tuple[int, int]:
    """(a, b) with n = a^2 b and b squarefree (trial division; n is small here)."""
    a, b, p = 1, 1, 2
    while p * p <= n:
        while n % (p * p) == 0:
            a, n = a * p, n // (p * p)
        if n % p == 0:
            b, n = b * p, n // p
        p += 1
    return a, b * n


def sqrt_expression(x: Fraction) -> str:
    """sqrt(x) for a rational x >= 0 written exactly, with square factors pulled out.

    sqrt(p/q) = sqrt(p q)/q = a sqrt(b)/q with p q = a^2 b, b squarefree, then reduced.

    Parameters
    ----------
    x : fractions.Fraction
        The square of the number.

    Returns
    -------
    str
        E.g. ``"sqrt(73)/18"``, ``"4/9"``, ``"sqrt(2)/2"``.

    Raises
    ------
    ValueError
        When ``x`` is negative.

    Examples
    --------
    >>> sqrt_expression(Fraction(73, 324)), sqrt_expression(Fraction(16, 81))
    ('sqrt(73)/18', '4/9')
    >>> sqrt_expression(Fraction(1, 2)), sqrt_expression(Fraction(13, 36))
    ('sqrt(2)/2', 'sqrt(13)/6')
    """
    x = Fraction(x)
    if x < 0:
        raise ValueError(f"x: expected a rational >= 0, got {x}")
    a, b = _square_part(x.numerator * x.denominator)
    coef = Fraction(a, x.denominator)
    if b == 1:
        return str(coef)
    root = f"sqrt({b})"
    head = root if coef.numerator == 1 else f"{coef.numerator}*{root}"
    return head if coef.denominator == 1 else f"{head}/{coef.denominator}"


def area_bound(parts: int) -> float | None:
    """The area bound 2/sqrt(pi m) for m >= 6, rounded down; None for m < 6.

    m parts of diameter d cover area 1 and each has area <= pi d^2/4, so m pi d^2/4 >= 1.

    Parameters
    ----------
    parts : int
        m.

    Returns
    -------
    float or None
        The bound, or None where it is not stated.

    References
    ----------
    Protasov, Tolmachev & Voronov, arXiv:2402.03997 (self-contained here for m >= 12, see the
    module docstring).
    """
    parts = _check_parts(parts)
    if parts < AREA_BOUND_FROM:
        return None
    return math.nextafter(2 / math.sqrt(math.pi * parts), -math.inf) * (1 - 1e-15)


def hexagonal_k_bound(parts: int) -> tuple[int, Fraction]:
    """The bound d_m >= 1/k from d_{k^2+k-1} >= 1/k (k >= 2), for the least such k with
    k^2 + k - 1 >= m.

    Parameters
    ----------
    parts : int
        m.

    Returns
    -------
    tuple of (int, fractions.Fraction)
        k and 1/k^2 (the bound squared).

    References
    ----------
    Protasov, Tolmachev & Voronov, arXiv:2402.03997.

    Examples
    --------
    >>> hexagonal_k_bound(5), hexagonal_k_bound(6), hexagonal_k_bound(11)
    ((2, Fraction(1, 4)), (3, Fraction(1, 9)), (3, Fraction(1, 9)))
    """
    parts = _check_parts(parts)
    k = 2  # k = 1 would claim d_1 >= 1, above the torus' diameter: the theorem is for k >= 2
    while k * k + k - 1 < parts:
        k += 1
    return k, Fraction(1, k * k)


_SMALL_M = {1: Fraction(1, 2), 2: Fraction(1, 2), 3: Fraction(13, 36)}
"""Proven values of d_m^2 for m <= 3 (the torus' diameter; the paper for m = 2, 3)."""


def small_m_bound(parts: int) -> Fraction | None:
    """d_m^2 for m = 1, 2, 3 (sqrt(2)/2, sqrt(2)/2, sqrt(13)/6), None for larger m.

    Parameters
    ----------
    parts : int
        m.

    Returns
    -------
    fractions.Fraction or None
        The proven value squared.

    References
    ----------
    Protasov, Tolmachev & Voronov, arXiv:2402.03997 (m = 2, 3); m = 1 is the torus' diameter.
    """
    return _SMALL_M.get(_check_parts(parts))


def theorem_bounds(parts: int) -> list[TorusLowerBound]:
    """Every theorem bound that applies to m (see the module docstring), unordered.

    Parameters
    ----------
    parts : int
        m >= 1.

    Returns
    -------
    list of TorusLowerBound
        ``checked`` and ``proof_checked`` are True (theorems), ``beats_theorems`` False.
    """
    parts = _check_parts(parts)
    out = []
    k, tau2 = hexagonal_k_bound(parts)
    out.append(TorusLowerBound(parts, _safe_sqrt(tau2), sqrt_expression(tau2),
                               "d_{k^2+k-1} >= 1/k" + f" (k = {k})", True, True, False, 0.0, tau2))
    small = small_m_bound(parts)
    if small is not None:
        out.append(TorusLowerBound(parts, _safe_sqrt(small), sqrt_expression(small),
                                   f"d_{parts} = {sqrt_expression(small)}", True, True, False, 0.0, small))
    area = area_bound(parts)
    if area is not None:
        out.append(TorusLowerBound(parts, area, f"2/sqrt({parts}*pi)", "area", True, True, False, 0.0))
    return out


def exceeds_area_bound(tau_squared: Fraction, parts: int) -> bool:
    """Whether tau > 2/sqrt(pi m), decided exactly: tau^2 > 4/(pi m) iff pi > 4/(m tau^2).

    Parameters
    ----------
    tau_squared : fractions.Fraction
        tau^2 > 0.
    parts : int
        m.

    Returns
    -------
    bool
        True when tau exceeds the area bound; False when it does not (or the rational bracket
        of pi cannot tell, which needs tau^2 within 1e-14 of 4/(pi m)).
    """
    return PI_LOWER > Fraction(4) / (parts * Fraction(tau_squared))


def _exceeds(tau_squared: Fraction, theorem: TorusLowerBound) -> bool:
    if theorem.tau_squared is not None:
        return tau_squared > theorem.tau_squared
    return exceeds_area_bound(tau_squared, theorem.parts)


def theorem_lower_bound(parts: int) -> TorusLowerBound:
    """The best theorem bound for m (instant).

    Parameters
    ----------
    parts : int
        m >= 1.

    Returns
    -------
    TorusLowerBound
        The largest of :func:`theorem_bounds`.

    Raises
    ------
    ValueError
        When ``parts`` is not an integer >= 1.

    Examples
    --------
    >>> theorem_lower_bound(5).exact, theorem_lower_bound(3).exact
    ('1/2', 'sqrt(13)/6')
    """
    return max(theorem_bounds(parts), key=lambda b: b.value)


def _beats(tau_squared: Fraction, parts: int) -> bool:
    return all(_exceeds(tau_squared, t) for t in theorem_bounds(parts))


CONFLICTS_PER_SECOND = 5_000
"""Conflicts a budget second buys when a certificate is built (a rough CaDiCaL rate on these
grids; solver calls are bounded by conflicts, not by time)."""

RECIPES: dict[int, list[tuple[int, int]]] = {
    2: [(11, 50)],
    3: [(12, 45)],
    4: [(22, 146), (18, 97), (14, 58), (12, 40)],
    5: [(18, 85), (12, 37)],
    6: [(18, 73)],
    7: [(9, 16)],
    8: [(15, 37)],
    9: [(13, 25)],
    10: [(14, 25)],
}
"""Grids (s, s^2 tau^2) whose graph G_{s,tau} is not m-colourable, found by
:func:`largest_unsat_value` (m = 6, 7: the published grids of Protasov, Tolmachev & Voronov)."""


def grid_squared_distance(s: int, a: tuple[int, int], b: tuple[int, int]) -> int:
    """s^2 d_T(a/s, b/s)^2 for grid points a, b in {0..s-1}^2, exactly (an integer).

    d_T^2 = (min(|dx|, s - |dx|)^2 + min(|dy|, s - |dy|)^2) / s^2.

    Parameters
    ----------
    s : int
        Grid points per side.
    a : tuple of (int, int)
        First point (i, j), meaning (i/s, j/s).
    b : tuple of (int, int)
        Second point.

    Returns
    -------
    int
        The squared torus distance in units of 1/s^2.

    Examples
    --------
    >>> grid_squared_distance(18, (0, 0), (3, 8))  # (3/18, 8/18): 9 + 64 = 73
    73
    """
    dx, dy = abs(a[0] - b[0]) % s, abs(a[1] - b[1]) % s
    dx, dy = min(dx, s - dx), min(dy, s - dy)
    return dx * dx + dy * dy


def grid_graph(s: int, t2: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """G_{s,tau}: the s^2 points (i/s, j/s), an edge when s^2 d_T^2 >= t2 (tau^2 = t2/s^2).

    Parameters
    ----------
    s : int
        Grid points per side (>= 1).
    t2 : int
        s^2 tau^2.

    Returns
    -------
    tuple of (list of tuple of (int, int), list of tuple of (int, int))
        The grid points (i, j) (vertex v = i s + j) and the edges (u, v), u < v.

    Raises
    ------
    ValueError
        When ``s`` is not an integer >= 1.

    Examples
    --------
    >>> pts, edges = grid_graph(9, 16)
    >>> len(pts), len(edges)
    (81, 1458)
    """
    if isinstance(s, bool) or not isinstance(s, int) or s < 1:
        raise ValueError(f"s: expected an integer >= 1, got {s!r}")
    pts = [(i, j) for i in range(s) for j in range(s)]
    edges = [(u, v) for u in range(len(pts)) for v in range(u + 1, len(pts))
             if grid_squared_distance(s, pts[u], pts[v]) >= t2]
    return pts, edges


def grid_values(s: int) -> list[int]:
    """The distinct values s^2 d_T^2 between grid points, ascending (0 excluded).

    Parameters
    ----------
    s : int
        Grid points per side.

    Returns
    -------
    list of int
        dx^2 + dy^2 for 0 <= dx, dy <= s/2, not both 0.

    Examples
    --------
    >>> grid_values(4)
    [1, 2, 4, 5, 8]
    """
    h = s // 2
    return sorted({dx * dx + dy * dy for dx in range(h + 1) for dy in range(h + 1)} - {0})


def largest_unsat_value(
    parts: int, s: int, *, lower: int = 1, conflict_budget: int | None = 500_000,
    time_limit: float | None = None,
) -> int | None:
    """The largest t2 with G_{s, sqrt(t2)/s} not ``parts``-colourable, as the solver reports it.

    Binary search over :func:`grid_values` at or above ``lower`` (a larger tau drops edges, so
    colourability is monotone); an undecided call counts as colourable. The answer is the
    solver's word only: :func:`grid_certificate` proves it.

    Parameters
    ----------
    parts : int
        m.
    s : int
        Grid points per side.
    lower : int, default=1
        Smallest t2 of interest.
    conflict_budget : int or None, default=500_000
        Conflict limit of each call.
    time_limit : float or None, default=None
        Stop the search after this many seconds.

    Returns
    -------
    int or None
        The largest value proven UNSAT by the solver, or None when none at or above ``lower``.
    """
    start = time.perf_counter()
    values = [v for v in grid_values(s) if v >= lower]
    pts, all_edges = grid_graph(s, values[0] if values else 1)
    d2 = [grid_squared_distance(s, pts[u], pts[v]) for u, v in all_edges]
    lo, hi, best = 0, len(values) - 1, None
    while lo <= hi:
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
        mid = (lo + hi) // 2
        edges = [e for e, d in zip(all_edges, d2, strict=True) if d >= values[mid]]
        answer = find_colouring(len(pts), edges, parts, conflict_budget=conflict_budget)
        if answer is False:
            best, lo = values[mid], mid + 1
        else:
            hi = mid - 1
    return best


def grid_certificate(
    parts: int, s: int, t2: int, *, core: bool = True, core_time: float = 0.0,
    conflict_budget: int | None = None,
) -> EmbeddingCertificate | None:
    """An embedding certificate for d_m >= sqrt(t2)/s from G_{s,tau}, with a DRUP proof.

    The points are the grid points (of a vertex core of the graph when ``core``), the edges all
    pairs at squared distance >= t2/s^2 among them, the clique a greedy one (colours fixed), and
    the proof CaDiCaL's for exactly that CNF. Nothing is checked here: see
    :func:`~diampart.embedding.check_embedding`.

    Parameters
    ----------
    parts : int
        m.
    s : int
        Grid points per side.
    t2 : int
        s^2 tau^2.
    core : bool, default=True
        Shrink to a vertex core first (:func:`~diampart.embedding.unsat_core`).
    core_time : float, default=0.0
        Seconds of deletion-based core minimisation (0: the solver's cores only).
    conflict_budget : int or None, default=None
        Conflict limit of the proof run.

    Returns
    -------
    EmbeddingCertificate or None
        None when the graph is colourable or the budget ran out.
    """
    if isinstance(s, bool) or not isinstance(s, int) or s < 1:
        raise ValueError(f"s: expected an integer >= 1, got {s!r}")
    points = [(Fraction(i, s), Fraction(j, s)) for i in range(s) for j in range(s)]
    cert = prove_points("torus", parts, Fraction(t2, s * s), points, core=core, core_time=core_time,
                        conflict_budget=conflict_budget, graph=f"grid {s}x{s}")
    if cert is not None:
        cert.meta.update({"s": s, "t2": t2})
    return cert


def _digest(path: pathlib.Path) -> str:
    """SHA-256 of the certificate file and its proof file."""
    h = hashlib.sha256(path.read_bytes())
    proof = path.parent / (path.stem + ".drup.gz")
    if proof.is_file():
        h.update(proof.read_bytes())
    return h.hexdigest()


def _bound_from(cert: EmbeddingCertificate, ok: bool, seconds: float, path: pathlib.Path | None,
                method: str) -> TorusLowerBound:
    return TorusLowerBound(cert.parts, cert.value, sqrt_expression(cert.tau_squared), method, ok, ok,
                           _beats(cert.tau_squared, cert.parts), seconds, cert.tau_squared,
                           None if path is None else str(path))


def _checked(cert: EmbeddingCertificate, path: pathlib.Path | None, time_limit: float | None,
             workers: int = 1) -> bool:
    """Check the certificate, or accept the record of an earlier check of these exact files."""
    record = None if path is None else path.with_name(path.stem + ".checked.json")
    if record is not None and record.is_file():
        try:
            if json.loads(record.read_text()).get("sha256") == _digest(path):
                return True
        except (OSError, ValueError):
            pass
    report = check_embedding(cert, time_limit=time_limit, workers=workers)
    if report.ok and record is not None:
        record.write_text(json.dumps({"sha256": _digest(path), "report": report.as_dict()}))
    return report.ok


def computed_torus_bounds(
    parts: int, *, budget_s: float = 60.0, cache_dir: pathlib.Path | None = None,
    recheck: bool = False, recipes: Sequence[tuple[int, int]] | None = None, workers: int = 1,
) -> list[TorusLowerBound]:
    """Grid SAT bounds for m with checked certificates and DRUP proofs (the :data:`RECIPES`).

    Recipes are tried best first; the first one whose certificate checks is returned.

    Building a certificate is bounded by a conflict budget of :data:`CONFLICTS_PER_SECOND`
    times the seconds left (not by time). A cached certificate
    (``cache_dir/torus_m<m>_s<s>_t<t2>.json`` and its ``.drup.gz``) is re-checked, unless a
    record of an earlier successful check of the same bytes (SHA-256, ``.checked.json``) is
    there and ``recheck`` is False. A new one is built by
    :func:`grid_certificate` and checked by :func:`~diampart.embedding.check_embedding` with
    what is left of ``budget_s``; a check that runs out of time gives no bound.

    Parameters
    ----------
    parts : int
        m.
    budget_s : float, default=60.0
        Seconds for building and checking.
    cache_dir : pathlib.Path or None, default=None
        Where certificates, proofs and check records are kept.
    recheck : bool, default=False
        Re-check cached certificates even when a check record matches.
    recipes : sequence of tuple of (int, int) or None, default=None
        Grids (s, s^2 tau^2) to try instead of ``RECIPES[parts]``.
    workers : int, default=1
        Processes for a proof check (:func:`diampart.proof.check_drup`).

    Returns
    -------
    list of TorusLowerBound
        The checked bounds (``checked`` and ``proof_checked`` True).
    """
    parts = _check_parts(parts)
    start = time.perf_counter()
    out = []
    for s, t2 in sorted(RECIPES.get(parts, []) if recipes is None else recipes,
                        key=lambda st: Fraction(st[1], st[0] ** 2), reverse=True):
        left = budget_s - (time.perf_counter() - start)
        if left <= 0:
            break
        path = None if cache_dir is None else pathlib.Path(cache_dir) / f"torus_m{parts}_s{s}_t{t2}.json"
        cert = None
        if path is not None and path.is_file():
            try:
                cert = load_embedding(path)
            except ValueError:
                cert = None
        if cert is None:
            conflicts = max(10_000, int(left * CONFLICTS_PER_SECOND))
            cert = grid_certificate(parts, s, t2, conflict_budget=conflicts)
            if cert is None:
                continue
            if path is not None:
                save_embedding(cert, path)
        elif recheck and path is not None:
            path.with_name(path.stem + ".checked.json").unlink(missing_ok=True)
        left = budget_s - (time.perf_counter() - start)
        if _checked(cert, path, max(left, 1.0), workers):
            out.append(_bound_from(cert, True, time.perf_counter() - start, path, f"grid SAT {s}x{s}"))
            break
    return out


def torus_lower_bound(
    parts: int, *, budget_s: float = 60.0, cache_dir: pathlib.Path | None = None,
    recipes: Sequence[tuple[int, int]] | None = None, workers: int = 1,
) -> TorusLowerBound:
    """The best lower bound for d_m(T^2): theorems and computed, checked bounds.

    Computed bounds come from :func:`computed_torus_bounds` within ``budget_s``; results are
    cached under ``cache_dir`` (see there).

    Parameters
    ----------
    parts : int
        m >= 1.
    budget_s : float, default=60.0
        Seconds for the computation (a cached, already checked result costs a hash).
    cache_dir : pathlib.Path or None, default=None
        Where certificates and proofs are kept; None: nothing is cached.
    recipes : sequence of tuple of (int, int) or None, default=None
        Grids (s, s^2 tau^2) to try instead of :data:`RECIPES` (see
        :func:`computed_torus_bounds`).
    workers : int, default=1
        Processes for a proof check (:func:`diampart.proof.check_drup`).

    Returns
    -------
    TorusLowerBound
        The largest bound; ``beats_theorems`` when a computed bound is above every theorem.

    Raises
    ------
    ValueError
        When ``parts`` is not an integer >= 1 or ``budget_s`` is negative.

    Examples
    --------
    >>> lb = torus_lower_bound(4, budget_s=30, recipes=[(12, 40)])
    >>> lb.exact, lb.method, lb.proof_checked, lb.beats_theorems  # above the theorems' 1/2
    ('sqrt(10)/6', 'grid SAT 12x12', True, True)
    """
    parts = _check_parts(parts)
    if not budget_s >= 0:
        raise ValueError(f"budget_s: expected a number >= 0, got {budget_s!r}")
    start = time.perf_counter()
    best = theorem_lower_bound(parts)
    for found in computed_torus_bounds(parts, budget_s=budget_s, cache_dir=cache_dir, recipes=recipes,
                                       workers=workers):
        if found.checked and found.value > best.value:
            best = TorusLowerBound(
                parts, found.value, found.exact, found.method, found.checked, found.proof_checked,
                found.beats_theorems, time.perf_counter() - start, found.tau_squared, found.certificate,
            )
    return best

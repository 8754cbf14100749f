"""Lower bounds for d_m: point sets whose ">= tau" distance graph is not m-colourable.

If any m sets of diameter < tau covered the shape F, giving each point of a finite X subset F
the index of a set containing it would properly m-colour the graph G_tau(X) whose edges join
points at distance >= tau. So if G_tau(X) is not m-colourable, d_m(F) >= tau.

- :func:`point_lower_bound`: m + 1 points pairwise >= tau apart (G_tau is complete), found by
  SLSQP (max-min distance), rounded to rational points of F and then checked exactly.
- :func:`sat_lower_bound`: X a rational grid (plus rational points on the circle for the disk);
  "G_tau(X) is m-colourable" is encoded as CNF (one colour per point, no edge monochromatic)
  and solved by CaDiCaL through python-sat; UNSAT gives tau as a lower bound. The graph is
  built in exact arithmetic; the UNSAT answer is the solver's (not proof-checked here). The
  final UNSAT instance is re-solved by a second, independent solver (Glucose 4 by default) and
  the bound records who confirmed it in ``confirmed_by``. :func:`proof_check_lower_bound`
  goes further: a DRUP proof of the (core of the) graph, checked by :mod:`diampart.proof`.

The grid-graph lower bounds follow Protasov, Tolmachev & Voronov, "Optimal partitions of the
flat torus into parts of smaller diameter", arXiv:2402.03997. Solvers: CaDiCaL (Biere et al.,
SAT Competition 2020) and Glucose (Audemard & Simon, "Predicting Learnt Clauses Quality in
Modern SAT Solvers", IJCAI 2009), through PySAT (Ignatiev, Morgado & Marques-Silva, "PySAT: A
Python Toolkit for Prototyping with SAT Oracles", SAT 2018).

Examples
--------
>>> lb = point_lower_bound("triangle", 2, restarts=2)
>>> round(lb.value, 6), lb.confirmed_by  # d_2 of the unit triangle is 1
(1.0, 'clique')
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from pysat.formula import CNF
from pysat.solvers import Solver
from scipy.optimize import minimize

from diampart.geometry import Point, to_fraction
from diampart.shapes import ConvexPolygon, Disk, FlatTorus, Shape, get_shape, rational_circle_point

__all__ = [
    "LowerBound",
    "exact_squared_distance",
    "in_true_shape",
    "min_squared_distance",
    "point_lower_bound",
    "grid_points",
    "colouring_cnf",
    "find_colouring",
    "confirm_lower_bound",
    "proof_check_lower_bound",
    "confirm_not_colourable",
    "is_colourable",
    "sat_lower_bound",
]

SQRT3_SQUARED = Fraction(3)
CONFIRM_SOLVER = "glucose4"
"""Second SAT solver that re-solves the final UNSAT instance (independent of CaDiCaL)."""
CLIQUE_WITNESS = "clique"
"""``confirmed_by`` when m + 1 pairwise-far points exist: non-colourable by pigeonhole, exactly."""


@dataclass
class LowerBound:
    """d_m(shape) >= sqrt(tau_squared), witnessed by ``points`` (see ``method``).

    Parameters
    ----------
    shape : str
        The shape's name.
    parts : int
        m.
    tau_squared : fractions.Fraction
        The bound, squared (exact).
    points : list of Point
        The witness: rational points of the true shape whose ">= tau" graph is not
        m-colourable.
    method : str
        How it was found.
    seconds : float, default=0.0
        Wall time.
    details : dict, default={}
        Method-specific numbers (points, SAT calls, grid).
    confirmed_by : str or None, default=None
        Who else proved the graph not m-colourable (see the attribute).

    References
    ----------
    Distance-graph lower bounds as in Protasov, Tolmachev & Voronov, "Optimal partitions of
    the flat torus into parts of smaller diameter", arXiv:2402.03997.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> lb = LowerBound("square", 1, F(2), [(F(0), F(0)), (F(1), F(1))], "2 points")
    >>> round(lb.value, 6), lb.as_dict()["tau_squared"]
    (1.414214, '2')
    """

    shape: str
    parts: int
    tau_squared: Fraction
    points: list[Point]
    method: str
    seconds: float = 0.0
    details: dict = field(default_factory=dict)
    confirmed_by: str | None = None
    """Who else proved the graph not m-colourable: ``"clique"`` (m + 1 points pairwise >= tau, an
    exact pigeonhole argument), the name of a second SAT solver that also answered UNSAT, or None
    (not confirmed: the second solver ran out of its budget, or no second solver was asked)."""

    @property
    def value(self) -> float:
        """sqrt(tau_squared) rounded down in the last place (a safe float for a lower bound)."""
        return math.nextafter(math.sqrt(float(self.tau_squared)), -math.inf)

    def as_dict(self) -> dict:
        """The bound as JSON (exact numbers as ``"p/q"`` strings)."""
        return {
            "shape": self.shape,
            "parts": self.parts,
            "tau_squared": str(self.tau_squared),
            "lower_bound": self.value,
            "method": self.method,
            "n_points": len(self.points),
            "points": [[str(x), str(y)] for x, y in self.points],
            "seconds": self.seconds,
            "details": self.details,
            "confirmed_by": self.confirmed_by,
        }


def in_true_shape(shape: Shape, p: Point) -> bool:
    """Exact membership in the true shape (not its rational outer stand-in).

    Triangle (apex (1/2, sqrt 3/2)): 0 <= y and y <= sqrt(3) min(x, 1 - x), decided by squaring.

    Parameters
    ----------
    shape : Shape
        The shape.
    p : Point
        A rational point.

    Returns
    -------
    bool
        Whether ``p`` lies in the true shape.
    """
    if isinstance(shape, ConvexPolygon) and shape.name == "triangle":
        x, y = p
        lim = min(x, 1 - x)
        return y >= 0 and lim >= 0 and y * y <= SQRT3_SQUARED * lim * lim
    return shape.contains(p)


def exact_squared_distance(shape: Shape, p: Point, q: Point) -> Fraction:
    """|p - q|^2, or on the torus min_k |p - q - k|^2 (k from floor/ceil of each coordinate).

    Parameters
    ----------
    shape : Shape
        Decides the metric (torus or plane).
    p : Point
        First point.
    q : Point
        Second point.

    Returns
    -------
    fractions.Fraction
        The squared distance, exactly.
    """
    dx, dy = p[0] - q[0], p[1] - q[1]
    if isinstance(shape, FlatTorus):
        fx = min((dx - math.floor(dx)) ** 2, (dx - math.ceil(dx)) ** 2)
        fy = min((dy - math.floor(dy)) ** 2, (dy - math.ceil(dy)) ** 2)
        return fx + fy
    return dx * dx + dy * dy


def min_squared_distance(shape: Shape, points: list[Point]) -> Fraction:
    """Smallest pairwise squared distance, exactly.

    Parameters
    ----------
    shape : Shape
        Decides the metric (:func:`exact_squared_distance`).
    points : list of Point
        At least two points.

    Returns
    -------
    fractions.Fraction
        min over pairs i < j.
    """
    return min(
        exact_squared_distance(shape, points[i], points[j])
        for i in range(len(points))
        for j in range(i + 1, len(points))
    )


def _float_dist2(shape: Shape, z: np.ndarray) -> np.ndarray:
    if isinstance(shape, FlatTorus):
        z = z - np.round(z)
    return (z * z).sum(-1)


def point_lower_bound(
    shape: Shape | str, parts: int, *, restarts: int = 8, seed: int = 0
) -> LowerBound:
    """m + 1 points of the shape with the largest exact minimal distance found (max-min SLSQP).

    The m + 1 points pairwise >= tau apart cannot be m-coloured (pigeonhole), so
    d_m >= tau; the points are rational points of the true shape and tau is exact.

    Parameters
    ----------
    shape : Shape or str
        The shape, or its name.
    parts : int
        m >= 1.
    restarts : int, default=8
        Random starts of SLSQP.
    seed : int, default=0
        Seed of the starts.

    Returns
    -------
    LowerBound
        With ``confirmed_by="clique"``.

    Raises
    ------
    RuntimeError
        When no start gives rational points inside the shape.
    """
    shape = get_shape(shape) if isinstance(shape, str) else shape
    if parts < 1:
        raise ValueError(f"parts: expected an integer >= 1, got {parts}")
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = parts + 1
    iu, ju = np.triu_indices(n, 1)
    best: tuple[Fraction, list[Point]] | None = None
    for _ in range(restarts):
        x0 = shape.sample(n, rng).reshape(-1)
        z0 = x0.reshape(n, 2)
        s0 = float(_float_dist2(shape, z0[iu] - z0[ju]).min())

        def cons(xs: np.ndarray) -> np.ndarray:
            p = xs[:-1].reshape(n, 2)
            out = [_float_dist2(shape, p[iu] - p[ju]) - xs[-1]]
            if isinstance(shape, Disk):
                out.append(float(shape.radius) ** 2 - (p * p).sum(1))
            elif isinstance(shape, ConvexPolygon):
                v = shape.float_vertices
                for e in range(len(v)):
                    a, b = v[e], v[(e + 1) % len(v)]
                    out.append((b[0] - a[0]) * (p[:, 1] - a[1]) - (b[1] - a[1]) * (p[:, 0] - a[0]))
            return np.concatenate(out)

        res = minimize(
            lambda xs: -xs[-1], np.append(x0, s0), method="SLSQP",
            constraints=[{"type": "ineq", "fun": cons}], options={"maxiter": 400, "ftol": 1e-14},
        )
        pts = [_round_inside(shape, q) for q in res.x[:-1].reshape(n, 2)]
        if any(p is None for p in pts):
            continue
        tau2 = min_squared_distance(shape, pts)
        if best is None or tau2 > best[0]:
            best = (tau2, pts)
    if best is None:
        raise RuntimeError("point_lower_bound: no rational point set inside the shape found")
    return LowerBound(shape.name, parts, best[0], best[1], f"{n} points pairwise >= tau",
                      time.perf_counter() - start, confirmed_by=CLIQUE_WITNESS)


def _round_inside(shape: Shape, q: np.ndarray) -> Point | None:
    """A rational point of the true shape near q (pulled towards the centre when needed)."""
    if isinstance(shape, Disk):
        r = float(shape.radius)
        norm = float(np.linalg.norm(q))
        if norm >= r * (1 - 1e-9):
            return rational_circle_point(math.atan2(q[1], q[0]), shape.radius)
    if isinstance(shape, FlatTorus):
        q = q % 1.0
    centre = np.zeros(2) if isinstance(shape, Disk) else (
        shape.float_vertices.mean(axis=0) if isinstance(shape, ConvexPolygon) else q
    )
    for k in range(40):
        lam = 1.0 - 2.0 ** (-k) if k else 0.0
        cand = q + (1e-12 * (1 + k)) * (centre - q) if k < 20 else q + lam * (centre - q)
        p = (to_fraction(float(cand[0]), max_denominator=10**12),
             to_fraction(float(cand[1]), max_denominator=10**12))
        if in_true_shape(shape, p):
            return p
    return None


def grid_points(shape: Shape | str, resolution: int, *, circle_points: int = 0) -> list[Point]:
    """Rational points of the true shape on the grid (i/g, j/g) shifted to the shape.

    Square [0,1]^2 and torus: (i/g, j/g); triangle: the points of the g-grid inside it; disk of
    radius r: (r i/g, r j/g) inside it, plus ``circle_points`` rational points exactly on the
    circle at equally spaced angles.

    Parameters
    ----------
    shape : Shape or str
        The shape, or its name.
    resolution : int
        g, grid points per unit (>= 1).
    circle_points : int, default=0
        Extra points on the circle (disk only).

    Returns
    -------
    list of Point
        Distinct points of the true shape.

    Examples
    --------
    >>> len(grid_points("torus", 3)), len(grid_points("square", 2))
    (9, 9)
    """
    shape = get_shape(shape) if isinstance(shape, str) else shape
    g = int(resolution)
    if g < 1:
        raise ValueError(f"resolution: expected an integer >= 1, got {resolution}")
    pts: list[Point] = []
    if isinstance(shape, FlatTorus):
        pts = [(Fraction(i, g), Fraction(j, g)) for i in range(g) for j in range(g)]
    elif isinstance(shape, Disk):
        r = shape.radius
        pts = [
            (r * Fraction(i, g), r * Fraction(j, g))
            for i in range(-g, g + 1)
            for j in range(-g, g + 1)
        ]
        pts = [p for p in pts if shape.contains(p)]
        pts += [
            rational_circle_point(2 * math.pi * k / circle_points, r) for k in range(circle_points)
        ]
    else:
        v = shape.float_vertices
        lo, hi = v.min(axis=0), v.max(axis=0)
        xs = range(math.floor(lo[0] * g), math.ceil(hi[0] * g) + 1)
        ys = range(math.floor(lo[1] * g), math.ceil(hi[1] * g) + 1)
        pts = [(Fraction(i, g), Fraction(j, g)) for i in xs for j in ys]
        pts = [p for p in pts if in_true_shape(shape, p)]
    return list(dict.fromkeys(pts))


def colouring_cnf(n: int, edges: list[tuple[int, int]], colours: int, clique: list[int]) -> CNF:
    """CNF of "the graph is properly colourable with ``colours`` colours".

    Variable x_{v,c} = v * colours + c + 1. Clauses: (x_{v,0} or ... or x_{v,m-1}) for every v;
    (not x_{u,c} or not x_{v,c}) for every edge and colour; vertex clique[i] gets colour i
    (symmetry breaking, valid because the clique's colours are distinct in any colouring).

    Parameters
    ----------
    n : int
        Number of vertices.
    edges : list of tuple of int
        Edges ``(u, v)``.
    colours : int
        Number of colours.
    clique : list of int
        Vertices of a clique, given colours 0, 1, ... (at most ``colours`` are used).

    Returns
    -------
    pysat.formula.CNF
        The formula.

    Examples
    --------
    >>> len(colouring_cnf(3, [(0, 1), (1, 2)], 2, [0, 1]).clauses)  # 3 + 2 * 2 + 2
    9
    """
    cnf = CNF()
    for v in range(n):
        cnf.append([v * colours + c + 1 for c in range(colours)])
    for u, v in edges:
        for c in range(colours):
            cnf.append([-(u * colours + c + 1), -(v * colours + c + 1)])
    for i, v in enumerate(clique[:colours]):
        cnf.append([v * colours + i + 1])
    return cnf


def find_colouring(
    n: int, edges: list[tuple[int, int]], colours: int, *, solver: str = "cadical153",
    conflict_budget: int | None = None, clique: list[int] | None = None,
) -> list[int] | bool | None:
    """A proper colouring of the graph with ``colours`` colours, if the solver finds one.

    Parameters
    ----------
    n : int
        The graph's vertices are 0..n-1.
    edges : list of tuple of int
        Pairs ``(u, v)`` that must get different colours.
    colours : int
        Colours available.
    solver : str, default="cadical153"
        PySAT solver name.
    conflict_budget : int or None, default=None
        Conflict limit; ``None``: none.
    clique : list of int or None, default=None
        Vertices given colours 0, 1, ... for symmetry breaking; ``None``: a greedy clique.

    Returns
    -------
    list of int or bool or None
        A colour per vertex; False when there is none (a clique of colours + 1 vertices, or
        UNSAT); None when the solver runs out of ``conflict_budget``.

    Examples
    --------
    >>> triangle = [(0, 1), (1, 2), (0, 2)]
    >>> find_colouring(3, triangle, 2), len(find_colouring(3, triangle, 3))
    (False, 3)
    """
    if clique is None:
        clique = _greedy_clique(n, edges, colours + 1)
        if len(clique) > colours:
            return False
    cnf = colouring_cnf(n, edges, colours, clique)
    with Solver(name=solver, bootstrap_with=cnf.clauses) as s:
        if conflict_budget is not None:
            try:
                s.conf_budget(conflict_budget)
                answer = s.solve_limited()
            except NotImplementedError:
                answer = s.solve()
        else:
            answer = s.solve()
        if not answer:
            return answer
        true = {v for v in s.get_model() if v > 0}
    return [next(c for c in range(colours) if v * colours + c + 1 in true) for v in range(n)]


def is_colourable(
    n: int, edges: list[tuple[int, int]], colours: int, *, solver: str = "cadical153",
    conflict_budget: int | None = None,
) -> bool | None:
    """Whether the graph is ``colours``-colourable, as the solver decides it.

    Parameters
    ----------
    n : int
        Vertices 0..n-1 of the graph.
    edges : list of tuple of int
        Its edges.
    colours : int
        m, the number of colours.
    solver : str, default="cadical153"
        As in :func:`find_colouring`.
    conflict_budget : int or None, default=None
        As in :func:`find_colouring`.

    Returns
    -------
    bool or None
        True/False when decided, None when the solver runs out of budget.
    """
    answer = find_colouring(n, edges, colours, solver=solver, conflict_budget=conflict_budget)
    return answer if answer is None or answer is False else True


def confirm_not_colourable(
    n: int, edges: list[tuple[int, int]], colours: int, *, solver: str = CONFIRM_SOLVER,
    conflict_budget: int | None = None,
) -> str | None:
    """Independent confirmation that the graph is not ``colours``-colourable.

    Parameters
    ----------
    n : int
        Vertex count of the graph reported UNSAT.
    edges : list of tuple of int
        Its edges, built exactly.
    colours : int
        The number of colours it was reported not colourable with.
    solver : str, default=CONFIRM_SOLVER
        The second PySAT solver.
    conflict_budget : int or None, default=None
        Its conflict limit.

    Returns
    -------
    str or None
        ``"clique"`` when a clique of colours + 1 vertices is found (exact), else the solver's
        name when it also answers UNSAT, or None when it runs out of its budget.

    Raises
    ------
    RuntimeError
        When it finds a colouring: the two solvers disagree, so no bound may be claimed.
    """
    if len(_greedy_clique(n, edges, colours + 1)) > colours:
        return CLIQUE_WITNESS
    answer = is_colourable(n, edges, colours, solver=solver, conflict_budget=conflict_budget)
    if answer is True:
        raise RuntimeError(f"SAT solvers disagree: {solver} colours a graph reported UNSAT")
    return solver if answer is False else None


def _greedy_clique(n: int, edges: list[tuple[int, int]], limit: int) -> list[int]:
    adj: list[set[int]] = [set() for _ in range(n)]
    for u, v in edges:
        adj[u].add(v)
        adj[v].add(u)
    order = sorted(range(n), key=lambda v: -len(adj[v]))
    best: list[int] = []
    for start in order[: min(n, 30)]:
        clique = [start]
        cand = set(adj[start])
        while cand and len(clique) < limit:
            v = max(cand, key=lambda w: len(adj[w] & cand))
            clique.append(v)
            cand &= adj[v]
        if len(clique) > len(best):
            best = clique
        if len(best) >= limit:
            break
    return best


def sat_lower_bound(
    shape: Shape | str,
    parts: int,
    *,
    resolution: int = 10,
    circle_points: int = 0,
    points: list[Point] | None = None,
    solver: str = "cadical153",
    conflict_budget: int | None = 200_000,
    time_limit: float | None = None,
    confirm_solver: str | None = CONFIRM_SOLVER,
    confirm_budget: int | None = 2_000_000,
) -> LowerBound:
    """Largest tau among the point set's distances with G_tau not m-colourable (binary search).

    Squared distances are exact Fractions; colourability is monotone in tau (a larger tau
    drops edges), so the search keeps the largest tau proven UNSAT. Undecided calls (budget
    exhausted) count as colourable, which can only lower the bound. The final UNSAT graph is
    then re-solved by ``confirm_solver`` (see :func:`confirm_not_colourable`); the result is in
    ``confirmed_by``.

    Parameters
    ----------
    shape : Shape or str
        The shape, or its name.
    parts : int
        m >= 1.
    resolution : int, default=10
        Grid points per unit (:func:`grid_points`).
    circle_points : int, default=0
        Extra points on the circle (disk).
    points : list of Point or None, default=None
        Use these points instead of the grid.
    solver : str, default="cadical153"
        PySAT solver of the binary search.
    conflict_budget : int or None, default=200_000
        Conflict limit of every call.
    time_limit : float or None, default=None
        Stop the binary search after this many seconds.
    confirm_solver : str or None, default=CONFIRM_SOLVER
        Second solver that re-solves the final graph; ``None``: no confirmation.
    confirm_budget : int or None, default=2_000_000
        Its conflict limit.

    Returns
    -------
    LowerBound
        The largest tau proven.

    Raises
    ------
    ValueError
        For ``parts < 1`` or too few points.

    References
    ----------
    Protasov, Tolmachev & Voronov, "Optimal partitions of the flat torus into parts of smaller
    diameter", arXiv:2402.03997 (grid graphs and SAT).

    Examples
    --------
    >>> lb = sat_lower_bound("square", 2, resolution=2)
    >>> lb.tau_squared, lb.confirmed_by  # d_2 of the unit square is sqrt(5)/2
    (Fraction(5, 4), 'glucose4')
    """
    shape = get_shape(shape) if isinstance(shape, str) else shape
    if parts < 1:
        raise ValueError(f"parts: expected an integer >= 1, got {parts}")
    start = time.perf_counter()
    if points is None:
        points = grid_points(shape, resolution, circle_points=circle_points)
    pts = points
    n = len(pts)
    if n < parts + 1:
        raise ValueError(f"points: need more than {parts} points, got {n}")
    d2 = {}
    for i in range(n):
        for j in range(i + 1, n):
            d2[(i, j)] = exact_squared_distance(shape, pts[i], pts[j])
    values = sorted(set(d2.values()))
    # G_tau for tau = values[k] has edges {d2 >= values[k]}; k = 0 is complete -> UNSAT if n > m
    lo, hi = 0, len(values) - 1  # invariant: values[lo] proven UNSAT
    calls = 0
    fval = np.array([float(v) for v in values])
    pair_keys = list(d2.keys())
    pair_f = np.array([float(d2[k]) for k in pair_keys])
    while lo < hi:
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
        mid = (lo + hi + 1) // 2
        thr = values[mid]
        # exact: the float filter only narrows candidates; membership is decided exactly
        cand = np.nonzero(pair_f >= fval[mid] * (1 - 1e-9) - 1e-12)[0]
        edges = [pair_keys[k] for k in cand if d2[pair_keys[k]] >= thr]
        calls += 1
        ok = is_colourable(n, edges, parts, solver=solver, conflict_budget=conflict_budget)
        if ok is False:
            lo = mid
        else:
            hi = mid - 1
    bound = LowerBound(
        shape.name, parts, values[lo], pts, f"SAT: grid graph not {parts}-colourable ({solver})",
        0.0, {"n_points": n, "sat_calls": calls, "resolution": resolution,
              "circle_points": circle_points},
    )
    if confirm_solver is not None:
        bound.confirmed_by = confirm_lower_bound(
            bound, shape, solver=confirm_solver, conflict_budget=confirm_budget
        )
    bound.seconds = time.perf_counter() - start
    return bound


def confirm_lower_bound(
    bound: LowerBound, shape: Shape | str | None = None, *, solver: str = CONFIRM_SOLVER,
    conflict_budget: int | None = 2_000_000,
) -> str | None:
    """Re-prove a bound independently: rebuild G_tau from ``bound.points`` in exact arithmetic
    (edges: squared distance >= tau_squared) and pass it to :func:`confirm_not_colourable`.

    Parameters
    ----------
    bound : LowerBound
        The bound to re-prove.
    shape : Shape or str or None, default=None
        Its shape; ``None``: the shape named in the bound (pass it for shapes built in code).
    solver : str, default=CONFIRM_SOLVER
        The second PySAT solver.
    conflict_budget : int or None, default=2_000_000
        Its conflict limit.

    Returns
    -------
    str or None
        As :func:`confirm_not_colourable`.
    """
    shape = get_shape(bound.shape) if shape is None else shape
    shape = get_shape(shape) if isinstance(shape, str) else shape
    pts = bound.points
    edges = [
        (i, j)
        for i in range(len(pts))
        for j in range(i + 1, len(pts))
        if exact_squared_distance(shape, pts[i], pts[j]) >= bound.tau_squared
    ]
    return confirm_not_colourable(
        len(pts), edges, bound.parts, solver=solver, conflict_budget=conflict_budget
    )


def proof_check_lower_bound(
    bound: LowerBound, shape: Shape | str | None = None, *, time_limit: float | None = None,
) -> object:
    """Prove a bound with a checked DRUP proof instead of a second solver's word.

    The ">= tau" graph of ``bound.points`` is rebuilt exactly, shrunk to a vertex core, solved
    by CaDiCaL with proof logging and checked by the independent RUP checker
    (:func:`diampart.embedding.prove_points`, :func:`diampart.embedding.check_embedding`). On
    success ``bound.confirmed_by`` becomes ``"DRUP proof"`` (or ``"clique"``/``"odd cycle"``
    when no proof is needed).

    Parameters
    ----------
    bound : LowerBound
        The bound to prove.
    shape : Shape or str or None, default=None
        Its shape; ``None``: the shape named in the bound.
    time_limit : float or None, default=None
        Seconds for the proof check.

    Returns
    -------
    diampart.embedding.EmbeddingReport
        The checker's report (``ok`` False when the solver finds a colouring or the check
        fails or runs out of time; ``confirmed_by`` is then left as it was).

    Examples
    --------
    >>> lb = sat_lower_bound("square", 2, resolution=2, confirm_solver=None)
    >>> proof_check_lower_bound(lb).ok, lb.confirmed_by
    (True, 'odd cycle')
    """
    from diampart.embedding import EmbeddingReport, check_embedding, prove_points

    shape = get_shape(bound.shape) if shape is None else shape
    shape = get_shape(shape) if isinstance(shape, str) else shape
    cert = prove_points(shape, bound.parts, bound.tau_squared, bound.points, graph=bound.method)
    if cert is None:
        return EmbeddingReport(False, "colouring", "the solver found a colouring or ran out of budget",
                               bound.tau_squared)
    report = check_embedding(cert, time_limit=time_limit)
    if report.ok:
        bound.confirmed_by = report.reason
    return report

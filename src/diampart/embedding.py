"""Distance-graph lower bounds: a non-m-colourable graph embedded with long edges.

If a graph G has no proper m-colouring and its vertices sit at points of a shape F so that
every edge is at least tau long, then every cover of F by m sets has a set holding both ends of
some edge, so d_m(F) >= tau (Protasov, Tolmachev & Voronov, "Optimal partitions of the flat
torus into parts of smaller diameter", arXiv:2402.03997; the same argument as the grid graphs of
:mod:`diampart.lower`).

An :class:`EmbeddingCertificate` lists the rational points, the edges, tau^2 and the reason G is
not m-colourable; :func:`check_embedding` decides it exactly, naming the first failed condition:

- ``shape``, ``parts``: a known shape and m >= 1;
- ``points``: every point is a rational point of the true shape
  (:func:`diampart.lower.in_true_shape`);
- ``edges``: pairs of distinct vertex indices, no pair twice;
- ``lengths``: every edge's exact squared length (on the torus, to the nearest translate) is
  >= tau^2;
- ``clique``: the vertices whose colours the CNF fixes are pairwise adjacent (so fixing them
  0, 1, ... loses no colouring up to renaming);
- ``colouring``: G is not m-colourable, by the first that applies: a clique of m + 1 vertices
  (pigeonhole); m = 2 and an odd cycle (found by breadth-first search, exact); or a DRUP proof
  that the CNF :func:`diampart.lower.colouring_cnf` of (G, m, clique), rebuilt here from the
  edges, is unsatisfiable, checked by :func:`diampart.proof.check_drup`.

:func:`optimise_embedding` searches the positions (multistart SLSQP, maximising the shortest
edge) and rounds them to rationals; :func:`unsat_core` shrinks a non-colourable graph to a
vertex-minimal one (within a budget) before it is embedded. Named graphs with chromatic number 4:
the Moser spindle (Moser & Moser, 1961) and the Golomb graph (Soifer, "The Mathematical Coloring
Book", 2009).

Examples
--------
>>> from fractions import Fraction as F
>>> pts = [(F(0), F(0)), (F(1, 3), F(1, 3)), (F(2, 3), F(2, 3))]
>>> cert = EmbeddingCertificate("torus", 2, F(2, 9), pts, [(0, 1), (1, 2), (0, 2)], graph="C3")
>>> report = check_embedding(cert)
>>> report.ok, report.reason  # d_2 >= sqrt(2)/3 from an odd cycle (exact)
(True, 'odd cycle')
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
from pysat.solvers import Solver
from scipy.optimize import minimize

from diampart.certificate import _check_rational, _read_int, _read_list, _read_number, _short
from diampart.geometry import Point, to_fraction
from diampart.lower import _greedy_clique, colouring_cnf, exact_squared_distance, in_true_shape
from diampart.proof import ProofReport, check_drup, read_proof, write_proof
from diampart.shapes import FlatTorus, Shape, get_shape

__all__ = [
    "FORMAT",
    "MAX_EMBED_POINTS",
    "MAX_EMBED_EDGES",
    "MAX_PROOF_BYTES",
    "EmbeddingCertificate",
    "EmbeddingReport",
    "odd_cycle",
    "colouring_clauses",
    "solve_with_proof",
    "unsat_core",
    "prove_points",
    "check_embedding",
    "save_embedding",
    "load_embedding",
    "optimise_embedding",
    "round_embedding",
    "cycle_graph",
    "moser_spindle",
    "golomb_graph",
    "named_graph",
]

FORMAT = "diampart-embedding/1"
MAX_EMBED_POINTS = 4096
"""Most vertices of an embedded graph."""
MAX_EMBED_EDGES = 400_000
"""Most edges."""
MAX_PROOF_BYTES = 256 * 2**20
"""Largest proof file read (after gunzip)."""


@dataclass
class EmbeddingCertificate:
    """A claimed lower bound d_m(shape) >= sqrt(tau_squared) by an embedded graph.

    Parameters
    ----------
    shape : str
        The shape's name.
    parts : int
        m: the graph is claimed not m-colourable.
    tau_squared : fractions.Fraction
        Every edge's squared length is claimed >= this.
    points : list of Point
        One rational point per vertex.
    edges : list of tuple of (int, int)
        Vertex index pairs.
    clique : list of int, default=[]
        Pairwise adjacent vertices whose colours the CNF fixes (symmetry breaking).
    proof : list of str or None, default=None
        DRUP lines proving the CNF unsatisfiable (None: the reason is a clique or odd cycle).
    graph : str, default=""
        What the graph is (e.g. ``"grid 18x18"``, ``"Moser spindle"``).
    meta : dict, default={}
        Free-form information (not checked).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> cert = EmbeddingCertificate("square", 1, F(2), [(F(0), F(0)), (F(1), F(1))], [(0, 1)])
    >>> round(cert.value, 6), EmbeddingCertificate.from_json(cert.to_json()).edges
    (1.414214, [(0, 1)])
    """

    shape: str
    parts: int
    tau_squared: Fraction
    points: list[Point]
    edges: list[tuple[int, int]]
    clique: list[int] = field(default_factory=list)
    proof: list[str] | None = None
    graph: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def value(self) -> float:
        """sqrt(tau_squared) rounded down in the last place."""
        return math.nextafter(math.sqrt(float(self.tau_squared)), -math.inf)

    def to_json(self, proof_file: str | None = None) -> dict:
        """Plain JSON record (numbers as exact ``"p/q"`` strings).

        Parameters
        ----------
        proof_file : str or None, default=None
            Name of the proof file next to the certificate (the proof is not inlined).

        Returns
        -------
        dict
            The record of :data:`FORMAT`.
        """
        return {
            "format": FORMAT,
            "shape": self.shape,
            "parts": self.parts,
            "tau_squared": str(self.tau_squared),
            "tau_float": self.value,
            "graph": self.graph,
            "points": [[str(x), str(y)] for x, y in self.points],
            "edges": [[u, v] for u, v in self.edges],
            "clique": list(self.clique),
            "proof_file": proof_file,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: object, base: str | os.PathLike | None = None) -> EmbeddingCertificate:
        """Parse a JSON record, checking its types and limits (proof read from ``base``).

        Parameters
        ----------
        data : object
            A JSON value.
        base : str or os.PathLike or None, default=None
            Directory of the certificate, where ``proof_file`` is looked up.

        Returns
        -------
        EmbeddingCertificate
            Not yet checked.

        Raises
        ------
        ValueError
            Naming the malformed field.
        """
        if not isinstance(data, dict):
            raise ValueError(f"certificate: expected a JSON object, got {_short(data)}")
        if data.get("format") != FORMAT:
            raise ValueError(f"format: expected {FORMAT!r}, got {_short(data.get('format'))}")
        for key in ("shape", "parts", "tau_squared", "points", "edges"):
            if key not in data:
                raise ValueError(f"certificate: missing field {key!r}")
        if not isinstance(data["shape"], str) or len(data["shape"]) > 64:
            raise ValueError(f"shape: expected a short string, got {_short(data['shape'])}")
        tau2 = _read_number(data["tau_squared"], "tau_squared")
        _check_rational(tau2, "tau_squared")
        points = []
        for i, p in enumerate(_read_list(data["points"], "points", MAX_EMBED_POINTS, "points")):
            if not isinstance(p, list) or len(p) != 2:
                raise ValueError(f"points[{i}]: expected a point [x, y], got {_short(p)}")
            xy = tuple(_read_number(c, f"points[{i}][{k}]") for k, c in enumerate(p))
            for k, c in enumerate(xy):
                _check_rational(c, f"points[{i}][{k}]", magnitude=1024)
            points.append(xy)
        edges = []
        for i, e in enumerate(_read_list(data["edges"], "edges", MAX_EMBED_EDGES, "edges")):
            if not isinstance(e, list) or len(e) != 2:
                raise ValueError(f"edges[{i}]: expected a pair [u, v], got {_short(e)}")
            edges.append((_read_int(e[0], f"edges[{i}][0]"), _read_int(e[1], f"edges[{i}][1]")))
        clique = [_read_int(v, f"clique[{i}]") for i, v in
                  enumerate(_read_list(data.get("clique", []), "clique", MAX_EMBED_POINTS, "vertices"))]
        meta = data.get("meta", {})
        if not isinstance(meta, dict):
            raise ValueError(f"meta: expected an object, got {_short(meta)}")
        proof = None
        name = data.get("proof_file")
        if name is not None:
            if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
                raise ValueError(f"proof_file: expected a file name next to the certificate, "
                                 f"got {_short(name)}")
            path = Path(base or ".") / name
            if not path.is_file():
                raise ValueError(f"proof_file: no such file {str(path)!r}")
            try:
                proof = read_proof(path, max_bytes=MAX_PROOF_BYTES)
            except ValueError as err:
                raise ValueError(f"proof_file: {err}") from err
        graph = data.get("graph", "")
        return cls(data["shape"], _read_int(data["parts"], "parts"), tau2, points, edges, clique, proof,
                   graph if isinstance(graph, str) else str(graph), dict(meta))


@dataclass
class EmbeddingReport:
    """Outcome of :func:`check_embedding`.

    Parameters
    ----------
    ok : bool
        The certificate proves d_m >= sqrt(tau_squared).
    failed : str or None
        The first failed condition (see the module docstring), or None.
    message : str
        One line saying what was found.
    tau_squared : fractions.Fraction
        The claimed bound squared.
    reason : str or None, default=None
        Why the graph is not m-colourable: ``"clique"``, ``"odd cycle"`` or ``"DRUP proof"``.
    min_squared_length : fractions.Fraction or None, default=None
        The shortest edge squared (None when the check failed before it).
    proof : ProofReport or None, default=None
        The proof checker's report, when a proof was checked.

    Examples
    --------
    >>> EmbeddingReport(False, "lengths", "edge 0 too short", Fraction(1)).ok
    False
    """

    ok: bool
    failed: str | None
    message: str
    tau_squared: Fraction
    reason: str | None = None
    min_squared_length: Fraction | None = None
    proof: ProofReport | None = None

    @property
    def proof_checked(self) -> bool:
        """True when no unchecked solver answer is behind the bound (clique, odd cycle or an
        accepted proof)."""
        return self.ok

    def as_dict(self) -> dict:
        """The report as JSON.

        Returns
        -------
        dict
            Its fields (numbers as ``"p/q"`` strings).
        """
        return {"ok": self.ok, "failed": self.failed, "message": self.message,
                "tau_squared": str(self.tau_squared), "reason": self.reason,
                "min_squared_length": None if self.min_squared_length is None
                else str(self.min_squared_length),
                "proof": None if self.proof is None else self.proof.as_dict()}


def odd_cycle(n: int, edges: Sequence[tuple[int, int]]) -> list[int] | None:
    """An odd cycle of the graph (so it is not 2-colourable), or None when it is bipartite.

    Breadth-first search 2-colours each component; an edge inside one colour class closes an
    odd cycle through the search tree.

    Parameters
    ----------
    n : int
        Vertices 0..n-1.
    edges : sequence of tuple of (int, int)
        The edges.

    Returns
    -------
    list of int or None
        The cycle's vertices in order.

    Examples
    --------
    >>> odd_cycle(5, [(i, (i + 1) % 5) for i in range(5)])
    [0, 1, 2, 3, 4]
    >>> odd_cycle(4, [(0, 1), (1, 2), (2, 3), (3, 0)]) is None
    True
    """
    adj: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        adj[u].append(v)
        adj[v].append(u)
    side = [-1] * n
    parent = [-1] * n
    for root in range(n):
        if side[root] >= 0:
            continue
        side[root] = 0
        queue = deque([root])
        while queue:
            u = queue.popleft()
            for v in adj[u]:
                if side[v] < 0:
                    side[v], parent[v] = 1 - side[u], u
                    queue.append(v)
                elif side[v] == side[u]:
                    a, b = [u], [v]
                    while a[-1] != -1:
                        a.append(parent[a[-1]])
                    while b[-1] != -1:
                        b.append(parent[b[-1]])
                    a, b = a[:-1], b[:-1]
                    common = set(a) & set(b)
                    a = a[: next(i for i, x in enumerate(a) if x in common) + 1]
                    b = b[: next(i for i, x in enumerate(b) if x in common)]
                    cycle = a[::-1] + b
                    k = cycle.index(min(cycle))
                    return cycle[k:] + cycle[:k]
    return None


def colouring_clauses(
    n: int, edges: Sequence[tuple[int, int]], parts: int, clique: Sequence[int]
) -> list[list[int]]:
    """The CNF of "the graph is m-colourable" that proofs refer to (:func:`~diampart.lower.colouring_cnf`).

    Parameters
    ----------
    n : int
        Vertices 0..n-1.
    edges : sequence of tuple of (int, int)
        The edges.
    parts : int
        m, the colours.
    clique : sequence of int
        Vertices given colours 0, 1, ... (a clique, at most m used).

    Returns
    -------
    list of list of int
        DIMACS clauses; x_{v,c} = v m + c + 1.
    """
    return colouring_cnf(n, list(edges), parts, list(clique)).clauses


def solve_with_proof(
    n: int, edges: Sequence[tuple[int, int]], parts: int, clique: Sequence[int], *,
    solver: str = "cadical153", conflict_budget: int | None = None,
) -> tuple[bool | None, list[str] | None]:
    """Solve the colouring CNF and return the solver's DRUP proof when it is UNSAT.

    Parameters
    ----------
    n : int
        Vertices 0..n-1.
    edges : sequence of tuple of (int, int)
        The edges.
    parts : int
        m.
    clique : sequence of int
        Symmetry-breaking clique (:func:`colouring_clauses`).
    solver : str, default="cadical153"
        PySAT solver with proof logging (CaDiCaL or Glucose).
    conflict_budget : int or None, default=None
        Conflict limit.

    Returns
    -------
    tuple of (bool or None, list of str or None)
        (colourable?, proof): (False, lines) when UNSAT; (True, None) when colourable;
        (None, None) when the budget ran out.
    """
    clauses = colouring_clauses(n, edges, parts, clique)
    with Solver(name=solver, bootstrap_with=clauses, with_proof=True) as s:
        if conflict_budget is not None:
            s.conf_budget(conflict_budget)
            answer = s.solve_limited()
        else:
            answer = s.solve()
        if answer is False:
            return False, list(s.get_proof())
    return (None, None) if answer is None else (True, None)


def unsat_core(
    n: int, edges: Sequence[tuple[int, int]], parts: int, clique: Sequence[int], *,
    solver: str = "cadical153", rounds: int = 4, time_limit: float | None = None,
    conflict_budget: int | None = None,
) -> list[int] | None:
    """A subset of the vertices whose induced subgraph is still not m-colourable.

    Every vertex v gets a selector s_v in its "some colour" clause; solving under the
    assumptions s_v returns the solver's core of assumptions (vertices needed for UNSAT),
    repeated ``rounds`` times, then vertices are dropped one at a time (deletion-based
    minimisation) while ``time_limit`` lasts. The result is only a candidate: the graph it
    induces is re-proved (with a checked proof) by whoever uses it.

    Parameters
    ----------
    n : int
        Vertices 0..n-1.
    edges : sequence of tuple of (int, int)
        The edges.
    parts : int
        m.
    clique : sequence of int
        Symmetry-breaking clique, kept in the core.
    solver : str, default="cadical153"
        PySAT solver.
    rounds : int, default=4
        Core-extraction rounds.
    time_limit : float or None, default=None
        Seconds for the deletion-based minimisation (0: none; None: until minimal).
    conflict_budget : int or None, default=None
        Conflict limit of each solver call (an undecided call ends the shrinking; undecided
        at the first call: None is returned).

    Returns
    -------
    list of int or None
        Sorted vertices of the core; None when the graph is colourable (or undecided).
    """
    start = time.perf_counter()
    clique = list(clique)[:parts]
    base = n * parts

    def selector(v: int) -> int:
        return base + v + 1

    clauses = [[-selector(v)] + [v * parts + c + 1 for c in range(parts)] for v in range(n)]
    for u, v in edges:
        clauses += [[-(u * parts + c + 1), -(v * parts + c + 1)] for c in range(parts)]
    clauses += [[v * parts + i + 1] for i, v in enumerate(clique)]
    with Solver(name=solver, bootstrap_with=clauses) as s:

        def unsat(assumptions: list[int]) -> bool | None:
            if conflict_budget is None:
                return not s.solve(assumptions=assumptions)
            s.conf_budget(conflict_budget)
            answer = s.solve_limited(assumptions=assumptions)
            return None if answer is None else not answer

        keep = list(range(n))
        for k in range(rounds):
            answer = unsat([selector(v) for v in keep])
            if not answer:
                if k == 0:
                    return None
                break
            core = sorted({a - base - 1 for a in s.get_core()} | set(clique))
            if len(core) == len(keep):
                break
            keep = core
        if time_limit == 0:
            return keep
        for v in sorted(set(keep) - set(clique), reverse=True):
            if time_limit is not None and time.perf_counter() - start > time_limit:
                break
            trial = [w for w in keep if w != v]
            if unsat([selector(w) for w in trial]):
                core = {a - base - 1 for a in s.get_core()} | set(clique)
                keep = [w for w in trial if w in core]
    return keep


def prove_points(
    shape: Shape | str, parts: int, tau_squared: Fraction, points: Sequence[Point], *,
    core: bool = True, core_time: float = 0.0, conflict_budget: int | None = None, graph: str = "",
) -> EmbeddingCertificate | None:
    """An embedding certificate for the ">= tau" graph of rational points, with a DRUP proof.

    Edges are the pairs at exact squared distance >= ``tau_squared``; the clique is a greedy
    one; when it has fewer than m + 1 vertices the graph is shrunk to a vertex core
    (:func:`unsat_core`, when ``core``) and CaDiCaL's proof for exactly the CNF of that graph is
    attached (m = 2 needs none: the checker finds an odd cycle). Nothing is checked here: see
    :func:`check_embedding`. This turns any non-colourable point set (a grid of
    :func:`diampart.lower.sat_lower_bound`, say) into a proof-checked bound.

    Parameters
    ----------
    shape : Shape or str
        The shape (decides the metric).
    parts : int
        m.
    tau_squared : fractions.Fraction
        tau^2.
    points : sequence of Point
        Rational points of the shape.
    core : bool, default=True
        Shrink to a vertex core first.
    core_time : float, default=0.0
        Seconds of deletion-based core minimisation (0: the solver's cores only).
    conflict_budget : int or None, default=None
        Conflict limit of every solver call (core and proof run).
    graph : str, default=""
        Name recorded in the certificate.

    Returns
    -------
    EmbeddingCertificate or None
        None when the graph is colourable (or the budget ran out).

    Examples
    --------
    >>> from diampart.lower import grid_points
    >>> cert = prove_points("square", 3, Fraction(65, 64), grid_points("square", 8))
    >>> check_embedding(cert).ok  # d_3 of the unit square is sqrt(65)/8
    True
    """
    shape = get_shape(shape) if isinstance(shape, str) else shape
    pts = list(points)
    n = len(pts)
    edges = [(u, v) for u in range(n) for v in range(u + 1, n)
             if exact_squared_distance(shape, pts[u], pts[v]) >= tau_squared]
    clique = _greedy_clique(n, edges, parts + 1)
    keep = list(range(n))
    if len(clique) > parts:  # pigeonhole: the clique is the whole certificate
        keep = sorted(clique) if core else keep
    elif parts == 2:
        cycle = odd_cycle(n, edges)
        if cycle is None:
            return None
        keep = sorted(cycle) if core else keep
    elif core and parts > 2:
        found = unsat_core(n, edges, parts, clique, time_limit=core_time, conflict_budget=conflict_budget)
        if found is None:
            return None
        keep = found
    index = {v: k for k, v in enumerate(keep)}
    sub_edges = [(index[u], index[v]) for u, v in edges if u in index and v in index]
    sub_clique = [index[v] for v in clique if v in index]
    proof = None
    if len(sub_clique) <= parts and parts != 2:  # m = 1 without an edge: colourable, None below
        answer, proof = solve_with_proof(len(keep), sub_edges, parts, sub_clique,
                                         conflict_budget=conflict_budget)
        if answer is not False:
            return None
    name = graph + (f" core ({len(keep)} of {n} points)" if len(keep) < n else "")
    return EmbeddingCertificate(shape.name, parts, Fraction(tau_squared), [pts[v] for v in keep],
                                sub_edges, sub_clique, proof, name.strip(), {"solver": "cadical153"})


def _clique_failure(cert: EmbeddingCertificate, adjacent: set[tuple[int, int]]) -> str | None:
    n = len(cert.points)
    if len(set(cert.clique)) != len(cert.clique):
        return "clique: a vertex is listed twice"
    for v in cert.clique:
        if not 0 <= v < n:
            return f"clique: vertex {v} is not one of the {n} points"
    for i, u in enumerate(cert.clique):
        for v in cert.clique[i + 1:]:
            if (min(u, v), max(u, v)) not in adjacent:
                return f"clique: vertices {u} and {v} are not adjacent"
    return None


def check_embedding(
    cert: EmbeddingCertificate, *, time_limit: float | None = None, workers: int = 1
) -> EmbeddingReport:
    """Decide an embedding certificate exactly (conditions in the module docstring).

    Parameters
    ----------
    cert : EmbeddingCertificate
        The certificate.
    time_limit : float or None, default=None
        Seconds for the proof check (``failed="colouring"`` when it runs out).
    workers : int, default=1
        Processes for the proof check (:func:`diampart.proof.check_drup`).

    Returns
    -------
    EmbeddingReport
        ``ok``, the first failed condition and a message.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> pts = [(F(0), F(0)), (F(1, 2), F(0))]
    >>> check_embedding(EmbeddingCertificate("torus", 1, F(1, 3), pts, [(0, 1)])).failed
    'lengths'
    """
    tau2 = cert.tau_squared

    def fail(failed: str, message: str, **kw: object) -> EmbeddingReport:
        return EmbeddingReport(False, failed, message, tau2, **kw)

    try:
        shape = get_shape(cert.shape)
    except ValueError as err:
        return fail("shape", str(err))
    if isinstance(cert.parts, bool) or not isinstance(cert.parts, int) or cert.parts < 1:
        return fail("parts", f"parts must be an integer >= 1, got {cert.parts!r}")
    if not isinstance(tau2, Fraction | int) or tau2 <= 0:
        return fail("parts", f"tau_squared must be a rational > 0, got {tau2!r}")
    n = len(cert.points)
    for i, p in enumerate(cert.points):
        if not all(isinstance(c, Fraction | int) for c in p) or not in_true_shape(shape, p):
            return fail("points", f"point {i} ({p[0]}, {p[1]}) is not a rational point of the {shape.name}")
    adjacent: set[tuple[int, int]] = set()
    for k, (u, v) in enumerate(cert.edges):
        if not (0 <= u < n and 0 <= v < n) or u == v:
            return fail("edges", f"edge {k} ({u}, {v}) does not join two of the {n} points")
        key = (min(u, v), max(u, v))
        if key in adjacent:
            return fail("edges", f"edge {k} ({u}, {v}) is listed twice")
        adjacent.add(key)
    if not cert.edges:
        return fail("edges", "no edges")
    lengths = [exact_squared_distance(shape, cert.points[u], cert.points[v]) for u, v in cert.edges]
    shortest = min(lengths)
    if shortest < tau2:
        k = lengths.index(shortest)
        return fail("lengths", f"edge {k} {cert.edges[k]}: squared length {shortest} < tau^2 = {tau2}",
                    min_squared_length=shortest)
    problem = _clique_failure(cert, adjacent)
    if problem:
        return fail("clique", problem, min_squared_length=shortest)
    done = {"min_squared_length": shortest}
    what = f"{cert.graph or 'graph'} ({n} vertices, {len(cert.edges)} edges) in the {shape.name}"
    value = f"d_{cert.parts} >= {math.sqrt(float(tau2)):.9f} (tau^2 = {tau2})"
    if len(cert.clique) > cert.parts:
        return EmbeddingReport(True, None, f"{what}, a clique of {len(cert.clique)}: {value}",
                               tau2, reason="clique", **done)
    if cert.parts == 2:
        cycle = odd_cycle(n, cert.edges)
        if cycle is not None:
            return EmbeddingReport(True, None, f"{what}, an odd cycle of {len(cycle)}: {value}",
                                   tau2, reason="odd cycle", **done)
    if cert.proof is None:
        return fail("colouring", f"no proof that the graph is not {cert.parts}-colourable", **done)
    clauses = colouring_clauses(n, cert.edges, cert.parts, cert.clique)
    report = check_drup(clauses, cert.proof, time_limit=time_limit, workers=workers)
    if not report.ok:
        return fail("colouring", f"proof rejected: {report.message}", proof=report, **done)
    return EmbeddingReport(True, None, f"{what}, not {cert.parts}-colourable by a checked DRUP "
                           f"proof of {report.lemmas} lemmas: {value}", tau2, reason="DRUP proof",
                           proof=report, **done)


def save_embedding(cert: EmbeddingCertificate, path: str | os.PathLike) -> Path:
    """Write the certificate (JSON) and its proof (``<name>.drup.gz`` next to it), atomically.

    Parameters
    ----------
    cert : EmbeddingCertificate
        The certificate.
    path : str or os.PathLike
        The JSON file.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    proof_file = None
    if cert.proof is not None:
        proof_file = path.stem + ".drup.gz"
        write_proof(cert.proof, path.parent / proof_file)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(cert.to_json(proof_file)))
    os.replace(tmp, path)
    return path


def load_embedding(path: str | os.PathLike) -> EmbeddingCertificate:
    """Read a certificate written by :func:`save_embedding` (and its proof file).

    Parameters
    ----------
    path : str or os.PathLike
        The JSON file.

    Returns
    -------
    EmbeddingCertificate
        Not yet checked.

    Raises
    ------
    ValueError
        On a missing or malformed file.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"file: cannot read the embedding certificate {str(path)!r} ({err})") from err
    return EmbeddingCertificate.from_json(data, base=path.parent)


def _float_sq(shape: Shape, z: np.ndarray) -> np.ndarray:
    if isinstance(shape, FlatTorus):
        z = z - np.round(z)
    return (z * z).sum(-1)


def round_embedding(shape: Shape, xy: np.ndarray, *, max_denominator: int = 10**6) -> list[Point] | None:
    """Rational points of the true shape next to ``xy`` (torus: reduced to [0, 1)^2).

    Parameters
    ----------
    shape : Shape
        The shape.
    xy : numpy.ndarray of shape (n, 2)
        Float positions.
    max_denominator : int, default=10**6
        Denominator limit of the rationals.

    Returns
    -------
    list of Point or None
        The points, or None when a rounded point falls outside the true shape.
    """
    if isinstance(shape, FlatTorus):
        xy = np.mod(xy, 1.0)
    pts = [(to_fraction(float(x), max_denominator=max_denominator) % 1 if isinstance(shape, FlatTorus)
            else to_fraction(float(x), max_denominator=max_denominator),
            to_fraction(float(y), max_denominator=max_denominator) % 1 if isinstance(shape, FlatTorus)
            else to_fraction(float(y), max_denominator=max_denominator)) for x, y in xy]
    return pts if all(in_true_shape(shape, p) for p in pts) else None


def _objective_grad(xs: np.ndarray) -> np.ndarray:
    """Gradient of -t (the last coordinate)."""
    grad = np.zeros_like(xs)
    grad[-1] = -1.0
    return grad


def _edge_constraints(shape: Shape, n: int, iu: np.ndarray, ju: np.ndarray):  # noqa: ANN202
    """SLSQP constraints |p_u - p_v|^2 - t >= 0 over the edges (iu, ju), and their Jacobian;
    variables are the n points (flattened) and t last."""

    def cons(xs: np.ndarray) -> np.ndarray:
        p = xs[:-1].reshape(n, 2)
        return _float_sq(shape, p[iu] - p[ju]) - xs[-1]

    def cons_jac(xs: np.ndarray) -> np.ndarray:
        p = xs[:-1].reshape(n, 2)
        z = p[iu] - p[ju]
        if isinstance(shape, FlatTorus):
            z = z - np.round(z)
        jac = np.zeros((len(iu), 2 * n + 1))
        rows = np.arange(len(iu))
        for k in range(2):
            jac[rows, 2 * iu + k] += 2 * z[:, k]
            jac[rows, 2 * ju + k] -= 2 * z[:, k]
        jac[:, -1] = -1.0
        return jac

    return cons, cons_jac


def optimise_embedding(
    shape: Shape | str,
    n: int,
    edges: Sequence[tuple[int, int]],
    *,
    start: np.ndarray | None = None,
    restarts: int = 8,
    seed: int = 0,
    jitter: float = 0.02,
    max_denominator: int = 10**6,
    active_margin: float | None = None,
) -> tuple[Fraction, list[Point]] | None:
    """Place the graph's vertices so that the shortest edge is as long as possible.

    Maximise t subject to |p_u - p_v|^2 >= t for every edge (torus: distance to the nearest
    translate, which is smooth where it matters), by SLSQP from ``restarts`` starts (``start``
    plus jitter, or random points); the best result is rounded to rationals and its shortest
    edge computed exactly. Only the torus (no boundary constraints) and shapes whose points are
    kept inside by rounding are supported well.

    Parameters
    ----------
    shape : Shape or str
        The shape (the torus is the case this is written for).
    n : int
        Vertices 0..n-1.
    edges : sequence of tuple of (int, int)
        The edges.
    start : numpy.ndarray of shape (n, 2) or None, default=None
        A start (e.g. the grid positions of a core); None: random starts only.
    restarts : int, default=8
        Starts.
    seed : int, default=0
        Seed of the jitter and random starts.
    jitter : float, default=0.02
        Standard deviation of the jitter added to ``start``.
    max_denominator : int, default=10**6
        Denominator limit of the rounded points.
    active_margin : float or None, default=None
        Only edges whose squared length at the start is below (1 + margin) times the shortest
        are constraints (large graphs); None: every edge. The exact shortest edge of the result
        is taken over every edge either way.

    Returns
    -------
    tuple of (fractions.Fraction, list of Point) or None
        (exact shortest squared edge, points), or None when no start rounds into the shape.

    Examples
    --------
    >>> tau2, pts = optimise_embedding("torus", 3, [(0, 1), (1, 2), (0, 2)], restarts=3)
    >>> round(float(tau2), 4)  # the best 3 points of the torus: tau^2 = 2 - sqrt(3)
    0.2679
    """
    shape = get_shape(shape) if isinstance(shape, str) else shape
    rng = np.random.default_rng(seed)
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    best: tuple[Fraction, list[Point]] | None = None
    for r in range(restarts):
        if start is not None and r < max(1, restarts - 2):
            x0 = np.asarray(start, dtype=float) + (jitter * rng.standard_normal((n, 2)) if r else 0.0)
        else:
            x0 = shape.sample(n, rng)
        sq0 = _float_sq(shape, x0[e[:, 0]] - x0[e[:, 1]])
        t0 = float(sq0.min())
        active = e if active_margin is None else e[sq0 < (1 + active_margin) * t0]

        cons, cons_jac = _edge_constraints(shape, n, active[:, 0], active[:, 1])

        res = minimize(lambda xs: -xs[-1], np.append(x0.reshape(-1), t0), jac=_objective_grad,
                       method="SLSQP", constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
                       options={"maxiter": 300, "ftol": 1e-15})
        pts = round_embedding(shape, res.x[:-1].reshape(n, 2), max_denominator=max_denominator)
        if pts is None:
            continue
        tau2 = min(exact_squared_distance(shape, pts[u], pts[v]) for u, v in edges)
        if best is None or tau2 > best[0]:
            best = (tau2, pts)
    return best


def cycle_graph(k: int) -> tuple[int, list[tuple[int, int]]]:
    """The cycle C_k (odd k: chromatic number 3).

    Parameters
    ----------
    k : int
        Length >= 3.

    Returns
    -------
    tuple of (int, list of tuple of (int, int))
        (vertices, edges).
    """
    if k < 3:
        raise ValueError(f"k: expected a cycle length >= 3, got {k}")
    return k, [(i, (i + 1) % k) for i in range(k)]


def moser_spindle() -> tuple[int, list[tuple[int, int]]]:
    """The Moser spindle: 7 vertices, 11 edges, chromatic number 4 (Moser & Moser, 1961).

    Two rhombi of two equilateral triangles each share the vertex 0; their far tips (3 and 6)
    are joined.

    Returns
    -------
    tuple of (int, list of tuple of (int, int))
        (vertices, edges).

    Examples
    --------
    >>> n, e = moser_spindle()
    >>> n, len(e)
    (7, 11)
    """
    edges = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (0, 4), (0, 5), (4, 5), (4, 6), (5, 6), (3, 6)]
    return 7, edges


def golomb_graph() -> tuple[int, list[tuple[int, int]]]:
    """The Golomb graph: 10 vertices, 18 edges, chromatic number 4 (Soifer, 2009).

    The wheel of a 6-cycle 0..5 around the hub 6, and a triangle 7, 8, 9 joined to 1, 3, 5. In a
    3-colouring the hub takes one colour and the cycle alternates the other two, so 1, 3, 5 share
    a colour that the triangle cannot use: it would need 3 colours from 2.

    Returns
    -------
    tuple of (int, list of tuple of (int, int))
        (vertices, edges).

    Examples
    --------
    >>> n, e = golomb_graph()
    >>> n, len(e)
    (10, 18)
    """
    cycle = [(i, (i + 1) % 6) for i in range(6)]
    spokes = [(6, i) for i in range(6)]
    triangle = [(7, 8), (8, 9), (7, 9)]
    return 10, cycle + spokes + triangle + [(7, 1), (8, 3), (9, 5)]


def named_graph(name: str) -> tuple[int, list[tuple[int, int]]]:
    """A graph by name: ``"C<k>"`` (cycle), ``"moser"``, ``"golomb"``.

    Parameters
    ----------
    name : str
        The name.

    Returns
    -------
    tuple of (int, list of tuple of (int, int))
        (vertices, edges).

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if name.startswith("C") and name[1:].isdigit():
        return cycle_graph(int(name[1:]))
    if name == "moser":
        return moser_spindle()
    if name == "golomb":
        return golomb_graph()
    raise ValueError(f"name: expected 'C<k>', 'moser' or 'golomb', got {name!r}")

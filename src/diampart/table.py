"""The torus table: best checked upper bound of d_m(T^2) per m, beside our lower bound and the
simple bounds.

For each m the upper-bound methods run within a time budget and every partition they return is
a certificate checked in exact arithmetic (:func:`~diampart.certificate.check_certificate`):

- ``strips``: m strips, sqrt(1/4 + 1/m^2) (Theorem 1 of the torus paper);
- ``hexagonal``: m translates of the best hexagon over all lattices containing Z^2 with index m
  (:mod:`diampart.hexagonal`, exact);
- ``voronoi``: multistart optimisation of periodic Voronoi-type partitions on their vertices
  (:func:`~diampart.search.search_partition`, seeds cycling through :data:`TORUS_SEEDS`);
- ``grid-sat``: SAT colourings of the triangulated 1/8 and 1/12 grids
  (:func:`~diampart.gridsat.grid_sat_partition`) for m <= :data:`GRID_SAT_MAX_PARTS`, where
  the grid is fine enough to matter.

The lower bound is :func:`diampart.torus_lower.torus_lower_bound` (theorems and checked
computations). Beside them: the strip bound and the area bound 2 / sqrt(pi m) (m >= 6), and the
upper bound's ratio to the area bound (a regular hexagon of area 1/m would sit at 1.0996).

References
----------
Protasov, Tolmachev & Voronov, "Optimal partitions of the flat torus into parts of smaller
diameter", arXiv:2402.03997.

Examples
--------
>>> row = torus_row(9, budget_s=0.0, lower_budget_s=0.0, methods=("strips", "hexagonal"))
>>> row.upper_method, round(row.upper, 6), round(row.ratio, 4)
('hexagonal', 0.422287, 1.1227)
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from diampart.certificate import save_certificate
from diampart.hexagonal import (
    REGULAR_HEXAGON_RATIO,
    area_ratio,
    hexagonal_partition,
    strip_bound,
    strip_partition,
)
from diampart.search import SearchResult, search_partition

__all__ = [
    "UPPER_METHODS",
    "TORUS_SEEDS",
    "GRID_SAT_MAX_PARTS",
    "TorusUpper",
    "TorusRow",
    "parse_parts",
    "torus_upper_bound",
    "torus_row",
    "torus_table",
    "format_torus_table",
]

UPPER_METHODS = ("strips", "hexagonal", "voronoi", "grid-sat")
"""Every upper-bound method of the table, in the order they run."""
TORUS_SEEDS = ("farthest", "lloyd", "lattice") * 5 + ("farthest",) + (
    "hexgrid", "hexgrid", "lloyd", "hexgrid", "motif", "hexgrid", "hexgrid", "farthest") * 2
"""Seed methods of the torus Voronoi restarts (:func:`~diampart.voronoi.well_spread_seeds`),
restart r using entry r mod 32: the first 16 are the default search's (the same random
stream, so the table is never worse than it once 16 restarts have run), then mostly cut-out
hexagonal grids (which gave m = 17 its best partition, 0.306689 against 0.308166 from the
first 24 restarts)."""
VORONOI_RESTARTS = 10_000
"""Most Voronoi restarts per row: the time budget stops them first (one SLSQP run takes
0.03-0.3 s from m = 8 on; the restarts' half of a 60 s row ran 38-352 of them for m = 25..10 on
the 2-core machine), so the row uses its budget."""
PERTURB_STEPS = 10_000
"""Most perturbation steps per row (:func:`diampart.search.perturb_layouts`); the budget stops
them first."""
PERTURB_SHARE = 0.5
"""Part of the Voronoi search's time given to perturbation steps (the rest to restarts)."""
GRID_SAT_MAX_PARTS = 7
"""The grid SAT search runs for m up to this (its grids are too coarse beyond)."""
SUMMARY_FROM = (6, 8)
"""The table's summary gives the mean and largest ratio over m >= each of these (the area bound
holds from m = 6; the hexagonal and Voronoi methods take over from m = 8)."""
GRID_SAT_RESOLUTIONS = (8, 12)
"""Grid sides of the SAT search."""
GRID_SAT_SHARE = 0.3
"""Part of the budget the SAT search may use (the rest goes to the Voronoi restarts)."""
GRID_SAT_MIN_SECONDS = 20.0
"""Least time limit of one grid SAT search (the 1/12 grid needs it for m = 5..7)."""
VORONOI_SHARE = 0.7
"""Part of the remaining budget in which Voronoi restarts may start (certifying the kept
layouts and bending their edges comes after)."""


@dataclass
class TorusUpper:
    """The best checked upper bound for one m, and what every method gave.

    Parameters
    ----------
    result : SearchResult
        The best checked partition.
    method : str
        The method that found it (one of :data:`UPPER_METHODS`).
    by_method : dict of str to float, default={}
        Each method's checked bound (methods that found nothing are absent).
    seconds_by_method : dict of str to float, default={}
        Each method's wall time.
    voronoi_work : dict of str to int, default={}
        What the Voronoi search ran: ``restarts`` and ``perturb_steps`` (empty when it did not
        run); with a time budget they depend on the machine's speed.
    """

    result: SearchResult
    method: str
    by_method: dict[str, float] = field(default_factory=dict)
    seconds_by_method: dict[str, float] = field(default_factory=dict)
    voronoi_work: dict[str, int] = field(default_factory=dict)


@dataclass
class TorusRow:
    """One row of the torus table.

    Parameters
    ----------
    parts : int
        m.
    upper : float
        Best checked upper bound sqrt(bound_squared).
    upper_squared : str
        Its exact square, ``"p/q"``.
    upper_method : str
        The method that found it.
    by_method : dict of str to float
        Each method's checked bound.
    lower : float
        Our lower bound (:func:`diampart.torus_lower.torus_lower_bound`).
    lower_exact : str
        The lower bound as an exact expression.
    lower_method : str
        Where it comes from.
    lower_proof_checked : bool
        Nothing behind the lower bound rests on an unchecked solver answer.
    strips : float
        sqrt(1/4 + 1/m^2).
    area : float or None
        2 / sqrt(pi m) for m >= 6, else None.
    ratio : float or None
        upper / (2 / sqrt(pi m)) for m >= 6, else None.
    seconds_upper : float
        Wall time of the upper-bound methods.
    seconds_lower : float
        Wall time of the lower bound.
    certificate : str or None, default=None
        Path of the best partition's certificate, when written.
    picture : str or None, default=None
        Path of its picture, when drawn.
    lower_error : str or None, default=None
        Why the computed lower bounds failed, when they did (the row then shows the theorem
        bound, :func:`diampart.torus_lower.theorem_lower_bound`).
    voronoi_work : dict of str to int, default={}
        Restarts and perturbation steps the Voronoi search ran (:class:`TorusUpper`).
    """

    parts: int
    upper: float
    upper_squared: str
    upper_method: str
    by_method: dict[str, float]
    lower: float
    lower_exact: str
    lower_method: str
    lower_proof_checked: bool
    strips: float
    area: float | None
    ratio: float | None
    seconds_upper: float
    seconds_lower: float
    certificate: str | None = None
    picture: str | None = None
    lower_error: str | None = None
    voronoi_work: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The row as JSON.

        Returns
        -------
        dict
            Every field.
        """
        return asdict(self)


def parse_parts(text: str) -> list[int]:
    """m values from ``"8"``, ``"2..25"`` (inclusive) or ``"2,3,8..10"``.

    Parameters
    ----------
    text : str
        The specification.

    Returns
    -------
    list of int
        The values, in order, without repeats.

    Raises
    ------
    ValueError
        For anything else, or an m < 1.

    Examples
    --------
    >>> parse_parts("2..4,8")
    [2, 3, 4, 8]
    """
    out: list[int] = []
    for item in str(text).split(","):
        hit = re.fullmatch(r"\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?", item)
        if hit is None:
            raise ValueError(f"parts: expected m, a..b or a list of them, got {text!r}")
        lo = int(hit.group(1))
        hi = int(hit.group(2)) if hit.group(2) is not None else lo
        if lo < 1 or hi < lo:
            raise ValueError(f"parts: expected 1 <= a <= b in a..b, got {item.strip()!r}")
        out.extend(m for m in range(lo, hi + 1) if m not in out)
    return out


def _check_methods(methods: tuple[str, ...]) -> None:
    bad = [m for m in methods if m not in UPPER_METHODS]
    if not methods or bad:
        raise ValueError(f"methods: expected a non-empty subset of {UPPER_METHODS}, got {methods!r}")


def torus_upper_bound(
    parts: int,
    *,
    budget_s: float = 60.0,
    seed: int = 0,
    methods: tuple[str, ...] = UPPER_METHODS,
    restarts: int = VORONOI_RESTARTS,
    perturb_steps: int = PERTURB_STEPS,
) -> TorusUpper:
    """Run the upper-bound methods for m within about ``budget_s`` seconds; keep the best.

    Strips and hexagonal tilings are exact and quick (a few seconds at m = 25) and always run in
    full; the grid SAT search (m <= :data:`GRID_SAT_MAX_PARTS`) gets :data:`GRID_SAT_SHARE`
    of the budget (at least :data:`GRID_SAT_MIN_SECONDS` per grid), and the Voronoi search gets
    :data:`VORONOI_SHARE` of what is left: restarts start in the first 1 - :data:`PERTURB_SHARE`
    of it (at least one runs, at most ``restarts``), perturbation steps from the best layouts in
    the rest (at most ``perturb_steps``). With the defaults the budget stops both, so the result
    depends on the machine's speed.

    Parameters
    ----------
    parts : int
        m >= 1.
    budget_s : float, default=60.0
        Seconds for the searches (>= 0).
    seed : int, default=0
        Seed of the Voronoi restarts.
    methods : tuple of str, default=UPPER_METHODS
        Which methods run.
    restarts : int, default=VORONOI_RESTARTS
        Most Voronoi restarts.
    perturb_steps : int, default=PERTURB_STEPS
        Most perturbation steps (:func:`diampart.search.perturb_layouts`; 0: none).

    Returns
    -------
    TorusUpper
        The best checked partition (ties go to the earlier method) and every method's value.

    Raises
    ------
    ValueError
        For a bad ``parts``, ``budget_s`` or ``methods``.
    """
    from diampart.gridsat import grid_sat_partition

    if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
        raise ValueError(f"parts: expected an integer >= 1, got {parts!r}")
    if not budget_s >= 0:
        raise ValueError(f"budget_s: expected a number >= 0, got {budget_s!r}")
    _check_methods(tuple(methods))
    start = time.perf_counter()
    found: list[tuple[str, SearchResult]] = []
    seconds: dict[str, float] = {}
    for method in UPPER_METHODS:
        if method not in methods:
            continue
        t0 = time.perf_counter()
        res: SearchResult | None = None
        if method == "strips":
            res = strip_partition(parts)
        elif method == "hexagonal":
            res = hexagonal_partition(parts)
        elif method == "grid-sat":
            if parts > GRID_SAT_MAX_PARTS:
                continue
            limit = GRID_SAT_SHARE * budget_s / len(GRID_SAT_RESOLUTIONS)
            for resolution in GRID_SAT_RESOLUTIONS:
                grid = grid_sat_partition("torus", parts, resolution=resolution,
                                          time_limit=max(limit, GRID_SAT_MIN_SECONDS))
                if grid is not None and (res is None or grid.diameter < res.diameter):
                    res = grid
        else:
            left = max(VORONOI_SHARE * (budget_s - (time.perf_counter() - start)), 0.0)
            res = search_partition("torus", parts, restarts=restarts, seed=seed,
                                   time_limit=(1.0 - PERTURB_SHARE) * left,
                                   seed_methods=TORUS_SEEDS, perturb_steps=perturb_steps,
                                   perturb_time=PERTURB_SHARE * left)
        seconds[method] = time.perf_counter() - t0
        if res is not None and res.report.ok:
            found.append((method, res))
    if not found:  # pragma: no cover - strips and hexagonal always find one
        raise RuntimeError(f"torus: no method found a partition for m={parts}")
    method, best = min(found, key=lambda item: item[1].certificate.bound_squared)
    by_method = {name: res.diameter for name, res in found}
    voronoi = dict(found).get("voronoi")
    work = {} if voronoi is None else {
        "restarts": voronoi.restarts,
        "perturb_steps": int(voronoi.certificate.meta.get("perturb_steps", 0))}
    return TorusUpper(best, method, by_method, seconds, work)


def torus_row(
    parts: int,
    *,
    budget_s: float = 60.0,
    lower_budget_s: float = 15.0,
    seed: int = 0,
    methods: tuple[str, ...] = UPPER_METHODS,
    restarts: int = VORONOI_RESTARTS,
    perturb_steps: int = PERTURB_STEPS,
    out_dir: str | os.PathLike | None = None,
    lower_cache_dir: str | os.PathLike | None = None,
) -> TorusRow:
    """One table row: the best checked upper bound, our lower bound, the simple bounds.

    Parameters
    ----------
    parts : int
        m >= 1.
    budget_s : float, default=60.0
        Seconds for the upper-bound searches (:func:`torus_upper_bound`).
    lower_budget_s : float, default=15.0
        Seconds for the computed lower bounds (:func:`diampart.torus_lower.torus_lower_bound`).
    seed : int, default=0
        Seed of the Voronoi restarts.
    methods : tuple of str, default=UPPER_METHODS
        Upper-bound methods.
    restarts : int, default=VORONOI_RESTARTS
        Most Voronoi restarts.
    perturb_steps : int, default=PERTURB_STEPS
        Most perturbation steps (:func:`torus_upper_bound`).
    out_dir : str or os.PathLike or None, default=None
        Write the best certificate (``torus_m{m}.json``) and its picture (``.png``) there, and
        cache the lower bounds' certificates under ``lower/``; None: write nothing.
    lower_cache_dir : str or os.PathLike or None, default=None
        Cache of the lower bounds' certificates and proof-check records instead of
        ``out_dir/lower`` (a proof checked once, e.g. the m = 6, 7 proofs of 20-35 minutes, is
        reused while its bytes match the SHA-256 of the check record).

    Returns
    -------
    TorusRow
        The row.
    """
    from diampart.torus_lower import area_bound, theorem_lower_bound, torus_lower_bound

    t0 = time.perf_counter()
    up = torus_upper_bound(parts, budget_s=budget_s, seed=seed, methods=methods, restarts=restarts,
                           perturb_steps=perturb_steps)
    seconds_upper = time.perf_counter() - t0
    out = Path(out_dir) if out_dir is not None else None
    t0 = time.perf_counter()
    lower_error = None
    try:
        cache = (Path(lower_cache_dir) if lower_cache_dir is not None
                 else out / "lower" if out is not None else None)
        low = torus_lower_bound(parts, budget_s=lower_budget_s, cache_dir=cache)
    except Exception as exc:  # noqa: BLE001 - a failed computation must not lose the row
        # the theorems alone are still a valid lower bound; the failure is recorded in the row
        lower_error = f"{type(exc).__name__}: {exc}"
        low = theorem_lower_bound(parts)
    seconds_lower = time.perf_counter() - t0
    cert = up.result.certificate
    cert.meta["table_method"] = up.method
    area = area_bound(parts)
    row = TorusRow(
        parts=parts,
        upper=up.result.diameter,
        upper_squared=str(cert.bound_squared),
        upper_method=up.method,
        by_method=up.by_method,
        lower=low.value,
        lower_exact=low.exact,
        lower_method=low.method,
        lower_proof_checked=low.proof_checked,
        strips=strip_bound(parts),
        area=area,
        ratio=None if area is None else area_ratio(parts, up.result.diameter),
        seconds_upper=seconds_upper,
        seconds_lower=seconds_lower,
        lower_error=lower_error,
        voronoi_work=up.voronoi_work,
    )
    if out is not None:
        from diampart.plot import plot_certificate

        row.certificate = str(save_certificate(cert, out / f"torus_m{parts}.json"))
        picture = out / f"torus_m{parts}.png"
        plot_certificate(cert, picture)
        row.picture = str(picture)
    return row


def torus_table(
    parts: list[int],
    *,
    budget_s: float = 60.0,
    lower_budget_s: float = 15.0,
    seed: int = 0,
    methods: tuple[str, ...] = UPPER_METHODS,
    restarts: int = VORONOI_RESTARTS,
    perturb_steps: int = PERTURB_STEPS,
    out_dir: str | os.PathLike | None = None,
    progress: bool = False,
    lower_cache_dir: str | os.PathLike | None = None,
) -> list[TorusRow]:
    """:func:`torus_row` for every m in ``parts``.

    Parameters
    ----------
    parts : list of int
        The m values (:func:`parse_parts`).
    budget_s : float, default=60.0
        Upper-bound seconds per row.
    lower_budget_s : float, default=15.0
        Lower-bound seconds per row.
    seed : int, default=0
        Seed of the Voronoi restarts.
    methods : tuple of str, default=UPPER_METHODS
        Upper-bound methods.
    restarts : int, default=VORONOI_RESTARTS
        Most Voronoi restarts per row.
    perturb_steps : int, default=PERTURB_STEPS
        Most perturbation steps per row.
    out_dir : str or os.PathLike or None, default=None
        Where certificates and pictures go (:func:`torus_row`).
    progress : bool, default=False
        Print a line per row.
    lower_cache_dir : str or os.PathLike or None, default=None
        Cache of the lower bounds (:func:`torus_row`).

    Returns
    -------
    list of TorusRow
        One row per m, in order.
    """
    rows = []
    for m in parts:
        row = torus_row(m, budget_s=budget_s, lower_budget_s=lower_budget_s, seed=seed,
                        methods=methods, restarts=restarts, perturb_steps=perturb_steps,
                        out_dir=out_dir,
                        lower_cache_dir=lower_cache_dir)
        rows.append(row)
        if progress:
            ratio = "" if row.ratio is None else f" ratio {row.ratio:.4f}"
            print(f"torus m={m}: upper {row.upper:.6f} ({row.upper_method}){ratio}, lower "
                  f"{row.lower:.6f} ({row.lower_method}), {row.seconds_upper:.0f}+"
                  f"{row.seconds_lower:.0f} s", flush=True)
    return rows


def format_torus_table(rows: list[TorusRow]) -> str:
    """The rows as a Markdown table, with the mean and largest ratio (m >= 6, m >= 8) below it.

    Parameters
    ----------
    rows : list of TorusRow
        The rows.

    Returns
    -------
    str
        The table.
    """
    head = ("| m | upper (checked) | found by | lower (ours) | lower by | strips sqrt(1/4+1/m^2) | "
            "area 2/sqrt(pi m) | upper / area | seconds (upper / lower) |")
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        area = "" if r.area is None else f"{r.area:.6f}"
        ratio = "" if r.ratio is None else f"{r.ratio:.4f}"
        lower_by = r.lower_method + (" (computed bounds failed)" if r.lower_error else "")
        lines.append(
            f"| {r.parts} | {r.upper:.6f} | {r.upper_method} | {r.lower:.6f} | {lower_by} | "
            f"{r.strips:.6f} | {area} | {ratio} | {r.seconds_upper:.1f} / {r.seconds_lower:.1f} |"
        )
    summaries = []
    for least in SUMMARY_FROM:
        chosen = [r for r in rows if r.ratio is not None and r.parts >= least]
        if chosen:
            worst = max(chosen, key=lambda r: r.ratio)
            mean = sum(r.ratio for r in chosen) / len(chosen)
            summaries.append(f"m >= {least} here: mean {mean:.4f}, largest {worst.ratio:.4f} "
                             f"(m = {worst.parts})")
    if summaries:
        lines.append("")
        lines.append(f"Upper / area bound, {'; '.join(summaries)}. A regular hexagon of area 1/m: "
                     f"{REGULAR_HEXAGON_RATIO:.4f}.")
    return "\n".join(lines)

"""Benchmark: checked upper bounds and lower bounds for d_m beside the known values.

Cases: disk m = 3..7, square m = 2..4, triangle m = 2..5, torus m = 1..7. For each case the
Voronoi searcher runs a fixed number of seeded restarts (square and torus: also the grid SAT
search at the resolutions in GRID_SAT; the better checked partition is reported, with the
method that found it), the certificate is checked exactly and saved under results/diampart/,
and lower bounds come from m+1 points (exact) and a SAT solver on a grid. The reported lower
bound is proved independently: m+1 points by their clique, a SAT bound by a DRUP proof of the
exact graph's non-colourability checked by diampart's own RUP checker
(:func:`diampart.lower.proof_check_lower_bound`); only where that check does not finish in
PROOF_TIME is the bound re-solved by a second solver (Glucose 4) instead, and marked so.
Prints a table and writes results/bench/diampart.md and .json (atomically, resumable: cases
already in the JSON with the same settings are skipped unless --fresh).

Second table: the torus for m = 2..25 (:mod:`diampart.table`): the best checked upper bound
over strips, optimised hexagonal tilings, the Voronoi search and (m <= 7) the grid SAT search,
the method that found it, our lower bound (:func:`diampart.torus_lower.torus_lower_bound`), the
strip and area bounds, the ratio to the area bound and seconds per row; certificates and
pictures under results/diampart/torus_table/, the table in results/bench/diampart_torus.md and
.json (resumable the same way).

Usage: python benchmarks/bench_diampart.py [--fresh] [--only torus|torus-table] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from diampart.certificate import check_certificate, save_certificate  # noqa: E402
from diampart.gridsat import grid_sat_partition  # noqa: E402
from diampart.known import known_value  # noqa: E402
from diampart.lower import (  # noqa: E402
    confirm_lower_bound,
    point_lower_bound,
    proof_check_lower_bound,
    sat_lower_bound,
)
from diampart.plot import plot_certificate  # noqa: E402
from diampart.search import search_partition  # noqa: E402
from diampart.table import (  # noqa: E402
    PERTURB_SHARE,
    PERTURB_STEPS,
    VORONOI_RESTARTS,
    TorusRow,
    format_torus_table,
    torus_row,
)
from infolens.bench import ResultStore  # noqa: E402
from infolens.io import atomic_write_json, atomic_write_text  # noqa: E402

CASES = (
    [("disk", m) for m in range(3, 8)]
    + [("square", m) for m in range(2, 5)]
    + [("triangle", m) for m in range(2, 6)]
    + [("torus", m) for m in range(1, 8)]
)
RESTARTS = {"disk": 6, "square": 8, "triangle": 10, "torus": 36}
SAT_GRIDS = {  # (resolution, circle points); the best UNSAT over these grids is reported
    "disk": [(4, 240), (6, 120)],
    "square": [(8, 0)],
    "triangle": [(8, 0), (12, 0)],
    "torus": [(10, 0), (12, 0), (14, 0)],
}
GRID_SAT = {"square": [8], "torus": [8, 12]}
"""Resolutions of the grid SAT upper-bound search (:mod:`diampart.gridsat`); the best checked
partition over it and the Voronoi search is reported."""
GRID_SAT_TIME = 60.0
"""Seconds after which a grid SAT binary search stops (keeping the best colouring so far)."""
SAT_TIME = 40.0
"""Seconds after which a SAT binary search stops (keeping the best UNSAT so far)."""
PROOF_TIME = 600.0
"""Seconds for checking the DRUP proof of the reported SAT lower bound."""
SEED = 0
SCHEMA = 4
"""Row format version; rows of an older format are recomputed."""
PUBLISHED_DIGITS = 6
"""The published torus brackets are printed with this many decimals."""
TORUS_TABLE_PARTS = range(2, 26)
TORUS_TABLE_BUDGET = 60.0
"""Upper-bound seconds per torus-table row (the searches overshoot it by the final certification)."""
TORUS_TABLE_LOWER_BUDGET = 15.0
"""Lower-bound seconds per torus-table row."""
OUT = Path("results/bench")
CERTS = Path("results/diampart")
LOWER_CACHE = CERTS / "torus_lower"
"""Torus lower-bound certificates, DRUP proofs and check records, shared with
``diampart table torus --lower-cache``: a proof checked once (m = 6, 7: 20-35 minutes each, e.g.
``diampart table torus -m 6,7 --lower-budget 3600 --lower-cache results/diampart/torus_lower``)
is reused while its bytes match the SHA-256 of its check record."""


def run_case(shape: str, m: int, quick: bool) -> dict:
    restarts = 2 if quick else RESTARTS[shape]
    t0 = time.perf_counter()
    res = search_partition(shape, m, restarts=restarts, seed=SEED)
    upper_method = "voronoi"
    voronoi_upper = res.diameter
    for resolution in GRID_SAT.get(shape, [])[: 1 if quick else None]:
        grid = grid_sat_partition(shape, m, resolution=resolution, time_limit=GRID_SAT_TIME)
        if grid is not None and grid.certificate.bound_squared < res.certificate.bound_squared:
            res, upper_method = grid, f"grid-sat {resolution}"
    t_search = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = check_certificate(res.certificate)  # independent re-check, timed on its own
    t_check = time.perf_counter() - t0
    cert_path = save_certificate(res.certificate, CERTS / f"{shape}_m{m}.json")
    plot_certificate(res.certificate, CERTS / f"{shape}_m{m}.png")
    t0 = time.perf_counter()
    pts = point_lower_bound(shape, m, restarts=2 if quick else 6, seed=SEED)
    grids = SAT_GRIDS[shape][:1] if quick else SAT_GRIDS[shape]
    sats = [
        sat_lower_bound(shape, m, resolution=g, circle_points=c, time_limit=SAT_TIME,
                        confirm_solver=None)
        for g, c in grids
    ]
    sat = max(sats, key=lambda lb: lb.tau_squared)
    best = max((pts, sat), key=lambda lb: lb.tau_squared)
    if best is sat:  # only the reported bound is proved, which keeps the proofs cheap
        report = proof_check_lower_bound(sat, time_limit=PROOF_TIME)
        if not report.ok:  # weaker: a second solver's word (the table says which)
            sat.confirmed_by = confirm_lower_bound(sat)
    t_lower = time.perf_counter() - t0
    known = known_value(shape, m)
    return {
        "schema": SCHEMA,
        "shape": shape,
        "parts": m,
        "restarts": restarts,
        "seed": SEED,
        "quick": quick,
        "upper": res.diameter,
        "upper_bound_squared": str(res.certificate.bound_squared),
        "upper_method": upper_method,
        "voronoi_upper": voronoi_upper,
        "checked": report.ok,
        "float_optimum": res.float_diameter,
        "known_lower": known[0] if known else None,
        "known_upper": known[1] if known else None,
        "gap_upper": res.diameter - known[1] if known else None,
        "lower_points": pts.value,
        "lower_sat": sat.value,
        "sat_points": len(sat.points),
        "sat_grid": [sat.details["resolution"], sat.details["circle_points"]],
        "lower": best.value,
        "lower_method": "points" if best is pts else "SAT",
        "lower_confirmed_by": best.confirmed_by,
        "seconds_search": t_search,
        "seconds_check": t_check,
        "seconds_lower": t_lower,
        "certificate": str(cert_path),
    }


def compare_to_printed(upper: float, printed: float) -> str:
    """'<=' when the checked bound is at most the printed value, '= (6 dp)' when it rounds to it
    (the printed value is rounded to PUBLISHED_DIGITS decimals), else '>'."""
    if upper <= printed:
        return "<="
    if round(upper, PUBLISHED_DIGITS) == round(printed, PUBLISHED_DIGITS):
        return f"= ({PUBLISHED_DIGITS} dp)"
    return ">"


def table(rows: list[dict]) -> str:
    head = ("| shape | m | upper (checked) | found by | known d_m | upper - known | vs known | "
            "lower (ours) | method | confirmed by | search s | check s | lower s |")
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        lo, hi = r["known_lower"], r["known_upper"]
        if hi is None:
            known = "?"
        else:
            known = f"{hi:.6f}" if abs(hi - lo) < 1e-12 else f"[{lo:.6f}, {hi:.6f}]"
        gap = "" if r["gap_upper"] is None else f"{r['gap_upper']:+.2e}"
        # only published brackets are printed values; proven values are exact
        vs = compare_to_printed(r["upper"], hi) if hi is not None and hi != lo else ""
        lines.append(
            f"| {r['shape']} | {r['parts']} | {r['upper']:.6f} | {r['upper_method']} | {known} | "
            f"{gap} | "
            f"{vs} | {r['lower']:.6f} | {r['lower_method']} | "
            f"{r['lower_confirmed_by'] or 'not confirmed'} | {r['seconds_search']:.1f} | "
            f"{r['seconds_check']:.1f} | {r['seconds_lower']:.1f} |"
        )
    return "\n".join(lines)


def run_torus_table(fresh: bool, quick: bool) -> list[TorusRow]:
    """The torus table m = 2..25, one resumable record per row."""
    store = ResultStore(OUT / "diampart_torus.cells.json", fresh=fresh)
    budget = 2.0 if quick else TORUS_TABLE_BUDGET
    lower_budget = 1.0 if quick else TORUS_TABLE_LOWER_BUDGET
    settings = {"schema": SCHEMA, "seed": SEED, "budget_s": budget, "lower_budget_s": lower_budget,
                "restarts": VORONOI_RESTARTS, "perturb_steps": PERTURB_STEPS,
                "perturb_share": PERTURB_SHARE}
    for m in TORUS_TABLE_PARTS:
        cell = {"shape": "torus-table", "parts": m}
        if store.get(cell, settings) is not None:
            continue
        row = torus_row(m, budget_s=budget, lower_budget_s=lower_budget, seed=SEED,
                        out_dir=CERTS / "torus_table", lower_cache_dir=LOWER_CACHE)
        store.put(cell, settings, row.as_dict())
        ratio = "" if row.ratio is None else f", ratio {row.ratio:.4f}"
        print(f"torus    m={m}: upper {row.upper:.6f} ({row.upper_method}{ratio}) lower "
              f"{row.lower:.6f} ({row.seconds_upper:.1f}+{row.seconds_lower:.1f} s)", flush=True)
    rows = [TorusRow(**r) for r in store.records()]
    rows = sorted((r for r in rows if r.parts in TORUS_TABLE_PARTS), key=lambda r: r.parts)
    text = format_torus_table(rows)
    total = sum(r.seconds_upper + r.seconds_lower for r in rows)
    note = (f"\n\nSeed {SEED}, {budget:.0f} s upper-bound budget and {lower_budget:.0f} s "
            f"lower-bound budget per row; total {total:.0f} s on this machine. Every upper bound is "
            "a certificate checked in exact arithmetic (results/diampart/torus_table/, with "
            "pictures).\n")
    atomic_write_json(OUT / "diampart_torus.json", {"seed": SEED, "budget_s": budget,
                                                    "lower_budget_s": lower_budget,
                                                    "rows": [r.as_dict() for r in rows]})
    atomic_write_text(OUT / "diampart_torus.md", "# diampart: the flat torus, m = 2..25\n\n"
                      + text + note)
    print(text)
    print(note.strip())
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fresh", action="store_true", help="ignore earlier results")
    ap.add_argument("--quick", action="store_true", help="few restarts, small grids")
    ap.add_argument("--only", default=None, help="run only this shape (torus-table: only the "
                    "torus table m = 2..25)")
    args = ap.parse_args(argv)
    if args.only == "torus-table":
        torus_rows = run_torus_table(args.fresh, args.quick)
        return 0 if all(r.lower <= r.upper + 1e-9 for r in torus_rows) else 1
    store = ResultStore(OUT / "diampart.cells.json", fresh=args.fresh)
    for shape, m in CASES:
        if args.only and shape != args.only:
            continue
        cell = {"shape": shape, "parts": m}
        settings = {"schema": SCHEMA, "quick": args.quick, "seed": SEED, "sat_time_limit": SAT_TIME,
                    "restarts": 2 if args.quick else RESTARTS[shape]}
        if store.get(cell, settings) is not None:
            continue
        r = run_case(shape, m, args.quick)
        store.put(cell, settings, r)
        print(f"{shape:8s} m={m}: upper {r['upper']:.6f} lower {r['lower']:.6f} "
              f"({r['seconds_search']:.1f}+{r['seconds_lower']:.1f} s)", flush=True)
    rows = {f"{r['shape']}:{r['parts']}": r for r in store.records()}
    ordered = [rows[f"{s}:{k}"] for s, k in CASES if f"{s}:{k}" in rows]
    text = table(ordered)
    total = sum(r["seconds_search"] + r["seconds_check"] + r["seconds_lower"] for r in ordered)
    note = (
        "\n\nUpper bounds are sqrt(bound_squared) of certificates checked in exact rational "
        "arithmetic (`diampart check`). 'vs known' (published brackets only): their upper ends are "
        f"printed with {PUBLISHED_DIGITS} decimals, so '= ({PUBLISHED_DIGITS} dp)' means the checked bound "
        "rounds to the printed value. Lower bounds: m+1 rational points pairwise >= tau "
        "(exact, 'confirmed by' clique), or a grid graph that CaDiCaL reports not m-colourable; "
        "that graph is rebuilt exactly, shrunk to a core and proved not m-colourable by an odd "
        "cycle, a clique or a DRUP proof checked by diampart's RUP checker ('DRUP proof'); "
        "'glucose4' would mark a bound whose proof check did not finish, re-solved by a second "
        "solver instead. "
        f"Total {total:.0f} s on this machine.\n"
    )
    atomic_write_json(OUT / "diampart.json", {"seed": SEED, "sat_time_limit": SAT_TIME,
                                              "rows": ordered})
    atomic_write_text(OUT / "diampart.md", "# diampart benchmark\n\n" + text + note)
    print(text)
    print(note.strip())
    torus_rows = run_torus_table(args.fresh, args.quick) if args.only is None else []
    bad = [
        r for r in ordered
        if not r["checked"]
        or (r["known_lower"] and r["lower"] > r["known_upper"] + 1e-9)
        or (r["known_lower"] and r["upper"] < r["known_lower"] - 1e-9)
    ] + [{"shape": "torus-table", "parts": r.parts} for r in torus_rows if r.lower > r.upper + 1e-9]
    if bad:
        print(f"inconsistent rows: {[(r['shape'], r['parts']) for r in bad]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

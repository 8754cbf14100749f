"""Experiment: do other starts beat the torus table where its search is stuck (m = 10, 11, 13, 14)?

Two searches outside the table's own (:mod:`diampart.table`), each from the table's checked
certificates (``results/diampart/torus_table/torus_m<m>.json``, written by
``make bench-diampart`` or ``diampart table torus``):

- **row seeds**: m seeds in k = 2..6 rows of 2..7 cells (every composition of m, in a random
  order) along a closed geodesic (p, q) of the torus, six directions; row i, holding n_i cells
  of length L / n_i (L = |(p, q)|), gets the height n_i / (m L) so every cell starts with area
  1/m; row offsets are half-cells (+- 0.02 noise) or random. Each start: periodic Voronoi
  diagram, then SLSQP (:func:`diampart.optimize.optimise_layout`), for ``--seconds`` per m.
- **edge flips** (T1): for every edge of the certificate's layout, the centroids of the two
  cells at its ends are drawn towards its midpoint (by 0.35, then 0.6, of the distance) and those
  of the two cells sharing it pushed away by half as much, the Voronoi diagram is rebuilt, and
  where the two end cells now touch it is re-optimised (the better of the two pulls is kept);
  then every pair of single flips that were realised, the same way (``--pairs``).

Prints one row per m (best of each search against the table's value) and writes
results/bench/torus_hard_rows.md and .json. The measured run is quoted in the README.

Usage: python benchmarks/torus_hard_rows.py [--parts 10,11,13,14] [--seconds 300] [--pairs]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from diampart.certificate import Certificate, load_certificate  # noqa: E402
from diampart.geometry import signed_area  # noqa: E402
from diampart.hexagonal import area_ratio  # noqa: E402
from diampart.optimize import optimise_layout  # noqa: E402
from diampart.shapes import FlatTorus  # noqa: E402
from diampart.table import parse_parts  # noqa: E402
from diampart.voronoi import Layout, build_layout, cell_centroids, torus_layout_from_polygons  # noqa: E402
from infolens.bench import write_report  # noqa: E402

DIRECTIONS = ((1, 0), (1, 1), (2, 1), (1, 2), (3, 1), (3, 2))
"""Closed geodesics (p, q) along which the rows run."""
ROWS = (2, 6)
"""Fewest and most rows."""
ROW_CELLS = (2, 7)
"""Fewest and most cells in a row."""
FLIP_PULLS = (0.35, 0.6)
"""How far the end cells' centroids move towards the edge's midpoint (share of the distance)."""


def table_layout(path: Path) -> tuple[Layout, float]:
    """The torus layout of a table certificate (one piece per cell) and its checked value."""
    cert = load_certificate(path)
    if not isinstance(cert, Certificate):
        raise SystemExit(f"{path}: not a partition certificate")
    polygons = []
    for pieces in cert.cells:
        if len(pieces) != 1:
            raise SystemExit(f"{path}: a cell of {len(pieces)} pieces; only one-piece cells are read")
        piece = pieces[0] if signed_area(pieces[0]) > 0 else pieces[0][::-1]
        polygons.append(np.array([[float(x), float(y)] for x, y in piece]))
    return torus_layout_from_polygons(polygons), math.sqrt(float(cert.bound_squared))


def compositions(m: int) -> list[tuple[int, ...]]:
    """Row counts (n_1, ..., n_k) summing to m, up to rotation (the first is a largest)."""
    out = []
    for k in range(ROWS[0], ROWS[1] + 1):
        for c in itertools.product(range(ROW_CELLS[0], ROW_CELLS[1] + 1), repeat=k):
            if sum(c) == m and c[0] == max(c):
                out.append(c)
    return out


def row_seeds(m: int, counts: tuple[int, ...], direction: tuple[int, int], offsets: np.ndarray) -> np.ndarray:
    """Seeds in rows along (p, q): row i holds counts[i] cells, each of area 1/m."""
    p, q = direction
    length = math.hypot(p, q)
    along = np.array([p, q]) / length
    across = np.array([-q, p]) / length
    seeds, base = [], 0.0
    for n, offset in zip(counts, offsets, strict=True):
        height = n / (m * length)
        for j in range(n):
            seeds.append((j + offset) * length / n * along + (base + height / 2) * across)
        base += height
    return np.array(seeds) % 1.0


def row_search(m: int, seconds: float, rng: np.random.Generator) -> tuple[float, int, float]:
    """Best value of row-seeded starts within ``seconds``, the starts run, seconds to reach it."""
    counts_all = compositions(m)
    best, runs, found_at = math.inf, 0, 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        counts = np.array(counts_all[rng.integers(len(counts_all))])
        shuffled = rng.random() < 0.5
        counts = tuple(rng.permutation(counts) if shuffled else np.roll(counts, rng.integers(len(counts))))
        direction = DIRECTIONS[rng.integers(len(DIRECTIONS))]
        if rng.random() < 0.5:
            offsets = (0.5 * np.arange(len(counts)) + 0.02 * rng.standard_normal(len(counts))) % 1.0
        else:
            offsets = rng.random(len(counts))
        seeds = (row_seeds(m, counts, direction, offsets) + 1e-4 * rng.standard_normal((m, 2))) % 1.0
        try:
            _, value = optimise_layout(build_layout(FlatTorus(), seeds))
        except (ValueError, np.linalg.LinAlgError, ArithmeticError):
            continue
        runs += 1
        if value < best - 1e-9:
            best, found_at = value, time.perf_counter() - start
    return best, runs, found_at


def _wrap(z: np.ndarray) -> np.ndarray:
    return z - np.round(z)


def flip_edges(layout: Layout) -> list[tuple[int, int, int, int, np.ndarray]]:
    """Every edge as (A, B, C, D, midpoint): A and B share it, C and D hold its two ends."""
    owners: dict[int, set[int]] = {}
    for c, cell in enumerate(layout.cells):
        for v, _ in cell:
            owners.setdefault(v, set()).add(c)
    pos, _ = layout.vertex_positions()
    seen, out = set(), []
    for a, cell in enumerate(layout.cells):
        for (u, _), (v, _) in zip(cell, cell[1:] + cell[:1], strict=True):
            if len(owners[u]) != 3 or len(owners[v]) != 3:
                continue
            shared = (owners[u] & owners[v]) - {a}
            if len(shared) != 1:
                continue
            b = shared.pop()
            ends = (owners[u] - {a, b}, owners[v] - {a, b})
            if any(len(e) != 1 for e in ends):
                continue
            c, d = ends[0].pop(), ends[1].pop()
            key = (frozenset((a, b)), frozenset((c, d)))
            if key not in seen:
                seen.add(key)
                out.append((a, b, c, d, (pos[u] + _wrap(pos[v] - pos[u]) / 2) % 1.0))
    return out


def _touch(layout: Layout, a: int, b: int) -> bool:
    return len({v for v, _ in layout.cells[a]} & {v for v, _ in layout.cells[b]}) >= 2


def flipped_value(layout: Layout, flips: list) -> float | None:
    """Best re-optimised value over FLIP_PULLS after the flips, None where none is realised."""
    centroids = cell_centroids(layout)
    best = None
    for pull in FLIP_PULLS:
        seeds = centroids.copy()
        for a, b, c, d, mid in flips:
            for cell, share in ((c, pull), (d, pull), (a, -pull / 2), (b, -pull / 2)):
                seeds[cell] = (seeds[cell] + share * _wrap(mid - seeds[cell])) % 1.0
        start = build_layout(FlatTorus(), seeds)
        if len(start.cells) != len(layout.cells) or not all(_touch(start, f[2], f[3]) for f in flips):
            continue
        try:
            _, value = optimise_layout(start)
        except (ValueError, np.linalg.LinAlgError, ArithmeticError):
            continue
        best = value if best is None else min(best, value)
    return best


def flip_search(layout: Layout, pairs: bool) -> dict:
    """Single flips of every edge (and every pair of them): counts realised and best values."""
    edges = flip_edges(layout)
    single = [(flipped_value(layout, [e]), e) for e in edges]
    done = [(v, e) for v, e in single if v is not None]
    record = {"edges": len(edges), "single_realised": len(done),
              "single_best": min((v for v, _ in done), default=None)}
    if pairs:
        values = []
        for (_, e1), (_, e2) in itertools.combinations(done, 2):
            if set(e1[:4]) == set(e2[:4]):
                continue
            value = flipped_value(layout, [e1, e2])
            if value is not None:
                values.append(value)
        record.update(pairs=len(done) * (len(done) - 1) // 2, pairs_realised=len(values),
                      pairs_best=min(values, default=None))
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="10,11,13,14", help="m values, e.g. 10,11 or 10..14")
    parser.add_argument("--seconds", type=float, default=300.0, help="row-seed search per m")
    parser.add_argument("--pairs", action="store_true", help="also every pair of edge flips")
    parser.add_argument("--table", type=Path, default=Path("results/diampart/torus_table"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/bench"))
    args = parser.parse_args()
    header = ["m", "table", "table / area", "row seeds: best", "starts", "reached after (s)",
              "flips: edges", "single best", "pairs realised", "pairs best"]
    rows, records = [], []
    for m in parse_parts(args.parts):
        path = args.table / f"torus_m{m}.json"
        if not path.exists():
            raise SystemExit(f"--table: no certificate {path}; run `make bench-diampart` first")
        layout, value = table_layout(path)
        rng = np.random.default_rng([args.seed, m])
        best, runs, found_at = row_search(m, args.seconds, rng)
        flips = flip_search(layout, args.pairs)

        def fmt(x: float | None) -> str:
            return "-" if x is None else f"{x:.6f}"

        rows.append([str(m), f"{value:.6f}", f"{area_ratio(m, value):.4f}", fmt(best), str(runs),
                     f"{found_at:.0f}", f"{flips['single_realised']} / {flips['edges']}",
                     fmt(flips["single_best"]),
                     f"{flips.get('pairs_realised', '-')} / {flips.get('pairs', '-')}",
                     fmt(flips.get("pairs_best"))])
        records.append({"parts": m, "table": value, "rows_best": best, "rows_starts": runs,
                        "rows_found_at": found_at, "seconds": args.seconds, **flips})
        print(f"m={m} done", flush=True)
    table = Table(*header, title="Torus rows the table cannot improve: other starts")
    for r in rows:
        table.add_row(*r)
    Console().print(table)
    path = write_report(args.out, "torus_hard_rows", header, rows, records,
                        preamble=f"Row seeds ({args.seconds:.0f} s per m) and edge flips from the "
                                 f"table's certificates ({args.table}); one run, one core.\n\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()

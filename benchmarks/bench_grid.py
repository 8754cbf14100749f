"""Grid throughput, Ray's per-cell overhead and resume after SIGKILL, measured in one run.

The grid: 40 suite cells (``--estimators`` x ``--tasks`` x ``--seeds`` at ``--n``), every
cell a pure function (:func:`infolens.bench.suite.suite_grid_cell`). In one run:

1. the cells one after another in this process (the plain loop: ``--backend local
   --workers 1``), then on 2 local worker processes, then on Ray with 1 and with 2 workers
   (each from scratch: ``fresh``); the ratios 2 workers / 1 worker;
2. Ray's overhead per cell over a plain function call: (Ray wall time - plain loop's wall
   time) / cells, with and without Ray's start-up; and the round trip of a no-op cell;
3. ``infolens bench suite`` with 2 workers killed by SIGKILL (driver and workers) part-way,
   then run again: its table must equal the table of the uninterrupted run (timing columns
   aside).

    python benchmarks/bench_grid.py [--n 10000] [--seeds 0 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import timed
from rich.console import Console
from rich.table import Table

from infolens.bench import write_report
from infolens.bench.suite import run_suite_grid
from infolens.grid import example_cell, read_grid_table

TASKS = [
    "gaussian-1x1-i1", "gaussian-2x2-i1", "gaussian-4x4-i2", "gaussian-10x10-i1",
    "student-2x2-dof2", "student-3x3-dof2-rho0.5", "uniform-noise-eps0.1",
    "asinh-gaussian-2x2-i1", "wiggly-gaussian-5x5-i1", "bimodal-gaussian-3x3-i1",
]
TIMING = {"wall_seconds", "seconds", "details"}


def _untimed(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in rows]


def _ray_noop_round_trip(repeats: int = 50) -> tuple[float, float]:
    """(Ray start-up seconds, mean seconds of one no-op cell's round trip on a warm instance)."""
    import ray

    from infolens.grid import _timed_call

    start = time.perf_counter()
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    startup = time.perf_counter() - start
    remote = ray.remote(_timed_call)
    ray.get(remote.remote(example_cell, {"a": 1, "b": 1}))  # warm the worker
    start = time.perf_counter()
    for i in range(repeats):
        ray.get(remote.remote(example_cell, {"a": i, "b": 1}))
    trip = (time.perf_counter() - start) / repeats
    ray.shutdown()
    return startup, trip


def _kill_and_resume(args: argparse.Namespace, out: Path, whole: Path) -> tuple[int, bool]:
    """Run `infolens bench suite` with 2 workers, SIGKILL it after some cells, rerun; compare."""
    exe = Path(sys.executable).with_name("infolens")
    cmd = [str(exe), "bench", "suite", "--n", str(args.n), "--seeds", ",".join(map(str, args.seeds)),
           "--estimators", ",".join(args.estimators), "--tasks", ",".join(TASKS), "--out", str(out),
           "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    store = out / "suite.cells.json"
    target = args.kill_after
    while proc.poll() is None:
        if store.is_file() and len(json.loads(store.read_text())["cells"]) >= target:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = len(read_grid_table(out / "suite.csv"))
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    same = _untimed(read_grid_table(out / "suite.csv")) == _untimed(read_grid_table(whole))
    return done_at_kill, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--estimators", nargs="+", default=["ksg", "kl"])
    parser.add_argument("--kill-after", type=int, default=12, help="cells done before SIGKILL")
    parser.add_argument("--out", default="results/bench")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-grid-"))
    n_cells = len(TASKS) * len(args.estimators) * len(args.seeds)
    grid = dict(tasks=TASKS, estimators=args.estimators, sizes=[args.n], seeds=args.seeds)
    runs = {}
    for name, backend, workers in [("plain loop (local, 1 worker)", "local", 1),
                                   ("local, 2 workers", "local", 2),
                                   ("ray, 1 worker", "ray", 1),
                                   ("ray, 2 workers", "ray", 2)]:
        table = work / f"{backend}-{workers}.csv"
        result, seconds = timed(run_suite_grid, **grid, table=table, backend=backend,
                                workers=workers, fresh=True, progress=False)
        assert result.done == n_cells, f"{name}: {result.failed} cells failed"
        runs[name] = (table, seconds, sum(r["wall_seconds"] for r in result.rows))
    startup, trip = _ray_noop_round_trip()

    plain = runs["plain loop (local, 1 worker)"]
    same_tables = all(_untimed(read_grid_table(t)) == _untimed(read_grid_table(plain[0]))
                      for t, _, _ in runs.values())
    kill_dir = work / "killed"
    shutil.rmtree(kill_dir, ignore_errors=True)
    done_at_kill, resumed_same = _kill_and_resume(args, kill_dir, plain[0])

    console = Console(width=160)
    header = ["run", "cells", "wall s", "sum of cell s", "vs 1 worker of the backend"]
    rows = []
    for name, (_, seconds, cell_sum) in runs.items():
        base = plain[1] if name.startswith(("plain", "local")) else runs["ray, 1 worker"][1]
        rows.append([name, str(n_cells), f"{seconds:.1f}", f"{cell_sum:.1f}",
                     f"{seconds / base:.2f}"])
    ray1 = runs["ray, 1 worker"][1]
    overhead = (ray1 - plain[1]) / n_cells
    summary = [
        ["local: 2 workers / 1 worker (goal <= 0.6)", f"{runs['local, 2 workers'][1] / plain[1]:.2f}"],
        ["ray: 2 workers / 1 worker (goal <= 0.6)", f"{runs['ray, 2 workers'][1] / ray1:.2f}"],
        ["ray 2 workers / plain loop", f"{runs['ray, 2 workers'][1] / plain[1]:.2f}"],
        ["ray overhead per cell incl. start-up, s (goal < 0.5)", f"{overhead:.3f}"],
        ["ray overhead per cell excl. start-up, s", f"{(ray1 - startup - plain[1]) / n_cells:.3f}"],
        ["ray start-up, s", f"{startup:.2f}"],
        ["ray round trip of a no-op cell (warm), s", f"{trip:.4f}"],
        ["same table on every backend", "yes" if same_tables else "NO"],
        [f"SIGKILL after {done_at_kill} of {n_cells} cells, rerun: same table",
         "yes" if resumed_same else "NO"],
    ]
    title = f"Grid of {n_cells} suite cells (n = {args.n:,}), {os.cpu_count()} CPUs"
    table = Table(*header, title=title)
    for r in rows:
        table.add_row(*r)
    console.print(table)
    goals = Table("measure", "value", title="Goals")
    for r in summary:
        goals.add_row(*r)
    console.print(goals)
    records = [{"run": r[0], "seconds": r[2]} for r in rows]
    records += [{"measure": measure, "value": value} for measure, value in summary]
    path = write_report(args.out, "grid", header,
                        rows + [[measure, "", value, "", ""] for measure, value in summary], records)
    print(f"written to {path}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

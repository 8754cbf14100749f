"""k-NN estimators at a million points (issue #16): time, peak memory and growth, today vs before.

KSG (k = 5, algorithm 1) on X, Y in R^4 each, a correlated Gaussian with I(X;Y) = 2 nats, at
n = 10k ... 1M: the exact neighbour counts of :mod:`infolens.estimators.knn_counts` (``n_jobs``
threads) against the code before them (``_ksg_neighbour_counts_legacy``, kept for this), both on
the same data in the same run, their MI asserted equal to the last bit. And on the first
coordinates only (1+1 dims), the full :class:`~infolens.estimators.KSG` estimator against
scikit-learn's ``mutual_info_regression`` on the same data.

Every measurement runs in a fresh subprocess, so that its peak resident memory (``ru_maxrss``) is
its own; the table gives wall and CPU seconds (CPU / wall shows how many cores it got: the
machine may be shared), the peak RSS and the fitted growth exponents of the wall and CPU times
for n >= 100k. Written to ``results/bench/knn_scale.{md,json,csv}``.

    python benchmarks/bench_knn_scale.py [--sizes 10000 100000 300000 1000000]
        [--max-legacy-n 300000] [--n-jobs N] [--device cuda]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np
from rich.console import Console
from rich.table import Table

K = 5
DIM = 4
TRUE_MI = 2.0
SEED = 0


def _sample(n: int) -> tuple[np.ndarray, np.ndarray]:
    from infolens.tasks import CorrelatedGaussian

    return CorrelatedGaussian(DIM, DIM, mutual_information=TRUE_MI).sample(n, seed=SEED)


def _measure(method: str, n: int, n_jobs: int | None, device: str | None) -> dict:
    """Run one method on the n-point sample in this process; its value, times and peak RSS."""
    from sklearn.feature_selection import mutual_info_regression

    from infolens.estimators.knn import (
        KSG,
        _ksg_neighbour_counts_legacy,
        ksg_neighbour_counts,
        ksg_terms,
    )

    x, y = _sample(n)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB, data in memory
    if method == "new-4+4":
        def run() -> float:
            counts = ksg_neighbour_counts(x, y, K, 1, n_jobs=n_jobs, device=device)
            return float(ksg_terms(*counts, n, K, 1).mean())
    elif method == "legacy-4+4":
        def run() -> float:
            return float(ksg_terms(*_ksg_neighbour_counts_legacy(x, y, K, 1), n, K, 1).mean())
    elif method == "infolens-1+1":
        def run() -> float:
            return KSG(k=K, n_jobs=n_jobs, device=device).estimate(x[:, 0], y[:, 0])
    elif method == "sklearn-1+1":
        def run() -> float:
            return float(mutual_info_regression(x[:, :1], y[:, 0], n_neighbors=K, random_state=0)[0])
    else:
        raise ValueError(f"method: unknown {method!r}")
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    value = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"method": method, "n": n, "value": value, "seconds": wall, "cpu_seconds": cpu,
            "peak_rss_mib": peak, "data_rss_mib": rss_data, "load_before": load,
            "n_jobs": n_jobs, "device": device}


def _in_subprocess(method: str, n: int, n_jobs: int | None, device: str | None) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, str(n), "--n-jobs", str(n_jobs or -1)]
    if device:
        cmd += ["--device", device]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) against log(n)."""
    if len(sizes) < 2:
        return float("nan")
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000, 1_000_000])
    parser.add_argument("--max-legacy-n", type=int, default=300_000,
                        help="largest n for the code before issue #16 (759 s at 1M on 2 cores)")
    parser.add_argument("--max-sklearn-n", type=int, default=1_000_000)
    parser.add_argument("--n-jobs", type=int, default=-1, help="threads; -1: all cores")
    parser.add_argument("--device", default=None, help="torch device of the brute-force path")
    parser.add_argument("--out", default="results/bench")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    n_jobs = None if args.n_jobs == -1 else args.n_jobs

    if args.worker:
        print(json.dumps(_measure(args.worker[0], int(args.worker[1]), n_jobs, args.device)))
        return

    records = []
    for n in args.sizes:
        methods = ["new-4+4"]
        if n <= args.max_legacy_n:
            methods.append("legacy-4+4")
        methods.append("infolens-1+1")
        if n <= args.max_sklearn_n:
            methods.append("sklearn-1+1")
        for method in methods:
            record = _in_subprocess(method, n, n_jobs, args.device)
            records.append(record)
            print(f"n={n:>9,} {method:<13} {record['seconds']:8.2f} s wall "
                  f"{record['cpu_seconds']:8.2f} s CPU {record['peak_rss_mib']:7.0f} MiB "
                  f"load {record['load_before']:.1f}", flush=True)
        by = {r["method"]: r for r in records if r["n"] == n}
        if "legacy-4+4" in by:  # the same number, to the last bit
            assert by["new-4+4"]["value"] == by["legacy-4+4"]["value"], (n, by)

    header = ["n", "4+4 new s", "CPU s", "peak MiB", "4+4 before s", "CPU s", "peak MiB", "speed-up",
              "I 4+4", "1+1 infolens s", "1+1 sklearn s", "sklearn/infolens", "I 1+1 infolens",
              "I 1+1 sklearn", "load"]
    rows = []
    for n in args.sizes:
        by = {r["method"]: r for r in records if r["n"] == n}
        new, old = by["new-4+4"], by.get("legacy-4+4")
        ours, theirs = by["infolens-1+1"], by.get("sklearn-1+1")
        rows.append([
            f"{n:,}", f"{new['seconds']:.2f}", f"{new['cpu_seconds']:.1f}", f"{new['peak_rss_mib']:.0f}",
            f"{old['seconds']:.2f}" if old else "-", f"{old['cpu_seconds']:.1f}" if old else "-",
            f"{old['peak_rss_mib']:.0f}" if old else "-",
            f"{old['seconds'] / new['seconds']:.1f}x" if old else "-", f"{new['value']:.4f}",
            f"{ours['seconds']:.2f}", f"{theirs['seconds']:.2f}" if theirs else "-",
            f"{theirs['seconds'] / ours['seconds']:.1f}x" if theirs else "-", f"{ours['value']:.4f}",
            f"{theirs['value']:.4f}" if theirs else "-",
            f"{max(r['load_before'] for r in by.values()):.1f}",
        ])
    big = [n for n in args.sizes if n >= 100_000]
    exponents = {}  # of the wall time, and of the CPU time (steadier on a shared machine)
    for method in ("new-4+4", "legacy-4+4", "infolens-1+1", "sklearn-1+1"):
        for clock, key in (("wall", "seconds"), ("CPU", "cpu_seconds")):
            pts = [(r["n"], r[key]) for r in records if r["method"] == method and r["n"] >= 100_000]
            if len(pts) >= 2:
                exponents[f"{method} {clock}"] = growth_exponent([p[0] for p in pts], [p[1] for p in pts])
    table = Table(*header, title=f"KSG (k={K}) at scale, {os.cpu_count()} cores, {platform.node()}")
    for row in rows:
        table.add_row(*row)
    Console(width=240).print(table)
    summary = ", ".join(f"{m}: n^{e:.2f}" for m, e in exponents.items())
    print(f"growth of the time for n >= 100k ({big}): {summary}")
    preamble = (
        f"KSG (k={K}, algorithm 1) on a {DIM}+{DIM}-dim Gaussian with I = {TRUE_MI} nats and on its "
        f"first coordinates (1+1); wall and CPU seconds and peak RSS of a fresh process, one run, "
        f"{os.cpu_count()} cores, n_jobs={args.n_jobs}, device={args.device}; 'load' is the 1-minute "
        f"load average before the run (other processes on the machine). Growth of the time "
        f"for n >= 100k: {summary}.\n\n"
    )
    from infolens.bench import write_report
    from infolens.io import atomic_write_text

    path = write_report(args.out, "knn_scale", header, rows,
                        records + [{"growth_exponents": exponents}], preamble=preamble)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows(records)
    atomic_write_text(path.with_suffix(".csv"), buffer.getvalue())
    print(f"written to {path} (.json, .csv)")


if __name__ == "__main__":
    main()

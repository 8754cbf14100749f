"""The accuracy suite: every registered estimator on every suite task, and the scorecard.

Cells (task x estimator x n x seed) are independent and resumable: each finished cell is saved
at once in ``OUT/suite.cells.json`` and skipped on a rerun while the estimator's settings are
unchanged. Prints the scorecard (per estimator) and writes ``OUT/suite.md`` (scorecard and the
per-task table) and ``OUT/suite.json`` (every record).

    python benchmarks/bench_suite.py                       # the full grid: hours on 2 cores
    python benchmarks/bench_suite.py --n 5000 --seeds 0    # one sample size, one seed
    python benchmarks/bench_suite.py --estimators auto ksg --families gaussian student
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections import defaultdict

from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from infolens.bench import ResultStore, write_report
from infolens.bench.records import markdown_table
from infolens.bench.suite import SuiteCell, cell_settings, run_suite_cell, scorecard
from infolens.estimators.registry import ESTIMATOR_NAMES
from infolens.tasks import get_task
from infolens.tasks.suite import SUITE_FAMILIES, suite_task_names

SCORE_COLUMNS = [
    ("estimator", "estimator", "{}"),
    ("cells", "cells", "{}"),
    ("within_1.5", "x1.5 all", "{:.0%}"),
    ("mae", "MAE all", "{:.3f}"),
    ("within_1.5_low", "x1.5 I<=2", "{:.0%}"),
    ("mae_low", "MAE I<=2", "{:.3f}"),
    ("within_1.5_high", "x1.5 I>=5", "{:.0%}"),
    ("mae_high", "MAE I>=5", "{:.2f}"),
    ("within_10pct_high", "10% I>=5", "{:.0%}"),
    ("flagged", "flagged", "{:.0%}"),
    ("failures", "failed", "{}"),
    ("median_seconds", "median s", "{:.2f}"),
    ("total_seconds", "total s", "{:.0f}"),
]


def _fmt(template: str, value: object) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return template.format(value)


def _task_rows(records: list[dict], estimators: list[str], n: int) -> list[list[str]]:
    """Per task: the true MI, then per estimator the median estimate over seeds (* = flagged)."""
    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rec in records:
        if rec["n"] == n:
            cells[rec["task"], rec["estimator"]].append(rec)
    rows = []
    for task in dict.fromkeys(rec["task"] for rec in records if rec["n"] == n):
        row = [task, f"{get_task(task).mutual_information:.3f}"]
        for est in estimators:
            recs = cells.get((task, est), [])
            values = [r["estimate"] for r in recs if not math.isnan(r["estimate"])]
            if not recs:
                row.append("")
            elif not values:
                row.append("failed")
            else:
                flag = "*" if any(r["warnings"] for r in recs) else ""
                row.append(f"{statistics.median(values):.3f}{flag}")
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000, 5_000, 10_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--estimators", nargs="+", default=list(ESTIMATOR_NAMES))
    parser.add_argument("--families", nargs="+", default=list(SUITE_FAMILIES),
                        choices=list(SUITE_FAMILIES))
    parser.add_argument("--tasks", nargs="+", default=None, help="task names (default: the suite)")
    parser.add_argument("--out", default="results/bench")
    parser.add_argument("--fresh", action="store_true", help="ignore saved cells")
    args = parser.parse_args()

    tasks = args.tasks or [t for f in args.families for t in SUITE_FAMILIES[f]]
    unknown = sorted(set(tasks) - set(suite_task_names()))
    if unknown:
        parser.error(f"--tasks: not suite tasks: {', '.join(unknown)}")
    store = ResultStore(f"{args.out}/suite.cells.json", fresh=args.fresh)
    grid = [SuiteCell(t, e, n, s) for n in args.n for s in args.seeds for t in tasks
            for e in args.estimators]
    records = []
    for cell in tqdm(grid, desc="suite cells", unit="cell"):
        settings = cell_settings(cell)
        record = store.get(cell.as_dict(), settings)
        if record is None:
            record = run_suite_cell(cell)
            store.put(cell.as_dict(), settings, record)
        records.append(record)

    console = Console(width=200)
    preamble = ""
    for n in args.n:
        card = scorecard(r for r in records if r["n"] == n)
        title = (f"Scorecard, n = {n:,}, seeds {', '.join(map(str, args.seeds))}, "
                 f"{len(tasks)} tasks (x1.5: share within a factor 1.5 of the truth; MAE in nats)")
        header = [title_ for _, title_, _ in SCORE_COLUMNS]
        rows = [[_fmt(fmt, row[key]) for key, _, fmt in SCORE_COLUMNS] for row in card]
        table = Table(*header, title=title)
        for r in rows:
            table.add_row(*r)
        console.print(table)
        preamble += f"**{title}**\n\n{markdown_table(header, rows)}\n"
    n_main = 5_000 if 5_000 in args.n else args.n[0]
    task_header = ["task", "true I"] + list(args.estimators)
    task_rows = _task_rows(records, list(args.estimators), n_main)
    preamble += (f"**Per task, n = {n_main:,}: median estimate over seeds "
                 f"(* = the estimator flagged it)**\n\n")
    path = write_report(args.out, "suite", task_header, task_rows, records, preamble=preamble)
    print(f"written to {path}")


if __name__ == "__main__":
    main()

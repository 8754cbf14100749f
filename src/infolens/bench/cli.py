"""``infolens bench ...``: benchmark grids (registered by ``infolens.cli``).

``infolens bench suite`` runs every chosen estimator on every chosen suite task, sample size
and seed (:mod:`infolens.bench.suite`) through the grid runner (:func:`infolens.grid.run_grid`:
``--backend local`` or ``ray``, resumable, failed cells retried once), prints the scorecard per
sample size and writes ``OUT/suite.csv`` (the grid's table), ``OUT/suite.md`` (scorecards and
the per-task table) and ``OUT/suite.json`` (every record).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from infolens._cli import (
    AddressOption,
    BackendOption,
    FreshOption,
    NumCpusOption,
    NumGpusOption,
    ProgressOption,
    WorkersOption,
    options_named,
    print_warning,
    report_interrupted,
)

__all__ = ["bench_app", "SCORE_COLUMNS"]

bench_app = typer.Typer(
    help="Benchmarks: estimators scored against tasks with known MI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: scorecard columns: (key of :func:`~infolens.bench.suite.scorecard`, title, format)
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


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"{option}: expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 0:
        raise ValueError(f"{option}: expected comma-separated integers >= 0, got {text!r}")
    return values


def _names(text: str | None, known: list[str], option: str, listing: str) -> list[str] | None:
    if text is None:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in known]
    if not names or unknown:
        raise ValueError(f"{option}: unknown {', '.join(unknown) or repr(text)}; "
                         f"expected comma-separated names ({listing})")
    return names


def _task_rows(records: list[dict], estimators: list[str], n: int) -> list[list[str]]:
    """Per task: the true MI, then per estimator the median estimate over seeds (* = flagged)."""
    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rec in records:
        if rec["n"] == n:
            cells[rec["task"], rec["estimator"]].append(rec)
    rows = []
    for task in dict.fromkeys(rec["task"] for rec in records if rec["n"] == n):
        true_mi = next(r["true_mi"] for r in records if r["task"] == task)
        row = [task, f"{true_mi:.3f}"]
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


@bench_app.command()
def suite(
    n: Annotated[str, typer.Option(help="sample sizes, comma-separated")] = "1000,5000,10000",
    seeds: Annotated[str, typer.Option(help="seeds, comma-separated")] = "0,1,2",
    estimators: Annotated[
        str | None, typer.Option(help="estimator names, comma-separated [default: all]")
    ] = None,
    families: Annotated[
        str | None, typer.Option(help="task families, comma-separated [default: all]")
    ] = None,
    tasks: Annotated[
        str | None, typer.Option(help="task names, comma-separated [default: the families' tasks]")
    ] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("results/bench"),
    backend: BackendOption = "local",
    workers: WorkersOption = None,
    address: AddressOption = None,
    num_cpus: NumCpusOption = 1,
    num_gpus: NumGpusOption = 0,
    fresh: FreshOption = False,
    progress: ProgressOption = True,
) -> None:
    """Score estimators on the suite of tasks with known MI (resumable grid of cells)."""
    from infolens.bench.records import markdown_table, write_report
    from infolens.bench.suite import run_suite_grid, scorecard
    from infolens.estimators.registry import ESTIMATOR_NAMES
    from infolens.grid import GridInterrupted
    from infolens.tasks.suite import SUITE_FAMILIES, suite_task_names

    sizes = _int_list(n, "--n")
    seed_list = _int_list(seeds, "--seeds")
    chosen = (_names(estimators, list(ESTIMATOR_NAMES), "--estimators",
                     ", ".join(ESTIMATOR_NAMES)) or list(ESTIMATOR_NAMES))
    family_list = (_names(families, list(SUITE_FAMILIES), "--families", ", ".join(SUITE_FAMILIES))
                   or list(SUITE_FAMILIES))
    task_list = (_names(tasks, suite_task_names(), "--tasks", "see `infolens suite list`")
                 or [t for f in family_list for t in SUITE_FAMILIES[f]])
    options = {"backend": "--backend", "workers": "--workers", "num_cpus": "--num-cpus",
               "num_gpus": "--num-gpus"}
    try:
        with options_named(options):
            result = run_suite_grid(
                task_list, chosen, sizes, seed_list, out / "suite.csv", backend=backend,
                workers=workers, address=address, num_cpus=num_cpus, num_gpus=num_gpus,
                fresh=fresh, progress=progress,
            )
    except GridInterrupted as err:
        report_interrupted(err)
    for row in result.rows:
        if row["status"] != "ok":
            print_warning(f"cell {row['task']} / {row['estimator']} / n={row['n']} / "
                          f"seed={row['seed']} failed: {row['cell_error']}")
    records = [row for row in result.rows if row["status"] == "ok"]

    console = Console(width=200)
    preamble = ""
    for size in sizes:
        card = scorecard(r for r in records if r["n"] == size)
        title = (f"Scorecard, n = {size:,}, seeds {', '.join(map(str, seed_list))}, "
                 f"{len(task_list)} tasks (x1.5: share within a factor 1.5 of the truth; MAE in nats)")
        header = [title_ for _, title_, _ in SCORE_COLUMNS]
        rows = [[_fmt(fmt, row[key]) for key, _, fmt in SCORE_COLUMNS] for row in card]
        table = Table(*header, title=title)
        for r in rows:
            table.add_row(*r)
        console.print(table)
        preamble += f"**{title}**\n\n{markdown_table(header, rows)}\n"
    n_main = 5_000 if 5_000 in sizes else sizes[0]
    task_header = ["task", "true I"] + chosen
    task_rows = _task_rows(records, chosen, n_main)
    preamble += (f"**Per task, n = {n_main:,}: median estimate over seeds "
                 f"(* = the estimator flagged it)**\n\n")
    path = write_report(out, "suite", task_header, task_rows, records, preamble=preamble)
    typer.echo(f"{result.finished} of {result.total} cells ({result.done} now, {result.skipped} "
               f"done before, {result.failed} failed) in {result.seconds:.0f} s; "
               f"table: {result.table}; report: {path}")

"""A short tour: several estimators on several built-in tasks, estimate vs truth."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from infolens.bench.records import BenchRecord, run_estimator
from infolens.estimators.registry import make_estimator
from infolens.tasks import get_task

__all__ = ["SHOWCASE", "run_showcase"]

#: (task name, estimators) pairs of the showcase
SHOWCASE = [
    ("gaussian-2x2-i1", ("ksg", "weighted-kl")),
    ("gaussian-4x4-i2", ("ksg", "weighted-kl")),
    ("asinh-gaussian-2x2-i1", ("ksg", "weighted-kl")),
    ("half_cube-gaussian-2x2-i1", ("ksg", "weighted-kl")),
    ("labels-10-d2", ("ross",)),
]


def run_showcase(n: int = 5_000, seed: int = 0, console: Console | None = None) -> list[BenchRecord]:
    """Run :data:`SHOWCASE` on ``n`` samples and print a table.

    Parameters
    ----------
    n : int, default=5000
        Sample size of every task.
    seed : int, default=0
        Seed of the samples and of the estimators.
    console : rich.console.Console or None, default=None
        Where the table is printed; ``None``: a new console (stdout).

    Returns
    -------
    list of BenchRecord
        One record per task and estimator.
    """
    console = console or Console()
    table = Table("task", "true I", "estimator", "estimate ± s.e.", "error", "seconds",
                  title=f"infolens showcase (n = {n}, seed = {seed}, nats)")
    records = []
    for task_name, estimators in SHOWCASE:
        task = get_task(task_name)
        x, y = task.sample(n, seed=seed)
        for est_name in estimators:
            rec = run_estimator(make_estimator(est_name, k=5, random_state=seed), x, y, task=task_name,
                                true_mi=task.mutual_information, seed=seed, name=est_name)
            records.append(rec)
            table.add_row(task_name, f"{rec.true_mi:.3f}", est_name,
                          f"{rec.estimate:.3f} ± {rec.stderr:.3f}", f"{rec.error:+.3f}",
                          f"{rec.seconds:.2f}")
    console.print(table)
    return records

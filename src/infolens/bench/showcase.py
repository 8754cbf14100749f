"""A short tour: several estimators on several built-in tasks, estimate vs truth."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from infolens.bench.records import BenchRecord, run_estimator
from infolens.estimators.knn import KSG, ContinuousDiscreteMI, WeightedKL
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


def _make(name: str, seed: int) -> object:
    if name == "ksg":
        return KSG(k=5, random_state=seed)
    if name == "weighted-kl":
        return WeightedKL(k=5, random_state=seed)
    return ContinuousDiscreteMI(k=5, method="ross", random_state=seed)


def run_showcase(n: int = 5_000, seed: int = 0, console: Console | None = None) -> list[BenchRecord]:
    """Run :data:`SHOWCASE` on ``n`` samples and print a table; returns the records."""
    console = console or Console()
    table = Table("task", "true I", "estimator", "estimate ± s.e.", "error", "seconds",
                  title=f"infolens showcase (n = {n}, seed = {seed}, nats)")
    records = []
    for task_name, estimators in SHOWCASE:
        task = get_task(task_name)
        x, y = task.sample(n, seed=seed)
        for est_name in estimators:
            rec = run_estimator(_make(est_name, seed), x, y, task=task_name,
                                true_mi=task.mutual_information, seed=seed, name=est_name)
            records.append(rec)
            table.add_row(task_name, f"{rec.true_mi:.3f}", est_name,
                          f"{rec.estimate:.3f} ± {rec.stderr:.3f}", f"{rec.error:+.3f}",
                          f"{rec.seconds:.2f}")
    console.print(table)
    return records

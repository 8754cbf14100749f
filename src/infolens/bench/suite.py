"""The accuracy suite: every estimator on every task with known MI, and the scorecard.

A *cell* is one estimator on one sample (task, n, seed). :func:`run_suite_cell` is a pure
function of the cell: it draws the sample from the task's seed, builds the estimator by name
(:func:`infolens.estimators.registry.make_estimator`, seeded with the cell's seed) and returns
a plain record, so cells can run in any order, in any process, and be resumed
(:class:`~infolens.bench.ResultStore`). An estimator that raises is recorded with its error
text instead of stopping the grid.

:func:`scorecard` summarises the records per estimator the way the "Beyond Normal" benchmark
reads them (Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
NeurIPS 2023, arXiv:2306.11078): the share of cells within a factor 1.5 of the truth
(``|log(estimate / truth)| < log 1.5``; an estimate <= 0 never is), the mean absolute error in
nats, both again for the cells with I <= 2 nats and with I >= 5 nats, the share of I >= 5 cells
within 10%, and wall time.

Examples
--------
>>> rec = run_suite_cell(SuiteCell("gaussian-1x1-i1", "ksg", n=500, seed=0))
>>> rec["family"], rec["true_mi"], abs(rec["estimate"] - 1.0) < 0.15
('gaussian', 1.0, True)
>>> card = scorecard([rec])
>>> card[0]["estimator"], card[0]["within_1.5"]
('ksg', 1.0)
"""

from __future__ import annotations

import math
import time
import traceback
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infolens.estimators.base import params_key
from infolens.estimators.registry import make_estimator
from infolens.tasks import get_task
from infolens.tasks.suite import task_family

__all__ = [
    "SuiteCell",
    "run_suite_cell",
    "suite_grid_cell",
    "suite_grid_settings",
    "run_suite_grid",
    "cell_settings",
    "within_factor",
    "scorecard",
    "LOW_MI",
    "HIGH_MI",
    "FACTOR",
]

#: the cells "at low MI" are those with I <= LOW_MI nats
LOW_MI = 2.0
#: the cells "at high MI" are those with I >= HIGH_MI nats
HIGH_MI = 5.0
#: an estimate is "right" when it is within this factor of the truth
FACTOR = 1.5


@dataclass(frozen=True)
class SuiteCell:
    """One estimator on one sample: the identity of a cell of the suite grid.

    Parameters
    ----------
    task : str
        A task name (:func:`infolens.tasks.get_task`).
    estimator : str
        A registered estimator name (:data:`infolens.estimators.registry.ESTIMATORS`).
    n : int
        Sample size.
    seed : int
        Seed of the sample and of the estimator.
    """

    task: str
    estimator: str
    n: int
    seed: int

    def as_dict(self) -> dict:
        """The cell as a JSON-ready dict (the key of :class:`~infolens.bench.ResultStore`)."""
        return asdict(self)


def cell_settings(cell: SuiteCell) -> dict:
    """What a cell's result depends on besides its identity: the estimator's full settings.

    Parameters
    ----------
    cell : SuiteCell
        The cell.

    Returns
    -------
    dict
        ``{"estimator": params_key(...)}``: a saved cell is reused only while this is unchanged.
    """
    return {"estimator": params_key(make_estimator(cell.estimator, random_state=cell.seed))}


def run_suite_cell(cell: SuiteCell) -> dict:
    """Run one cell and return its record (a pure function of ``cell``).

    Parameters
    ----------
    cell : SuiteCell
        Task, estimator, sample size and seed.

    Returns
    -------
    dict
        ``task``, ``family``, ``estimator``, ``n``, ``seed``, ``true_mi``, ``estimate``,
        ``stderr``, ``error`` (estimate - truth), ``seconds`` (the estimate's wall time),
        ``warnings`` (the estimator's own), ``details`` and ``failure`` (``None``, or the
        exception's text when the estimator raised; the estimate is then NaN).
    """
    task = get_task(cell.task)
    x, y = task.sample(cell.n, seed=cell.seed)
    estimator = make_estimator(cell.estimator, random_state=cell.seed)
    record = {
        **cell.as_dict(),
        "family": task_family(cell.task),
        "true_mi": float(task.mutual_information),
        "estimate": math.nan,
        "stderr": math.nan,
        "warnings": [],
        "details": {},
        "failure": None,
    }
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # they are in result.warnings
            result = estimator.estimate_with_error(x, y)
    except Exception as err:  # a failing estimator is a result of the benchmark, not a crash
        record["failure"] = "".join(traceback.format_exception_only(type(err), err)).strip()
    else:
        record.update(
            estimate=float(result.value),
            stderr=float(result.stderr),
            warnings=list(result.warnings),
            details=_plain(result.details),
        )
    record["seconds"] = time.perf_counter() - start
    record["error"] = record["estimate"] - record["true_mi"]
    return record


def suite_grid_cell(cell: dict) -> dict:
    """:func:`run_suite_cell` for the grid runner (:func:`infolens.grid.run_grid`): a dict cell.

    Parameters
    ----------
    cell : dict
        ``task``, ``estimator``, ``n``, ``seed``.

    Returns
    -------
    dict
        The record of :func:`run_suite_cell`.
    """
    return run_suite_cell(SuiteCell(**cell))


def suite_grid_settings(cell: dict) -> dict:
    """:func:`cell_settings` of a dict cell: a saved cell is reused while this is unchanged.

    Parameters
    ----------
    cell : dict
        ``task``, ``estimator``, ``n``, ``seed``.

    Returns
    -------
    dict
        The estimator's full settings.
    """
    return cell_settings(SuiteCell(**cell))


def run_suite_grid(
    tasks: Sequence[str],
    estimators: Sequence[str],
    sizes: Sequence[int],
    seeds: Sequence[int],
    table: str | Path,
    **grid_options: Any,
):
    """Run the suite grid (every n, seed, task, estimator) with :func:`infolens.grid.run_grid`.

    Parameters
    ----------
    tasks : sequence of str
        Suite task names.
    estimators : sequence of str
        Registered estimator names.
    sizes : sequence of int
        Sample sizes.
    seeds : sequence of int
        Seeds.
    table : str or pathlib.Path
        The grid's CSV table (its resume store is beside it).
    **grid_options : object
        ``backend``, ``workers``, ``address``, ``num_cpus``, ``num_gpus``, ``fresh``,
        ``progress``... of :func:`~infolens.grid.run_grid`.

    Returns
    -------
    infolens.grid.GridResult
        The rows (one per cell: the cell, the runner's columns and the record).
    """
    from infolens.grid import run_grid

    cells = [SuiteCell(t, e, n, s).as_dict() for n in sizes for s in seeds for t in tasks
             for e in estimators]
    return run_grid(cells, suite_grid_cell, table, settings=suite_grid_settings,
                    description="suite cells", **grid_options)


def _plain(details: dict) -> dict:
    """Keep the JSON-friendly entries of an estimate's details (numbers, strings, lists...)."""
    out = {}
    for key, value in details.items():
        if isinstance(value, (bool, int, float, str, type(None), list, tuple, dict)):
            out[key] = value
        elif isinstance(value, np.generic):
            out[key] = value.item()
    return out


def within_factor(estimate: float, truth: float, factor: float = FACTOR) -> bool:
    """True when ``|log(estimate / truth)| < log(factor)``.

    Parameters
    ----------
    estimate : float
        The estimate (nats); NaN or <= 0 is never within.
    truth : float
        The true MI (> 0).
    factor : float, default=1.5
        The allowed factor (> 1).

    Returns
    -------
    bool
        Whether the estimate is within ``factor`` of the truth.

    Examples
    --------
    >>> within_factor(1.4, 1.0), within_factor(0.6, 1.0), within_factor(-0.1, 1.0)
    (True, False, False)
    """
    if not (estimate > 0 and truth > 0):
        return False
    return abs(math.log(estimate / truth)) < math.log(factor)


def _summary(rows: list[dict]) -> tuple[float, float]:
    """(share within the factor, mean absolute error) of ``rows``; NaNs when there are none."""
    if not rows:
        return math.nan, math.nan
    share = float(np.mean([within_factor(r["estimate"], r["true_mi"]) for r in rows]))
    errors = [abs(r["error"]) if math.isfinite(r["error"]) else math.inf for r in rows]
    return share, float(np.mean(errors))


def scorecard(records: Iterable[dict]) -> list[dict]:
    """Per estimator, how often and how far it misses the truth, and how long it takes.

    Parameters
    ----------
    records : iterable of dict
        Records of :func:`run_suite_cell` (tasks with true MI 0 count only in the error means).

    Returns
    -------
    list of dict
        One row per estimator, in order of first appearance: ``estimator``, ``cells``,
        ``within_1.5`` and ``mae`` (all cells), ``within_1.5_low`` and ``mae_low`` (I <= 2),
        ``within_1.5_high``, ``mae_high`` and ``within_10pct_high`` (I >= 5), ``flagged``
        (share of cells with a warning), ``failures``, ``median_seconds``,
        ``total_seconds``. A failed cell counts as outside every tolerance, with an infinite
        error.
    """
    by_estimator: dict[str, list[dict]] = {}
    for rec in records:
        by_estimator.setdefault(rec["estimator"], []).append(rec)
    card = []
    for name, rows in by_estimator.items():
        low = [r for r in rows if r["true_mi"] <= LOW_MI]
        high = [r for r in rows if r["true_mi"] >= HIGH_MI]
        share, mae = _summary(rows)
        share_low, mae_low = _summary(low)
        share_high, mae_high = _summary(high)
        ten = [abs(r["error"]) <= 0.1 * r["true_mi"] for r in high if math.isfinite(r["error"])]
        card.append({
            "estimator": name,
            "cells": len(rows),
            "within_1.5": share,
            "mae": mae,
            "within_1.5_low": share_low,
            "mae_low": mae_low,
            "within_1.5_high": share_high,
            "mae_high": mae_high,
            "within_10pct_high": float(sum(ten) / len(high)) if high else math.nan,
            "flagged": float(np.mean([bool(r["warnings"]) for r in rows])),
            "failures": sum(r["failure"] is not None for r in rows),
            "median_seconds": float(np.median([r["seconds"] for r in rows])),
            "total_seconds": float(np.sum([r["seconds"] for r in rows])),
        })
    return card

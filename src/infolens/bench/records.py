"""Plain benchmark records (task, seed, estimator, estimate, seconds...) and their reports."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from infolens.estimators.base import params_key
from infolens.interfaces import MIEstimator
from infolens.io import atomic_write_json, atomic_write_text

__all__ = ["BenchRecord", "ResultStore", "run_estimator", "write_report", "markdown_table"]


@dataclass
class BenchRecord:
    """One estimator run on one task sample, as the "Beyond Normal" benchmark records it.

    Parameters
    ----------
    task : str
        The task's name.
    n : int
        Sample size.
    seed : int
        The sample's seed.
    estimator : str
        The estimator's label.
    true_mi : float
        The task's exact MI, nats.
    estimate : float
        The estimate, nats.
    stderr : float
        Its standard error.
    seconds : float
        Wall time of the estimate.
    parameters : dict, default={}
        The estimator's settings.

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078.

    Examples
    --------
    >>> rec = BenchRecord("gaussian-1x1-i1", 100, 0, "ksg", 1.0, 0.9, 0.05, 0.01)
    >>> round(rec.error, 6), round(rec.relative_error, 6)
    (-0.1, -0.1)
    """

    task: str
    n: int
    seed: int
    estimator: str
    true_mi: float
    estimate: float
    stderr: float
    seconds: float
    parameters: dict = field(default_factory=dict)

    @property
    def error(self) -> float:
        """``estimate - true_mi``, nats."""
        return self.estimate - self.true_mi

    @property
    def relative_error(self) -> float:
        """``error / true_mi`` (NaN when the true MI is 0)."""
        return self.error / self.true_mi if self.true_mi else math.nan

    def as_dict(self) -> dict:
        """The fields plus ``error`` and ``relative_error``, JSON-ready."""
        d = asdict(self)
        d["error"] = self.error
        d["relative_error"] = self.relative_error
        return d


def run_estimator(
    estimator: MIEstimator,
    x: np.ndarray,
    y: np.ndarray,
    *,
    task: str,
    true_mi: float,
    seed: int,
    name: str | None = None,
    parameters: dict | None = None,
) -> BenchRecord:
    """Time one ``estimate_with_error`` call and record it.

    Parameters
    ----------
    estimator : MIEstimator
        Anything with ``estimate_with_error(x, y)``.
    x : numpy.ndarray
        Samples of X.
    y : numpy.ndarray
        Samples of Y, paired with ``x``.
    task : str
        The task's name.
    true_mi : float
        The task's exact MI, nats.
    seed : int
        The sample's seed.
    name : str or None, default=None
        The estimator's label; ``None``: its ``repr``.
    parameters : dict or None, default=None
        Settings to record; ``None``: the estimator's ``get_params`` (as
        :func:`~infolens.estimators.base.params_key` writes them), if it has them.

    Returns
    -------
    BenchRecord
        The record.

    Examples
    --------
    >>> from infolens.estimators import KSG
    >>> from infolens.tasks import get_task
    >>> x, y = get_task("gaussian-1x1-i1").sample(500, seed=0)
    >>> rec = run_estimator(KSG(), x, y, task="gaussian-1x1-i1", true_mi=1.0, seed=0, name="ksg")
    >>> rec.n, rec.parameters["class"]
    (500, 'KSG')
    """
    start = time.perf_counter()
    result = estimator.estimate_with_error(x, y)
    value, stderr = result.value, result.stderr
    seconds = time.perf_counter() - start
    if parameters is None and hasattr(estimator, "get_params"):
        parameters = json.loads(params_key(estimator))
    return BenchRecord(
        task=task,
        n=len(x),
        seed=seed,
        estimator=name or repr(estimator),
        true_mi=true_mi,
        estimate=float(value),
        stderr=float(stderr),
        seconds=seconds,
        parameters=parameters or {},
    )


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table.

    Parameters
    ----------
    header : list of str
        Column titles.
    rows : list of list of str
        Cells, row by row.

    Returns
    -------
    str
        The table, ending in a newline.

    Examples
    --------
    >>> print(markdown_table(["a", "b"], [["1", "2"]]), end="")
    | a | b |
    |---|---|
    | 1 | 2 |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_report(
    out_dir: str | Path, name: str, header: list[str], rows: list[list[str]], records: list[dict],
    preamble: str = "",
) -> Path:
    """Write ``out_dir/name.md`` (the table) and ``out_dir/name.json`` (the raw records).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Directory of the report (created if needed).
    name : str
        File stem.
    header : list of str
        Column titles of the table.
    rows : list of list of str
        Its cells.
    records : list of dict
        The raw records (JSON).
    preamble : str, default=""
        Markdown written before the table.

    Returns
    -------
    pathlib.Path
        The markdown file.
    """
    out = Path(out_dir)
    atomic_write_text(out / f"{name}.md", preamble + markdown_table(header, rows))
    atomic_write_json(out / f"{name}.json", records)
    return out / f"{name}.md"


class ResultStore:
    """The one resume scheme of the benchmarks: records of independent cells in one JSON file.

    A cell is named by its identity (e.g. task, estimator, seed, n) and carries the settings
    that produced it (e.g. the estimator's :func:`~infolens.estimators.base.params_key`).
    :meth:`get` returns a saved record only when its settings equal the current ones, so a
    cell computed with other settings is recomputed and :meth:`put` replaces it. Every
    :meth:`put` rewrites the file atomically, so a killed run resumes from its last cell.

    Parameters
    ----------
    path : str or Path
        The JSON file (created on the first :meth:`put`).
    fresh : bool
        Ignore what the file holds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cells.json"
    >>> store = ResultStore(path)
    >>> store.put({"task": "a", "seed": 0}, {"k": 5}, {"estimate": 1.0})
    >>> ResultStore(path).get({"task": "a", "seed": 0}, {"k": 5})
    {'estimate': 1.0}
    >>> ResultStore(path).get({"task": "a", "seed": 0}, {"k": 7}) is None
    True
    """

    def __init__(self, path: str | Path, *, fresh: bool = False) -> None:
        self.path = Path(path)
        self._cells: dict[str, dict] = {}
        if self.path.exists() and not fresh:
            for cell in json.loads(self.path.read_text())["cells"]:
                self._cells[_cell_key(cell["cell"])] = cell

    def get(self, cell: dict, settings: object) -> dict | None:
        """The saved record of ``cell`` if it was made with ``settings``, else None."""
        saved = self._cells.get(_cell_key(cell))
        if saved is None or saved["settings"] != json.loads(json.dumps(settings, default=str)):
            return None
        return saved["record"]

    def put(self, cell: dict, settings: object, record: dict) -> None:
        """Save ``record`` for ``cell`` (replacing any earlier one) and rewrite the file."""
        self._cells[_cell_key(cell)] = json.loads(json.dumps(
            {"cell": cell, "settings": settings, "record": record}, default=str
        ))
        atomic_write_json(self.path, {"cells": list(self._cells.values())})

    def records(self) -> list[dict]:
        """Every saved record, in the order the cells were first saved."""
        return [cell["record"] for cell in self._cells.values()]


def _cell_key(cell: dict) -> str:
    return json.dumps(cell, sort_keys=True, default=str)

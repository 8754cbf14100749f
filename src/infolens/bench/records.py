"""Plain benchmark records (task, seed, estimator, estimate, seconds...) and their reports."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from infolens.io import atomic_write_json, atomic_write_text

__all__ = ["BenchRecord", "run_estimator", "write_report", "markdown_table"]


@dataclass
class BenchRecord:
    """One estimator run on one task sample."""

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
        return self.estimate - self.true_mi

    @property
    def relative_error(self) -> float:
        return self.error / self.true_mi if self.true_mi else math.nan

    def as_dict(self) -> dict:
        d = asdict(self)
        d["error"] = self.error
        d["relative_error"] = self.relative_error
        return d


def run_estimator(
    estimator: object,
    x: np.ndarray,
    y: np.ndarray,
    *,
    task: str,
    true_mi: float,
    seed: int,
    name: str | None = None,
    parameters: dict | None = None,
) -> BenchRecord:
    """Time one ``estimate_with_error`` call (falls back to ``estimate``) and record it."""
    start = time.perf_counter()
    if hasattr(estimator, "estimate_with_error"):
        result = estimator.estimate_with_error(x, y)
        value, stderr = result.value, result.stderr
    else:
        value, stderr = float(estimator.estimate(x, y)), math.nan
    seconds = time.perf_counter() - start
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
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_report(
    out_dir: str | Path, name: str, header: list[str], rows: list[list[str]], records: list[dict],
    preamble: str = "",
) -> Path:
    """Write ``out_dir/name.md`` (the table) and ``out_dir/name.json`` (the raw records)."""
    out = Path(out_dir)
    atomic_write_text(out / f"{name}.md", preamble + markdown_table(header, rows))
    atomic_write_json(out / f"{name}.json", records)
    return out / f"{name}.md"

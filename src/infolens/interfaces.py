"""The two protocols everything in infolens agrees on; this module imports nothing from the package.

* an **estimator** is anything with ``estimate(x, y) -> float`` (nats);
* a **task** is anything with ``sample(n, seed) -> (x, y)`` and an exact ``mutual_information``.

Both follow the "Beyond Normal" benchmark (Czyz et al., "Beyond Normal: On the Evaluation of
Mutual Information Estimators", NeurIPS 2023, arXiv:2306.11078).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # for annotations only: this module imports nothing from the package at run time
    from infolens.estimators.result import MIEstimate

__all__ = ["MIEstimator", "Task"]


@runtime_checkable
class MIEstimator(Protocol):
    """Estimates I(X; Y) in nats from paired samples ``x`` (n, dx) and ``y`` (n, dy).

    ``estimate_with_error`` returns an :class:`infolens.estimators.result.MIEstimate` (value,
    standard error, warnings). A class that subclasses this protocol and defines only
    ``estimate`` inherits a default: the value with an unknown (NaN) standard error. Every
    infolens estimator (:class:`infolens.estimators.base.MIEstimatorBase`) defines both.
    """

    def estimate(self, x: np.ndarray, y: np.ndarray) -> float: ...

    def estimate_with_error(self, x: np.ndarray, y: np.ndarray) -> MIEstimate:
        from infolens.estimators.result import MIEstimate

        value = float(self.estimate(x, y))
        return MIEstimate(value, math.nan, len(x), type(self).__name__, error_method="none")


@runtime_checkable
class Task(Protocol):
    """A joint distribution of (X, Y) with known mutual information (nats)."""

    name: str
    dim_x: int
    dim_y: int

    @property
    def mutual_information(self) -> float: ...

    def sample(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]: ...

"""The two protocols everything in infolens agrees on; this module imports nothing from the package.

* an **estimator** is anything with ``estimate(x, y) -> float`` (nats);
* a **task** is anything with ``sample(n, seed) -> (x, y)`` and an exact ``mutual_information``.

Both follow the "Beyond Normal" benchmark (Czyz et al., NeurIPS 2023, https://arxiv.org/abs/2306.11078).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["MIEstimator", "Task"]


@runtime_checkable
class MIEstimator(Protocol):
    """Estimates I(X; Y) in nats from paired samples ``x`` (n, dx) and ``y`` (n, dy)."""

    def estimate(self, x: np.ndarray, y: np.ndarray) -> float: ...


@runtime_checkable
class Task(Protocol):
    """A joint distribution of (X, Y) with known mutual information (nats)."""

    name: str
    dim_x: int
    dim_y: int

    @property
    def mutual_information(self) -> float: ...

    def sample(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]: ...

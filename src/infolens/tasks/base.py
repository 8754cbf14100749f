"""The small base class every built-in task derives from.

A task is a joint law of (X, Y) with exactly known mutual information, sampled reproducibly from
a seed, as in the "Beyond Normal" benchmark (Czyz et al., NeurIPS 2023,
https://arxiv.org/abs/2306.11078). The protocol itself is :class:`infolens.interfaces.Task`;
this base only removes repetition (seed handling, ``n`` checking, ``describe``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from infolens._validation import check_positive_int

__all__ = ["TaskBase", "check_seed", "check_finite_float"]


def check_seed(seed: object, name: str = "seed") -> int:
    """Return ``seed`` as a non-negative int or raise ``ValueError`` naming ``name``."""
    return check_positive_int(seed, name, minimum=0)


def check_finite_float(value: object, name: str, *, minimum: float | None = None) -> float:
    """Return ``value`` as a finite float (``>= minimum`` if given) or raise ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a real number, got {value!r}")
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a real number, got {value!r}") from None
    if not np.isfinite(out):
        raise ValueError(f"{name}: must be finite, got {out}")
    if minimum is not None and out < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {out}")
    return out


class TaskBase(ABC):
    """A joint distribution of (X, Y) with exact mutual information (nats).

    Subclasses set ``name``, ``dim_x``, ``dim_y``, implement the ``mutual_information``
    property, ``_sample(n, rng)`` and ``parameters()``.  ``sample(n, seed)`` checks its arguments
    and draws from ``numpy.random.default_rng(seed)``, so equal seeds give equal samples.
    """

    name: str
    dim_x: int
    dim_y: int

    @property
    @abstractmethod
    def mutual_information(self) -> float:
        """I(X; Y) in nats, exact (or to the documented quadrature accuracy)."""

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` pairs with the generator ``rng`` (subclasses implement this or ``sample``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _sample or sample")

    def parameters(self) -> dict[str, Any]:
        """The constructor parameters, JSON-serialisable."""
        return {}

    def sample(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` i.i.d. pairs ``(x, y)`` reproducibly from ``seed``.

        Returns float64 arrays of shape (n, dim_x) and (n, dim_y) (labels tasks return
        ``y`` as int64 of shape (n,)).
        """
        n = check_positive_int(n, "n")
        seed = check_seed(seed)
        return self._sample(n, np.random.default_rng(seed))

    def describe(self) -> dict[str, Any]:
        """A JSON-ready record: name, dimensions, MI (nats) and parameters."""
        return {
            "name": self.name,
            "dim_x": int(self.dim_x),
            "dim_y": int(self.dim_y),
            "mutual_information": float(self.mutual_information),
            "parameters": self.parameters(),
        }

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.parameters().items())
        return f"{type(self).__name__}({params})"

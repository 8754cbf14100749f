"""The small base class every built-in task derives from.

A task is a joint law of (X, Y) with exactly known mutual information, sampled reproducibly from
a seed, as in the "Beyond Normal" benchmark (Czyz et al., "Beyond Normal: On the Evaluation of
Mutual Information Estimators", NeurIPS 2023, arXiv:2306.11078). The protocol itself is
:class:`infolens.interfaces.Task`; this base only removes repetition (seed handling, ``n``
checking, ``describe``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from infolens._validation import check_positive_int

__all__ = ["TaskBase", "check_seed", "check_finite_float"]


def check_seed(seed: object, name: str = "seed") -> int:
    """Return ``seed`` as a non-negative int.

    Parameters
    ----------
    seed : object
        The seed to check.
    name : str, default="seed"
        The argument's name, for the error message.

    Returns
    -------
    int
        ``seed``.

    Raises
    ------
    ValueError
        Naming ``name``, unless ``seed`` is an int >= 0.
    """
    return check_positive_int(seed, name, minimum=0)


def check_finite_float(value: object, name: str, *, minimum: float | None = None) -> float:
    """Return ``value`` as a finite float (``>= minimum`` if given).

    Parameters
    ----------
    value : object
        A real number (not a bool).
    name : str
        The argument's name, for the error message.
    minimum : float or None, default=None
        Least allowed value.

    Returns
    -------
    float
        ``value``.

    Raises
    ------
    ValueError
        Naming ``name``, when ``value`` is not a finite real number or is below ``minimum``.

    Examples
    --------
    >>> check_finite_float(2, "mutual_information", minimum=0.0)
    2.0
    """
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
    and draws from ``numpy.random.default_rng(seed)``, so equal seeds give equal samples. The
    base takes no constructor arguments.

    References
    ----------
    The task protocol of the "Beyond Normal" benchmark: Czyz et al., "Beyond Normal: On the
    Evaluation of Mutual Information Estimators", NeurIPS 2023, arXiv:2306.11078.

    Examples
    --------
    >>> import numpy as np
    >>> class Independent(TaskBase):
    ...     name, dim_x, dim_y = "independent", 1, 1
    ...     mutual_information = 0.0
    ...     def _sample(self, n, rng):
    ...         return rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    >>> x, y = Independent().sample(3, seed=0)
    >>> x.shape, Independent().describe()["mutual_information"]
    ((3, 1), 0.0)
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

        Parameters
        ----------
        n : int
            Number of pairs (>= 1).
        seed : int, default=0
            Seed of ``numpy.random.default_rng`` (>= 0).

        Returns
        -------
        x : numpy.ndarray of shape (n, dim_x)
            Samples of X, float64.
        y : numpy.ndarray of shape (n, dim_y)
            Samples of Y, float64 (labels tasks: int64 of shape (n,)).
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

"""Correlated Gaussian vectors: the one family whose MI has a closed form in any dimension.

X ~ N(0, I_dx) and Y ~ N(0, I_dy) with corr(X_i, Y_i) = rho_i for i < k = len(rho) and all
other pairs independent. The joint covariance is block [[I, R], [R^T, I]] with R = diag(rho)
padded by zeros, so (Cover & Thomas, "Elements of Information Theory", 2nd ed., 2006, eq. 8.56
applied to each independent pair)

    I(X; Y) = -1/2 * sum_i log(1 - rho_i^2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from infolens._validation import check_positive_int
from infolens.tasks.base import TaskBase, check_finite_float

__all__ = ["CorrelatedGaussian", "gaussian_mi_from_correlations", "correlation_for_mi"]


def gaussian_mi_from_correlations(rho: Sequence[float] | np.ndarray | float) -> float:
    """I(X; Y) = -1/2 sum_i log(1 - rho_i^2) in nats for independent pairs with correlations rho_i.

    Parameters
    ----------
    rho : float or sequence of float or numpy.ndarray
        The correlations of the pairs, each ``|rho_i| < 1``.

    Returns
    -------
    float
        The mutual information in nats.

    Raises
    ------
    ValueError
        Unless every correlation is finite with ``|rho_i| < 1``.

    References
    ----------
    Cover & Thomas, "Elements of Information Theory", 2nd ed., 2006, eq. 8.56.

    Examples
    --------
    >>> round(gaussian_mi_from_correlations([0.5, 0.5]), 6)
    0.287682
    """
    r = np.atleast_1d(np.asarray(rho, dtype=np.float64))
    if not np.all(np.isfinite(r)) or np.any(np.abs(r) >= 1.0):
        raise ValueError(f"rho: every correlation must satisfy |rho| < 1, got {r.tolist()}")
    return float(-0.5 * np.sum(np.log1p(-(r**2))))


def correlation_for_mi(total: float, n_pairs: int) -> float:
    """The correlation rho that gives ``total`` nats spread evenly over ``n_pairs`` pairs.

    Inverts ``total = -n_pairs/2 * log(1 - rho^2)``: rho = sqrt(1 - exp(-2 total / n_pairs)).

    Parameters
    ----------
    total : float
        The total mutual information in nats (>= 0).
    n_pairs : int
        The number of correlated pairs (>= 1).

    Returns
    -------
    float
        The correlation of every pair, in [0, 1).

    Examples
    --------
    >>> round(correlation_for_mi(0.5 * np.log(4 / 3), 1), 12)
    0.5
    """
    total = check_finite_float(total, "mutual_information", minimum=0.0)
    n_pairs = check_positive_int(n_pairs, "n_pairs")
    return float(np.sqrt(-np.expm1(-2.0 * total / n_pairs)))


class CorrelatedGaussian(TaskBase):
    """X ~ N(0, I_dx), Y ~ N(0, I_dy) with corr(X_i, Y_i) = rho_i, I = -1/2 sum log(1 - rho_i^2).

    Give exactly one of

    * ``rho``: one correlation for every one of the min(dim_x, dim_y) pairs (a scalar), or a
      sequence of k <= min(dim_x, dim_y) correlations for the first k pairs (the others are 0);
    * ``mutual_information``: total nats, spread evenly over the first k = ``correlated_pairs``
      pairs (default: all min(dim_x, dim_y)), each rho = sqrt(1 - exp(-2 I / k)); e.g. 50 + 50
      dimensions with I = 25 nats, a high-MI test for the normalizing-flow estimator (Butakov
      et al., "Mutual Information Estimation via Normalizing Flows", NeurIPS 2024,
      arXiv:2403.02187), or 25 + 25 dimensions with 1 correlated pair, a "sparse interaction"
      of "Beyond Normal".

    Sampling: X = Z1, Y_i = rho_i X_i + sqrt(1 - rho_i^2) Z2_i (Z1, Z2 standard normal).

    Parameters
    ----------
    dim_x : int
        Dimension of X.
    dim_y : int or None, default=None
        Dimension of Y (``None``: ``dim_x``).
    rho : float or sequence of float or numpy.ndarray or None, default=None
        Correlations, each ``|rho| < 1``.
    mutual_information : float or None, default=None
        The total MI in nats (>= 0).
    correlated_pairs : int or None, default=None
        With ``mutual_information``: the number k of correlated pairs, 1 <= k <=
        min(dim_x, dim_y); ``None``: all of them. (With ``rho``, its length says it.)

    Raises
    ------
    ValueError
        Unless exactly one of ``rho`` and ``mutual_information`` is given, valid, and
        ``correlated_pairs`` (if given) comes with ``mutual_information`` and is in range.

    References
    ----------
    Cover & Thomas, "Elements of Information Theory", 2nd ed., 2006, eq. 8.56 (the MI of a
    Gaussian pair); the "Beyond Normal" benchmark's correlated Gaussians, Czyz et al.,
    NeurIPS 2023, arXiv:2306.11078.

    Examples
    --------
    >>> task = CorrelatedGaussian(2, mutual_information=1.0)
    >>> x, y = task.sample(1000, seed=0)
    >>> x.shape, y.shape, task.mutual_information
    ((1000, 2), (1000, 2), 1.0)
    """

    def __init__(
        self,
        dim_x: int,
        dim_y: int | None = None,
        *,
        rho: Sequence[float] | np.ndarray | float | None = None,
        mutual_information: float | None = None,
        correlated_pairs: int | None = None,
    ) -> None:
        self.dim_x = check_positive_int(dim_x, "dim_x")
        self.dim_y = self.dim_x if dim_y is None else check_positive_int(dim_y, "dim_y")
        n_pairs = min(self.dim_x, self.dim_y)
        if (rho is None) == (mutual_information is None):
            raise ValueError("rho, mutual_information: give exactly one of them")
        if correlated_pairs is not None:
            if rho is not None:
                raise ValueError(
                    "correlated_pairs: give it with mutual_information (with rho, its length "
                    "is the number of correlated pairs)"
                )
            n_pairs = check_positive_int(correlated_pairs, "correlated_pairs")
            if n_pairs > min(self.dim_x, self.dim_y):
                raise ValueError(
                    f"correlated_pairs: must be <= min(dim_x, dim_y) = "
                    f"{min(self.dim_x, self.dim_y)}, got {n_pairs}"
                )
        self._correlated_pairs = correlated_pairs
        if rho is not None:
            r = np.asarray(rho, dtype=np.float64) if not isinstance(rho, str) else None
            if r is None or r.ndim > 1:
                raise ValueError(f"rho: expected a number or a 1-D sequence, got {rho!r}")
            if r.ndim == 0:
                r = np.full(n_pairs, float(r))
            if len(r) == 0 or len(r) > n_pairs:
                raise ValueError(
                    f"rho: expected 1 to min(dim_x, dim_y) = {n_pairs} correlations, got {len(r)}"
                )
            self._mi = gaussian_mi_from_correlations(r)
            self._requested_mi: float | None = None
            noise = np.sqrt((1.0 - r) * (1.0 + r))
        else:
            total = check_finite_float(mutual_information, "mutual_information", minimum=0.0)
            r = np.full(n_pairs, correlation_for_mi(total, n_pairs))
            self._mi = total  # exact as requested, not re-rounded through rho
            self._requested_mi = total
            # sqrt(1 - rho^2) = exp(-I / k) exactly, better than through rho when rho ~ 1
            noise = np.full(n_pairs, np.exp(-total / n_pairs))
        self.rho: np.ndarray = r
        self.rho.setflags(write=False)
        self._noise = noise
        sparse = "" if len(r) == min(self.dim_x, self.dim_y) else f"-p{len(r)}"
        self.name = f"gaussian-{self.dim_x}x{self.dim_y}{sparse}-i{self._mi:.4g}"

    @property
    def mutual_information(self) -> float:
        """-1/2 sum log(1 - rho_i^2), nats."""
        return self._mi

    def covariance(self) -> np.ndarray:
        """The joint covariance of (X, Y).

        Returns
        -------
        numpy.ndarray of shape (dim_x + dim_y, dim_x + dim_y)
            ``[[I, R], [R^T, I]]`` with ``R = diag(rho)`` padded by zeros.
        """
        d = self.dim_x + self.dim_y
        cov = np.eye(d)
        k = len(self.rho)
        idx = np.arange(k)
        cov[idx, self.dim_x + idx] = self.rho
        cov[self.dim_x + idx, idx] = self.rho
        return cov

    def parameters(self) -> dict[str, Any]:
        """The constructor parameters (``rho`` or ``mutual_information`` as given), for JSON."""
        out: dict[str, Any] = {"dim_x": self.dim_x, "dim_y": self.dim_y}
        if self._requested_mi is not None:
            out["mutual_information"] = self._requested_mi
            if self._correlated_pairs is not None:
                out["correlated_pairs"] = self._correlated_pairs
        else:
            out["rho"] = [float(v) for v in self.rho]
        return out

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, self.dim_x))
        y = rng.standard_normal((n, self.dim_y))
        k = len(self.rho)
        y[:, :k] = self.rho * x[:, :k] + self._noise * y[:, :k]
        return x, y

"""Multivariate Student-t pairs: heavy tails, and dependence that no correlation shows.

(X, Y) is jointly multivariate Student-t with ``dof`` = nu degrees of freedom, location 0 and
dispersion S = [[I, R], [R^T, I]], R = diag(rho) padded by zeros: (X, Y) = Z / sqrt(W / nu) with
Z ~ N(0, S) and W ~ chi^2_nu independent. The marginals are Student-t with the same nu and the
diagonal blocks of S, and the shared scale W makes X and Y dependent even when R = 0.

With the differential entropy of a d-dimensional t (Arellano-Valle, Contreras-Reyes & Genton,
"Shannon Entropy and Mutual Information for Multivariate Skew-Elliptical Distributions",
Scandinavian Journal of Statistics 40, 2013, eq. 7)

    h_d = 1/2 log det S + d/2 log(nu pi) + log Gamma(nu/2) - log Gamma((nu + d)/2)
          + (nu + d)/2 [psi((nu + d)/2) - psi(nu/2)],

I(X; Y) = h_dx + h_dy - h_(dx+dy) splits into the Gaussian MI of S and a correction that
depends only on nu, dx and dy: with f(z) = log Gamma(z) - z psi(z),

    I(X; Y) = -1/2 sum_i log(1 - rho_i^2)
              + f(nu/2) + f((nu + dx + dy)/2) - f((nu + dx)/2) - f((nu + dy)/2).

The correction is > 0 and falls to 0 as nu -> infinity (the Gaussian limit). This is the
"Student-t" task of Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information
Estimators", NeurIPS 2023, arXiv:2306.11078. The tests check the closed form against a Monte
Carlo mean of log p(x, y) - log p(x) - log p(y) with ``scipy.stats.multivariate_t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import gammaln, psi
from scipy.stats import ortho_group

from infolens._validation import check_positive_int
from infolens.tasks.base import TaskBase, check_finite_float, check_seed
from infolens.tasks.gaussian import gaussian_mi_from_correlations

__all__ = ["MultivariateStudentT", "student_t_mi_correction"]


def _check_dof(dof: object) -> float:
    nu = check_finite_float(dof, "dof")
    if nu <= 0.0:
        raise ValueError(f"dof: must be > 0, got {nu}")
    return nu


def _log_gamma_minus_z_digamma(z: float) -> float:
    """f(z) = log Gamma(z) - z psi(z)."""
    return float(gammaln(z) - z * psi(z))


def student_t_mi_correction(dof: float, dim_x: int, dim_y: int) -> float:
    """The Student-t part of I(X; Y): the MI of a t pair beyond the Gaussian MI of its dispersion.

    With f(z) = log Gamma(z) - z psi(z) (psi the digamma function) and nu = ``dof``,

        c = f(nu/2) + f((nu + dx + dy)/2) - f((nu + dx)/2) - f((nu + dy)/2),

    which is I(X; Y) itself when the dispersion is block diagonal (X, Y uncorrelated).

    Parameters
    ----------
    dof : float
        Degrees of freedom nu (> 0).
    dim_x : int
        Dimension dx of X (>= 1).
    dim_y : int
        Dimension dy of Y (>= 1).

    Returns
    -------
    float
        The correction in nats (> 0; clipped at 0 where rounding of the nearly cancelling terms
        at very large ``dof`` would make it negative).

    Raises
    ------
    ValueError
        Naming the argument, for ``dof <= 0`` or a dimension < 1.

    References
    ----------
    Arellano-Valle, Contreras-Reyes & Genton, "Shannon Entropy and Mutual Information for
    Multivariate Skew-Elliptical Distributions", Scandinavian Journal of Statistics 40, 2013;
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078.

    Examples
    --------
    >>> round(student_t_mi_correction(1, 1, 1), 6)  # two Cauchy coordinates sharing a scale
    0.224171
    >>> student_t_mi_correction(1e3, 2, 2) < 1e-5  # the Gaussian limit
    True
    """
    nu = _check_dof(dof)
    dx = check_positive_int(dim_x, "dim_x")
    dy = check_positive_int(dim_y, "dim_y")
    f = _log_gamma_minus_z_digamma
    c = f(nu / 2) + f((nu + dx + dy) / 2) - f((nu + dx) / 2) - f((nu + dy) / 2)
    return max(c, 0.0)


class MultivariateStudentT(TaskBase):
    """(X, Y) jointly Student-t with ``dof`` degrees of freedom and canonical correlations rho_i.

    The dispersion is S = [[I, R], [R^T, I]] with R = diag(rho) padded by zeros, and
    I(X; Y) = -1/2 sum log(1 - rho_i^2) + :func:`student_t_mi_correction` (module docstring).
    With ``rotation_seed``, X and Y are each turned by a seeded Haar-random rotation, so the
    cross block of the dispersion is dense; invertible linear maps of X and of Y separately
    leave the MI unchanged.

    Sampling: Z ~ N(0, S) as in :class:`~infolens.tasks.CorrelatedGaussian`, W ~ chi^2_dof,
    (X, Y) = Z / sqrt(W / dof), one W per pair. For ``dof <= 2`` the variance is infinite
    (``dof = 1``: Cauchy marginals); estimators that standardise by the sample variance see
    that.

    Parameters
    ----------
    dim_x : int
        Dimension of X (>= 1).
    dim_y : int or None, default=None
        Dimension of Y (>= 1; ``None``: ``dim_x``).
    dof : float, default=1.0
        Degrees of freedom (> 0, need not be an integer).
    correlation : float or sequence of float, default=0.0
        A scalar, used for every one of the min(dim_x, dim_y) pairs, or k <= min(dim_x, dim_y)
        values for the first k pairs (the others are 0); each ``|rho| < 1``. These are the
        correlations of the dispersion, i.e. of Z (and of (X, Y) when ``dof > 2``).
    rotation_seed : int or None, default=None
        Seed of the rotations of X and Y (child 0 and 1 of ``SeedSequence(rotation_seed)``);
        ``None``: no rotation.

    Raises
    ------
    ValueError
        Naming the argument: ``dim_x``/``dim_y`` < 1, ``dof <= 0``, a ``correlation`` with
        ``|rho| >= 1`` or too many values, a negative ``rotation_seed``.

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078 (the Student-t tasks); Arellano-Valle, Contreras-Reyes &
    Genton, "Shannon Entropy and Mutual Information for Multivariate Skew-Elliptical
    Distributions", Scandinavian Journal of Statistics 40, 2013 (the entropy).

    Examples
    --------
    >>> task = MultivariateStudentT(2, 3, dof=3, correlation=0.8)
    >>> x, y = task.sample(1000, seed=0)
    >>> x.shape, y.shape, round(task.mutual_information, 4)
    ((1000, 2), (1000, 3), 1.1618)
    >>> round(MultivariateStudentT(1, dof=1).mutual_information, 4)  # rho = 0, still dependent
    0.2242
    """

    def __init__(
        self,
        dim_x: int,
        dim_y: int | None = None,
        *,
        dof: float = 1.0,
        correlation: Sequence[float] | np.ndarray | float = 0.0,
        rotation_seed: int | None = None,
    ) -> None:
        self.dim_x = check_positive_int(dim_x, "dim_x")
        self.dim_y = self.dim_x if dim_y is None else check_positive_int(dim_y, "dim_y")
        self.dof = _check_dof(dof)
        n_pairs = min(self.dim_x, self.dim_y)
        try:
            r = np.asarray(correlation, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"correlation: expected a number or a 1-D sequence, got {correlation!r}"
            ) from None
        if r.ndim > 1:
            raise ValueError(f"correlation: expected a number or a 1-D sequence, got {r.shape}")
        if r.ndim == 0:
            r = np.full(n_pairs, float(r))
        if len(r) == 0 or len(r) > n_pairs:
            raise ValueError(
                f"correlation: expected 1 to min(dim_x, dim_y) = {n_pairs} values, got {len(r)}"
            )
        if not np.all(np.isfinite(r)) or np.any(np.abs(r) >= 1.0):
            raise ValueError(f"correlation: every value must satisfy |rho| < 1, got {r.tolist()}")
        self.correlation: np.ndarray = r
        self.correlation.setflags(write=False)
        self._noise = np.sqrt((1.0 - r) * (1.0 + r))
        self.rotation_seed = None if rotation_seed is None else check_seed(
            rotation_seed, "rotation_seed"
        )
        self._rot_x: np.ndarray | None = None
        self._rot_y: np.ndarray | None = None
        if self.rotation_seed is not None:
            rng_x, rng_y = (
                np.random.default_rng(s) for s in np.random.SeedSequence(self.rotation_seed).spawn(2)
            )
            self._rot_x = _haar_rotation(self.dim_x, rng_x)
            self._rot_y = _haar_rotation(self.dim_y, rng_y)
        self._gaussian_mi = gaussian_mi_from_correlations(r)
        self._correction = student_t_mi_correction(self.dof, self.dim_x, self.dim_y)
        self.name = f"student-{self.dim_x}x{self.dim_y}-dof{self.dof:g}-i{self.mutual_information:.4g}"

    @property
    def mutual_information(self) -> float:
        """-1/2 sum log(1 - rho_i^2) + the Student-t correction, nats."""
        return self._gaussian_mi + self._correction

    @property
    def gaussian_part(self) -> float:
        """-1/2 sum log(1 - rho_i^2): the MI a Gaussian with this dispersion would have, nats."""
        return self._gaussian_mi

    @property
    def correction(self) -> float:
        """:func:`student_t_mi_correction` of ``dof``, ``dim_x``, ``dim_y``, nats."""
        return self._correction

    def dispersion(self) -> np.ndarray:
        """The dispersion (scale) matrix of (X, Y), rotations included.

        Returns
        -------
        numpy.ndarray of shape (dim_x + dim_y, dim_x + dim_y)
            ``Q [[I, R], [R^T, I]] Q^T`` with ``Q`` the block-diagonal rotation (identity
            without ``rotation_seed``); the covariance is ``dof / (dof - 2)`` times it for
            ``dof > 2``.
        """
        dx, d = self.dim_x, self.dim_x + self.dim_y
        s = np.eye(d)
        idx = np.arange(len(self.correlation))
        s[idx, dx + idx] = self.correlation
        s[dx + idx, idx] = self.correlation
        if self._rot_x is not None and self._rot_y is not None:
            q = np.zeros((d, d))
            q[:dx, :dx] = self._rot_x
            q[dx:, dx:] = self._rot_y
            s = q @ s @ q.T
        return s

    def parameters(self) -> dict[str, Any]:
        """The constructor parameters, for JSON."""
        return {
            "dim_x": self.dim_x,
            "dim_y": self.dim_y,
            "dof": self.dof,
            "correlation": [float(v) for v in self.correlation],
            "rotation_seed": self.rotation_seed,
        }

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, self.dim_x))
        y = rng.standard_normal((n, self.dim_y))
        k = len(self.correlation)
        y[:, :k] = self.correlation * x[:, :k] + self._noise * y[:, :k]
        scale = np.sqrt(self.dof / rng.chisquare(self.dof, size=(n, 1)))
        x *= scale
        y *= scale
        if self._rot_x is not None and self._rot_y is not None:
            x = x @ self._rot_x.T
            y = y @ self._rot_y.T
        return x, y


def _haar_rotation(dim: int, rng: np.random.Generator) -> np.ndarray:
    if dim == 1:  # Haar measure on O(1) = {+1, -1}
        return np.array([[rng.choice([-1.0, 1.0])]])
    return ortho_group.rvs(dim, random_state=rng)

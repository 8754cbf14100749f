"""Gaussian-copula mutual information: normal scores, the plug-in Gaussian MI and its bias.

Replacing every coordinate by its normal scores Phi^{-1}(rank / (n + 1)) is a strictly increasing
map per coordinate, so it leaves I(X; Y) unchanged (Kraskov et al. 2004, eq. 45) and gives
standard normal marginals; the Gaussian MI of the scores' correlation matrix,
``I_G = 1/2 (log det R_xx + log det R_yy - log det R)``, is then exact whenever the dependence is
a Gaussian copula, at any dimension and MI, and for one-dimensional X and Y a lower bound on
I(X; Y) otherwise (for fixed Gaussian marginals and correlation, the Gaussian joint law has the
largest entropy). Ince et al., "A statistical framework for neuroimaging data analysis based on
mutual information estimated via a Gaussian copula", Human Brain Mapping 38 (2017).

:class:`~infolens.estimators.auto.AutoMI` builds on these functions, and the k-NN estimators
use :func:`gaussian_copula_estimate` to notice when their own bias dominates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import qr
from scipy.special import digamma, ndtri
from scipy.stats import rankdata

from infolens.estimators.gaussian import cca_from_covariance

__all__ = [
    "copula_normal_scores",
    "independent_columns",
    "gaussian_plugin_bias",
    "gaussian_copula_mi",
    "GaussianCopulaFit",
    "fit_gaussian_copula",
    "gaussian_copula_estimate",
]


def copula_normal_scores(a: np.ndarray) -> np.ndarray:
    """Each column replaced by its normal scores Phi^{-1}(rank / (n + 1)) (ties: average rank).

    Parameters
    ----------
    a : numpy.ndarray of shape (n_samples, n_features)
        The samples.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_features)
        The scores: standard normal marginals, the same copula as ``a``.

    Examples
    --------
    >>> copula_normal_scores(np.array([[3.0], [1.0], [2.0]]))[:, 0].round(3).tolist()
    [0.674, -0.674, 0.0]
    """
    return ndtri(rankdata(a, axis=0) / (len(a) + 1))


def independent_columns(a: np.ndarray, rtol: float = 1e-9) -> np.ndarray:
    """Indices of a maximal set of linearly independent columns of ``a`` (centred).

    A column that is a linear combination of others (e.g. a duplicate) adds nothing to
    I(X; Y) once the others are known, but makes the covariance singular.

    Parameters
    ----------
    a : numpy.ndarray of shape (n_samples, n_features)
        The samples.
    rtol : float, default=1e-9
        A pivot below ``rtol`` times the largest one counts as zero (QR with column pivoting).

    Returns
    -------
    numpy.ndarray of int
        Sorted column indices.

    Examples
    --------
    >>> a = np.array([[0.0, 0.0, 1.0], [1.0, 2.0, 0.0], [2.0, 4.0, 5.0]])
    >>> independent_columns(a).tolist()
    [1, 2]
    """
    centred = a - a.mean(axis=0)
    _, r, pivots = qr(centred, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    keep = diag > rtol * diag[0] if len(diag) and diag[0] > 0 else np.zeros(len(diag), bool)
    return np.sort(pivots[: len(diag)][keep])


def _wishart_log_det_bias(d: int, dof: int) -> float:
    """b(d) = E log det S - log det Sigma for a sample covariance with ``dof`` degrees of freedom."""
    return float(np.sum(digamma((dof - np.arange(d)) / 2.0)) + d * math.log(2.0 / dof))


def gaussian_plugin_bias(n: int, dim_x: int, dim_y: int) -> float:
    """Expected bias of the plug-in Gaussian MI from ``n`` Gaussian samples, in nats.

    ``(b(dx) + b(dy) - b(dx + dy)) / 2`` with ``b(d) = sum_{i<d} psi((m - i)/2) + d log(2/m)``,
    ``m = n - 1``: exact for Gaussian data, about ``dx * dy / (2 n)`` when n is large.

    Parameters
    ----------
    n : int
        Number of samples (> dim_x + dim_y + 1).
    dim_x, dim_y : int
        The dimensions.

    Returns
    -------
    float
        The bias (>= 0).

    References
    ----------
    Anderson, "An Introduction to Multivariate Statistical Analysis", 3rd ed., 2003,
    theorem 7.5.3 (the distribution of a Wishart determinant).

    Examples
    --------
    >>> round(gaussian_plugin_bias(5000, 25, 25) * 2 * 5000 / (25 * 25), 3)  # ~ dx dy / (2 n)
    1.005
    """
    m = n - 1
    return 0.5 * (
        _wishart_log_det_bias(dim_x, m) + _wishart_log_det_bias(dim_y, m)
        - _wishart_log_det_bias(dim_x + dim_y, m)
    )


def gaussian_copula_mi(corr: np.ndarray, dim_x: int) -> tuple[float, np.ndarray]:
    """The Gaussian MI of a joint correlation matrix, and its canonical correlations.

    ``I_G = -1/2 sum_i log(1 - rho_i^2)`` with rho_i the canonical correlations, the singular
    values of ``R_xx^{-1/2} R_xy R_yy^{-1/2}`` (Hotelling 1936).

    Parameters
    ----------
    corr : numpy.ndarray of shape (dx + dy, dx + dy)
        The joint correlation (or covariance) matrix, positive definite on each side.
    dim_x : int
        The dimension of X (the first ``dim_x`` rows).

    Returns
    -------
    mi : float
        I_G in nats (``inf`` when a canonical correlation is 1).
    rho : numpy.ndarray
        The canonical correlations, largest first.

    Examples
    --------
    >>> mi, rho = gaussian_copula_mi(np.array([[1.0, 0.6], [0.6, 1.0]]), 1)
    >>> round(mi, 4), rho.round(3).tolist()
    (0.2231, [0.6])
    """
    rho = cca_from_covariance(corr[:dim_x, :dim_x], corr[dim_x:, dim_x:], corr[:dim_x, dim_x:]).rho
    with np.errstate(divide="ignore"):
        mi = float(-0.5 * np.sum(np.log1p(-(rho**2))))
    return mi, rho


@dataclass(frozen=True)
class GaussianCopulaFit:
    """The Gaussian-copula view of paired samples (:func:`fit_gaussian_copula`).

    Parameters
    ----------
    u : numpy.ndarray of shape (n_samples, dx)
        Normal scores of X, linearly dependent columns dropped.
    v : numpy.ndarray of shape (n_samples, dy)
        The same for Y.
    corr : numpy.ndarray of shape (dx + dy, dx + dy) or None
        The joint correlation matrix of the scores (None when n < dx + dy + 3).
    plugin : float
        Its Gaussian MI I_G in nats (``inf`` for a canonical correlation 1, NaN without
        ``corr``).
    rho : numpy.ndarray
        The canonical correlations, largest first (empty without ``corr``).
    """

    u: np.ndarray
    v: np.ndarray
    corr: np.ndarray | None
    plugin: float
    rho: np.ndarray

    @property
    def value(self) -> float:
        """I_G minus its plug-in bias (:func:`gaussian_plugin_bias`), nats."""
        return self.plugin - gaussian_plugin_bias(len(self.u), self.u.shape[1], self.v.shape[1])

    @property
    def stderr(self) -> float:
        """The delta-method standard error ``sqrt(sum_i rho_i^2 / n)`` (NaN for an infinite I_G)."""
        if not math.isfinite(self.plugin):
            return math.nan
        return math.sqrt(float(np.sum(self.rho**2)) / len(self.u))


def fit_gaussian_copula(x: np.ndarray, y: np.ndarray) -> GaussianCopulaFit:
    """Normal scores of every column, linearly dependent columns dropped
    (:func:`independent_columns`), their joint correlation matrix and its Gaussian MI
    (:func:`gaussian_copula_mi`).

    Parameters
    ----------
    x : numpy.ndarray of shape (n_samples, dx)
        Samples of X, no constant column.
    y : numpy.ndarray of shape (n_samples, dy)
        Samples of Y, paired with ``x``.

    Returns
    -------
    GaussianCopulaFit
        The scores, the correlation matrix and I_G (none of them when n < dx + dy + 3).
    """
    u, v = copula_normal_scores(x), copula_normal_scores(y)
    u, v = u[:, independent_columns(u)], v[:, independent_columns(v)]
    if len(u) < u.shape[1] + v.shape[1] + 3:
        return GaussianCopulaFit(u, v, None, math.nan, np.zeros(0))
    corr = np.corrcoef(np.hstack([u, v]), rowvar=False)
    plugin, rho = gaussian_copula_mi(corr, u.shape[1])
    return GaussianCopulaFit(u, v, corr, plugin, rho)


def gaussian_copula_estimate(x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """The debiased Gaussian-copula MI of samples, its standard error and the canonical correlations.

    :func:`fit_gaussian_copula`, then ``I_G - bias`` (:func:`gaussian_plugin_bias`) with the
    delta-method standard error ``sqrt(sum_i rho_i^2 / n)``.

    Parameters
    ----------
    x : numpy.ndarray of shape (n_samples, dx)
        Samples of X, no constant column.
    y : numpy.ndarray of shape (n_samples, dy)
        Samples of Y, paired with ``x``.

    Returns
    -------
    value : float
        The estimate in nats (``inf`` when a canonical correlation is 1; NaN when n is too small
        for the dimensions, n < dx + dy + 3).
    stderr : float
        Its standard error.
    rho : numpy.ndarray
        The canonical correlations of the scores, largest first.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(5000, 1)); y = np.exp(0.6 * x + 0.8 * rng.normal(size=(5000, 1)))
    >>> round(gaussian_copula_estimate(x, y)[0], 2)  # truth: -1/2 log(1 - 0.36) = 0.22
    0.23
    """
    fit = fit_gaussian_copula(x, y)
    if not math.isfinite(fit.plugin):
        return fit.plugin, math.nan, fit.rho
    return fit.value, fit.stderr, fit.rho

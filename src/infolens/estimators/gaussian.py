"""Gaussian mutual information in closed form, and canonical correlation analysis (pure NumPy).

For jointly Gaussian (X, Y) with covariance ``S``,

    I(X;Y) = 1/2 (log det S_xx + log det S_yy - log det S)  (:func:`gaussian_mi_from_covariance`),

and in canonical coordinates (CCA: Hotelling, "Relations between two sets of variates",
Biometrika 28(3/4), 1936) the covariance is ``[[I, diag rho], [diag rho, I]]``, so that

    I(X;Y) = -1/2 sum_i log(1 - rho_i^2)  (:func:`tridiag_gaussian_mi`).

These are the read-outs of the flow estimator (:mod:`infolens.estimators.flows`, whose torch
heads start at :func:`canonical_correlation_analysis` of the initial codes) and a plug-in
estimator of their own (:func:`gaussian_cca_mi`). No torch here.

Examples
--------
>>> import numpy as np
>>> round(tridiag_gaussian_mi([0.6, 0.0]), 4)  # -1/2 log(1 - 0.36)
0.2231
>>> cov = np.array([[1.0, 0.6], [0.6, 1.0]])
>>> round(gaussian_mi_from_covariance(cov, 1), 4)
0.2231
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infolens._validation import as_paired_samples, check_positive_int

__all__ = [
    "MAX_INIT_RHO",
    "CCAResult",
    "canonical_correlation_analysis",
    "cca_from_covariance",
    "gaussian_cca_mi",
    "gaussian_mi_from_covariance",
    "held_out_canonical_mi",
    "tridiag_gaussian_mi",
]

MAX_INIT_RHO = 1 - 1e-6
"""Canonical correlations are clipped to this magnitude where a logarithm or atanh of
``1 - rho^2`` is taken (a correlation of exactly 1 means infinite MI)."""


def tridiag_gaussian_mi(rho: object) -> float:
    """I = -1/2 sum_i log(1 - rho_i^2) (nats): the MI of ``N(0, [[I, diag rho], [diag rho, I]])``.

    Parameters
    ----------
    rho : array-like of float
        The canonical correlations (any shape; flattened).

    Returns
    -------
    float
        The mutual information in nats.

    Raises
    ------
    ValueError
        Unless every ``|rho_i| < 1``.

    Examples
    --------
    >>> round(tridiag_gaussian_mi([0.8, 0.8]), 4)  # -log(1 - 0.64)
    1.0217
    """
    r = np.asarray(rho, dtype=np.float64).ravel()
    if not np.all(np.isfinite(r)) or np.any(np.abs(r) >= 1):
        raise ValueError(f"rho: every correlation must lie in (-1, 1), got {r}")
    return float(-0.5 * np.sum(np.log1p(-(r**2))))


def gaussian_mi_from_covariance(cov: object, dim_x: int) -> float:
    """I = 1/2 (log det S_xx + log det S_yy - log det S) for a Gaussian with covariance ``S``.

    Parameters
    ----------
    cov : array-like of shape (dx + dy, dx + dy)
        The covariance ``S`` of ``(X, Y)``, with X in the first ``dim_x`` coordinates.
    dim_x : int
        The dimension dx of X (>= 1 and smaller than the size of ``cov``).

    Returns
    -------
    float
        The mutual information in nats.

    Raises
    ------
    ValueError
        If ``S`` is not a finite symmetric positive definite square matrix, or ``dim_x`` does
        not split it.

    Examples
    --------
    >>> round(gaussian_mi_from_covariance([[1.0, 0.5], [0.5, 1.0]], 1), 4)  # -1/2 log(3/4)
    0.1438
    """
    s = np.asarray(cov, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise ValueError(f"cov: expected a square matrix, got shape {s.shape}")
    dim_x = check_positive_int(dim_x, "dim_x")
    if dim_x >= s.shape[0]:
        raise ValueError(f"dim_x: must be smaller than the size of cov ({s.shape[0]}), got {dim_x}")
    if not np.all(np.isfinite(s)) or not np.allclose(s, s.T, rtol=1e-8, atol=1e-10):
        raise ValueError("cov: must be a finite symmetric matrix")
    logdets = []
    for block in (s[:dim_x, :dim_x], s[dim_x:, dim_x:], s):
        sign, logdet = np.linalg.slogdet(block)
        if sign <= 0:
            raise ValueError("cov: must be positive definite")
        logdets.append(logdet)
    return float(0.5 * (logdets[0] + logdets[1] - logdets[2]))


@dataclass(frozen=True)
class CCAResult:
    """Canonical correlation analysis of (X, Y).

    ``u = (x - mean_x) @ weights_x`` and ``v = (y - mean_y) @ weights_y`` have identity
    covariances and ``cov(u_i, v_j) = rho_i`` if ``i == j < k`` else 0, ``k = min(dx, dy)``.

    Parameters
    ----------
    mean_x : numpy.ndarray of shape (dx,)
        Mean of X.
    mean_y : numpy.ndarray of shape (dy,)
        Mean of Y.
    weights_x : numpy.ndarray of shape (dx, dx)
        Canonical directions of X, by column.
    weights_y : numpy.ndarray of shape (dy, dy)
        Canonical directions of Y, by column.
    rho : numpy.ndarray of shape (k,)
        Canonical correlations, in decreasing order.

    References
    ----------
    Hotelling, "Relations between two sets of variates", Biometrika 28(3/4), 1936.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(1000, 2)); y = x[:, :1] + rng.normal(size=(1000, 1))
    >>> cca = canonical_correlation_analysis(x, y)
    >>> cca.weights_x.shape, cca.weights_y.shape, round(float(cca.rho[0]), 1)
    ((2, 2), (1, 1), 0.7)
    """

    mean_x: np.ndarray
    mean_y: np.ndarray
    weights_x: np.ndarray
    weights_y: np.ndarray
    rho: np.ndarray

    @property
    def mutual_information(self) -> float:
        """The Gaussian MI ``-1/2 sum log(1 - rho^2)`` of the canonical correlations."""
        return tridiag_gaussian_mi(np.minimum(self.rho, MAX_INIT_RHO))


def _inverse_sqrt(cov: np.ndarray, name: str) -> np.ndarray:
    """Symmetric inverse square root of a covariance matrix (eigendecomposition)."""
    vals, vecs = np.linalg.eigh(cov)
    if vals.min() <= 1e-12 * max(vals.max(), 1e-300):
        raise ValueError(f"{name}: covariance is singular (a coordinate is constant or redundant)")
    return (vecs / np.sqrt(vals)) @ vecs.T


def cca_from_covariance(
    cov_xx: np.ndarray,
    cov_yy: np.ndarray,
    cov_xy: np.ndarray,
    mean_x: np.ndarray | None = None,
    mean_y: np.ndarray | None = None,
) -> CCAResult:
    """CCA in closed form from covariance blocks.

    Whiten each side with the symmetric inverse square root, ``M = S_xx^-1/2 S_xy S_yy^-1/2``,
    SVD ``M = U diag(rho) V^T``; then ``weights_x = S_xx^-1/2 U``, ``weights_y = S_yy^-1/2 V``
    (full orthogonal U, V so that the extra coordinates of the longer side are kept).

    Parameters
    ----------
    cov_xx : array-like of shape (dx, dx)
        Covariance of X.
    cov_yy : array-like of shape (dy, dy)
        Covariance of Y.
    cov_xy : array-like of shape (dx, dy)
        Cross-covariance of X and Y.
    mean_x : array-like of shape (dx,) or None, default=None
        Mean of X (zeros when ``None``).
    mean_y : array-like of shape (dy,) or None, default=None
        Mean of Y (zeros when ``None``).

    Returns
    -------
    CCAResult
        Directions and correlations.

    Raises
    ------
    ValueError
        When ``cov_xx`` or ``cov_yy`` is singular.

    Examples
    --------
    >>> import numpy as np
    >>> eye = np.eye(2)
    >>> cca_from_covariance(eye, eye, np.diag([0.3, 0.6])).rho.tolist()
    [0.6, 0.3]
    """
    cov_xx, cov_yy, cov_xy = (np.asarray(a, dtype=np.float64) for a in (cov_xx, cov_yy, cov_xy))
    dx, dy = cov_xy.shape
    wx = _inverse_sqrt(cov_xx, "x")
    wy = _inverse_sqrt(cov_yy, "y")
    u, s, vt = np.linalg.svd(wx @ cov_xy @ wy, full_matrices=True)
    return CCAResult(
        mean_x=np.zeros(dx) if mean_x is None else np.asarray(mean_x, dtype=np.float64),
        mean_y=np.zeros(dy) if mean_y is None else np.asarray(mean_y, dtype=np.float64),
        weights_x=wx @ u,
        weights_y=wy @ vt.T,
        rho=np.clip(s[: min(dx, dy)], 0.0, 1.0),
    )


def canonical_correlation_analysis(x: object, y: object) -> CCAResult:
    """Closed-form CCA of paired samples (see :class:`CCAResult`).

    Parameters
    ----------
    x : array-like of shape (n_samples, dx)
        Samples of X (at least 3).
    y : array-like of shape (n_samples, dy)
        Samples of Y, paired with ``x`` by row.

    Returns
    -------
    CCAResult
        CCA of the sample covariance.

    References
    ----------
    Hotelling, "Relations between two sets of variates", Biometrika 28(3/4), 1936.
    """
    xa, ya = as_paired_samples(x, y, min_samples=3)
    mx, my = xa.mean(0), ya.mean(0)
    xc, yc = xa - mx, ya - my
    n = len(xa)
    return cca_from_covariance(
        xc.T @ xc / (n - 1), yc.T @ yc / (n - 1), xc.T @ yc / (n - 1), mx, my
    )


def gaussian_cca_mi(x: object, y: object) -> float:
    """The Gaussian (plug-in) MI ``-1/2 sum log(1 - rho_i^2)`` of the sample canonical correlations.

    Equal to :func:`gaussian_mi_from_covariance` of the sample covariance; exact for Gaussian data
    as n grows (biased up by about ``dx * dy / (2 n)`` nats in finite samples).

    Parameters
    ----------
    x : array-like of shape (n_samples, dx)
        Samples of X (at least 3).
    y : array-like of shape (n_samples, dy)
        Samples of Y, paired with ``x`` by row.

    Returns
    -------
    float
        The estimate in nats.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(5000, 1)); y = 0.6 * x + 0.8 * rng.normal(size=(5000, 1))
    >>> round(gaussian_cca_mi(x, y), 3)  # truth: -1/2 log(1 - 0.36) = 0.223
    0.228
    """
    return canonical_correlation_analysis(x, y).mutual_information


def held_out_canonical_mi(
    u: np.ndarray, v: np.ndarray, k: int, *, n_bootstrap: int = 200, seed: int = 0
) -> tuple[float, float, np.ndarray]:
    """MI of fixed canonical pairs on held-out data, with a bootstrap standard error.

    ``I = -1/2 sum_{i<k} log(1 - r_i^2)``, ``r_i = corr(u_i, v_i)`` on the given rows; the
    standard error is the standard deviation of ``I`` over ``n_bootstrap`` resamples of the rows.

    Parameters
    ----------
    u : numpy.ndarray of shape (n_samples, du)
        Canonical codes of X (held-out rows).
    v : numpy.ndarray of shape (n_samples, dv)
        Canonical codes of Y, paired with ``u`` by row.
    k : int
        Number of canonical pairs (the first ``k`` columns of each).
    n_bootstrap : int, default=200
        Bootstrap resamples (fewer than 2: the standard error is NaN).
    seed : int, default=0
        Seed of the resampling.

    Returns
    -------
    mi : float
        I in nats.
    stderr : float
        Its bootstrap standard error.
    r : numpy.ndarray of shape (k,)
        The held-out correlations (clipped to ``|r| <= MAX_INIT_RHO``).
    """

    def value(uu: np.ndarray, vv: np.ndarray) -> tuple[float, np.ndarray]:
        uc, vc = uu[:, :k] - uu[:, :k].mean(0), vv[:, :k] - vv[:, :k].mean(0)
        r = (uc * vc).sum(0) / np.sqrt((uc**2).sum(0) * (vc**2).sum(0))
        r = np.clip(r, -MAX_INIT_RHO, MAX_INIT_RHO)
        return float(-0.5 * np.sum(np.log1p(-(r**2)))), r

    mi, r = value(u, v)
    rng = np.random.default_rng(seed)
    boots = [value(u[idx], v[idx])[0] for idx in rng.integers(0, len(u), (n_bootstrap, len(u)))]
    return mi, float(np.std(boots, ddof=1)) if n_bootstrap > 1 else float("nan"), r

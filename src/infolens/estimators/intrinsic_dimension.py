"""The intrinsic dimension of a point cloud, by the TwoNN estimator.

Used to pick the code dimension of an autoencoder (:class:`~infolens.estimators.auto.AutoMI`)
and to notice data that lie on a manifold of lower dimension than their number of columns
(images, embeddings of a curve), where Gaussian-copula reasoning does not apply.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["two_nn_dimension", "looks_singular"]

#: a variable is taken to lie on a lower-dimensional manifold when TwoNN reads less than this
#: share of its column count (TwoNN itself reads 0.67 of 50 for a 50-dim Gaussian at n = 5,000)
SINGULAR_SHARE = 0.6


def two_nn_dimension(a: np.ndarray) -> float:
    """The intrinsic dimension of a point cloud by TwoNN: ``d = N / sum_i log(r2_i / r1_i)``.

    r1_i and r2_i are the distances from point i to its first and second nearest neighbours;
    points with a repeated nearest neighbour (r1 = 0) are left out.

    Parameters
    ----------
    a : numpy.ndarray of shape (n_samples, n_features)
        The points (at least 3 distinct ones).

    Returns
    -------
    float
        The maximum-likelihood dimension (NaN when no point has two distinct neighbours).

    References
    ----------
    Facco, d'Errico, Rodriguez & Laio, "Estimating the intrinsic dimension of datasets by a
    minimal neighborhood information", Scientific Reports 7, 12140 (2017).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> plane = rng.normal(size=(2000, 2)) @ rng.normal(size=(2, 10))  # a 2-D plane in 10-D
    >>> round(two_nn_dimension(plane), 1)
    2.0
    """
    dist, _ = cKDTree(a).query(a, k=3, workers=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mu = np.log(dist[:, 2] / dist[:, 1])
    log_mu = log_mu[np.isfinite(log_mu) & (log_mu > 0)]
    return float(len(log_mu) / log_mu.sum()) if len(log_mu) else math.nan


def looks_singular(a: np.ndarray) -> bool:
    """True when the columns of ``a`` (two or more) span a manifold of clearly lower dimension.

    TwoNN (:func:`two_nn_dimension`) on ``a`` with every column scaled to unit variance, below
    :data:`SINGULAR_SHARE` times the column count: 16x16 images of a 2-D latent read about 2,
    against 256.

    Parameters
    ----------
    a : numpy.ndarray of shape (n_samples, n_features)
        The samples (no constant column).

    Returns
    -------
    bool
        Whether ``a`` looks singular.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> curve = np.cos(rng.uniform(0, 6, size=(2000, 1)) * np.arange(1, 4))  # 1-D, in 3-D
    >>> looks_singular(rng.normal(size=(2000, 3))), looks_singular(curve)
    (False, True)
    """
    if a.shape[1] < 2:
        return False
    scaled = (a - a.mean(axis=0)) / a.std(axis=0)
    dim = two_nn_dimension(scaled)
    return math.isfinite(dim) and dim < SINGULAR_SHARE * a.shape[1]

"""k-nearest-neighbour estimators of entropy and mutual information.

All neighbour searches and ball counts are exact and run on KD-trees in ``n_jobs`` threads (default:
all cores), in the trees' leaf order, with one-dimensional counts by sorting
(:mod:`infolens.estimators.knn_counts`); nothing builds an O(n^2) distance matrix. ``device``
(``"cuda"``) computes the same distances and counts by chunked brute force with torch instead.
Every estimator is the mean of per-sample contributions, so its standard error is the standard
error of that mean (``error_method="per-sample"``). That error ignores the
weak dependence between neighbouring terms and the estimator's bias; it is what people draw as
error bars on an information plane, not a confidence interval for the true MI.

Preprocessing, shared by all estimators here (see :class:`KNNPreprocessing`):

* ``standardize``: each coordinate is centred and scaled to unit variance (MI is invariant to it;
  the max-norm neighbourhoods of KSG are not, so per-coordinate scale matters in finite samples).
* constant coordinates carry no information and are dropped before MI estimation; a variable made
  only of constant coordinates has I = 0. Entropy of a constant coordinate is -inf, so
  :meth:`KLEntropy.entropy` rejects it.
* ``jitter``: Gaussian noise of standard deviation ``jitter * std(column)`` (seeded by
  ``random_state``) is added to every coordinate, as scikit-learn's ``mutual_info_regression``
  does, so that repeated points do not produce zero distances. With ``jitter=0`` repeated rows
  are rejected. Many repeated rows mean the data are not continuous and k-NN estimates are not
  meaningful; a warning says so when over 1% of rows repeat.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import digamma, gammaln

from infolens._validation import (
    as_labels,
    as_paired_samples,
    as_samples,
    check_positive_int,
    column_moments,
    constant_columns,
    power_of_two_exponent,
)
from infolens.estimators.base import MIEstimatorBase
from infolens.estimators.copula import gaussian_copula_estimate
from infolens.estimators.intrinsic_dimension import looks_singular
from infolens.estimators.knn_counts import (
    Norm,
    _count_within_legacy,
    _knn_query_legacy,
    count_within,
    knn_query,
    resolve_knn_device,
    resolve_n_jobs,
)
from infolens.estimators.result import MIEstimate, collect_estimator_warnings, warn_estimator

__all__ = [
    "KLEntropy",
    "KSG",
    "WeightedKL",
    "ContinuousDiscreteMI",
    "KNNPreprocessing",
    "log_unit_ball_volume",
    "kl_entropy_terms",
    "ksg_terms",
    "weighted_kl_weights",
]

DUPLICATE_WARNING_FRACTION = 0.01


# ----------------------------------------------------------------------------- pure math


def log_unit_ball_volume(d: int, norm: Norm) -> float:
    """log V_d, the volume of the unit ball of the norm in R^d.

    Euclidean: V_d = pi^(d/2) / Gamma(d/2 + 1); max-norm: V_d = 2^d.
    """
    if norm == "euclidean":
        return 0.5 * d * math.log(math.pi) - float(gammaln(0.5 * d + 1.0))
    if norm == "max":
        return d * math.log(2.0)
    raise ValueError(f"norm: expected 'euclidean' or 'max', got {norm!r}")


def kl_entropy_terms(log_eps: np.ndarray, n: int, k: int | np.ndarray, d: int, norm: Norm) -> np.ndarray:
    """Per-sample terms of the Kozachenko-Leonenko entropy estimator; their mean is H(X).

    h_i = psi(N) - psi(k) + log V_d + d log eps_i, with eps_i the distance from x_i to its k-th
    neighbour (Kozachenko & Leonenko 1987; Kraskov et al. 2004, eq. 20).
    """
    return digamma(n) - digamma(k) + log_unit_ball_volume(d, norm) + d * log_eps


def ksg_terms(
    n_x: np.ndarray, n_y: np.ndarray, n: int, k: int, variant: Literal[1, 2]
) -> np.ndarray:
    """Per-sample terms of the KSG estimator (Kraskov, Stoegbauer, Grassberger 2004).

    Algorithm 1: psi(k) + psi(N) - psi(n_x + 1) - psi(n_y + 1), with n_x, n_y the numbers of
    points strictly closer than eps_i in each marginal.
    Algorithm 2: psi(k) - 1/k + psi(N) - psi(n_x) - psi(n_y), with counts at distance <= eps_x,i
    and <= eps_y,i.
    """
    if variant == 1:
        return digamma(k) + digamma(n) - digamma(n_x + 1) - digamma(n_y + 1)
    return digamma(k) - 1.0 / k + digamma(n) - digamma(n_x) - digamma(n_y)


#: largest Euclidean norm of the weights accepted; cancelling more bias terms in high dimension
#: gives an ill-conditioned system whose weights (~1e8 at d = 100) amplify noise without bound
WEIGHT_NORM_LIMIT = 100.0


def weighted_kl_weights(k: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the weighted Kozachenko-Leonenko estimator (Berrett, Samworth, Yuan 2019).

    Returns ``(support, w)``: neighbour orders j and weights w_j with minimal Euclidean norm in

        sum_j w_j = 1,   sum_j w_j Gamma(j + 2l/d) / Gamma(j) = 0  for l = 1..L,

    supported on j in {floor(i k / d): i = 1..d} (Annals of Statistics 47(1), 2019,
    arXiv:1606.00304). The paper takes L = floor(d/4), cancelling the leading
    bias terms that matter for d >= 4. When that support has fewer than L + 1 orders, it is
    widened to 1..max(k, L + 1). In high dimension those constraints are nearly dependent, so L
    is lowered until ||w||_2 <= WEIGHT_NORM_LIMIT (documented departure from the paper).
    """
    for n_constraints in range(d // 4, -1, -1):
        support, w = _min_norm_weights(k, d, n_constraints)
        if np.linalg.norm(w) <= WEIGHT_NORM_LIMIT:
            return support, w
    return support, w  # L = 0: uniform weights, norm <= 1


def _min_norm_weights(k: int, d: int, n_constraints: int) -> tuple[np.ndarray, np.ndarray]:
    support = np.unique(np.floor(np.arange(1, d + 1) * k / d).astype(int))
    support = support[support >= 1]
    if len(support) < n_constraints + 1:
        support = np.arange(1, max(k, n_constraints + 1) + 1)
    rows = [np.ones(len(support))]
    for ell in range(1, n_constraints + 1):
        rows.append(np.exp(gammaln(support + 2.0 * ell / d) - gammaln(support)))
    a = np.vstack(rows)
    b = np.zeros(len(rows))
    b[0] = 1.0
    w, *_ = np.linalg.lstsq(a, b, rcond=None)  # minimum-norm solution of an underdetermined system
    return support, w


# ----------------------------------------------------------------------------- preprocessing


def count_repeated_rows(a: np.ndarray) -> int:
    """Number of rows of ``a`` equal to an earlier row (sorting rows as raw bytes is faster than
    ``np.unique(axis=0)``; -0.0 and 0.0 count as different there, harmless for a tie check; a
    single column is sorted as numbers, faster again)."""
    if a.shape[1] == 1:
        ordered = np.sort(a[:, 0])
        return int(np.count_nonzero(ordered[1:] == ordered[:-1]))
    rows = np.ascontiguousarray(a).view(np.dtype((np.void, a.dtype.itemsize * a.shape[1])))
    return len(a) - len(np.unique(rows))


def repeated_rows_message(a: np.ndarray, name: str) -> str | None:
    """The warning for a variable with more than :data:`DUPLICATE_WARNING_FRACTION` repeated
    rows (k-NN estimators assume continuous data), or None."""
    a = a[:, ~constant_columns(a)]  # constant columns are dropped anyway
    if a.shape[1] == 0:
        return None
    n_repeated = count_repeated_rows(a)
    if n_repeated <= DUPLICATE_WARNING_FRACTION * len(a):
        return None
    return (
        f"{name}: {n_repeated} of {len(a)} rows repeat ({n_repeated / len(a):.0%}); "
        "jitter separated them, but k-NN estimates of data this discrete are not meaningful "
        "(for class labels use ContinuousDiscreteMI / --method ross)"
    )


@dataclass(frozen=True)
class KNNPreprocessing:
    """Constant columns, scaling and tie-breaking jitter (module docstring)."""

    standardize: bool = True
    jitter: float = 1e-10
    random_state: int | None = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.jitter, (int, float)) and math.isfinite(self.jitter)) or self.jitter < 0:
            raise ValueError(f"jitter: must be a finite number >= 0, got {self.jitter!r}")

    def apply(
        self, a: np.ndarray, name: str, rng: np.random.Generator, *, drop_constant: bool
    ) -> tuple[np.ndarray, float]:
        """``(processed, log_jacobian)``: constant columns dropped (or rejected), the rest
        standardized (or, without ``standardize``, rescaled by one power of two so that squared
        distances cannot overflow), jittered; the entropy of the kept raw columns is
        H(processed) + log_jacobian."""
        constant = constant_columns(a)
        if constant.any() and not drop_constant:
            cols = np.flatnonzero(constant).tolist()
            raise ValueError(
                f"{name}: column(s) {cols} are constant; differential entropy is -inf there"
            )
        a = a[:, ~constant]
        if a.shape[1] == 0:
            return a, 0.0
        log_jacobian = 0.0
        if not self.standardize:
            exponent = power_of_two_exponent(a)
            a = np.ldexp(a, -exponent)
            log_jacobian = a.shape[1] * exponent * math.log(2.0)
        mean, std = column_moments(a)
        if self.standardize:
            a = (a - mean) / std
            log_jacobian = float(np.log(std).sum())
            std = np.ones(a.shape[1])
        if self.jitter > 0:
            a = a + rng.normal(0.0, 1.0, size=a.shape) * (self.jitter * std)
        else:
            n_repeated = count_repeated_rows(a)
            if n_repeated:
                raise ValueError(
                    f"{name}: {n_repeated} repeated row(s); k-NN estimators need distinct points: "
                    "pass jitter > 0 or remove the repeats"
                )
        return a, log_jacobian

    def warn_if_repeated(self, a: np.ndarray, name: str) -> None:
        """Warn (:class:`EstimatorWarning`) when many rows of ``a`` repeat."""
        if self.jitter == 0:
            return  # apply() rejects repeats
        message = repeated_rows_message(a, name)
        if message is not None:
            warn_estimator(message)


class _KNNEstimator(MIEstimatorBase):
    """Shared hyper-parameters and preprocessing of the k-NN estimators."""

    name = "knn"

    def __init__(
        self, k: int, standardize: bool, jitter: float, random_state: int | None,
        n_jobs: int | None = None, device: object = None,
    ) -> None:
        self.k = k
        self.standardize = standardize
        self.jitter = jitter
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.device = device

    def _preprocessing(self) -> KNNPreprocessing:
        """Check the hyper-parameters; the preprocessing they describe."""
        check_positive_int(self.k, "k")
        resolve_n_jobs(self.n_jobs)
        resolve_knn_device(self.device)
        if self.random_state is not None:
            check_positive_int(self.random_state, "random_state", minimum=0)
        return KNNPreprocessing(bool(self.standardize), self.jitter, self.random_state)

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.random_state)

    def _prepare_pair(self, x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        preprocessing = self._preprocessing()
        xa, ya = as_paired_samples(x, y, min_samples=self.k + 1)
        rng = self._rng()
        preprocessing.warn_if_repeated(xa, "x")
        preprocessing.warn_if_repeated(ya, "y")
        # each variable on its own scale (MI is invariant to it): a shared one would let the
        # larger variable's scale underflow the smaller's
        xa, _ = preprocessing.apply(xa, "x", rng, drop_constant=True)
        ya, _ = preprocessing.apply(ya, "y", rng, drop_constant=True)
        return xa, ya

    def _mi_terms(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @collect_estimator_warnings()
    def estimate_with_error(self, x: object, y: object) -> MIEstimate:
        """I(X;Y) in nats with the standard error of the mean of per-sample terms."""
        xa, ya = self._prepare_pair(x, y)
        n = len(xa)
        if xa.shape[1] == 0 or ya.shape[1] == 0:  # a constant variable shares no information
            return MIEstimate(0.0, 0.0, n, self.name, details={"constant": True})
        terms = self._mi_terms(xa, ya)
        value, stderr = float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(n))
        self._flag_estimate(xa, ya, value, stderr)
        return MIEstimate(
            value, stderr, n, self.name,
            details={"k": self.k, "dim_x": xa.shape[1], "dim_y": ya.shape[1]},
        )

    def _flag_estimate(self, x: np.ndarray, y: np.ndarray, value: float, stderr: float) -> None:
        """Warn where the estimate is known to be unreliable (the plain k-NN base knows no case)."""


def _kth_neighbour_log_distances(
    a: np.ndarray, orders: np.ndarray, norm: Norm, n_jobs: int | None = None, device: object = None
) -> np.ndarray:
    """log of the distance from each point to its j-th neighbour for each j in ``orders`` (n, len)."""
    dist, _ = knn_query(a, int(orders.max()), norm, n_jobs=n_jobs, device=device)
    eps = dist[:, orders]  # column 0 is the point itself
    with np.errstate(divide="ignore"):
        return np.log(eps)


# ----------------------------------------------------------------------------- estimators


class KLEntropy(_KNNEstimator):
    """Kozachenko-Leonenko k-NN entropy, and MI as H(X) + H(Y) - H(X, Y).

    H(X) ~ psi(N) - psi(k) + log V_d + (d/N) sum_i log eps_i, with eps_i the distance from x_i
    to its k-th neighbour and V_d the volume of the unit ball of ``norm``.

    Parameters
    ----------
    k : int
        Neighbour order (>= 1).
    norm : {"euclidean", "max"}
        Distance of the neighbour search.
    standardize : bool
        Scale every coordinate to unit variance first; off by default, so that distances are
        those of the raw data (the entropy is reported for the raw data either way).
    jitter : float
        Tie-breaking noise, ``jitter * std`` per column; 0 rejects repeated rows.
    random_state : int or None
        Seed of the jitter.
    n_jobs : int or None
        Threads of the neighbour searches; None or -1: all cores.
    device : None, str or torch.device
        None: KD-trees on the CPU; ``"cuda"`` (or another torch device): exact chunked brute
        force with torch there; ``"auto"``: CUDA when present, else the trees
        (:mod:`infolens.estimators.knn_counts`).

    References
    ----------
    Kozachenko & Leonenko, "Sample estimate of the entropy of a random vector", Problems of
    Information Transmission 23(2), 1987; Kraskov, Stoegbauer & Grassberger, "Estimating mutual
    information", Phys. Rev. E 69, 066138 (2004), arXiv:cond-mat/0305641, eq. 20.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(4000, 1))
    >>> round(KLEntropy(k=3).entropy(x), 3)  # truth: log(2 pi e) / 2 = 1.419
    1.431
    """

    name = "kl"

    def __init__(
        self, k: int = 3, norm: Norm = "euclidean", standardize: bool = False, jitter: float = 1e-10,
        random_state: int | None = 0, n_jobs: int | None = None, device: object = None,
    ) -> None:
        super().__init__(k, standardize, jitter, random_state, n_jobs, device)
        self.norm = norm

    def _preprocessing(self) -> KNNPreprocessing:
        log_unit_ball_volume(1, self.norm)  # validates the name
        return super()._preprocessing()

    def _entropy_terms(self, a: np.ndarray) -> np.ndarray:
        log_eps = _kth_neighbour_log_distances(
            a, np.array([self.k]), self.norm, self.n_jobs, self.device
        )[:, 0]
        return kl_entropy_terms(log_eps, len(a), self.k, a.shape[1], self.norm)

    def _entropy_terms_checked(self, x: object, name: str = "x") -> np.ndarray:
        preprocessing = self._preprocessing()
        xa = as_samples(x, name, min_samples=self.k + 1)
        preprocessing.warn_if_repeated(xa, name)
        xa, log_jacobian = preprocessing.apply(xa, name, self._rng(), drop_constant=False)
        self._check_dimension(xa.shape[1], len(xa), name)
        # H(aX) = H(X) + sum log a: report the entropy of the raw data
        return self._entropy_terms(xa) + log_jacobian

    def _check_dimension(self, d: int, n: int, what: str) -> None:
        """Flag a dimension too high for ``n`` samples (no known limit for the plain estimator)."""

    @collect_estimator_warnings(nonnegative=False)
    def entropy_with_error(self, x: object) -> MIEstimate:
        """Differential entropy H(X) in nats with a per-sample standard error."""
        terms = self._entropy_terms_checked(x)
        n = len(terms)
        return MIEstimate(
            float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(n)), n, f"{self.name}-entropy"
        )

    def entropy(self, x: object) -> float:
        """Differential entropy H(X) in nats."""
        return self.entropy_with_error(x).value

    def _mi_terms(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self._check_dimension(x.shape[1] + y.shape[1], len(x), "x and y")
        return (
            self._entropy_terms(x) + self._entropy_terms(y) - self._entropy_terms(np.hstack([x, y]))
        )


#: KSG is flagged when it is below this share of the Gaussian-copula MI (beyond the errors)
COPULA_FLOOR_SHARE = 0.95


def warn_if_below_gaussian_copula(
    x: np.ndarray, y: np.ndarray, value: float, stderr: float, what: str
) -> None:
    """Flag an MI estimate clearly below the Gaussian-copula MI of the same data.

    Flagged when ``value + 3 stderr < 0.95 (I_G - 3 se_G)``, with I_G and se_G from
    :func:`~infolens.estimators.copula.gaussian_copula_estimate`: I_G is a lower bound on
    I(X; Y) for one-dimensional variables and exact for Gaussian copulas, so an estimate this far
    below it is dominated by the estimator's bias. Data on a manifold of lower dimension than
    their columns (:func:`~infolens.estimators.intrinsic_dimension.looks_singular`: images,
    embedded curves) are not checked: I_G can exceed I(X; Y) there.

    Parameters
    ----------
    x, y : numpy.ndarray
        The samples the estimate was computed on (no constant column).
    value, stderr : float
        The estimate and its standard error, nats.
    what : str
        The estimator's name, for the message.
    """
    floor, floor_se, _ = gaussian_copula_estimate(x, y)
    if not math.isfinite(floor) or not math.isfinite(floor_se):
        return
    # the intrinsic dimension (two KD-tree queries) only where the flag would fire
    below = value + 3.0 * stderr < COPULA_FLOOR_SHARE * (floor - 3.0 * floor_se)
    if below and not (looks_singular(x) or looks_singular(y)):  # on a manifold I_G is no bound
        warn_estimator(
            f"{what} gives {value:.3f} nats, well below the Gaussian-copula MI of the same data "
            f"({floor:.3f} +- {floor_se:.3f}, a lower bound for 1-D variables and close to one "
            f"otherwise): {what}'s bias dominates here ({x.shape[1]}+{y.shape[1]} dimensions); "
            "use method 'auto' (AutoMI), which corrects it"
        )


def weighted_kl_max_dimension(n: int) -> float:
    """Largest dimension in which :class:`WeightedKL` is trusted with ``n`` samples: 4 log10(n) - 2.

    Measured on correlated Gaussians (d + d dims, I = 1 and 5 nats, k = 5, seed 0): the error
    stays within about 20% up to a joint dimension of 10 at n = 1,000 and 16 at n = 5,000 and
    20,000, and then grows fast (n = 1,000, joint dimension 12: -0.54 for I = 1; n = 5,000,
    dimension 20: 1.78 for I = 1; 100 dims: 17.9). The rule gives 10 at n = 1,000, 12.8 at
    5,000, 15.2 at 20,000 and 18 at 100,000.
    """
    return 4.0 * math.log10(max(n, 1)) - 2.0


def warn_if_dimension_too_high(d: int, n: int, what: str) -> None:
    """Flag a weighted Kozachenko-Leonenko estimate in a dimension too high for ``n`` samples."""
    limit = weighted_kl_max_dimension(n)
    if d > limit:
        warn_estimator(
            f"{what}: the weighted Kozachenko-Leonenko estimator in {d} dimensions with {n} samples "
            f"is unreliable (its bias corrections hold up to about {limit:.1f} dimensions at this n; "
            "beyond, it can be off by a factor of several); use FlowMI, or compress first "
            "(Compressed with PCACompressor / AutoencoderCompressor, or --method pca-ksg)"
        )


class WeightedKL(KLEntropy):
    """Weighted Kozachenko-Leonenko entropy; MI = H(X) + H(Y) - H(X, Y).

    H_w = sum_j w_j H_j, with H_j the Kozachenko-Leonenko estimate from the j-th neighbour and
    weights from :func:`weighted_kl_weights` cancelling the leading bias terms in dimension
    >= 4. It is the estimator of the ICLR 2024 information-plane experiments (k = 5). For d < 4
    it averages a few orders j <= k. Beyond a joint dimension of 4 log10(n) - 2 the estimate is
    flagged (:func:`weighted_kl_max_dimension`).

    Parameters
    ----------
    k : int
        Largest neighbour order of the weights' support (>= 1).
    norm : {"euclidean", "max"}
        Distance of the neighbour search; the weights do not depend on it.
    standardize : bool
        Scale every coordinate to unit variance first (module docstring); on by default.
    jitter : float
        Tie-breaking noise, ``jitter * std`` per column; 0 rejects repeated rows.
    random_state : int or None
        Seed of the jitter.
    n_jobs : int or None
        Threads of the neighbour searches; None or -1: all cores.
    device : None, str or torch.device
        None: KD-trees; a torch device (``"cuda"``): exact chunked brute force there.

    References
    ----------
    Berrett, Samworth & Yuan, "Efficient multivariate entropy estimation via k-nearest neighbour
    distances", Annals of Statistics 47(1), 2019, arXiv:1606.00304.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(5000, 2)); y = 0.8 * x + 0.6 * rng.normal(size=(5000, 2))
    >>> round(WeightedKL(k=5).estimate(x, y), 3)  # truth: -log(1 - 0.8^2) = 1.022
    1.066
    """

    name = "weighted-kl"

    def __init__(
        self, k: int = 5, norm: Norm = "euclidean", standardize: bool = True, jitter: float = 1e-10,
        random_state: int | None = 0, n_jobs: int | None = None, device: object = None,
    ) -> None:
        super().__init__(k, norm, standardize, jitter, random_state, n_jobs, device)

    def _check_dimension(self, d: int, n: int, what: str) -> None:
        warn_if_dimension_too_high(d, n, what)

    def _entropy_terms(self, a: np.ndarray) -> np.ndarray:
        d = a.shape[1]
        support, w = weighted_kl_weights(self.k, d)
        if support.max() + 1 > len(a):
            raise ValueError(
                f"x: the weighted estimator in {d} dimensions uses neighbours up to order "
                f"{support.max()}, so it needs at least {support.max() + 1} samples, got {len(a)}"
            )
        log_eps = _kth_neighbour_log_distances(a, support, self.norm, self.n_jobs, self.device)
        per_order = kl_entropy_terms(log_eps, len(a), support[None, :], d, self.norm)
        return per_order @ w


class KSG(_KNNEstimator):
    """Kraskov-Stoegbauer-Grassberger (KSG) estimator of I(X;Y).

    Algorithm 1: eps_i is the max-norm distance from (x_i, y_i) to its k-th neighbour in the
    joint space; n_x(i), n_y(i) count the points strictly closer than eps_i in each marginal;
    I = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_y + 1) >. Algorithm 2 (``variant=2``) counts
    points within the marginal extents of the k-neighbourhood and uses psi(k) - 1/k.

    Parameters
    ----------
    k : int
        Neighbour order in the joint space (>= 1).
    variant : {1, 2}
        KSG algorithm 1 or 2.
    standardize : bool
        Scale every coordinate to unit variance first (module docstring).
    jitter : float
        Tie-breaking noise, ``jitter * std`` per column; 0 rejects repeated rows.
    random_state : int or None
        Seed of the jitter.
    copula_check : bool
        Compare the estimate with the Gaussian-copula MI of the same data
        (:func:`~infolens.estimators.copula.gaussian_copula_estimate`, a lower bound for 1-D
        variables and close to one otherwise) and flag it when KSG is clearly below: KSG's
        bias then dominates (high MI, or weak dependence spread over many dimensions).
    n_jobs : int or None
        Threads of the neighbour searches and counts; None or -1: all cores.
    device : None, str or torch.device
        None: KD-trees and sorting on the CPU; a torch device (``"cuda"``): exact chunked brute
        force there (:mod:`infolens.estimators.knn_counts`).

    References
    ----------
    Kraskov, Stoegbauer & Grassberger, "Estimating mutual information", Phys. Rev. E 69,
    066138 (2004), arXiv:cond-mat/0305641.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(3000, 1)); y = 0.9 * x + np.sqrt(1 - 0.81) * rng.normal(size=(3000, 1))
    >>> round(KSG(k=5).estimate(x, y), 3)  # truth: -log(1 - 0.9^2) / 2 = 0.830
    0.841
    """

    name = "ksg"

    def __init__(
        self, k: int = 5, variant: Literal[1, 2] = 1, standardize: bool = True,
        jitter: float = 1e-10, random_state: int | None = 0, copula_check: bool = True,
        n_jobs: int | None = None, device: object = None,
    ) -> None:
        super().__init__(k, standardize, jitter, random_state, n_jobs, device)
        self.variant = variant
        self.copula_check = copula_check

    def _flag_estimate(self, x: np.ndarray, y: np.ndarray, value: float, stderr: float) -> None:
        if self.copula_check:
            warn_if_below_gaussian_copula(x, y, value, stderr, "KSG")

    def _preprocessing(self) -> KNNPreprocessing:
        if self.variant not in (1, 2):
            raise ValueError(f"variant: expected 1 or 2, got {self.variant!r}")
        return super()._preprocessing()

    def _mi_terms(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        n_x, n_y = ksg_neighbour_counts(
            x, y, self.k, self.variant, n_jobs=self.n_jobs, device=self.device
        )
        return ksg_terms(n_x, n_y, len(x), self.k, self.variant)



def ksg_neighbour_counts(
    x: np.ndarray, y: np.ndarray, k: int, variant: Literal[1, 2], *, n_jobs: int | None = None,
    device: object = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Marginal neighbour counts n_x(i), n_y(i) of KSG (self excluded).

    eps_i is the max-norm distance from (x_i, y_i) to its k-th neighbour. Algorithm 1 counts the
    points with marginal distance < eps_i, as points within ``nextafter(eps_i, 0)``, the largest
    float below eps_i (eps_i = 0, possible only for repeated rows, counts the repeats). Algorithm
    2 counts those within the marginal extents of the k neighbours. Exact and in ``n_jobs``
    threads (:func:`~infolens.estimators.knn_counts.knn_query`,
    :func:`~infolens.estimators.knn_counts.count_within`), or on ``device``.

    Parameters
    ----------
    x, y : numpy.ndarray
        (n, d_x) and (n, d_y) samples.
    k : int
        Neighbour order in the joint space.
    variant : {1, 2}
        KSG algorithm 1 or 2.
    n_jobs : int or None, default=None
        Threads; None or -1: all cores.
    device : None, str or torch.device, default=None
        None: KD-trees and sorting; a torch device: chunked brute force there.

    Returns
    -------
    n_x, n_y : numpy.ndarray
        (n,) float64 counts.
    """
    joint = np.hstack([x, y])
    dist, idx = knn_query(joint, k, "max", return_indices=variant == 2, n_jobs=n_jobs, device=device)
    radius_x, radius_y = _ksg_radii(x, y, dist, idx, k, variant)
    if device is None and x.shape[1] == y.shape[1] == 1 and resolve_n_jobs(n_jobs) > 1:
        # sorted counts run on one thread each (numpy releases the GIL): one per marginal
        with ThreadPoolExecutor(max_workers=2) as pool:
            n_x = pool.submit(count_within, x, radius_x, "max", n_jobs=1)
            n_y = pool.submit(count_within, y, radius_y, "max", n_jobs=1)
            return n_x.result(), n_y.result()
    return (count_within(x, radius_x, "max", n_jobs=n_jobs, device=device),
            count_within(y, radius_y, "max", n_jobs=n_jobs, device=device))


def _ksg_radii(
    x: np.ndarray, y: np.ndarray, dist: np.ndarray, idx: np.ndarray | None, k: int, variant: int
) -> tuple[np.ndarray, np.ndarray]:
    """KSG's marginal radii from the joint search (see :func:`ksg_neighbour_counts`)."""
    if variant == 1:
        radius = np.nextafter(dist[:, k], 0.0)  # strictly closer than eps_i
        return radius, radius
    neighbours = idx[:, 1:]
    radius_x = np.abs(x[neighbours] - x[:, None, :]).max(axis=(1, 2))
    radius_y = np.abs(y[neighbours] - y[:, None, :]).max(axis=(1, 2))
    return radius_x, radius_y


def _ksg_neighbour_counts_legacy(
    x: np.ndarray, y: np.ndarray, k: int, variant: Literal[1, 2]
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ksg_neighbour_counts` as infolens computed it before issue #16 (the benchmark's
    baseline): the joint search in input order, marginal counts on one core."""
    dist, idx = _knn_query_legacy(np.hstack([x, y]), k, "max")
    radius_x, radius_y = _ksg_radii(x, y, dist, idx, k, variant)
    return _count_within_legacy(x, radius_x, "max"), _count_within_legacy(y, radius_y, "max")


#: share of the samples in classes smaller than k + 1 above which the label estimate is flagged
SMALL_CLASS_WARNING_FRACTION = 0.1


def _check_class_sizes(classes: np.ndarray, counts: np.ndarray, k: int, algorithm: str) -> None:
    """Reject labels that cannot be estimated from; flag labels that give a biased estimate.

    Ross's estimator leaves out single-sample classes and uses a smaller k in classes of at most
    k samples; the entropy-difference methods need k + 1 samples in every class.
    """
    small = counts < k + 1
    if algorithm != "ross" and small.any():
        listed = ", ".join(repr(c) for c in classes[small][:10].tolist())
        more = f" and {int(small.sum()) - 10} more" if small.sum() > 10 else ""
        raise ValueError(
            f"y: {int(small.sum())} class(es) ({listed}{more}) have fewer than k + 1 = {k + 1} "
            "samples; use algorithm='ross' or a smaller k"
        )
    usable = int(counts[counts > 1].sum())
    if usable < k + 1:
        raise ValueError(
            f"y: {len(classes)} distinct labels in {int(counts.sum())} samples leave {usable} samples "
            f"in classes of two or more, fewer than k + 1 = {k + 1}; class labels must repeat "
            "(continuous y? use a continuous-continuous estimator such as ksg)"
        )
    in_small = int(counts[small].sum())
    if in_small > SMALL_CLASS_WARNING_FRACTION * counts.sum():
        warn_estimator(
            f"y: {in_small} of {int(counts.sum())} samples are in classes with fewer than "
            f"k + 1 = {k + 1} samples ({len(classes)} classes); the estimate is biased there "
            "(too many classes for the sample size, or y is not a class label)"
        )


class ContinuousDiscreteMI(_KNNEstimator):
    """I(X;Y) between a continuous X (n, d) and class labels Y (n,), e.g. I(L;Y) for a layer L.

    ``algorithm="ross"``: with d_i the distance from x_i to its
    k-th neighbour among the N_{y_i} points of its class and m_i the number of points of any
    class within d_i, I = psi(N) - <psi(N_{y_i})> + psi(k) - <psi(m_i)>. Classes with fewer than
    k + 1 points use k = N_y - 1; points of single-point classes are left out.

    ``algorithm="kl"`` or ``"weighted-kl"``: I = H(X) - sum_y p(y) H(X | Y=y), each entropy by
    Kozachenko-Leonenko (or its weighted form); every class needs at least k + 1 points.

    Parameters
    ----------
    k : int
        Neighbour order (>= 1).
    algorithm : {"ross", "kl", "weighted-kl"}
        Ross's estimator, or the entropy difference by (weighted) Kozachenko-Leonenko.
    norm : {"euclidean", "max"}
        Distance of the neighbour search.
    standardize : bool
        Scale every coordinate to unit variance first (module docstring).
    jitter : float
        Tie-breaking noise, ``jitter * std`` per column; 0 rejects repeated rows.
    random_state : int or None
        Seed of the jitter.
    n_jobs : int or None
        Threads of the neighbour searches and counts; None or -1: all cores.
    device : None, str or torch.device
        None: KD-trees and sorting; a torch device (``"cuda"``): exact chunked brute force there.

    References
    ----------
    Ross, "Mutual information between discrete and continuous data sets", PLoS ONE 9(2):
    e87357 (2014).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 4000); x = y[:, None] * 100.0 + rng.normal(size=(4000, 1))
    >>> round(ContinuousDiscreteMI(k=5).estimate(x, y), 3)  # truth: log 2 = 0.693
    0.693
    """

    def __init__(
        self, k: int = 5, algorithm: Literal["ross", "kl", "weighted-kl"] = "ross",
        norm: Norm = "max", standardize: bool = True, jitter: float = 1e-10,
        random_state: int | None = 0, n_jobs: int | None = None, device: object = None,
    ) -> None:
        super().__init__(k, standardize, jitter, random_state, n_jobs, device)
        self.algorithm = algorithm
        self.norm: Norm = norm

    @property
    def name(self) -> str:  # type: ignore[override]
        """``ross``, ``labels-kl`` or ``labels-weighted-kl`` (the registry's names)."""
        return "ross" if self.algorithm == "ross" else f"labels-{self.algorithm}"

    def _preprocessing(self) -> KNNPreprocessing:
        if self.algorithm not in ("ross", "kl", "weighted-kl"):
            raise ValueError(
                f"algorithm: expected 'ross', 'kl' or 'weighted-kl', got {self.algorithm!r}"
            )
        log_unit_ball_volume(1, self.norm)  # validates the name
        return super()._preprocessing()

    def _prepare_pair(self, x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        preprocessing = self._preprocessing()
        xa = as_samples(x, "x", min_samples=self.k + 1)
        labels = as_labels(y, "y", n=len(xa))
        preprocessing.warn_if_repeated(xa, "x")
        xa, _ = preprocessing.apply(xa, "x", self._rng(), drop_constant=True)
        return xa, labels

    @collect_estimator_warnings()
    def estimate_with_error(self, x: object, y: object) -> MIEstimate:
        """I(X;Y) in nats for continuous ``x`` and labels ``y``, with a per-sample standard error."""
        xa, labels = self._prepare_pair(x, y)
        n = len(xa)
        if xa.shape[1] == 0 or len(np.unique(labels)) == 1:
            return MIEstimate(0.0, 0.0, n, self.name, details={"constant": True})
        classes, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
        _check_class_sizes(classes, counts, self.k, self.algorithm)
        if self.algorithm == "ross":
            terms = self._ross_terms(xa, codes, counts)
        else:
            terms = self._entropy_difference_terms(xa, codes, counts)
        return MIEstimate(
            float(terms.mean()),
            float(terms.std(ddof=1) / math.sqrt(len(terms))),
            len(terms),
            self.name,
            details={"k": self.k, "dim_x": xa.shape[1], "n_classes": len(counts)},
        )

    def _ross_terms(self, x: np.ndarray, codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
        keep = counts[codes] > 1
        radius = np.zeros(len(x))
        k_used = np.zeros(len(x))
        for c in np.flatnonzero(counts > 1):
            members = np.flatnonzero(codes == c)
            k_c = min(self.k, len(members) - 1)
            dist, _ = knn_query(x[members], k_c, self.norm, n_jobs=self.n_jobs, device=self.device)
            radius[members] = dist[:, k_c]
            k_used[members] = k_c
        x, radius, k_used, codes = x[keep], radius[keep], k_used[keep], codes[keep]
        m = count_within(x, radius, self.norm, n_jobs=self.n_jobs, device=self.device)
        n = len(x)
        class_sizes = np.bincount(codes)[codes]
        return digamma(n) - digamma(class_sizes) + digamma(k_used) - digamma(m)

    def _entropy_difference_terms(
        self, x: np.ndarray, codes: np.ndarray, counts: np.ndarray
    ) -> np.ndarray:
        if self.algorithm == "weighted-kl":
            warn_if_dimension_too_high(x.shape[1], int(counts.min()), "x (smallest class)")
        estimator_cls = WeightedKL if self.algorithm == "weighted-kl" else KLEntropy
        entropy = estimator_cls(
            k=self.k, norm=self.norm, standardize=False, jitter=0.0, n_jobs=self.n_jobs, device=self.device
        )
        terms = entropy._entropy_terms(x)
        for c in range(len(counts)):
            members = codes == c
            terms[members] -= entropy._entropy_terms(x[members])
        return terms

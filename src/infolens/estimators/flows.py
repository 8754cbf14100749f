"""Mutual information read from the Gaussian head of two normalizing flows (MIENF).

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov, *Mutual Information Estimation via
Normalizing Flows*, NeurIPS 2024, https://arxiv.org/abs/2403.02187.

MI is invariant under smooth invertible maps of X and of Y separately. Two flows ``f_X``, ``f_Y``
are trained (maximum likelihood) so that the codes ``(f_X(X), f_Y(Y))`` are jointly Gaussian;
then ``I(X;Y) = I(f_X(X); f_Y(Y))`` is read from the Gaussian:

* **tridiag** (tridiag-N-MIENF): an affine layer ``u = (f_X(x) - m_x) W_x``,
  ``v = (f_Y(y) - m_y) W_y`` followed by ``N(0, [[I, diag(rho)], [diag(rho), I]])``, so that
  ``I = -1/2 sum_i log(1 - rho_i^2)`` (:func:`tridiag_gaussian_mi`); ``rho = tanh(theta)`` stays
  in (-1, 1). ``W_x, W_y, rho`` start at the closed-form canonical correlation analysis of the
  initial codes (:func:`canonical_correlation_analysis`), which on Gaussian data is already the
  answer. With ``dim_x != dim_y`` there are ``min(dim_x, dim_y)`` correlations and the extra
  coordinates are independent standard normals.
* **full** (N-MIENF): a learnable Gaussian ``N(mu, L L^T)`` (Cholesky factor ``L``) on the
  concatenated codes, ``I = 1/2 (log det S_xx + log det S_yy - log det S)``
  (:func:`gaussian_mi_from_covariance`).

The flows are zuko transforms (autoregressive neural spline flows by default) whose last layers
start at zero, so every flow starts as the identity and the model starts at the closed-form
Gaussian (CCA) solution. Inputs are standardised first (an affine map: MI is unchanged).

**The estimate.** Training uses a train/validation split; Adam stops early on the validation
negative log-likelihood and the best weights are restored. The reported MI is computed on the
held-out (validation) split, which no gradient step has seen: the held-out codes are projected
on the model's canonical directions and ``I = -1/2 sum_i log(1 - r_i^2)`` with ``r_i`` the
held-out correlation of the i-th canonical pair. Its standard error is the standard deviation of
that number over ``n_bootstrap`` bootstrap resamples of the held-out rows
(``error_method="held-out bootstrap"``). The MI of the trained parameters themselves (the
paper's read-out) is in ``details["model_mi"]`` and :attr:`FlowMI.model_mi_`.

Convergence: on Gaussian data the closed-form start is already the answer and early stopping
ends training within a few epochs; when the codes are far from Gaussian and the MI is large
(e.g. 2-D autoencoder codes of images at 10 nats) the flows need many more epochs than the
CPU-sane defaults (``max_epochs=60``). What ``make bench-flows`` uses there (2-D codes, 8,000
training rows): ``batch_size=512, lr=3e-3, lr_schedule="plateau", max_epochs=400,
patience=30`` (about a minute per fit on one CPU thread).

Images: compose a compressor in front (``infolens.estimators.compression.Compressed``), as in
the talk's image experiment; a Glow-style convolutional flow is not implemented here. The
compressor must keep the information: an ``AutoencoderCompressor`` with a sigmoid bottleneck
and latent noise (its defaults, chosen for k-NN on the codes) caps I at a few nats, so for
large MI use ``bottleneck="linear", latent_noise=0.0`` and train it longer (images of Gaussian
bumps, I = 10 nats, seed 0: FlowMI on the default codes 3.6 nats, on linear noise-free codes
after 150 epochs 9.3; on the true latents 9.95).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import zuko
from torch import Tensor, nn

from infolens._repr import constructor_repr
from infolens._validation import (
    as_paired_samples,
    check_positive_int,
    column_moments,
    constant_columns,
)
from infolens.estimators.neural import (
    LR_SCHEDULES,
    _check_fraction,
    _check_positive_float,
    _hidden,
    seeded_torch,
    split_indices,
    train_with_early_stopping,
)
from infolens.estimators.result import MIEstimate, collect_estimator_warnings

__all__ = [
    "FlowMI",
    "CCAResult",
    "canonical_correlation_analysis",
    "cca_from_covariance",
    "gaussian_cca_mi",
    "gaussian_mi_from_covariance",
    "tridiag_gaussian_mi",
    "tridiag_gaussian_log_density",
    "held_out_canonical_mi",
]

Variant = Literal["tridiag", "full"]
FLOWS = ("nsf", "nsf-coupling", "maf", "realnvp")
MAX_INIT_RHO = 1 - 1e-6  # canonical correlations are clipped to this before atanh
_LOG_2PI = math.log(2 * math.pi)


# ----------------------------------------------------------------------------- pure math
def tridiag_gaussian_mi(rho: object) -> float:
    """I = -1/2 sum_i log(1 - rho_i^2) (nats): the MI of ``N(0, [[I, diag rho], [diag rho, I]])``.

    Raises ``ValueError`` unless every ``|rho_i| < 1``.
    """
    r = np.asarray(rho, dtype=np.float64).ravel()
    if not np.all(np.isfinite(r)) or np.any(np.abs(r) >= 1):
        raise ValueError(f"rho: every correlation must lie in (-1, 1), got {r}")
    return float(-0.5 * np.sum(np.log1p(-(r**2))))


def gaussian_mi_from_covariance(cov: object, dim_x: int) -> float:
    """I = 1/2 (log det S_xx + log det S_yy - log det S) for a Gaussian with covariance ``S``.

    ``S`` is the (dx + dy) square covariance of ``(X, Y)`` with X in the first ``dim_x``
    coordinates. Raises ``ValueError`` if ``S`` is not symmetric positive definite.
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
    covariances and ``cov(u_i, v_j) = rho_i`` if ``i == j < k`` else 0, ``k = min(dx, dy)``;
    ``rho`` is sorted in decreasing order.
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
    """Closed-form CCA of paired samples ``x`` (n, dx), ``y`` (n, dy) (see :class:`CCAResult`).

    Reference: Hotelling, *Relations between two sets of variates*, Biometrika 1936.
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
    """
    return canonical_correlation_analysis(x, y).mutual_information


def _log_one_minus_tanh2(theta: Tensor) -> Tensor:
    """``log(1 - tanh(theta)^2) = -2 log cosh(theta)``, stable for large |theta|."""
    a = theta.abs()
    return -2.0 * (a + nn.functional.softplus(-2.0 * a) - math.log(2.0))


def tridiag_gaussian_log_density(u: Tensor, v: Tensor, theta: Tensor) -> Tensor:
    """Per-sample ``log N((u, v); 0, [[I, diag rho], [diag rho, I]])`` with ``rho = tanh(theta)``.

    Pairs ``(u_i, v_i)``, ``i < k = len(theta)``, are bivariate normals with correlation
    ``rho_i``: ``-log 2pi - 1/2 log(1 - rho^2) - ((u - rho v)^2 / (1 - rho^2) + v^2) / 2``;
    coordinates beyond ``k`` are independent standard normals.
    """
    k = theta.shape[0]
    rho = torch.tanh(theta)
    log_c = _log_one_minus_tanh2(theta)  # log(1 - rho^2)
    uk, vk = u[:, :k], v[:, :k]
    pair = -_LOG_2PI - 0.5 * log_c - 0.5 * ((uk - rho * vk) ** 2 * torch.exp(-log_c) + vk**2)
    out = pair.sum(1)
    for extra in (u[:, k:], v[:, k:]):
        if extra.shape[1]:
            out = out - 0.5 * (extra**2).sum(1) - 0.5 * _LOG_2PI * extra.shape[1]
    return out


def held_out_canonical_mi(
    u: np.ndarray, v: np.ndarray, k: int, *, n_bootstrap: int = 200, seed: int = 0
) -> tuple[float, float, np.ndarray]:
    """MI of fixed canonical pairs on held-out data, with a bootstrap standard error.

    ``I = -1/2 sum_{i<k} log(1 - r_i^2)``, ``r_i = corr(u_i, v_i)`` on the given rows; the
    standard error is the standard deviation of ``I`` over ``n_bootstrap`` resamples of the rows.
    Returns ``(I, stderr, r)``.
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


# ----------------------------------------------------------------------------- torch parts
def _zero_last_layers(module: nn.Module) -> None:
    """Make every zuko hyper-network output zero, so that each transform starts as the identity.

    (Zero shift and log-scale for affine transforms; uniform bins and unit derivatives for
    rational-quadratic splines.) Gradients still reach the zeroed last layer.
    """
    for sub in module.modules():
        hyper = getattr(sub, "hyper", None)
        if isinstance(hyper, nn.Sequential):
            # zuko.nn.Linear is not a torch.nn.Linear subclass: find the last layer with weights
            last = [m for m in hyper if isinstance(getattr(m, "weight", None), Tensor)][-1]
            nn.init.zeros_(last.weight)
            if last.bias is not None:
                nn.init.zeros_(last.bias)
        phi = getattr(sub, "phi", None)
        if isinstance(phi, nn.ParameterList):
            for p in phi:
                nn.init.zeros_(p)


def _build_flow(
    flow: str | Callable[[int], nn.Module], features: int, transforms: int, hidden: tuple[int, ...]
) -> nn.Module:
    """A zuko lazy transform mapping data to latent, started at the identity."""
    if callable(flow):
        made = flow(features)
    elif flow == "nsf":
        made = zuko.flows.NSF(features, transforms=transforms, hidden_features=hidden)
    elif flow == "nsf-coupling":
        made = zuko.flows.NSF(features, transforms=transforms, hidden_features=hidden, passes=2)
    elif flow == "maf":
        made = zuko.flows.MAF(features, transforms=transforms, hidden_features=hidden)
    elif flow == "realnvp":
        made = zuko.flows.RealNVP(features, transforms=transforms, hidden_features=hidden)
    else:
        raise ValueError(f"flow: expected one of {FLOWS} or a callable, got {flow!r}")
    lazy = made.transform if isinstance(made, zuko.flows.Flow) else made
    if not isinstance(lazy, nn.Module):
        raise ValueError("flow: the callable must return a zuko Flow or LazyTransform")
    _zero_last_layers(lazy)
    return lazy


class _TridiagHead(nn.Module):
    """``u = (a - m_x) W_x``, ``v = (b - m_y) W_y``, ``(u, v) ~ N(0, [[I, D], [D, I]])``."""

    def __init__(self, cca: CCAResult) -> None:
        super().__init__()

        def param(a: np.ndarray) -> nn.Parameter:
            return nn.Parameter(torch.as_tensor(a, dtype=torch.float32))

        self.mean_x, self.mean_y = param(cca.mean_x), param(cca.mean_y)
        self.weights_x, self.weights_y = param(cca.weights_x), param(cca.weights_y)
        self.theta = param(np.arctanh(np.clip(cca.rho, -MAX_INIT_RHO, MAX_INIT_RHO)))

    def project(self, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
        return (a - self.mean_x) @ self.weights_x, (b - self.mean_y) @ self.weights_y

    def log_prob(self, a: Tensor, b: Tensor) -> Tensor:
        u, v = self.project(a, b)
        logdet = torch.linalg.slogdet(self.weights_x)[1] + torch.linalg.slogdet(self.weights_y)[1]
        return tridiag_gaussian_log_density(u, v, self.theta) + logdet

    def readout(self) -> CCAResult:
        """Canonical directions and correlations of the head, in float64 numpy."""

        def np64(t: Tensor) -> np.ndarray:
            return t.detach().cpu().double().numpy()

        rho = np.tanh(np64(self.theta))
        return CCAResult(
            np64(self.mean_x), np64(self.mean_y), np64(self.weights_x), np64(self.weights_y), rho
        )

    def model_mi(self) -> float:
        return float(-0.5 * _log_one_minus_tanh2(self.theta.detach().double()).sum())


class _FullHead(nn.Module):
    """``(a, b) ~ N(mu, L L^T)`` with a learnable Cholesky factor ``L`` (positive diagonal)."""

    def __init__(self, mean: np.ndarray, cov: np.ndarray, dim_x: int) -> None:
        super().__init__()
        chol = np.linalg.cholesky(cov)
        self.dim_x = dim_x
        self.mean = nn.Parameter(torch.as_tensor(mean, dtype=torch.float32))
        self.lower = nn.Parameter(torch.as_tensor(np.tril(chol, -1), dtype=torch.float32))
        self.log_diag = nn.Parameter(torch.as_tensor(np.log(np.diag(chol)), dtype=torch.float32))

    def cholesky(self) -> Tensor:
        return torch.tril(self.lower, -1) + torch.diag(torch.exp(self.log_diag))

    def log_prob(self, a: Tensor, b: Tensor) -> Tensor:
        z = torch.cat([a, b], dim=1) - self.mean
        chol = self.cholesky()
        w = torch.linalg.solve_triangular(chol, z.T, upper=False)
        d = z.shape[1]
        return -0.5 * (w**2).sum(0) - self.log_diag.sum() - 0.5 * d * _LOG_2PI

    def covariance(self) -> np.ndarray:
        chol = self.cholesky().detach().cpu().double().numpy()
        return chol @ chol.T

    def readout(self) -> CCAResult:
        s, dx = self.covariance(), self.dim_x
        mean = self.mean.detach().cpu().double().numpy()
        return cca_from_covariance(s[:dx, :dx], s[dx:, dx:], s[:dx, dx:], mean[:dx], mean[dx:])

    def model_mi(self) -> float:
        return gaussian_mi_from_covariance(self.covariance(), self.dim_x)


class _FlowPair(nn.Module):
    """Two flows and a Gaussian head; ``log_prob`` is the joint log-density of (x, y)."""

    def __init__(self, flow_x: nn.Module, flow_y: nn.Module) -> None:
        super().__init__()
        self.flow_x, self.flow_y = flow_x, flow_y
        self.head: nn.Module | None = None

    def codes(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        a, ladj_x = self.flow_x().call_and_ladj(x)
        b, ladj_y = self.flow_y().call_and_ladj(y)
        return a, b, ladj_x + ladj_y

    def log_prob(self, x: Tensor, y: Tensor) -> Tensor:
        a, b, ladj = self.codes(x, y)
        return self.head.log_prob(a, b) + ladj


# ----------------------------------------------------------------------------- the estimator
class FlowMI:
    """Mutual information from the Gaussian head of two normalizing flows (MIENF).

    Reference: Butakov et al., *Mutual Information Estimation via Normalizing Flows*,
    NeurIPS 2024, https://arxiv.org/abs/2403.02187 (the module docstring gives the model and the
    held-out estimate).

    Arguments:
        variant: ``"tridiag"`` (``I = -1/2 sum log(1 - rho^2)``, trainable ``rho``) or ``"full"``
            (``I = 1/2 (log det S_xx + log det S_yy - log det S)``).
        flow: ``"nsf"`` (autoregressive rational-quadratic splines, default), ``"nsf-coupling"``,
            ``"maf"``, ``"realnvp"``, or a callable ``features -> zuko Flow / LazyTransform``.
        transforms, hidden: number of flow transforms and hidden widths of their networks.
        batch_size, lr, max_epochs, patience: Adam mini-batches and early stopping on the
            validation negative log-likelihood (best weights restored).
        lr_schedule: ``"constant"`` or ``"plateau"`` (halve ``lr`` when the validation NLL stalls
            for ``patience // 3`` epochs, down to ``lr / 100``).
        val_fraction: share of the rows held out for early stopping and for the estimate.
        n_bootstrap: bootstrap resamples for the standard error.
        device: torch device for training (``"cpu"`` or e.g. ``"cuda"``).
        progress: show a tqdm progress bar over epochs.
        random_state: seeds the split, the flows' initialisation and the batches.

    After :meth:`fit`: ``rho_`` (canonical correlations, sorted by decreasing ``|rho|``),
    ``model_mi_``, ``history_``, ``held_out_`` (an :class:`MIEstimate`), :meth:`transform`.

    Example:
        >>> from infolens.estimators.flows import FlowMI
        >>> est = FlowMI(variant="tridiag", max_epochs=30, random_state=0)
        >>> mi = est.estimate(x, y)  # doctest: +SKIP
        >>> u, v = est.transform(x, y)  # doctest: +SKIP
    """

    def __init__(
        self,
        variant: Variant = "tridiag",
        flow: str | Callable[[int], nn.Module] = "nsf",
        *,
        transforms: int = 2,
        hidden: Sequence[int] | int = (64, 64),
        batch_size: int = 512,
        lr: float = 1e-3,
        max_epochs: int = 60,
        patience: int = 6,
        lr_schedule: Literal["constant", "plateau"] = "constant",
        val_fraction: float = 0.2,
        n_bootstrap: int = 200,
        grad_clip: float | None = 10.0,
        device: str = "cpu",
        progress: bool = False,
        random_state: int = 0,
    ) -> None:
        if variant not in ("tridiag", "full"):
            raise ValueError(f"variant: expected 'tridiag' or 'full', got {variant!r}")
        if not callable(flow) and flow not in FLOWS:
            raise ValueError(f"flow: expected one of {FLOWS} or a callable, got {flow!r}")
        self.variant = variant
        self.flow = flow
        self.transforms = check_positive_int(transforms, "transforms")
        self.hidden = _hidden(hidden)
        self.batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
        self.lr = _check_positive_float(lr, "lr")
        self.max_epochs = check_positive_int(max_epochs, "max_epochs", minimum=0)
        self.patience = check_positive_int(patience, "patience")
        if lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule: expected one of {LR_SCHEDULES}, got {lr_schedule!r}")
        self.lr_schedule = lr_schedule
        self.val_fraction = _check_fraction(val_fraction, "val_fraction")
        self.n_bootstrap = check_positive_int(n_bootstrap, "n_bootstrap", minimum=2)
        self.grad_clip = (
            None if grad_clip is None else _check_positive_float(grad_clip, "grad_clip")
        )
        self.device = torch.device(device)
        self.progress = bool(progress)
        self.random_state = check_positive_int(random_state, "random_state", minimum=0)

    @property
    def method(self) -> str:
        return f"FlowMI({self.variant})"

    # ------------------------------------------------------------------ fitting
    def _tensor(self, a: np.ndarray) -> Tensor:
        return torch.as_tensor(a, dtype=torch.float32, device=self.device)

    def _standardise(self, x: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor]:
        x, y = x[:, self._keep_x], y[:, self._keep_y]
        return (
            self._tensor((x - self._mean_x) / self._scale_x),
            self._tensor((y - self._mean_y) / self._scale_y),
        )

    def _init_head(self, x: Tensor, y: Tensor) -> nn.Module:
        with torch.no_grad():
            a, b, _ = self.model_.codes(x, y)
        a64, b64 = a.cpu().double().numpy(), b.cpu().double().numpy()
        if self.variant == "tridiag":
            return _TridiagHead(canonical_correlation_analysis(a64, b64))
        z = np.concatenate([a64, b64], axis=1)
        cov = np.cov(z, rowvar=False) + 1e-9 * np.eye(z.shape[1])
        return _FullHead(z.mean(0), cov, a64.shape[1])

    def fit(self, x: object, y: object) -> FlowMI:
        """Train the flows and the Gaussian head on a split of ``(x, y)``; returns ``self``."""
        xa, ya = as_paired_samples(x, y, min_samples=2)
        train, val = split_indices(len(xa), self.val_fraction, self.random_state)
        self.dim_x_, self.dim_y_ = xa.shape[1], ya.shape[1]
        # constant columns carry no information: dropped (infolens._validation.constant_columns)
        self._keep_x, self._keep_y = ~constant_columns(xa[train]), ~constant_columns(ya[train])
        for name, keep in (("x", self._keep_x), ("y", self._keep_y)):
            if not keep.any():
                raise ValueError(
                    f"{name}: every column is constant on the training split; I(X;Y) = 0 and "
                    "there is no flow to fit"
                )
        (self._mean_x, self._scale_x), (self._mean_y, self._scale_y) = (
            column_moments(xa[train][:, self._keep_x]), column_moments(ya[train][:, self._keep_y])
        )
        xt, yt = self._standardise(xa, ya)
        x_tr, y_tr, x_va, y_va = xt[train], yt[train], xt[val], yt[val]
        with seeded_torch(self.random_state):
            self.model_ = _FlowPair(
                _build_flow(self.flow, int(self._keep_x.sum()), self.transforms, self.hidden),
                _build_flow(self.flow, int(self._keep_y.sum()), self.transforms, self.hidden),
            ).to(self.device)
            self.model_.head = self._init_head(x_tr, y_tr).to(self.device)
            self.init_mi_ = self.model_.head.model_mi()
            gen = torch.Generator().manual_seed(self.random_state)

            def batch_loss(idx: Tensor) -> Tensor:
                idx = idx.to(self.device)
                return -self.model_.log_prob(x_tr[idx], y_tr[idx]).mean()

            def val_loss() -> float:
                total = 0.0
                for start in range(0, len(x_va), 4096):
                    sl = slice(start, start + 4096)
                    total += float(self.model_.log_prob(x_va[sl], y_va[sl]).sum())
                return -total / len(x_va)

            self.history_ = train_with_early_stopping(
                self.model_,
                batch_loss,
                val_loss,
                len(train),
                batch_size=self.batch_size,
                lr=self.lr,
                max_epochs=self.max_epochs,
                patience=self.patience,
                generator=gen,
                progress=self.progress,
                desc=self.method,
                grad_clip=self.grad_clip,
                lr_schedule=self.lr_schedule,
            )
        self.model_.eval()
        cca = self.model_.head.readout()
        order = np.argsort(-np.abs(cca.rho), kind="stable")
        k = len(cca.rho)
        self._proj = CCAResult(
            cca.mean_x,
            cca.mean_y,
            np.concatenate([cca.weights_x[:, order], cca.weights_x[:, k:]], axis=1),
            np.concatenate([cca.weights_y[:, order], cca.weights_y[:, k:]], axis=1),
            cca.rho[order],
        )
        self.rho_ = self._proj.rho
        self.model_mi_ = self.model_.head.model_mi()
        self.n_train_ = len(train)
        self.held_out_ = self._evaluate(xa[val], ya[val], self.n_train_)
        return self

    # ------------------------------------------------------------------ reading out
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ValueError("FlowMI: not fitted yet; call fit(x, y) first")

    def transform(self, x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        """Gaussianized canonical codes ``(u, v)``: ``u_i`` pairs with ``v_i`` at correlation
        ``rho_[i]`` (sorted by decreasing ``|rho|``); other coordinates are independent."""
        self._check_fitted()
        xa, ya = as_paired_samples(x, y)
        if xa.shape[1] != self.dim_x_ or ya.shape[1] != self.dim_y_:
            raise ValueError(
                f"x, y: expected {self.dim_x_} and {self.dim_y_} features as in fit, "
                f"got {xa.shape[1]} and {ya.shape[1]}"
            )
        xt, yt = self._standardise(xa, ya)
        parts_a, parts_b = [], []
        with torch.no_grad():
            for start in range(0, len(xt), 4096):
                sl = slice(start, start + 4096)
                a, b, _ = self.model_.codes(xt[sl], yt[sl])
                parts_a.append(a.cpu().double().numpy())
                parts_b.append(b.cpu().double().numpy())
        a, b = np.concatenate(parts_a), np.concatenate(parts_b)
        p = self._proj
        return (a - p.mean_x) @ p.weights_x, (b - p.mean_y) @ p.weights_y

    def _evaluate(self, x: np.ndarray, y: np.ndarray, n_train: int) -> MIEstimate:
        u, v = self.transform(x, y)
        k = len(self.rho_)
        mi, stderr, r = held_out_canonical_mi(
            u, v, k, n_bootstrap=self.n_bootstrap, seed=self.random_state
        )
        return MIEstimate(
            mi,
            stderr,
            len(x),
            self.method,
            error_method="held-out bootstrap",
            details={
                "model_mi": self.model_mi_,
                "init_mi": self.init_mi_,
                "held_out_rho": r.tolist(),
                "n_train": n_train,
                "n_held_out": len(x),
                "epochs": self.history_["epochs"],
                "best_epoch": self.history_["best_epoch"],
                "best_val_nll": self.history_["best_val_loss"],
            },
        )

    def evaluate(self, x: object, y: object) -> MIEstimate:
        """The held-out estimate on new pairs ``(x, y)`` with the fitted model (no training)."""
        self._check_fitted()
        xa, ya = as_paired_samples(x, y, min_samples=3)
        return self._evaluate(xa, ya, self.n_train_)

    @collect_estimator_warnings()
    def estimate_with_error(self, x: object, y: object) -> MIEstimate:
        """Fit on ``(x, y)`` and return the held-out estimate with its bootstrap standard error.

        A variable whose every column is constant gives I = 0 exactly, without training."""
        xa, ya = as_paired_samples(x, y, min_samples=2)
        if constant_columns(xa).all() or constant_columns(ya).all():
            return MIEstimate(0.0, 0.0, len(xa), self.method, details={"constant": True})
        return self.fit(xa, ya).held_out_

    def estimate(self, x: object, y: object) -> float:
        """I(X;Y) in nats: fit, then the held-out estimate."""
        return self.estimate_with_error(x, y).value

    def __repr__(self) -> str:
        return constructor_repr(
            self,
            always=("variant", "flow", "transforms", "hidden", "max_epochs", "random_state"),
            skip=("progress", "device"),
        )

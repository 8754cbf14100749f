"""Mutual information read from the Gaussian head of two normalizing flows (MIENF).

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov, "Mutual Information Estimation via
Normalizing Flows", NeurIPS 2024, arXiv:2403.02187.

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

The flows are zuko transforms (Rozet et al., *zuko: Normalizing flows in PyTorch*,
github.com/probabilists/zuko; autoregressive neural spline flows by default) whose last layers
start at zero, so every flow starts as the identity and the model starts at the closed-form
Gaussian (CCA) solution. Inputs are standardised first (an affine map: MI is unchanged). The
closed-form NumPy pieces (Gaussian MI, CCA) live in :mod:`infolens.estimators.gaussian` and are
importable from here too; training is :mod:`infolens._training`'s.

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
the image experiments of Butakov et al. (ICLR 2024, arXiv:2305.08013); a Glow-style
convolutional flow is not implemented here. The
compressor must keep the information: an ``AutoencoderCompressor`` with a sigmoid bottleneck
and latent noise (its defaults, chosen for k-NN on the codes) caps I at a few nats, so for
large MI use ``bottleneck="linear", noise_std=0.0`` and train it longer (images of Gaussian
bumps, I = 10 nats, seed 0: FlowMI on the default codes 3.6 nats, on linear noise-free codes
after 150 epochs 9.3; on the true latents 9.95).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import torch
import zuko
from torch import Tensor, nn

from infolens import _validation as validate
from infolens._training import (
    LR_SCHEDULES,
    device_generator,
    seeded_torch,
    split_indices,
    train_with_early_stopping,
    training_kwargs,
)
from infolens.estimators.base import MIEstimatorBase
from infolens.estimators.gaussian import (  # re-exported: the flow's closed-form pieces
    MAX_INIT_RHO,
    CCAResult,
    canonical_correlation_analysis,
    cca_from_covariance,
    gaussian_cca_mi,
    gaussian_mi_from_covariance,
    held_out_canonical_mi,
    tridiag_gaussian_mi,
)
from infolens.estimators.result import MIEstimate, collect_estimator_warnings

__all__ = [
    "FlowMI",
    "tridiag_gaussian_log_density",
    # from infolens.estimators.gaussian, importable from here too
    "CCAResult",
    "canonical_correlation_analysis",
    "cca_from_covariance",
    "gaussian_cca_mi",
    "gaussian_mi_from_covariance",
    "held_out_canonical_mi",
    "tridiag_gaussian_mi",
]

Variant = Literal["tridiag", "full"]
FLOWS = ("nsf", "nsf-coupling", "maf", "realnvp")
_LOG_2PI = math.log(2 * math.pi)


# ----------------------------------------------------------------------------- torch math
def _log_one_minus_tanh2(theta: Tensor) -> Tensor:
    """``log(1 - tanh(theta)^2) = -2 log cosh(theta)``, stable for large |theta|."""
    a = theta.abs()
    return -2.0 * (a + nn.functional.softplus(-2.0 * a) - math.log(2.0))


def tridiag_gaussian_log_density(u: Tensor, v: Tensor, theta: Tensor) -> Tensor:
    """Per-sample ``log N((u, v); 0, [[I, diag rho], [diag rho, I]])`` with ``rho = tanh(theta)``.

    Pairs ``(u_i, v_i)``, ``i < k = len(theta)``, are bivariate normals with correlation
    ``rho_i``: ``-log 2pi - 1/2 log(1 - rho^2) - ((u - rho v)^2 / (1 - rho^2) + v^2) / 2``;
    coordinates beyond ``k`` are independent standard normals.

    Parameters
    ----------
    u : torch.Tensor
        Codes of x, shape (n, dx).
    v : torch.Tensor
        Codes of y, shape (n, dy).
    theta : torch.Tensor
        ``atanh`` of the k = min(dx, dy) canonical correlations, shape (k,).

    Returns
    -------
    torch.Tensor
        The log-density of every row, shape (n,).

    References
    ----------
    Butakov et al., "Mutual Information Estimation via Normalizing Flows", NeurIPS 2024,
    arXiv:2403.02187 (the tridiag-N-MIENF head).

    Examples
    --------
    >>> z = torch.zeros(1, 1)
    >>> round(float(tridiag_gaussian_log_density(z, z, torch.zeros(1))[0]), 4)  # -log(2 pi)
    -1.8379
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
    flow: str | Callable[[int], nn.Module],
    features: int,
    transforms: int,
    hidden_sizes: tuple[int, ...],
) -> nn.Module:
    """A zuko lazy transform mapping data to latent, started at the identity."""
    kw = dict(transforms=transforms, hidden_features=hidden_sizes)
    if callable(flow):
        made = flow(features)
    elif flow == "nsf":
        made = zuko.flows.NSF(features, **kw)
    elif flow == "nsf-coupling":
        made = zuko.flows.NSF(features, passes=2, **kw)
    elif flow == "maf":
        made = zuko.flows.MAF(features, **kw)
    elif flow == "realnvp":
        made = zuko.flows.RealNVP(features, **kw)
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
class FlowMI(MIEstimatorBase):
    """Mutual information from the Gaussian head of two normalizing flows (MIENF).

    The module docstring gives the model and the held-out estimate. All parameters are stored
    as given and checked by :meth:`fit` (a ``ValueError`` names the first bad one).

    Parameters
    ----------
    variant : {"tridiag", "full"}, default="tridiag"
        ``"tridiag"``: ``I = -1/2 sum log(1 - rho^2)`` with trainable ``rho``
        (tridiag-N-MIENF); ``"full"``: ``I = 1/2 (log det S_xx + log det S_yy - log det S)``
        with a trainable covariance ``S`` (N-MIENF).
    flow : str or callable, default="nsf"
        ``"nsf"`` (autoregressive rational-quadratic splines), ``"nsf-coupling"``, ``"maf"``,
        ``"realnvp"``, or a callable ``features -> zuko Flow / LazyTransform``.
    transforms : int, default=2
        Number of transforms of each flow.
    hidden_sizes : sequence of int or int, default=(64, 64)
        Hidden widths of the flows' networks.
    batch_size : int, default=512
        Rows per mini-batch.
    lr : float, default=1e-3
        Adam's (initial) learning rate.
    max_epochs : int, default=60
        Most epochs of training.
    patience : int, default=6
        Epochs without improvement of the validation negative log-likelihood before stopping
        (best weights restored; :func:`infolens._training.train_with_early_stopping`).
    lr_schedule : {"constant", "plateau"}, default="constant"
        ``"plateau"`` halves ``lr`` when the validation NLL stalls for ``patience // 3``
        epochs, down to ``lr / 100``.
    val_fraction : float, default=0.2
        Share of the rows held out for early stopping and for the estimate.
    n_bootstrap : int, default=200
        Bootstrap resamples of the held-out rows for the standard error.
    grad_clip : float or None, default=10.0
        Largest gradient norm; ``None``: no clipping.
    device : str or torch.device, default="cpu"
        Torch device of the flows: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` or ``"auto"``
        (CUDA when present; :func:`infolens._validation.resolve_device`). The data are moved
        there once; ``"cpu"`` by default so that a seed gives the same numbers everywhere.
    progress : bool, default=False
        Show a tqdm progress bar over epochs.
    random_state : int, default=0
        Seeds the split, the flows' initialisation, the batches and the bootstrap.

    Attributes
    ----------
    rho_ : numpy.ndarray
        Canonical correlations of the trained head, sorted by decreasing ``|rho|``.
    model_mi_ : float
        The MI of the trained head's parameters (the paper's read-out).
    init_mi_ : float
        The MI of the closed-form starting point (Gaussian CCA of the standardised data).
    history_ : dict
        The training history.
    held_out_ : MIEstimate
        The held-out estimate (what :meth:`estimate_with_error` returns).

    References
    ----------
    Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov, "Mutual Information Estimation via
    Normalizing Flows", NeurIPS 2024, arXiv:2403.02187; the flows are zuko's
    (github.com/probabilists/zuko): Durkan et al., "Neural Spline Flows", NeurIPS 2019,
    arXiv:1906.04032; Papamakarios et al., "Masked Autoregressive Flow for Density
    Estimation", NeurIPS 2017, arXiv:1705.07057; Dinh et al., "Density estimation using Real
    NVP", ICLR 2017, arXiv:1605.08803.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2000, 2)); y = 0.8 * x + 0.6 * rng.normal(size=(2000, 2))
    >>> est = FlowMI(max_epochs=1, hidden_sizes=16, n_bootstrap=20).fit(x, y)
    >>> round(est.held_out_.value, 1), est.rho_.shape  # truth: -log(1 - 0.8^2) = 1.02
    (1.0, (2,))
    >>> u, v = est.transform(x, y)
    >>> u.shape, v.shape
    ((2000, 2), (2000, 2))
    """

    def __init__(
        self,
        variant: Variant = "tridiag",
        flow: str | Callable[[int], nn.Module] = "nsf",
        *,
        transforms: int = 2,
        hidden_sizes: Sequence[int] | int = (64, 64),
        batch_size: int = 512,
        lr: float = 1e-3,
        max_epochs: int = 60,
        patience: int = 6,
        lr_schedule: Literal["constant", "plateau"] = "constant",
        val_fraction: float = 0.2,
        n_bootstrap: int = 200,
        grad_clip: float | None = 10.0,
        device: str | torch.device = "cpu",
        progress: bool = False,
        random_state: int = 0,
    ) -> None:
        self.variant = variant
        self.flow = flow
        self.transforms = transforms
        self.hidden_sizes = hidden_sizes
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.patience = patience
        self.lr_schedule = lr_schedule
        self.val_fraction = val_fraction
        self.n_bootstrap = n_bootstrap
        self.grad_clip = grad_clip
        self.device = device
        self.progress = progress
        self.random_state = random_state

    @property
    def name(self) -> str:  # type: ignore[override]
        """``flow`` (the registry's name, tridiag variant) or ``flow-full``."""
        return "flow" if self.variant == "tridiag" else f"flow-{self.variant}"

    def _check_params(self) -> tuple[int, ...]:
        """Check every hyper-parameter (a ``ValueError`` names the first bad one); returns the
        hidden widths as a tuple."""
        if self.variant not in ("tridiag", "full"):
            raise ValueError(f"variant: expected 'tridiag' or 'full', got {self.variant!r}")
        if not callable(self.flow) and self.flow not in FLOWS:
            raise ValueError(f"flow: expected one of {FLOWS} or a callable, got {self.flow!r}")
        validate.check_positive_int(self.transforms, "transforms")
        hidden_sizes = validate.check_hidden_sizes(self.hidden_sizes)
        validate.check_positive_int(self.batch_size, "batch_size", minimum=2)
        validate.check_positive_float(self.lr, "lr")
        validate.check_positive_int(self.max_epochs, "max_epochs", minimum=0)
        validate.check_positive_int(self.patience, "patience")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"lr_schedule: expected one of {LR_SCHEDULES}, got {self.lr_schedule!r}"
            )
        validate.check_fraction(self.val_fraction, "val_fraction")
        validate.check_positive_int(self.n_bootstrap, "n_bootstrap", minimum=2)
        if self.grad_clip is not None:
            validate.check_positive_float(self.grad_clip, "grad_clip")
        validate.check_positive_int(self.random_state, "random_state", minimum=0)
        validate.resolve_device(self.device)
        return hidden_sizes

    # ------------------------------------------------------------------ fitting
    def _tensor(self, a: np.ndarray) -> Tensor:
        return torch.as_tensor(a, dtype=torch.float32, device=self.device_)

    def _standardise(self, x: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor]:
        (mean_x, scale_x), (mean_y, scale_y) = self.moments_
        x, y = x[:, self.keep_x_], y[:, self.keep_y_]
        return self._tensor((x - mean_x) / scale_x), self._tensor((y - mean_y) / scale_y)

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
        """Train the flows and the Gaussian head on a split of ``(x, y)``.

        Parameters
        ----------
        x : array-like of shape (n_samples, dim_x)
            Samples of X.
        y : array-like of shape (n_samples, dim_y)
            Samples of Y, paired with ``x`` by row.

        Returns
        -------
        FlowMI
            ``self``, fitted.

        Raises
        ------
        ValueError
            On a bad hyper-parameter, malformed data, or a variable whose every column is
            constant on the training split.
        """
        hidden_sizes = self._check_params()
        xa, ya = validate.as_paired_samples(x, y, min_samples=2)
        train, val = split_indices(len(xa), self.val_fraction, self.random_state)
        self.device_ = validate.resolve_device(self.device)
        self.dim_x_, self.dim_y_ = xa.shape[1], ya.shape[1]
        # constant columns carry no information: dropped (infolens._validation.constant_columns)
        self.keep_x_ = ~validate.constant_columns(xa[train])
        self.keep_y_ = ~validate.constant_columns(ya[train])
        for name, keep in (("x", self.keep_x_), ("y", self.keep_y_)):
            if not keep.any():
                raise ValueError(
                    f"{name}: every column is constant on the training split; I(X;Y) = 0 and "
                    "there is no flow to fit"
                )
        self.moments_ = (
            validate.column_moments(xa[train][:, self.keep_x_]),
            validate.column_moments(ya[train][:, self.keep_y_]),
        )
        xt, yt = self._standardise(xa, ya)
        x_tr, y_tr, x_va, y_va = xt[train], yt[train], xt[val], yt[val]
        with seeded_torch(self.random_state):
            self.model_ = _FlowPair(
                _build_flow(self.flow, int(self.keep_x_.sum()), self.transforms, hidden_sizes),
                _build_flow(self.flow, int(self.keep_y_.sum()), self.transforms, hidden_sizes),
            ).to(self.device_)
            self.model_.head = self._init_head(x_tr, y_tr).to(self.device_)
            self.init_mi_ = self.model_.head.model_mi()
            gen = device_generator(self.device_, self.random_state)

            def batch_loss(idx: Tensor) -> Tensor:  # idx on the device: no host copy
                return -self.model_.log_prob(x_tr[idx], y_tr[idx]).mean()

            def val_loss() -> float:
                total = 0.0
                for start in range(0, len(x_va), 4096):
                    sl = slice(start, start + 4096)
                    total += float(self.model_.log_prob(x_va[sl], y_va[sl]).sum())
                return -total / len(x_va)

            self.history_ = train_with_early_stopping(
                self.model_, batch_loss, val_loss, len(train), generator=gen,
                desc=type(self).__name__, **training_kwargs(self),  # with grad_clip, lr_schedule
            )
        self.model_.eval()
        cca = self.model_.head.readout()
        order = np.argsort(-np.abs(cca.rho), kind="stable")
        k = len(cca.rho)
        self.projection_ = CCAResult(
            cca.mean_x,
            cca.mean_y,
            np.concatenate([cca.weights_x[:, order], cca.weights_x[:, k:]], axis=1),
            np.concatenate([cca.weights_y[:, order], cca.weights_y[:, k:]], axis=1),
            cca.rho[order],
        )
        self.rho_ = self.projection_.rho
        self.model_mi_ = self.model_.head.model_mi()
        self.n_train_ = len(train)
        self.held_out_ = self._evaluate(xa[val], ya[val], self.n_train_)
        return self

    # ------------------------------------------------------------------ reading out
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ValueError("FlowMI: not fitted yet; call fit(x, y) first")

    def transform(self, x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
        """Gaussianized canonical codes ``(u, v)`` of new pairs, with the fitted model.

        ``u_i`` pairs with ``v_i`` at correlation ``rho_[i]`` (sorted by decreasing ``|rho|``);
        other coordinates are independent.

        Parameters
        ----------
        x : array-like of shape (n_samples, dim_x)
            Samples of X, with as many features as in :meth:`fit`.
        y : array-like of shape (n_samples, dim_y)
            Samples of Y, paired with ``x``.

        Returns
        -------
        u, v : numpy.ndarray
            Codes of shape (n_samples, number of kept columns of x) and likewise for y.
        """
        self._check_fitted()
        xa, ya = validate.as_paired_samples(x, y)
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
                parts_a.append(a)
                parts_b.append(b)
        # one copy to the host, after the device has encoded every chunk
        a = torch.cat(parts_a).cpu().double().numpy()
        b = torch.cat(parts_b).cpu().double().numpy()
        p = self.projection_
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
            self.name,
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
        """The held-out estimate on new pairs ``(x, y)`` with the fitted model (no training).

        Parameters
        ----------
        x : array-like of shape (n_samples, dim_x)
            Samples of X (at least 3).
        y : array-like of shape (n_samples, dim_y)
            Samples of Y, paired with ``x``.

        Returns
        -------
        MIEstimate
            ``I = -1/2 sum log(1 - r_i^2)`` of the held-out canonical correlations, with a
            bootstrap standard error.
        """
        self._check_fitted()
        xa, ya = validate.as_paired_samples(x, y, min_samples=3)
        return self._evaluate(xa, ya, self.n_train_)

    @collect_estimator_warnings()
    def estimate_with_error(self, x: object, y: object) -> MIEstimate:
        """Fit on ``(x, y)`` and return the held-out estimate with its bootstrap standard error.

        A variable whose every column is constant gives I = 0 exactly, without training.

        Parameters
        ----------
        x : array-like of shape (n_samples, dim_x)
            Samples of X.
        y : array-like of shape (n_samples, dim_y)
            Samples of Y, paired with ``x``.

        Returns
        -------
        MIEstimate
            In nats, ``error_method="held-out bootstrap"``.
        """
        self._check_params()
        xa, ya = validate.as_paired_samples(x, y, min_samples=2)
        if validate.constant_columns(xa).all() or validate.constant_columns(ya).all():
            return MIEstimate(0.0, 0.0, len(xa), self.name, details={"constant": True})
        return self.fit(xa, ya).held_out_

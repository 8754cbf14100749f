"""Variational lower bounds on mutual information with a neural critic: MINE and InfoNCE.

These are the baselines the flow estimator (:mod:`infolens.estimators.flows`) is measured
against. Both train a critic ``T(x, y)`` with Adam on a training split, stop early on the
validation split (best weights restored) and report the bound evaluated on that held-out split,
which no gradient step has seen (it only chose the stopping epoch).

* **MINE** (Belghazi et al., "Mutual Information Neural Estimation", ICML 2018,
  arXiv:1801.04062): the Donsker-Varadhan bound ``I >= E_P[T] - log E_{P_X x P_Y}[exp T]``; the
  gradient of the log-term is corrected with a moving average of ``E[exp T]`` (rate ``ema``),
  as in the paper.
* **InfoNCE** (van den Oord, Li & Vinyals, "Representation Learning with Contrastive Predictive
  Coding", 2018, arXiv:1807.03748; Poole et al., "On Variational Bounds of Mutual Information",
  ICML 2019, arXiv:1905.06922): with K pairs,
  ``I >= mean_i [T(x_i, y_i) - log (1/K sum_j exp T(x_i, y_j))]``, which can never exceed
  ``log K``; here K is ``batch_size`` for training and for the held-out evaluation (blocks of
  ``batch_size`` held-out pairs), so the estimate is capped at ``log(batch_size)``.

Both bounds are biased down and noisy when I is large (McAllester & Stratos, "Formal
Limitations on the Measurement of Mutual Information", AISTATS 2020, arXiv:1811.04251): that is
what the benchmark shows.

Training (seeded split, early stopping, progress) is :mod:`infolens._training`'s, shared with
the flow estimator and the autoencoders.

**Settings both estimators share** (each class lists them again, briefly; all are stored as
given and checked when estimating, a ``ValueError`` naming the first bad one):

* ``critic``: ``"concat"`` (``T(x, y) = MLP([x, y])``, K^2 network evaluations for a K x K
  score matrix) or ``"separable"`` (``T(x, y) = g(x) . h(y)``, 2K evaluations).
* ``hidden_sizes``: widths of the hidden layers of the critic's networks (one int: one layer);
  ``embed_dim``: the output width of ``g`` and ``h`` (separable critic only).
* ``batch_size``, ``lr``, ``max_epochs``, ``patience``: Adam on mini-batches of ``batch_size``
  pairs with learning rate ``lr``, at most ``max_epochs`` epochs, stopped after ``patience``
  epochs without improvement of the held-out bound
  (:func:`infolens._training.train_with_early_stopping`, best weights restored).
* ``val_fraction``: share of the rows held out, for stopping and for the estimate.
* ``device``: torch device of the critic (``"cpu"``, ``"cuda"``...); ``progress``: show a tqdm
  bar over epochs; ``random_state``: the seed of the split, the critic's initialisation, the
  batches and the shuffles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from infolens._training import seeded_torch, split_indices, train_with_early_stopping, training_kwargs
from infolens._validation import (
    as_paired_samples,
    check_fraction,
    check_hidden_sizes,
    check_positive_float,
    check_positive_int,
    column_moments,
    constant_columns,
)
from infolens.estimators.base import MIEstimatorBase
from infolens.estimators.result import MIEstimate, collect_estimator_warnings, warn_estimator

__all__ = ["MINE", "InfoNCE", "donsker_varadhan_bound", "infonce_terms", "mlp", "CAP_WARNING_FRACTION"]

#: InfoNCE estimates above this share of log(batch_size) are flagged as saturated
CAP_WARNING_FRACTION = 0.9


# ----------------------------------------------------------------------------- pure functions
def donsker_varadhan_bound(t_joint: Tensor, t_marginal: Tensor) -> Tensor:
    """Donsker-Varadhan bound ``mean(t_joint) - log mean(exp(t_marginal))`` (nats).

    Computed with ``logsumexp``, so that large critic values do not overflow.

    Parameters
    ----------
    t_joint : torch.Tensor
        Critic values ``T(x_i, y_i)`` on paired samples, shape (n,).
    t_marginal : torch.Tensor
        Critic values on shuffled (independent) pairs, shape (m,).

    Returns
    -------
    torch.Tensor
        The bound, a scalar tensor (differentiable).

    References
    ----------
    Belghazi et al., "Mutual Information Neural Estimation", ICML 2018, arXiv:1801.04062, eq. 4.

    Examples
    --------
    >>> round(float(donsker_varadhan_bound(torch.ones(4), torch.zeros(4))), 6)
    1.0
    """
    log_mean_exp = torch.logsumexp(t_marginal, dim=0) - math.log(t_marginal.shape[0])
    return t_joint.mean() - log_mean_exp


def infonce_terms(scores: Tensor) -> Tensor:
    """Per-sample InfoNCE terms from a (K, K) score matrix ``scores[i, j] = T(x_i, y_j)``.

    ``term_i = scores[i, i] - logsumexp_j scores[i, j] + log K``; every term is ``<= log K``, so
    their mean (the InfoNCE bound) is too.

    Parameters
    ----------
    scores : torch.Tensor
        Critic values of every pair of a block of K samples, shape (K, K); the diagonal holds
        the true pairs.

    Returns
    -------
    torch.Tensor
        The K terms, shape (K,).

    References
    ----------
    van den Oord, Li & Vinyals, "Representation Learning with Contrastive Predictive Coding",
    2018, arXiv:1807.03748.

    Examples
    --------
    >>> [round(t, 4) for t in infonce_terms(torch.zeros(3, 3)).tolist()]
    [0.0, 0.0, 0.0]
    """
    k = scores.shape[0]
    return scores.diagonal() - torch.logsumexp(scores, dim=1) + math.log(k)


def mlp(in_features: int, out_features: int, hidden_sizes: Sequence[int]) -> nn.Sequential:
    """A ReLU multilayer perceptron ``in -> hidden_sizes... -> out``.

    Parameters
    ----------
    in_features : int
        Input width.
    out_features : int
        Output width (no activation on the output).
    hidden_sizes : sequence of int
        Widths of the hidden layers, each followed by a ReLU.

    Returns
    -------
    torch.nn.Sequential
        The network.

    Examples
    --------
    >>> mlp(3, 1, (8, 8))(torch.zeros(5, 3)).shape
    torch.Size([5, 1])
    """
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden_sizes:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------------- helpers
def _derangement(n: int, generator: torch.Generator) -> Tensor:
    """A random permutation of ``range(n)`` with no fixed point (a cyclic shift of a shuffle)."""
    perm = torch.randperm(n, generator=generator)
    out = torch.empty_like(perm)
    out[perm] = torch.roll(perm, 1)
    return out


# ----------------------------------------------------------------------------- critics
class _ConcatCritic(nn.Module):
    """``T(x, y) = MLP([x, y])``; ``pairwise`` scores all K x K pairs."""

    def __init__(self, dx: int, dy: int, hidden_sizes: Sequence[int]) -> None:
        super().__init__()
        self.net = mlp(dx + dy, 1, hidden_sizes)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.net(torch.cat([x, y], dim=1)).squeeze(1)

    def pairwise(self, x: Tensor, y: Tensor) -> Tensor:
        k = x.shape[0]
        xx = x[:, None, :].expand(k, k, -1)
        yy = y[None, :, :].expand(k, k, -1)
        return self.net(torch.cat([xx, yy], dim=2)).squeeze(2)


class _SeparableCritic(nn.Module):
    """``T(x, y) = g(x) . h(y)`` with two MLPs (cheap K x K score matrices)."""

    def __init__(self, dx: int, dy: int, hidden_sizes: Sequence[int], embed_dim: int) -> None:
        super().__init__()
        self.g = mlp(dx, embed_dim, hidden_sizes)
        self.h = mlp(dy, embed_dim, hidden_sizes)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return (self.g(x) * self.h(y)).sum(dim=1)

    def pairwise(self, x: Tensor, y: Tensor) -> Tensor:
        return self.g(x) @ self.h(y).T


def _make_critic(
    kind: str, dx: int, dy: int, hidden_sizes: Sequence[int], embed_dim: int
) -> nn.Module:
    if kind == "concat":
        return _ConcatCritic(dx, dy, hidden_sizes)
    if kind == "separable":
        return _SeparableCritic(dx, dy, hidden_sizes, embed_dim)
    raise ValueError(f"critic: expected 'concat' or 'separable', got {kind!r}")


# ----------------------------------------------------------------------------- estimators
class _VariationalBound(MIEstimatorBase):
    """Common parts: hyper-parameters, their checks, standardisation, split, training."""

    name = "variational"
    error_method = "held-out"

    def __init__(
        self,
        *,
        critic: str,
        hidden_sizes: Sequence[int] | int,
        embed_dim: int,
        batch_size: int,
        lr: float,
        max_epochs: int,
        patience: int,
        val_fraction: float,
        device: str,
        progress: bool,
        random_state: int,
    ) -> None:
        # stored as given, by groups: the critic; its training; the split, device and seed
        self.critic, self.hidden_sizes, self.embed_dim = critic, hidden_sizes, embed_dim
        self.batch_size, self.lr, self.max_epochs, self.patience = batch_size, lr, max_epochs, patience
        self.val_fraction, self.device = val_fraction, device
        self.progress, self.random_state = progress, random_state

    def _check_params(self) -> tuple[int, ...]:
        """Check every hyper-parameter (a ``ValueError`` names the first bad one); returns the
        hidden widths as a tuple."""
        if self.critic not in ("concat", "separable"):
            raise ValueError(f"critic: expected 'concat' or 'separable', got {self.critic!r}")
        hidden_sizes = check_hidden_sizes(self.hidden_sizes)
        check_positive_int(self.embed_dim, "embed_dim")
        check_positive_int(self.batch_size, "batch_size", minimum=2)
        check_positive_float(self.lr, "lr")
        check_positive_int(self.max_epochs, "max_epochs", minimum=0)
        check_positive_int(self.patience, "patience")
        check_fraction(self.val_fraction, "val_fraction")
        check_positive_int(self.random_state, "random_state", minimum=0)
        return hidden_sizes

    # subclasses implement these two
    def _batch_loss(self, x: Tensor, y: Tensor, generator: torch.Generator) -> Tensor:
        raise NotImplementedError

    def _held_out(self, x: Tensor, y: Tensor, generator: torch.Generator) -> tuple[float, float]:
        raise NotImplementedError

    @collect_estimator_warnings()
    def estimate_with_error(self, x: object, y: object) -> MIEstimate:
        """Train on a split of ``(x, y)`` and return the bound on the held-out split, in nats.

        Constant columns carry no information and are dropped; a variable with no other column
        gives I = 0 exactly, without training."""
        hidden_sizes = self._check_params()
        xa, ya = as_paired_samples(x, y, min_samples=2)
        xa, ya = xa[:, ~constant_columns(xa)], ya[:, ~constant_columns(ya)]
        if xa.shape[1] == 0 or ya.shape[1] == 0:
            return MIEstimate(0.0, 0.0, len(xa), self.name, details={"constant": True})
        train, val = split_indices(len(xa), self.val_fraction, self.random_state)
        (mean_x, std_x), (mean_y, std_y) = column_moments(xa[train]), column_moments(ya[train])
        std_x, std_y = np.where(std_x > 0, std_x, 1.0), np.where(std_y > 0, std_y, 1.0)
        device = torch.device(self.device)

        def tensor(a: np.ndarray) -> Tensor:
            return torch.as_tensor(a, dtype=torch.float32, device=device)

        xt, yt = tensor((xa - mean_x) / std_x), tensor((ya - mean_y) / std_y)
        x_tr, y_tr, x_va, y_va = xt[train], yt[train], xt[val], yt[val]
        with seeded_torch(self.random_state):
            self.critic_ = _make_critic(
                self.critic, xa.shape[1], ya.shape[1], hidden_sizes, self.embed_dim
            ).to(device)
            self._start()
            gen = torch.Generator().manual_seed(self.random_state)
            val_gen_seed = self.random_state + 1

            def batch_loss(idx: Tensor) -> Tensor:
                idx = idx.to(device)
                return self._batch_loss(x_tr[idx], y_tr[idx], gen)

            def val_loss() -> float:
                value, _ = self._held_out(
                    x_va, y_va, torch.Generator().manual_seed(val_gen_seed)
                )
                return -value

            self.history_ = train_with_early_stopping(
                self.critic_, batch_loss, val_loss, len(train), generator=gen,
                desc=type(self).__name__, **training_kwargs(self),
            )
            with torch.no_grad():
                value, stderr = self._held_out(
                    x_va, y_va, torch.Generator().manual_seed(val_gen_seed)
                )
        self._flag_estimate(float(value))
        return MIEstimate(
            float(value),
            float(stderr),
            len(val),
            self.name,
            error_method=self.error_method,
            details={
                "n_train": len(train),
                "n_held_out": len(val),
                "epochs": self.history_["epochs"],
                "best_epoch": self.history_["best_epoch"],
                "critic": self.critic,
            },
        )

    def _flag_estimate(self, value: float) -> None:
        """Warn (:class:`~infolens.estimators.result.EstimatorWarning`) where the bound is known
        to fail; the shared base knows no such regime."""

    def _start(self) -> None:
        """Reset per-fit state (e.g. MINE's moving average)."""


class MINE(_VariationalBound):
    """Mutual Information Neural Estimation: the Donsker-Varadhan bound with a trained critic.

    ``I(X;Y) >= E_P[T] - log E_{P_X x P_Y}[exp T]``. Marginal pairs come from shuffling ``y``
    within the batch. The biased gradient of ``log E[exp T]`` is corrected by dividing by a
    moving average of ``E[exp T]`` with rate ``ema`` (section 3.2 of the paper).

    The estimate is the bound on the held-out split (marginal pairs: ``n_shuffles`` random
    derangements of the held-out ``y``); its standard error is the delta-method error of
    ``mean(T_joint) - log mean(exp T_marginal)`` (``error_method="held-out delta method"``).

    Parameters
    ----------
    ema : float, default=0.01
        Rate in (0, 1] of the moving average of ``E[exp T]`` (1: no averaging).
    n_shuffles : int, default=5
        Random derangements of the held-out ``y`` for the marginal term.
    critic : {"concat", "separable"}, default="concat"
        The critic's form (module docstring).
    hidden_sizes : sequence of int or int, default=(128, 128)
        Hidden widths of the critic's networks.
    embed_dim : int, default=32
        Output width of ``g`` and ``h`` of a separable critic.
    batch_size : int, default=256
        Pairs per mini-batch; marginal pairs are shuffled within it.
    lr : float, default=1e-3
        Adam's learning rate.
    max_epochs : int, default=100
        Most epochs of training.
    patience : int, default=10
        Epochs without improvement of the held-out bound before stopping.
    val_fraction : float, default=0.2
        Share of the rows held out; the estimate is the bound on them.
    device : str, default="cpu"
        Torch device of the critic.
    progress : bool, default=False
        Show a tqdm bar over epochs.
    random_state : int, default=0
        Seed of the split, the critic's initialisation, the batches and the derangements.

    Attributes
    ----------
    critic_ : torch.nn.Module
        The trained critic ``T`` of the last estimate.
    history_ : dict
        Its training history (:func:`infolens._training.train_with_early_stopping`).

    References
    ----------
    Belghazi et al., "Mutual Information Neural Estimation", ICML 2018, arXiv:1801.04062.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 1)); y = x + 0.5 * rng.normal(size=(300, 1))
    >>> mine = MINE(hidden_sizes=16, batch_size=32, lr=1e-2, max_epochs=1)
    >>> result = mine.estimate_with_error(x, y)
    >>> result.n, result.error_method, result.details["epochs"]
    (60, 'held-out delta method', 1)
    """

    name = "mine"
    error_method = "held-out delta method"

    def __init__(
        self, *, ema: float = 0.01, n_shuffles: int = 5, critic: str = "concat",
        hidden_sizes: Sequence[int] | int = (128, 128), embed_dim: int = 32, batch_size: int = 256,
        lr: float = 1e-3, max_epochs: int = 100, patience: int = 10, val_fraction: float = 0.2,
        device: str = "cpu", progress: bool = False, random_state: int = 0,
    ) -> None:  # every argument listed: scikit-learn's get_params reads this signature
        super().__init__(
            critic=critic, hidden_sizes=hidden_sizes, embed_dim=embed_dim, batch_size=batch_size,
            lr=lr, max_epochs=max_epochs, patience=patience, val_fraction=val_fraction,
            device=device, progress=progress, random_state=random_state,
        )
        self.ema = ema
        self.n_shuffles = n_shuffles

    def _check_params(self) -> tuple[int, ...]:
        if self.ema != 1:
            check_fraction(self.ema, "ema")
        check_positive_int(self.n_shuffles, "n_shuffles")
        return super()._check_params()

    def _start(self) -> None:
        self._log_moving_average: Tensor | None = None

    def _batch_loss(self, x: Tensor, y: Tensor, generator: torch.Generator) -> Tensor:
        t_joint = self.critic_(x, y)
        shuffled = _derangement(len(y), generator).to(y.device)
        t_marg = self.critic_(x, y[shuffled])
        log_mean_exp = torch.logsumexp(t_marg, 0) - math.log(len(t_marg))
        current = log_mean_exp.detach()
        if self._log_moving_average is None:
            self._log_moving_average = current
        else:  # log((1 - a) * ma + a * current), in the log domain
            self._log_moving_average = torch.logaddexp(
                math.log1p(-self.ema) + self._log_moving_average, math.log(self.ema) + current
            )
        # d/dtheta exp(L - log ma) = E[grad T e^T] / ma: the paper's corrected gradient
        return -(t_joint.mean() - torch.exp(log_mean_exp - self._log_moving_average))

    def _held_out(self, x: Tensor, y: Tensor, generator: torch.Generator) -> tuple[float, float]:
        t_joint = self.critic_(x, y).double()
        t_marg = torch.cat([
            self.critic_(x, y[_derangement(len(y), generator).to(y.device)])
            for _ in range(self.n_shuffles)
        ]).double()
        value = float(donsker_varadhan_bound(t_joint, t_marg))
        shift = t_marg.max()
        e = torch.exp(t_marg - shift)
        var = float(t_joint.var() / len(t_joint) + e.var() / (len(e) * e.mean() ** 2))
        return value, math.sqrt(max(var, 0.0))


class InfoNCE(_VariationalBound):
    """The InfoNCE (contrastive predictive coding) lower bound with a trained critic.

    ``I(X;Y) >= mean_i [T(x_i, y_i) - log(1/K sum_j exp T(x_i, y_j))]`` over blocks of K
    pairs. The bound can never exceed ``log K``; K = ``batch_size`` both in training and in the
    held-out evaluation (the last held-out block may be smaller), so **the estimate is capped at
    log(batch_size)** nats (:attr:`cap`).

    The default critic is separable, ``T(x, y) = g(x) . h(y)``, so a K x K score matrix costs
    2K network evaluations. Standard error: of the mean of the held-out per-sample terms
    (``error_method="held-out per-sample"``).

    Parameters
    ----------
    critic : {"concat", "separable"}, default="separable"
        The critic's form (module docstring).
    hidden_sizes : sequence of int or int, default=(128, 128)
        Hidden widths of the critic's networks.
    embed_dim : int, default=32
        Output width of ``g`` and ``h`` of a separable critic.
    batch_size : int, default=256
        K, the pairs contrasted in a block, in training and in the held-out evaluation; the
        estimate cannot exceed ``log(batch_size)``.
    lr : float, default=1e-3
        Adam's learning rate.
    max_epochs : int, default=100
        Most epochs of training.
    patience : int, default=10
        Epochs without improvement of the held-out bound before stopping.
    val_fraction : float, default=0.2
        Share of the rows held out, in blocks of ``batch_size`` pairs for the estimate.
    device : str, default="cpu"
        Torch device of the critic.
    progress : bool, default=False
        Show a tqdm bar over epochs.
    random_state : int, default=0
        Seed of the split, the initialisation, the batches and the held-out blocks.

    Attributes
    ----------
    critic_ : torch.nn.Module
        The trained critic of the last estimate (``g`` and ``h`` when separable).
    history_ : dict
        The training history of that critic (see
        :func:`infolens._training.train_with_early_stopping`).

    References
    ----------
    van den Oord, Li & Vinyals, "Representation Learning with Contrastive Predictive Coding",
    2018, arXiv:1807.03748; Poole et al., "On Variational Bounds of Mutual Information", ICML
    2019, arXiv:1905.06922.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 1)); y = x + 0.5 * rng.normal(size=(300, 1))
    >>> nce = InfoNCE(hidden_sizes=16, batch_size=32, lr=1e-2, max_epochs=1)
    >>> result = nce.estimate_with_error(x, y)
    >>> round(nce.cap, 3), result.value <= nce.cap, result.error_method
    (3.466, True, 'held-out per-sample')
    """

    name = "infonce"
    error_method = "held-out per-sample"

    def __init__(
        self, *, critic: str = "separable", hidden_sizes: Sequence[int] | int = (128, 128),
        embed_dim: int = 32, batch_size: int = 256, lr: float = 1e-3, max_epochs: int = 100,
        patience: int = 10, val_fraction: float = 0.2, device: str = "cpu", progress: bool = False,
        random_state: int = 0,
    ) -> None:  # every argument listed: scikit-learn's get_params reads this signature
        super().__init__(
            critic=critic, hidden_sizes=hidden_sizes, embed_dim=embed_dim, batch_size=batch_size,
            lr=lr, max_epochs=max_epochs, patience=patience, val_fraction=val_fraction,
            device=device, progress=progress, random_state=random_state,
        )

    @property
    def cap(self) -> float:
        """``log(batch_size)``: no InfoNCE estimate can exceed it."""
        return math.log(self.batch_size)

    def _flag_estimate(self, value: float) -> None:
        """An estimate above :data:`CAP_WARNING_FRACTION` of :attr:`cap` is flagged: the bound
        saturates there, so the true MI may be far higher."""
        if value > CAP_WARNING_FRACTION * self.cap:
            warn_estimator(
                f"InfoNCE estimate {value:.3g} nats is within {1 - CAP_WARNING_FRACTION:.0%} of its "
                f"cap log(batch_size) = {self.cap:.3g}: the bound saturates, the true MI may be far "
                "higher; raise batch_size or use FlowMI"
            )

    def _batch_loss(self, x: Tensor, y: Tensor, generator: torch.Generator) -> Tensor:
        return -infonce_terms(self.critic_.pairwise(x, y)).mean()

    def _held_out(self, x: Tensor, y: Tensor, generator: torch.Generator) -> tuple[float, float]:
        n = len(x)
        order = torch.randperm(n, generator=generator).to(x.device)
        terms = []
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            if len(idx) < 2:  # a block of one pair carries no contrast; fold it into no estimate
                continue
            terms.append(infonce_terms(self.critic_.pairwise(x[idx], y[idx])).double())
        t = torch.cat(terms)
        return float(t.mean()), float(t.std() / math.sqrt(len(t)))

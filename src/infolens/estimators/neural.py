"""Variational lower bounds on mutual information with a neural critic: MINE, InfoNCE, NWJ, SMILE.

These are the baselines the flow estimator (:mod:`infolens.estimators.flows`) is measured
against. All train a critic ``T(x, y)`` with Adam on a training split, stop early on the
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
* **NWJ** (Nguyen, Wainwright & Jordan, IEEE Trans. Inf. Theory 2010, arXiv:0809.0853; the
  "f-GAN" or "MINE-f" bound of Poole et al. 2019): ``I >= E_P[T] - e^{-1} E_{P_X x P_Y}[exp T]``
  with the K (K - 1) off-diagonal pairs of each block of K as marginal samples; no cap, but a
  variance that grows like ``e^I`` (flagged, :class:`NWJ`).
* **SMILE** (Song & Ermon, "Understanding the Limitations of Variational Mutual Information
  Estimators", ICLR 2020, arXiv:1910.06222): a critic trained with the f-GAN Jensen-Shannon
  objective, read out with the DV bound whose partition term is clipped to
  ``[e^-clip, e^clip]``; bounded variance, biased where the log density ratio exceeds the clip
  (flagged, :class:`SMILE`).

All four fall far below I, or get noisy, when I is large (McAllester & Stratos, "Formal
Limitations on the Measurement of Mutual Information", AISTATS 2020, arXiv:1811.04251): that is
what the benchmark shows. SMILE alone is not a strict lower bound: its clip can also raise it.

Training (seeded split, early stopping, progress) is :mod:`infolens._training`'s, shared with
the flow estimator and the autoencoders.

**Settings all four share** (each class lists them again, briefly; all are stored as
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
* ``device``: torch device of the critic (``"cpu"``, the default, ``"cuda"``, ``"cuda:1"``,
  ``"mps"`` or ``"auto"``: CUDA when present; :func:`infolens._validation.resolve_device`); the
  data are moved there once and the batches, shuffles and derangements are drawn there by a
  generator on that device (on the CPU: the same numbers as before); ``progress``: show a tqdm
  bar over epochs; ``random_state``: the seed of the split, the critic's initialisation, the
  batches and the shuffles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn

from infolens._training import (
    device_generator,
    seeded_torch,
    split_indices,
    train_with_early_stopping,
    training_kwargs,
)
from infolens._validation import (
    as_paired_samples,
    check_fraction,
    check_hidden_sizes,
    check_positive_float,
    check_positive_int,
    column_moments,
    constant_columns,
    resolve_device,
)
from infolens.estimators.base import MIEstimatorBase
from infolens.estimators.result import MIEstimate, collect_estimator_warnings, warn_estimator

__all__ = [
    "MINE", "InfoNCE", "NWJ", "SMILE", "donsker_varadhan_bound", "infonce_terms", "nwj_terms",
    "js_fgan_objective", "smile_terms", "smile_bound", "off_diagonal", "nwj_stderr_floor", "mlp",
    "CAP_WARNING_FRACTION", "NWJ_MAX_TERM_STD", "SMILE_CLIP_WARNING_FRACTION",
]

#: InfoNCE estimates above this share of log(batch_size) are flagged as saturated
CAP_WARNING_FRACTION = 0.9
#: NWJ estimates whose per-sample terms must have a standard deviation above this (nats) are flagged
NWJ_MAX_TERM_STD = 0.3
#: SMILE estimates with more than this share of held-out joint scores above the clip are flagged
SMILE_CLIP_WARNING_FRACTION = 0.1


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


def _check_scores(scores: Tensor) -> int:
    """K, the side of a square score matrix with K >= 2 (a ``ValueError`` names ``scores``)."""
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1] or scores.shape[0] < 2:
        raise ValueError(f"scores: expected a square (K, K) matrix with K >= 2, got shape "
                         f"{tuple(scores.shape)}")
    return scores.shape[0]


def off_diagonal(scores: Tensor) -> Tensor:
    """The off-diagonal entries of a (K, K) score matrix, row by row, shape (K, K - 1).

    Row ``i`` holds ``T(x_i, y_j)`` for every ``j != i``: pairs of a block drawn from the product
    of the marginals ``P_X x P_Y``, as in Poole et al. (2019) and Song & Ermon (2020).

    Parameters
    ----------
    scores : torch.Tensor
        Critic values ``scores[i, j] = T(x_i, y_j)`` of a block of K >= 2 pairs, shape (K, K).

    Returns
    -------
    torch.Tensor
        The K (K - 1) marginal scores, shape (K, K - 1).

    Examples
    --------
    >>> off_diagonal(torch.arange(9.0).reshape(3, 3)).tolist()
    [[1.0, 2.0], [3.0, 5.0], [6.0, 7.0]]
    """
    k = _check_scores(scores)
    return scores[~torch.eye(k, dtype=torch.bool, device=scores.device)].reshape(k, k - 1)


def nwj_terms(scores: Tensor) -> Tensor:
    """Per-sample NWJ terms from a (K, K) score matrix ``scores[i, j] = T(x_i, y_j)``.

    ``t_i = T(x_i, y_i) - 1/(e (K - 1)) sum_{j != i} exp T(x_i, y_j)``, so that their mean is
    the NWJ bound ``I >= E_P[T] - e^{-1} E_{P_X x P_Y}[exp T]`` with every off-diagonal pair of
    the block as a marginal sample. For any critic the expected mean is a lower bound on
    I(X;Y); it is tight for ``T = 1 + log p(x, y) / (p(x) p(y))``.

    Parameters
    ----------
    scores : torch.Tensor
        Critic values of every pair of a block of K >= 2 samples, shape (K, K); the diagonal
        holds the true pairs.

    Returns
    -------
    torch.Tensor
        The K terms, shape (K,).

    References
    ----------
    Nguyen, Wainwright & Jordan, "Estimating Divergence Functionals and the Likelihood Ratio by
    Convex Risk Minimization", IEEE Trans. Inf. Theory 56(11), 2010, arXiv:0809.0853; Poole et
    al., "On Variational Bounds of Mutual Information", ICML 2019, arXiv:1905.06922 (I_NWJ).

    Examples
    --------
    >>> [round(t, 4) for t in nwj_terms(torch.eye(2)).tolist()]  # 1 - e^0 / e
    [0.6321, 0.6321]
    """
    return scores.diagonal() - torch.exp(off_diagonal(scores) - 1.0).mean(dim=1)


def js_fgan_objective(scores: Tensor) -> Tensor:
    """The f-GAN Jensen-Shannon objective that SMILE trains its critic with.

    ``J(T) = -1/K sum_i softplus(-T(x_i, y_i)) - 1/(K (K - 1)) sum_{i != j} softplus(T(x_i, y_j))``:
    the log-likelihood of a logistic classifier of true pairs against the off-diagonal
    (marginal) pairs, each side weighted equally. Its maximiser is the log density ratio
    ``T* = log p(x, y) / (p(x) p(y))``, the critic the DV readout of :func:`smile_bound` needs;
    ``J`` itself is not an MI estimate.

    Parameters
    ----------
    scores : torch.Tensor
        Critic values of every pair of a block of K >= 2 samples, shape (K, K); the diagonal
        holds the true pairs.

    Returns
    -------
    torch.Tensor
        ``J``, a scalar tensor (differentiable).

    References
    ----------
    Nowozin, Cseke & Tomioka, "f-GAN: Training Generative Neural Samplers using Variational
    Divergence Minimization", NeurIPS 2016, arXiv:1606.00709; Song & Ermon, "Understanding the
    Limitations of Variational Mutual Information Estimators", ICLR 2020, arXiv:1910.06222 (their
    code's ``js_fgan_lower_bound``).

    Examples
    --------
    >>> round(float(js_fgan_objective(torch.zeros(3, 3))), 4)  # -2 log 2
    -1.3863
    """
    joint = -nn.functional.softplus(-scores.diagonal()).mean()
    return joint - nn.functional.softplus(off_diagonal(scores)).mean()


def smile_terms(scores: Tensor, clip: float | None) -> tuple[Tensor, Tensor]:
    """Per-sample parts of the clipped DV readout: joint scores and log partition terms.

    ``joint_i = T(x_i, y_i)`` and
    ``log_partition_i = log (1/(K-1) sum_{j != i} clip(exp T(x_i, y_j), e^-tau, e^tau))``
    with ``tau = clip`` (``None``: no clipping); :func:`smile_bound` combines them.

    Parameters
    ----------
    scores : torch.Tensor
        Critic values of every pair of a block of K >= 2 samples, shape (K, K); the diagonal
        holds the true pairs.
    clip : float or None
        ``tau > 0``, the clip of the marginal scores to ``[-tau, tau]``; ``None``: none.

    Returns
    -------
    joint, log_partition : torch.Tensor
        Shapes (K,) and (K,).

    References
    ----------
    Song & Ermon, "Understanding the Limitations of Variational Mutual Information Estimators",
    ICLR 2020, arXiv:1910.06222.

    Examples
    --------
    >>> joint, log_z = smile_terms(torch.tensor([[2.0, 9.0], [-9.0, 2.0]]), clip=1.0)
    >>> joint.tolist(), log_z.tolist()
    ([2.0, 2.0], [1.0, -1.0])
    """
    marginal = off_diagonal(scores)
    if clip is not None:
        marginal = marginal.clamp(-clip, clip)
    k = scores.shape[0]
    return scores.diagonal(), torch.logsumexp(marginal, dim=1) - math.log(k - 1)


def smile_bound(scores: Tensor, clip: float | None) -> Tensor:
    """SMILE: the Donsker-Varadhan readout with the partition term clipped (nats).

    ``I_SMILE = 1/K sum_i T(x_i, y_i) - log(1/(K (K - 1)) sum_{i != j} clip(exp T(x_i, y_j),
    e^-tau, e^tau))`` with ``tau = clip``; with ``clip=None`` it is the plain DV bound on the
    off-diagonal pairs. Clipping bounds the variance of the partition term (at most
    ``(e^tau - e^-tau)^2 / 4`` per pair) at the price of a bias where the log density ratio
    leaves ``[-tau, tau]``.

    Parameters
    ----------
    scores : torch.Tensor
        Critic values of every pair of a block of K >= 2 samples, shape (K, K); the diagonal
        holds the true pairs.
    clip : float or None
        ``tau > 0``; ``None``: no clipping.

    Returns
    -------
    torch.Tensor
        The estimate, a scalar tensor.

    References
    ----------
    Song & Ermon, "Understanding the Limitations of Variational Mutual Information Estimators",
    ICLR 2020, arXiv:1910.06222.

    Examples
    --------
    >>> scores = torch.tensor([[2.0, 9.0], [-9.0, 2.0]])
    >>> round(float(smile_bound(scores, clip=1.0)), 4)  # 2 - log((e + 1/e) / 2)
    1.5662
    """
    joint, log_partition = smile_terms(scores, clip)
    return joint.mean() - (torch.logsumexp(log_partition, dim=0) - math.log(len(log_partition)))


def nwj_stderr_floor(value: float, n_marginal: int) -> float:
    """The least standard error of the NWJ bound at I = ``value`` from ``n_marginal`` pairs.

    With the optimal critic ``e^{T - 1} = r = p(x, y) / (p(x) p(y))``, and
    ``Var_{P_X x P_Y}[r] = E_P[r] - 1 >= e^I - 1`` (Jensen), so the marginal term's mean over
    ``m`` independent pairs has standard error at least ``sqrt((e^I - 1) / m)``, which grows like
    ``e^{I/2}``. Since the bound is below I, evaluating it at the estimate gives a floor of the
    floor. 0 for ``value <= 0``.

    Parameters
    ----------
    value : float
        The (estimated) mutual information, nats.
    n_marginal : int
        Number of marginal pairs ``m`` the estimate averages.

    Returns
    -------
    float
        The floor, nats.

    References
    ----------
    Song & Ermon, "Understanding the Limitations of Variational Mutual Information Estimators",
    ICLR 2020, arXiv:1910.06222 (the variance of partition-function estimates); McAllester &
    Stratos, "Formal Limitations on the Measurement of Mutual Information", AISTATS 2020,
    arXiv:1811.04251.

    Examples
    --------
    >>> round(nwj_stderr_floor(math.log(101.0), 100), 6)  # sqrt(100 / 100)
    1.0
    """
    return math.sqrt(math.expm1(value) / n_marginal) if value > 0 else 0.0


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
    """A random permutation of ``range(n)`` with no fixed point (a cyclic shift of a shuffle),
    on the generator's device."""
    perm = torch.randperm(n, generator=generator, device=generator.device)
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
        device: str | torch.device,
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
        resolve_device(self.device)
        return hidden_sizes

    # subclasses implement these two
    def _batch_loss(self, x: Tensor, y: Tensor, generator: torch.Generator) -> Tensor:
        raise NotImplementedError

    def _held_out(
        self, x: Tensor, y: Tensor, generator: torch.Generator
    ) -> tuple[float, float, dict]:
        """The bound on the held-out pairs, its standard error, and held-out diagnostics (added
        to the result's ``details``)."""
        raise NotImplementedError

    def _score_blocks(self, x: Tensor, y: Tensor, generator: torch.Generator) -> list[Tensor]:
        """The critic's score matrices of the held-out pairs, shuffled into blocks of
        ``batch_size`` pairs (the last block may be smaller; a last block of one pair, which
        has no marginal pair, is dropped)."""
        order = torch.randperm(len(x), generator=generator, device=generator.device).to(x.device)
        blocks = (order[start : start + self.batch_size] for start in range(0, len(x), self.batch_size))
        return [self.critic_.pairwise(x[idx], y[idx]) for idx in blocks if len(idx) >= 2]

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
        device = resolve_device(self.device)

        def tensor(a: np.ndarray) -> Tensor:
            return torch.as_tensor(a, dtype=torch.float32, device=device)

        xt, yt = tensor((xa - mean_x) / std_x), tensor((ya - mean_y) / std_y)
        x_tr, y_tr, x_va, y_va = xt[train], yt[train], xt[val], yt[val]
        with seeded_torch(self.random_state):
            self.critic_ = _make_critic(
                self.critic, xa.shape[1], ya.shape[1], hidden_sizes, self.embed_dim
            ).to(device)
            self._start()
            gen = device_generator(device, self.random_state)
            val_gen_seed = self.random_state + 1

            def batch_loss(idx: Tensor) -> Tensor:  # idx on the device: no host copy
                return self._batch_loss(x_tr[idx], y_tr[idx], gen)

            def val_loss() -> float:
                value, _, _ = self._held_out(x_va, y_va, device_generator(device, val_gen_seed))
                return -value

            self.history_ = train_with_early_stopping(
                self.critic_, batch_loss, val_loss, len(train), generator=gen,
                desc=type(self).__name__, **training_kwargs(self),
            )
            with torch.no_grad():
                value, stderr, held_out_details = self._held_out(
                    x_va, y_va, device_generator(device, val_gen_seed)
                )
        result = MIEstimate(
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
                **held_out_details,
            },
        )
        self._flag_estimate(result)
        return result

    def _flag_estimate(self, result: MIEstimate) -> None:
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
    device : str or torch.device, default="cpu"
        Torch device of the critic (``"auto"``: CUDA when present).
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
        device: str | torch.device = "cpu", progress: bool = False, random_state: int = 0,
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

    def _held_out(
        self, x: Tensor, y: Tensor, generator: torch.Generator
    ) -> tuple[float, float, dict]:
        t_joint = self.critic_(x, y).double()
        t_marg = torch.cat([
            self.critic_(x, y[_derangement(len(y), generator).to(y.device)])
            for _ in range(self.n_shuffles)
        ]).double()
        value = float(donsker_varadhan_bound(t_joint, t_marg))
        shift = t_marg.max()
        e = torch.exp(t_marg - shift)
        var = float(t_joint.var() / len(t_joint) + e.var() / (len(e) * e.mean() ** 2))
        return value, math.sqrt(max(var, 0.0)), {}


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
    device : str or torch.device, default="cpu"
        Torch device of the critic (``"auto"``: CUDA when present).
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
        patience: int = 10, val_fraction: float = 0.2, device: str | torch.device = "cpu",
        progress: bool = False, random_state: int = 0,
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

    def _flag_estimate(self, result: MIEstimate) -> None:
        """An estimate above :data:`CAP_WARNING_FRACTION` of :attr:`cap` is flagged: the bound
        saturates there, so the true MI may be far higher."""
        value = result.value
        if value > CAP_WARNING_FRACTION * self.cap:
            warn_estimator(
                f"InfoNCE estimate {value:.3g} nats is within {1 - CAP_WARNING_FRACTION:.0%} of its "
                f"cap log(batch_size) = {self.cap:.3g}: the bound saturates, the true MI may be far "
                "higher; raise batch_size or use FlowMI"
            )

    def _batch_loss(self, x: Tensor, y: Tensor, generator: torch.Generator) -> Tensor:
        return -infonce_terms(self.critic_.pairwise(x, y)).mean()

    def _held_out(
        self, x: Tensor, y: Tensor, generator: torch.Generator
    ) -> tuple[float, float, dict]:
        t = torch.cat([infonce_terms(s).double() for s in self._score_blocks(x, y, generator)])
        return float(t.mean()), float(t.std() / math.sqrt(len(t))), {}


class NWJ(_VariationalBound):
    """The NWJ (f-divergence, "MINE-f") lower bound with a trained critic.

    ``I(X;Y) >= E_P[T] - e^{-1} E_{P_X x P_Y}[exp T]``, tight for
    ``T = 1 + log p(x, y) / (p(x) p(y))``. Within a block of K pairs the diagonal of the K x K
    score matrix holds the joint samples and all K (K - 1) off-diagonal pairs the marginal ones
    (:func:`nwj_terms`), in training (K = ``batch_size``) and in the held-out evaluation (blocks
    of ``batch_size`` held-out pairs; the last may be smaller). Unlike MINE's DV bound, NWJ is
    linear in ``E[exp T]``, so its mini-batch gradients are unbiased; the price is a variance
    that grows like ``e^I``. Standard error: of the mean of the held-out per-sample terms
    (``error_method="held-out per-sample"``).

    **Flag.** Each x is contrasted with the K - 1 other y's of its block; at the optimal critic
    the standard deviation of its marginal term is at least ``sqrt((e^I - 1) / (K - 1))`` nats
    (:func:`nwj_stderr_floor`). Once e^I is not small against K, a row's partition term hangs on
    the few y's (about ``(K - 1) e^-I``) that fall where ``p(y | x)`` lives, training is driven
    by rare spikes of ``exp T``, and the estimate stalls far below I while its measured standard
    error stays small (2+2-dim Gaussians, 64 x 64 critic, K = 128: 3.1 to 3.5 nats for I = 4
    to 10, standard errors 0.02-0.03). So the estimate is flagged when that floor, evaluated at
    the estimate (below I, so it understates the true floor) with
    K = ``min(batch_size, n_held_out)``, exceeds :data:`NWJ_MAX_TERM_STD` nats: for estimates
    above about 2.5 nats at K = 128, 3.2 nats at K = 256. A low estimate of a high MI cannot be
    told from a low MI, and is not flagged (McAllester & Stratos, 2020).

    Parameters
    ----------
    critic : {"concat", "separable"}, default="separable"
        The critic's form (module docstring).
    hidden_sizes : sequence of int or int, default=(128, 128)
        Hidden widths of the critic's networks.
    embed_dim : int, default=32
        Output width of ``g`` and ``h`` of a separable critic.
    batch_size : int, default=256
        K, the pairs of a block (its K (K - 1) off-diagonal pairs are the marginal samples), in
        training and in the held-out evaluation.
    lr : float, default=1e-3
        Adam's learning rate.
    max_epochs : int, default=100
        Most epochs of training.
    patience : int, default=10
        Epochs without improvement of the held-out bound before stopping.
    val_fraction : float, default=0.2
        Share of the rows held out, in blocks of ``batch_size`` pairs for the estimate.
    device : str or torch.device, default="cpu"
        Torch device of the critic (``"auto"``: CUDA when present).
    progress : bool, default=False
        Show a tqdm bar over epochs.
    random_state : int, default=0
        Seed of the split, the initialisation, the batches and the held-out blocks.

    Attributes
    ----------
    critic_ : torch.nn.Module
        The trained critic of the last estimate.
    history_ : dict
        Its training history (:func:`infolens._training.train_with_early_stopping`).

    References
    ----------
    Nguyen, Wainwright & Jordan, "Estimating Divergence Functionals and the Likelihood Ratio by
    Convex Risk Minimization", IEEE Trans. Inf. Theory 56(11), 2010, arXiv:0809.0853; Poole et
    al., "On Variational Bounds of Mutual Information", ICML 2019, arXiv:1905.06922; Song &
    Ermon, "Understanding the Limitations of Variational Mutual Information Estimators", ICLR
    2020, arXiv:1910.06222.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 1)); y = x + 0.5 * rng.normal(size=(300, 1))
    >>> nwj = NWJ(hidden_sizes=16, batch_size=32, lr=1e-2, max_epochs=5)
    >>> result = nwj.estimate_with_error(x, y)
    >>> result.n, result.error_method
    (60, 'held-out per-sample')
    """

    name = "nwj"
    error_method = "held-out per-sample"

    def __init__(
        self, *, critic: str = "separable", hidden_sizes: Sequence[int] | int = (128, 128),
        embed_dim: int = 32, batch_size: int = 256, lr: float = 1e-3, max_epochs: int = 100,
        patience: int = 10, val_fraction: float = 0.2, device: str | torch.device = "cpu",
        progress: bool = False, random_state: int = 0,
    ) -> None:  # every argument listed: scikit-learn's get_params reads this signature
        super().__init__(
            critic=critic, hidden_sizes=hidden_sizes, embed_dim=embed_dim, batch_size=batch_size,
            lr=lr, max_epochs=max_epochs, patience=patience, val_fraction=val_fraction,
            device=device, progress=progress, random_state=random_state,
        )

    def _batch_loss(self, x: Tensor, y: Tensor, generator: torch.Generator) -> Tensor:
        return -nwj_terms(self.critic_.pairwise(x, y)).mean()

    def _held_out(
        self, x: Tensor, y: Tensor, generator: torch.Generator
    ) -> tuple[float, float, dict]:
        t = torch.cat([nwj_terms(s.double()) for s in self._score_blocks(x, y, generator)])
        return float(t.mean()), float(t.std() / math.sqrt(len(t))), {}

    def _flag_estimate(self, result: MIEstimate) -> None:
        """Flag an estimate whose per-sample terms have a standard deviation floor above
        :data:`NWJ_MAX_TERM_STD` (class docstring)."""
        k = min(self.batch_size, result.n)
        floor = nwj_stderr_floor(result.value, k - 1)
        if floor > NWJ_MAX_TERM_STD:
            warn_estimator(
                f"NWJ estimate {result.value:.3g} nats: at this MI each sample's marginal term, "
                f"from {k - 1} contrasting pairs, has a standard deviation of at least {floor:.2g} "
                "nats (it grows like e^(I/2)); NWJ is unreliable and usually far too low here; "
                "raise batch_size or use SMILE or FlowMI"
            )


class SMILE(_VariationalBound):
    """SMILE: a critic trained with the Jensen-Shannon objective, read out with a clipped DV bound.

    The critic maximises :func:`js_fgan_objective` (a logistic classifier of true against
    off-diagonal pairs, whose optimum is the log density ratio); the estimate is the DV bound
    with the partition term clipped (:func:`smile_bound`),
    ``E_P[T] - log E_{P_X x P_Y}[clip(exp T, e^-tau, e^tau)]`` with ``tau = clip``, as in Song &
    Ermon's code. Clipping trades the exploding variance of the partition term at high MI for a
    bias where ``|log p(x, y) / (p(x) p(y))| > tau``; ``clip=None`` is the unclipped DV readout.

    Held out: the estimate pools the blocks of ``batch_size`` held-out pairs (joint scores on
    the diagonals, marginal scores off them), ``mean_i T(x_i, y_i) - log mean_i Z_i`` where
    ``Z_i`` is the mean clipped ``exp T(x_i, y_j)`` over the other pairs of row i's block
    (:func:`smile_terms`); its standard error is the delta-method error of that ratio
    estimate, ``std_i(T(x_i, y_i) - Z_i / mean(Z)) / sqrt(n)``
    (``error_method="held-out delta method"``). Early stopping watches this estimate.

    **Flag.** The clip cuts from the partition term ``E_{P_X x P_Y}[exp T]`` the mass of the
    pairs with ``T > tau``; for a critic near the log density ratio that mass is
    ``E_{P_X x P_Y}[e^T 1{T > tau}] = P(T(x, y) > tau)`` under the joint distribution, so it is
    measured, without the heavy tail that marginal samples miss, by the share of held-out
    *joint* scores above ``tau`` (``details["clipped_mass"]``). Cutting a share ``p`` raises the
    estimate by up to ``-log(1 - p)`` nats; more than :data:`SMILE_CLIP_WARNING_FRACTION` is
    flagged. (Marginal scores below ``-tau`` are lifted too, which lowers the estimate by at most
    ``e^-tau`` nats: 0.007 for the default ``tau = 5``.) On 2+2-dim Gaussians (n = 4000, 64 x 64
    critic) the share is 0.1% at I = 1 and 23% at I = 4 with ``tau = 5``; at I = 1 it is 19%
    with ``tau = 2`` and 54% with ``tau = 1`` (estimates 1.12 and 1.21; 1.02 unclipped).

    Parameters
    ----------
    clip : float or None, default=5.0
        ``tau > 0``, the clip of the marginal scores to ``[-tau, tau]``; ``None``: none.
    **shared : object
        ``critic``, ``hidden_sizes``, ``embed_dim``, ``batch_size``, ``lr``, ``max_epochs``,
        ``patience``, ``val_fraction``, ``device``, ``progress``, ``random_state``: the
        settings every variational bound shares, with the same defaults as :class:`NWJ`
        (separable critic, (128, 128) hidden, 32-dim embedding, blocks of 256 pairs, Adam at
        1e-3, at most 100 epochs, patience 10 on the held-out estimate, 20% held out, CPU);
        the module docstring describes them.

    Attributes
    ----------
    critic_ : torch.nn.Module
        The trained critic of the last estimate.
    history_ : dict
        Its training history (:func:`infolens._training.train_with_early_stopping`); its
        ``train_loss`` is the negated JS objective.

    References
    ----------
    Song & Ermon, "Understanding the Limitations of Variational Mutual Information Estimators",
    ICLR 2020, arXiv:1910.06222; Nowozin, Cseke & Tomioka, "f-GAN", NeurIPS 2016,
    arXiv:1606.00709.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 1)); y = x + 0.5 * rng.normal(size=(300, 1))
    >>> smile = SMILE(clip=5.0, hidden_sizes=16, batch_size=32, lr=1e-2, max_epochs=1)
    >>> result = smile.estimate_with_error(x, y)
    >>> result.error_method, 0 <= result.details["clipped_mass"] <= 1
    ('held-out delta method', True)
    """

    name = "smile"
    error_method = "held-out delta method"

    def __init__(
        self, *, clip: float | None = 5.0, critic: str = "separable",
        hidden_sizes: Sequence[int] | int = (128, 128), embed_dim: int = 32, batch_size: int = 256,
        lr: float = 1e-3, max_epochs: int = 100, patience: int = 10, val_fraction: float = 0.2,
        device: str | torch.device = "cpu", progress: bool = False, random_state: int = 0,
    ) -> None:  # every argument listed: scikit-learn's get_params reads this signature
        super().__init__(
            critic=critic, hidden_sizes=hidden_sizes, embed_dim=embed_dim, batch_size=batch_size,
            lr=lr, max_epochs=max_epochs, patience=patience, val_fraction=val_fraction,
            device=device, progress=progress, random_state=random_state,
        )
        self.clip = clip

    def _check_params(self) -> tuple[int, ...]:
        if self.clip is not None:
            check_positive_float(self.clip, "clip")
        return super()._check_params()

    def _batch_loss(self, x: Tensor, y: Tensor, generator: torch.Generator) -> Tensor:
        return -js_fgan_objective(self.critic_.pairwise(x, y))

    def _held_out(
        self, x: Tensor, y: Tensor, generator: torch.Generator
    ) -> tuple[float, float, dict]:
        blocks = [s.double() for s in self._score_blocks(x, y, generator)]
        parts = [smile_terms(s, self.clip) for s in blocks]
        joint = torch.cat([j for j, _ in parts])
        log_partition = torch.cat([z for _, z in parts])
        log_mean_partition = torch.logsumexp(log_partition, 0) - math.log(len(log_partition))
        value = float(joint.mean() - log_mean_partition)
        # delta method: value - I ~ mean_i(joint_i - Z_i / mean Z) - const, to first order
        influence = joint - torch.exp(log_partition - log_mean_partition)
        stderr = float(influence.std() / math.sqrt(len(influence)))
        clipped = 0.0 if self.clip is None else float((joint > self.clip).double().mean())
        return value, stderr, {"clip": self.clip, "clipped_mass": clipped}

    def _flag_estimate(self, result: MIEstimate) -> None:
        """Flag a clipped partition mass above :data:`SMILE_CLIP_WARNING_FRACTION` (class
        docstring)."""
        share = result.details["clipped_mass"]
        if share > SMILE_CLIP_WARNING_FRACTION:
            bias = -math.log1p(-share) if share < 1 else math.inf
            warn_estimator(
                f"SMILE: {share:.0%} of the held-out joint scores exceed the clip {self.clip:g}: "
                "the log density ratio leaves [-clip, clip], the clip cuts that share of the "
                f"partition term and may raise the estimate by up to {bias:.2g} nats; raise clip "
                "(more variance) or use FlowMI"
            )

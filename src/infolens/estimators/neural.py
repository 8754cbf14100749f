"""Variational lower bounds on mutual information with a neural critic: MINE and InfoNCE.

These are the baselines the flow estimator (:mod:`infolens.estimators.flows`) is measured
against. Both train a critic ``T(x, y)`` with Adam on a training split, stop early on the
validation split (best weights restored) and report the bound evaluated on that held-out split,
which no gradient step has seen (it only chose the stopping epoch).

* **MINE** (Belghazi et al., ICML 2018, https://arxiv.org/abs/1801.04062): the Donsker-Varadhan
  bound ``I >= E_P[T] - log E_{P_X x P_Y}[exp T]``; the gradient of the log-term is corrected
  with a moving average of ``E[exp T]`` (rate ``ema``), as in the paper.
* **InfoNCE** (van den Oord et al., 2018, https://arxiv.org/abs/1807.03748; Poole et al., ICML
  2019, https://arxiv.org/abs/1905.06922): with K pairs,
  ``I >= mean_i [T(x_i, y_i) - log (1/K sum_j exp T(x_i, y_j))]``, which can never exceed
  ``log K``; here K is ``batch_size`` for training and for the held-out evaluation (blocks of
  ``batch_size`` held-out pairs), so the estimate is capped at ``log(batch_size)``.

Both bounds are biased down and noisy when I is large (McAllester & Stratos 2020,
https://arxiv.org/abs/1811.04251): that is what the benchmark shows.

The small training helpers here (seeded split, early-stopping loop) are shared with the flow
estimator.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from infolens._repr import constructor_repr
from infolens._validation import (
    as_paired_samples,
    check_positive_int,
    column_moments,
    constant_columns,
)
from infolens.estimators.result import MIEstimate, collect_estimator_warnings

__all__ = ["MINE", "InfoNCE", "donsker_varadhan_bound", "infonce_terms", "mlp"]

MIN_SPLIT_SAMPLES = 8  # each of the training and validation splits needs at least this many rows


# ----------------------------------------------------------------------------- pure functions
def donsker_varadhan_bound(t_joint: Tensor, t_marginal: Tensor) -> Tensor:
    """Donsker-Varadhan bound ``mean(t_joint) - log mean(exp(t_marginal))`` (nats).

    ``t_joint`` are critic values on paired samples, ``t_marginal`` on shuffled pairs; computed
    with ``logsumexp`` so that large critic values do not overflow.
    """
    log_mean_exp = torch.logsumexp(t_marginal, dim=0) - math.log(t_marginal.shape[0])
    return t_joint.mean() - log_mean_exp


def infonce_terms(scores: Tensor) -> Tensor:
    """Per-sample InfoNCE terms from a (K, K) score matrix ``scores[i, j] = T(x_i, y_j)``.

    ``term_i = scores[i, i] - logsumexp_j scores[i, j] + log K``; every term is ``<= log K``, so
    their mean (the InfoNCE bound) is too.
    """
    k = scores.shape[0]
    return scores.diagonal() - torch.logsumexp(scores, dim=1) + math.log(k)


def mlp(in_features: int, out_features: int, hidden: Sequence[int]) -> nn.Sequential:
    """A ReLU multilayer perceptron ``in -> hidden... -> out``."""
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------------- shared helpers
def _check_fraction(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"{name}: expected a number strictly between 0 and 1, got {value!r}")
    return float(value)


def _check_positive_float(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return float(value)


def _hidden(value: object, name: str = "hidden") -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value:
        raise ValueError(f"{name}: expected a sequence of layer widths, got {value!r}")
    return tuple(check_positive_int(h, name) for h in value)


def split_indices(
    n: int, val_fraction: float, seed: int, name: str = "x"
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random split of ``range(n)`` into (train, validation) index arrays.

    Raises ``ValueError`` naming ``name`` when either part would have fewer than
    ``MIN_SPLIT_SAMPLES`` rows.
    """
    n_val = int(round(n * val_fraction))
    if n_val < MIN_SPLIT_SAMPLES or n - n_val < MIN_SPLIT_SAMPLES:
        need = math.ceil(MIN_SPLIT_SAMPLES / min(val_fraction, 1 - val_fraction))
        raise ValueError(
            f"{name}: too few samples ({n}) for a train/validation split with "
            f"val_fraction={val_fraction}; need at least {need}"
        )
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


@contextlib.contextmanager
def seeded_torch(seed: int) -> Iterator[None]:
    """Seed torch's CPU generator inside the block only; the caller's global state is restored."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


LR_SCHEDULES = ("constant", "plateau")
PLATEAU_FACTOR = 0.5
"""On a plateau of the validation loss the learning rate is multiplied by this factor ..."""
PLATEAU_MIN_FRACTION = 1e-2
"""... down to this fraction of the initial learning rate."""


def plateau_scheduler(
    optimizer: torch.optim.Optimizer, lr_schedule: str, patience: int
) -> torch.optim.lr_scheduler.ReduceLROnPlateau | None:
    """``None`` for ``"constant"``; for ``"plateau"`` a scheduler that halves the learning rate
    when the validation loss has not improved for ``max(1, patience // 3)`` epochs (so it acts
    before early stopping at ``patience``), down to 1% of the initial rate."""
    if lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule: expected one of {LR_SCHEDULES}, got {lr_schedule!r}")
    if lr_schedule == "constant":
        return None
    lr = optimizer.param_groups[0]["lr"]
    return torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer,
        factor=PLATEAU_FACTOR,
        patience=max(1, patience // 3),
        min_lr=lr * PLATEAU_MIN_FRACTION,
    )


def train_with_early_stopping(
    module: nn.Module,
    batch_loss: Callable[[Tensor], Tensor],
    val_loss: Callable[[], float],
    n_train: int,
    *,
    batch_size: int,
    lr: float,
    max_epochs: int,
    patience: int,
    generator: torch.Generator,
    progress: bool = False,
    desc: str = "training",
    grad_clip: float | None = None,
    lr_schedule: str = "constant",
) -> dict:
    """Adam on ``batch_loss(indices)`` over shuffled mini-batches, early stopping on ``val_loss()``.

    After each epoch the validation loss is computed (without gradients); training stops when
    it has not improved for ``patience`` epochs and the best weights are restored. Returns the
    history: ``train_loss``, ``val_loss`` per epoch, ``best_epoch`` (0 = before any step),
    ``best_val_loss``, ``epochs``. ``lr_schedule="plateau"``: see :func:`plateau_scheduler`.
    """
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    scheduler = plateau_scheduler(optimizer, lr_schedule, patience)
    module.eval()
    with torch.no_grad():
        best = float(val_loss())
    best_state = copy.deepcopy(module.state_dict())
    history: dict = {"train_loss": [], "val_loss": [best], "best_epoch": 0, "best_val_loss": best}
    bad_epochs = 0
    bar = tqdm(range(1, max_epochs + 1), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        module.train()
        perm = torch.randperm(n_train, generator=generator)
        total, count = 0.0, 0
        for start in range(0, n_train, batch_size):
            idx = perm[start : start + batch_size]
            if len(idx) < 2:
                continue
            loss = batch_loss(idx)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(module.parameters(), grad_clip)
            optimizer.step()
            total += float(loss.detach()) * len(idx)
            count += len(idx)
        module.eval()
        with torch.no_grad():
            current = float(val_loss())
        history["train_loss"].append(total / max(count, 1))
        history["val_loss"].append(current)
        if scheduler is not None and math.isfinite(current):
            scheduler.step(current)
        if math.isfinite(current) and current < best:
            best, bad_epochs = current, 0
            best_state = copy.deepcopy(module.state_dict())
            history["best_epoch"], history["best_val_loss"] = epoch, best
        else:
            bad_epochs += 1
        bar.set_postfix(val=f"{current:.4g}", best=f"{best:.4g}")
        if bad_epochs >= patience:
            break
    bar.close()
    history["epochs"] = len(history["train_loss"])
    module.load_state_dict(best_state)
    return history


def _derangement(n: int, generator: torch.Generator) -> Tensor:
    """A random permutation of ``range(n)`` with no fixed point (a cyclic shift of a shuffle)."""
    perm = torch.randperm(n, generator=generator)
    out = torch.empty_like(perm)
    out[perm] = torch.roll(perm, 1)
    return out


# ----------------------------------------------------------------------------- critics
class _ConcatCritic(nn.Module):
    """``T(x, y) = MLP([x, y])``; ``pairwise`` scores all K x K pairs."""

    def __init__(self, dx: int, dy: int, hidden: Sequence[int]) -> None:
        super().__init__()
        self.net = mlp(dx + dy, 1, hidden)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.net(torch.cat([x, y], dim=1)).squeeze(1)

    def pairwise(self, x: Tensor, y: Tensor) -> Tensor:
        k = x.shape[0]
        xx = x[:, None, :].expand(k, k, -1)
        yy = y[None, :, :].expand(k, k, -1)
        return self.net(torch.cat([xx, yy], dim=2)).squeeze(2)


class _SeparableCritic(nn.Module):
    """``T(x, y) = g(x) . h(y)`` with two MLPs (cheap K x K score matrices)."""

    def __init__(self, dx: int, dy: int, hidden: Sequence[int], embed_dim: int) -> None:
        super().__init__()
        self.g = mlp(dx, embed_dim, hidden)
        self.h = mlp(dy, embed_dim, hidden)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return (self.g(x) * self.h(y)).sum(dim=1)

    def pairwise(self, x: Tensor, y: Tensor) -> Tensor:
        return self.g(x) @ self.h(y).T


def _make_critic(kind: str, dx: int, dy: int, hidden: Sequence[int], embed_dim: int) -> nn.Module:
    if kind == "concat":
        return _ConcatCritic(dx, dy, hidden)
    if kind == "separable":
        return _SeparableCritic(dx, dy, hidden, embed_dim)
    raise ValueError(f"critic: expected 'concat' or 'separable', got {kind!r}")


# ----------------------------------------------------------------------------- estimators
class _VariationalBound:
    """Common parts: hyper-parameters, validation, standardisation, split, training."""

    method = "variational"
    default_critic = "concat"

    def __init__(
        self,
        *,
        critic: str | None = None,
        hidden: Sequence[int] | int = (128, 128),
        embed_dim: int = 32,
        batch_size: int = 256,
        lr: float = 1e-3,
        max_epochs: int = 100,
        patience: int = 10,
        val_fraction: float = 0.2,
        device: str = "cpu",
        progress: bool = False,
        random_state: int = 0,
    ) -> None:
        self.critic = self.default_critic if critic is None else critic
        if self.critic not in ("concat", "separable"):
            raise ValueError(f"critic: expected 'concat' or 'separable', got {self.critic!r}")
        self.hidden = _hidden(hidden)
        self.embed_dim = check_positive_int(embed_dim, "embed_dim")
        self.batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
        self.lr = _check_positive_float(lr, "lr")
        self.max_epochs = check_positive_int(max_epochs, "max_epochs", minimum=0)
        self.patience = check_positive_int(patience, "patience")
        self.val_fraction = _check_fraction(val_fraction, "val_fraction")
        self.device = torch.device(device)
        self.progress = bool(progress)
        self.random_state = check_positive_int(random_state, "random_state", minimum=0)

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
        xa, ya = as_paired_samples(x, y, min_samples=2)
        xa, ya = xa[:, ~constant_columns(xa)], ya[:, ~constant_columns(ya)]
        if xa.shape[1] == 0 or ya.shape[1] == 0:
            return MIEstimate(0.0, 0.0, len(xa), self.method, details={"constant": True})
        train, val = split_indices(len(xa), self.val_fraction, self.random_state)
        (mean_x, std_x), (mean_y, std_y) = column_moments(xa[train]), column_moments(ya[train])
        std_x, std_y = np.where(std_x > 0, std_x, 1.0), np.where(std_y > 0, std_y, 1.0)

        def tensor(a: np.ndarray) -> Tensor:
            return torch.as_tensor(a, dtype=torch.float32, device=self.device)

        xt, yt = tensor((xa - mean_x) / std_x), tensor((ya - mean_y) / std_y)
        x_tr, y_tr, x_va, y_va = xt[train], yt[train], xt[val], yt[val]
        with seeded_torch(self.random_state):
            self.critic_ = _make_critic(
                self.critic, xa.shape[1], ya.shape[1], self.hidden, self.embed_dim
            ).to(self.device)
            self._start()
            gen = torch.Generator().manual_seed(self.random_state)
            val_gen_seed = self.random_state + 1

            def batch_loss(idx: Tensor) -> Tensor:
                idx = idx.to(self.device)
                return self._batch_loss(x_tr[idx], y_tr[idx], gen)

            def val_loss() -> float:
                value, _ = self._held_out(
                    x_va, y_va, torch.Generator().manual_seed(val_gen_seed)
                )
                return -value

            self.history_ = train_with_early_stopping(
                self.critic_,
                batch_loss,
                val_loss,
                len(train),
                batch_size=self.batch_size,
                lr=self.lr,
                max_epochs=self.max_epochs,
                patience=self.patience,
                generator=gen,
                progress=self.progress,
                desc=type(self).__name__,
            )
            with torch.no_grad():
                value, stderr = self._held_out(
                    x_va, y_va, torch.Generator().manual_seed(val_gen_seed)
                )
        return MIEstimate(
            float(value),
            float(stderr),
            len(val),
            self.method,
            error_method=self.error_method,
            details={
                "n_train": len(train),
                "n_held_out": len(val),
                "epochs": self.history_["epochs"],
                "best_epoch": self.history_["best_epoch"],
                "critic": self.critic,
            },
        )

    def estimate(self, x: object, y: object) -> float:
        """I(X;Y) lower bound in nats on the held-out split."""
        return self.estimate_with_error(x, y).value

    def _start(self) -> None:
        """Reset per-fit state (e.g. MINE's moving average)."""

    def __repr__(self) -> str:
        return constructor_repr(
            self,
            always=("critic", "hidden", "batch_size", "max_epochs", "random_state"),
            skip=("progress", "device"),
        )


class MINE(_VariationalBound):
    """Mutual Information Neural Estimation: the Donsker-Varadhan bound with a trained critic.

    ``I(X;Y) >= E_P[T] - log E_{P_X x P_Y}[exp T]`` (Belghazi et al., ICML 2018,
    https://arxiv.org/abs/1801.04062). Marginal pairs come from shuffling ``y`` within the
    batch. The biased gradient of ``log E[exp T]`` is corrected by dividing by a moving average
    of ``E[exp T]`` with rate ``ema`` (section 3.2 of the paper).

    The estimate is the bound on the held-out split (marginal pairs: ``n_shuffles`` random
    derangements of the held-out ``y``); its standard error is the delta-method error of
    ``mean(T_joint) - log mean(exp T_marginal)`` (``error_method="held-out delta method"``).

    Example:
        >>> from infolens.estimators.neural import MINE
        >>> mine = MINE(max_epochs=20, random_state=0)
        >>> mi = mine.estimate(x, y)  # doctest: +SKIP
    """

    method = "MINE"
    error_method = "held-out delta method"
    default_critic = "concat"

    def __init__(
        self,
        *,
        ema: float = 0.01,
        n_shuffles: int = 5,
        critic: str = "concat",
        hidden: Sequence[int] | int = (128, 128),
        embed_dim: int = 32,
        batch_size: int = 256,
        lr: float = 1e-3,
        max_epochs: int = 100,
        patience: int = 10,
        val_fraction: float = 0.2,
        device: str = "cpu",
        progress: bool = False,
        random_state: int = 0,
    ) -> None:
        super().__init__(
            critic=critic,
            hidden=hidden,
            embed_dim=embed_dim,
            batch_size=batch_size,
            lr=lr,
            max_epochs=max_epochs,
            patience=patience,
            val_fraction=val_fraction,
            device=device,
            progress=progress,
            random_state=random_state,
        )
        self.ema = _check_fraction(ema, "ema") if ema != 1 else 1.0
        self.n_shuffles = check_positive_int(n_shuffles, "n_shuffles")

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

    ``I(X;Y) >= mean_i [T(x_i, y_i) - log(1/K sum_j exp T(x_i, y_j))]`` over blocks of K pairs
    (van den Oord et al., 2018, https://arxiv.org/abs/1807.03748; Poole et al., 2019,
    https://arxiv.org/abs/1905.06922). The bound can never exceed ``log K``; K =
    ``batch_size`` both in training and in the held-out evaluation (the last held-out block may
    be smaller), so **the estimate is capped at log(batch_size)** nats.

    The default critic is separable, ``T(x, y) = g(x) . h(y)``, so a K x K score matrix costs
    2K network evaluations. Standard error: of the mean of the held-out per-sample terms
    (``error_method="held-out per-sample"``).

    Example:
        >>> from infolens.estimators.neural import InfoNCE
        >>> nce = InfoNCE(batch_size=256, random_state=0)
        >>> mi = nce.estimate(x, y)  # doctest: +SKIP
    """

    method = "InfoNCE"
    error_method = "held-out per-sample"
    default_critic = "separable"

    def __init__(
        self,
        *,
        critic: str = "separable",
        hidden: Sequence[int] | int = (128, 128),
        embed_dim: int = 32,
        batch_size: int = 256,
        lr: float = 1e-3,
        max_epochs: int = 100,
        patience: int = 10,
        val_fraction: float = 0.2,
        device: str = "cpu",
        progress: bool = False,
        random_state: int = 0,
    ) -> None:
        super().__init__(
            critic=critic,
            hidden=hidden,
            embed_dim=embed_dim,
            batch_size=batch_size,
            lr=lr,
            max_epochs=max_epochs,
            patience=patience,
            val_fraction=val_fraction,
            device=device,
            progress=progress,
            random_state=random_state,
        )

    @property
    def cap(self) -> float:
        """``log(batch_size)``: no InfoNCE estimate can exceed it."""
        return math.log(self.batch_size)

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

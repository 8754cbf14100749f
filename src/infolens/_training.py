"""The one training core of infolens' torch models: the flows, the variational bounds and the autoencoders.

Every trained estimator and compressor here does the same four things, and does them with these
functions only:

* split the rows into training and validation parts with a seeded permutation
  (:func:`split_indices`);
* seed torch inside a block without touching the caller's global generator
  (:func:`seeded_torch`), and draw the batches and the noise from a generator on the model's
  device (:func:`device_generator`);
* run Adam over shuffled mini-batches and stop early on the validation loss, restoring the best
  weights, optionally with a learning-rate schedule (:func:`train_with_early_stopping`,
  :func:`plateau_scheduler`), with the settings read from the estimator's hyper-parameters of
  the same names (:func:`training_kwargs`);
* check the shared hyper-parameters with errors that name them (:func:`check_fraction`,
  :func:`check_positive_float`, :func:`check_hidden_sizes`).

**Early stopping** has one meaning everywhere: an epoch *improves* when its validation loss is
below the best so far by more than ``tol`` times the magnitude of the best,
``loss < best - tol * |best|`` (a relative improvement; ``tol = 0`` is a strict decrease), with
``tol = IMPROVEMENT_TOL`` by default. The loss before any step is epoch 0 of the history; with
``initial_candidate=True`` (the default) it is the first "best", so a model that starts at a good
solution (the flows start at the closed-form Gaussian answer) is kept when training does not
improve on it; with ``False`` (randomly initialised models whose first epochs may not beat the
untrained reconstruction: the autoencoders) the first trained epoch is the first "best".
Training stops after ``patience`` epochs in a row without an improvement, and the weights of the
best epoch are restored.

**Devices**: every model here is trained where its ``device`` setting says
(:func:`infolens._validation.resolve_device`; ``"auto"`` is CUDA when present). The data are moved
to that device once, before training; the batches are rows picked by index tensors drawn on that
device (:func:`device_generator`), so that no batch is copied from the host in the training loop.
On the CPU the numbers are those of a CPU generator with the same seed; on an accelerator its own
generator draws other (equally random) batches, so a GPU run does not repeat a CPU run's numbers.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

__all__ = [
    "IMPROVEMENT_TOL",
    "LR_SCHEDULES",
    "device_generator",
    "MIN_SPLIT_SAMPLES",
    "improves",
    "plateau_scheduler",
    "seeded_torch",
    "split_indices",
    "train_with_early_stopping",
    "training_kwargs",
    "TRAINING_SETTINGS",
]

MIN_SPLIT_SAMPLES = 8
"""Default least number of rows in each of the training and validation parts."""
IMPROVEMENT_TOL = 1e-4
"""Relative decrease of the validation loss that counts as an improvement (early stopping)."""
LR_SCHEDULES = ("constant", "plateau")
PLATEAU_FACTOR = 0.5
"""On a plateau of the validation loss the learning rate is multiplied by this factor ..."""
PLATEAU_MIN_FRACTION = 1e-2
"""... down to this fraction of the initial learning rate."""
MIN_BATCH_ROWS = 2
"""A mini-batch with fewer rows (the last one of an epoch) is skipped: the variational bounds
need two pairs to contrast, and one row is no gradient estimate for any model."""
TRAINING_SETTINGS = ("batch_size", "lr", "max_epochs", "patience", "progress", "lr_schedule", "grad_clip")
"""Keyword arguments of :func:`train_with_early_stopping` that an estimator sets through its
hyper-parameters of the same names (:func:`training_kwargs`)."""


# ----------------------------------------------------------------------------- checks
def split_indices(
    n: int,
    val_fraction: float,
    seed: int,
    name: str = "x",
    *,
    min_samples: int = MIN_SPLIT_SAMPLES,
    sort: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random split of ``range(n)`` into (train, validation) index arrays.

    The validation part is the first ``round(n * val_fraction)`` entries of
    ``np.random.default_rng(seed).permutation(n)``, the training part the rest.

    Parameters
    ----------
    n : int
        Number of rows.
    val_fraction : float
        Share of the rows in the validation part, in (0, 1).
    seed : int
        Seed of the permutation.
    name : str, default="x"
        The data's name, for the error message.
    min_samples : int, default=MIN_SPLIT_SAMPLES
        Least number of rows in each part.
    sort : bool, default=True
        Return both parts sorted; with ``False`` in the permutation's order (the autoencoders'
        order, which keeps their trained weights, and so the information-plane numbers, as
        they were).

    Returns
    -------
    train, val : numpy.ndarray
        Row indices of the two parts.

    Raises
    ------
    ValueError
        Naming ``name``, when either part would have fewer than ``min_samples`` rows.

    Examples
    --------
    >>> train, val = split_indices(100, 0.2, seed=0)
    >>> len(train), len(val)
    (80, 20)
    """
    n_val = int(round(n * val_fraction))
    if n_val < min_samples or n - n_val < min_samples:
        need = math.ceil(min_samples / min(val_fraction, 1 - val_fraction))
        raise ValueError(
            f"{name}: too few samples ({n}) for a train/validation split with "
            f"val_fraction={val_fraction}; need at least {need}"
        )
    perm = np.random.default_rng(seed).permutation(n)
    train, val = perm[n_val:], perm[:n_val]
    return (np.sort(train), np.sort(val)) if sort else (train, val)


@contextlib.contextmanager
def seeded_torch(seed: int, num_threads: int | None = None) -> Iterator[None]:
    """Seed torch's CPU generator (and optionally set torch's thread count) inside the block only.

    The caller's generator state and thread count are restored on exit.

    Parameters
    ----------
    seed : int
        Seed of torch's CPU generator inside the block.
    num_threads : int or None, default=None
        Torch's thread count inside the block; ``None`` leaves it unchanged.

    Examples
    --------
    >>> with seeded_torch(0):
    ...     a = torch.rand(1)
    >>> with seeded_torch(0):
    ...     b = torch.rand(1)
    >>> bool(a == b)
    True
    """
    previous_threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if num_threads is not None:
            torch.set_num_threads(num_threads)
        try:
            yield
        finally:
            if num_threads is not None:
                torch.set_num_threads(previous_threads)


def device_generator(device: torch.device | str, seed: int) -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed`` (the CPU's for a device without one).

    Draws made with it (``torch.randperm(n, generator=g, device=g.device)``) land on ``device``
    without a copy from the host. On the CPU it is ``torch.Generator().manual_seed(seed)``.

    Parameters
    ----------
    device : torch.device or str
        Where the draws are used.
    seed : int
        The seed.

    Returns
    -------
    torch.Generator
        The seeded generator; its ``device`` says where it draws.

    Examples
    --------
    >>> g = device_generator(torch.device("cpu"), 0)
    >>> g.device, bool(torch.equal(torch.randperm(5, generator=g),
    ...                            torch.randperm(5, generator=torch.Generator().manual_seed(0))))
    (device(type='cpu'), True)
    """
    try:
        return torch.Generator(device=device).manual_seed(seed)
    except RuntimeError:  # a backend without its own generators: draw on the CPU
        return torch.Generator().manual_seed(seed)


def _module_device(module: nn.Module) -> torch.device:
    for tensor in module.parameters():
        return tensor.device
    return torch.device("cpu")


# ----------------------------------------------------------------------------- training
def plateau_scheduler(
    optimizer: torch.optim.Optimizer, lr_schedule: str, patience: int
) -> torch.optim.lr_scheduler.ReduceLROnPlateau | None:
    """The learning-rate scheduler of ``lr_schedule``.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        The optimizer whose learning rate is scheduled.
    lr_schedule : {"constant", "plateau"}
        ``"constant"``: no scheduler. ``"plateau"``: halve the learning rate
        (:data:`PLATEAU_FACTOR`) when the validation loss has not improved for
        ``max(1, patience // 3)`` epochs (so it acts before early stopping at ``patience``),
        down to 1% of the initial rate (:data:`PLATEAU_MIN_FRACTION`).
    patience : int
        Early-stopping patience of the training it belongs to.

    Returns
    -------
    torch.optim.lr_scheduler.ReduceLROnPlateau or None
        The scheduler, or ``None`` for ``"constant"``.

    Raises
    ------
    ValueError
        When ``lr_schedule`` is not one of :data:`LR_SCHEDULES`.
    """
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


def improves(loss: float, best: float, tol: float = IMPROVEMENT_TOL) -> bool:
    """Whether ``loss`` improves on ``best``: ``loss < best - tol * |best|``.

    Parameters
    ----------
    loss : float
        The new validation loss (NaN never improves).
    best : float
        The best loss so far (an infinite ``best`` is improved on by any finite loss).
    tol : float, default=IMPROVEMENT_TOL
        Relative improvement required; 0 means a strict decrease.

    Returns
    -------
    bool
        True when ``loss`` is an improvement.

    Examples
    --------
    >>> improves(0.9, 1.0), improves(0.99999, 1.0), improves(1.0, math.inf)
    (True, False, True)
    """
    return math.isfinite(loss) and (not math.isfinite(best) or loss < best - tol * abs(best))


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
    tol: float = IMPROVEMENT_TOL,
    initial_candidate: bool = True,
) -> dict:
    """Adam on ``batch_loss(indices)`` over shuffled mini-batches, early stopping on ``val_loss()``.

    Each epoch draws ``torch.randperm(n_train, generator=generator)`` (on the generator's
    device; moved once per epoch to the module's device if that differs), calls ``batch_loss``
    on consecutive ``batch_size`` slices of it (a last slice of one row is skipped), steps Adam
    (gradient norm clipped to ``grad_clip`` if given), then computes the validation loss in
    eval mode without gradients. Early stopping is described in the module docstring; the best
    weights are restored at the end. Estimators pass their hyper-parameters of the same names
    with :func:`training_kwargs`.

    Parameters
    ----------
    module : torch.nn.Module
        The model whose parameters Adam trains (left in eval mode with the best weights).
    batch_loss : callable
        ``batch_loss(indices) -> Tensor``: the training loss of the rows ``indices`` (a
        tensor on the module's device: index data that live there, with no host copy).
    val_loss : callable
        ``val_loss() -> float``: the validation loss (called without gradients).
    n_train : int
        Number of training rows.
    batch_size : int
        Rows per mini-batch.
    lr : float
        Adam's (initial) learning rate.
    max_epochs : int
        Most epochs trained (0: only the initial validation loss).
    patience : int
        Epochs in a row without improvement before stopping.
    generator : torch.Generator
        Draws the order of the rows in every epoch; best on the module's device
        (:func:`device_generator`).
    progress : bool, default=False
        Show a tqdm bar over epochs.
    desc : str, default="training"
        Label of the bar.
    grad_clip : float or None, default=None
        Largest gradient norm; ``None``: no clipping.
    lr_schedule : {"constant", "plateau"}, default="constant"
        See :func:`plateau_scheduler`.
    tol : float, default=IMPROVEMENT_TOL
        Relative improvement that counts (:func:`improves`).
    initial_candidate : bool, default=True
        Whether the initial weights may be kept as the best (module docstring).

    Returns
    -------
    dict
        The history: ``train_loss`` (per epoch), ``val_loss`` (``[0]`` before any step, then
        per epoch), ``best_epoch`` (0 = the initial weights), ``best_val_loss``, ``epochs``
        (trained).

    Examples
    --------
    >>> w = torch.nn.Linear(1, 1, bias=False)
    >>> x = torch.linspace(-1, 1, 64)[:, None]
    >>> history = train_with_early_stopping(
    ...     w, lambda idx: ((w(x[idx]) - 2 * x[idx]) ** 2).mean(),
    ...     lambda: float(((w(x) - 2 * x) ** 2).mean()), 64, batch_size=16, lr=0.1,
    ...     max_epochs=3, patience=2, generator=torch.Generator().manual_seed(0))
    >>> history["epochs"], len(history["val_loss"])
    (3, 4)
    """
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    scheduler = plateau_scheduler(optimizer, lr_schedule, patience)
    module.eval()
    with torch.no_grad():
        initial = float(val_loss())
    best = initial if initial_candidate else math.inf
    best_state = copy.deepcopy(module.state_dict())
    history: dict = {"train_loss": [], "val_loss": [initial], "best_epoch": 0, "best_val_loss": best}
    bad_epochs = 0
    device = _module_device(module)
    bar = tqdm(range(1, max_epochs + 1), desc=desc, unit="epoch", disable=not progress,
               leave=False)
    for epoch in bar:
        module.train()
        perm = torch.randperm(n_train, generator=generator, device=generator.device).to(device)
        # summed on the device in float64 (the same numbers as Python floats): no sync per batch
        total, count = torch.zeros((), dtype=torch.float64, device=device), 0
        for start in range(0, n_train, batch_size):
            idx = perm[start : start + batch_size]
            if len(idx) < MIN_BATCH_ROWS:
                continue
            loss = batch_loss(idx)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(module.parameters(), grad_clip)
            optimizer.step()
            total += loss.detach().double() * len(idx)
            count += len(idx)
        module.eval()
        with torch.no_grad():
            current = float(val_loss())
        history["train_loss"].append(float(total) / max(count, 1))
        history["val_loss"].append(current)
        if scheduler is not None and math.isfinite(current):
            scheduler.step(current)
        if improves(current, best, tol):
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
    module.eval()
    return history


def training_kwargs(estimator: object) -> dict:
    """The keyword arguments of :func:`train_with_early_stopping` an estimator's settings give.

    Every name of :data:`TRAINING_SETTINGS` that ``estimator`` has as an attribute, with its
    value: ``batch_size``, ``lr``, ``max_epochs``, ``patience``, ``progress``, and
    ``lr_schedule`` and ``grad_clip`` where the estimator has them (where it has not, the
    defaults of :func:`train_with_early_stopping` apply). This is the one way the flows, the
    variational bounds and the autoencoders pass their training settings.

    Parameters
    ----------
    estimator : object
        An estimator or compressor with (some of) those hyper-parameters as attributes.

    Returns
    -------
    dict
        ``{name: value}`` for the settings it has.

    Examples
    --------
    >>> from infolens.estimators.neural import MINE
    >>> training_kwargs(MINE(batch_size=64, max_epochs=5))
    {'batch_size': 64, 'lr': 0.001, 'max_epochs': 5, 'patience': 10, 'progress': False}
    """
    return {name: getattr(estimator, name) for name in TRAINING_SETTINGS if hasattr(estimator, name)}

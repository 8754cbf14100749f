"""A thin training loop around :class:`~infolens.plane.tracker.InformationPlaneTracker`.

After every epoch: evaluate, record the information plane (when due), write the table, then
save a checkpoint (model, optimizer, RNG states) atomically. A run killed mid-way resumes from
its last finished epoch and produces the same table as an uninterrupted run.

Everything runs on one torch ``device`` (``"cpu"`` by default; ``"auto"``, ``"cuda"``,
``"cuda:1"``, ``"mps"``...): the model is moved there and every batch with it. With a
:class:`DeviceLoader` the data live there already, so no batch is copied from the host. The
checkpoint keeps the random state of that device's generator too, so that a resumed run draws
the same dropout and noise.

The checkpoint holds only tensors, numbers, strings, lists and dicts and is read with
``torch.load(weights_only=True)``: a results directory from someone else cannot run code. A
resumed run must have the settings of the saved one (``run.json``; only the number of epochs may
grow), and finds its earlier rows in ``table.json``; a missing, empty or damaged file is one
``ValueError`` naming it.
"""

from __future__ import annotations

import io
import pickle
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from infolens._validation import resolve_device
from infolens.estimators.base import describe
from infolens.io import atomic_write_bytes
from infolens.plane.tracker import TABLE_JSON, InformationPlaneTracker, read_table

__all__ = [
    "train_and_track", "train_epoch", "evaluate", "load_checkpoint", "training_settings",
    "check_device", "DeviceLoader", "CHECKPOINT",
]

CHECKPOINT = "checkpoint.pt"

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def check_device(device: str | torch.device) -> torch.device:
    """``device`` as a ``torch.device``, checked to exist here (``"auto"``: CUDA if present).

    The plane's name for :func:`infolens._validation.resolve_device`, the one device resolver.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``...

    Returns
    -------
    torch.device
        The device (``"auto"`` resolved to ``cuda`` or ``cpu``).

    Raises
    ------
    ValueError
        Naming ``device``, for a string torch does not read as a device, an accelerator that
        this machine (or this torch build) does not have, or the ``meta`` device (no data).

    Examples
    --------
    >>> check_device("cpu")
    device(type='cpu')
    """
    return resolve_device(device)


class DeviceLoader:
    """Mini-batches of tensors that live on one device: a ``DataLoader`` without host copies.

    The tensors are moved to ``device`` once; every batch is a slice (or an index) of them
    there. With ``shuffle=True`` the order of each epoch is the permutation that
    ``DataLoader(TensorDataset(*tensors), batch_size, shuffle=True, generator=generator)``
    draws, and the draws on ``generator`` are the same too (the loader's base seed, then the
    sampler's permutations), so swapping one for the other leaves a run's numbers, and its
    checkpoints, unchanged. Without shuffling the batches are in order; like ``DataLoader``
    it still draws its base seed, from ``generator`` or, when that is ``None``, torch's global
    generator (so that dropout after an evaluation pass draws the same numbers as with a
    ``DataLoader``).

    Parameters
    ----------
    *tensors : torch.Tensor
        Tensors with the same first dimension (e.g. inputs and labels).
    batch_size : int, default=1
        Rows per batch (the last batch may be smaller).
    shuffle : bool, default=False
        Draw a new order every epoch.
    generator : torch.Generator or None, default=None
        A CPU generator for the order (kept in checkpoints by :func:`train_and_track`).
    device : str or torch.device, default="cpu"
        Where the data live (:func:`check_device`; ``"auto"``: CUDA when present).

    Attributes
    ----------
    dataset : torch.utils.data.TensorDataset
        The tensors, on ``device``.

    Examples
    --------
    >>> x, y = torch.arange(10.0)[:, None], torch.arange(10)
    >>> loader = DeviceLoader(x, y, batch_size=4)
    >>> [len(b) for b, _ in loader], len(loader)
    ([4, 4, 2], 3)
    """

    def __init__(
        self,
        *tensors: torch.Tensor,
        batch_size: int = 1,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        device: str | torch.device = "cpu",
    ) -> None:
        from torch.utils.data import TensorDataset

        from infolens._validation import check_positive_int

        if not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
            raise ValueError("tensors: expected one or more torch tensors")
        n = len(tensors[0])
        if any(len(t) != n for t in tensors):
            raise ValueError(
                f"tensors: first dimensions differ ({[len(t) for t in tensors]}); rows must pair"
            )
        if generator is not None and not isinstance(generator, torch.Generator):
            raise ValueError(f"generator: expected a torch.Generator or None, got {generator!r}")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.shuffle = bool(shuffle)
        self.generator = generator
        self.device = check_device(device)
        self.dataset = TensorDataset(*(t.to(self.device) for t in tensors))

    def __len__(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        n, tensors = len(self.dataset), self.dataset.tensors
        # DataLoader's base seed: drawn (and unused here) to keep the generators' streams alike
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        if not self.shuffle:
            for start in range(0, n, self.batch_size):
                yield tuple(t[start : start + self.batch_size] for t in tensors)
            return
        gen = self.generator
        if gen is None:  # as RandomSampler: a fresh generator seeded from the global one
            gen = torch.Generator().manual_seed(int(torch.empty((), dtype=torch.int64).random_()))
        order = torch.randperm(n, generator=gen)
        torch.randperm(n, generator=gen)  # RandomSampler's (empty) tail draws one more
        order = order.to(self.device)  # one copy per epoch
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield tuple(t[idx] for t in tensors)


@torch.no_grad()
def evaluate(
    model: nn.Module, loader: Iterable, loss_fn: LossFn = F.cross_entropy, *,
    device: str | torch.device = "cpu",
) -> dict:
    """Mean loss and accuracy of ``model`` (eval mode) over the batches of ``loader``.

    ``F.cross_entropy`` is also right for models that output log-probabilities (LogSoftmax):
    log_softmax leaves log-probabilities unchanged.

    Parameters
    ----------
    model : torch.nn.Module
        The classifier (its train/eval mode is restored afterwards).
    loader : iterable
        ``(x, y)`` batches.
    loss_fn : callable, default=torch.nn.functional.cross_entropy
        ``loss_fn(output, y) -> Tensor`` (a batch mean).
    device : str or torch.device, default="cpu"
        Where to run: the model is moved there (and stays), each batch too.

    Returns
    -------
    dict
        ``{"loss": ..., "acc": ...}``, means over all samples.

    Examples
    --------
    >>> model = nn.Linear(2, 2)
    >>> batches = [(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long))]
    >>> sorted(evaluate(model, batches))
    ['acc', 'loss']
    """
    dev = check_device(device)
    model.to(dev)
    was_training = model.training
    model.eval()
    # summed on the device (float64: the numbers of Python floats), read once at the end
    total = 0
    loss_sum = torch.zeros((), dtype=torch.float64, device=dev)
    correct = torch.zeros((), dtype=torch.int64, device=dev)
    try:
        for x, y in loader:
            x, y = x.to(dev), y.to(dev)  # no copy when the loader holds them there already
            out = model(x)
            loss_sum += loss_fn(out, y).double() * len(y)
            correct += (out.argmax(dim=1) == y).sum()
            total += len(y)
    finally:
        model.train(was_training)
    return {"loss": float(loss_sum) / total, "acc": int(correct) / total}


def train_epoch(
    model: nn.Module,
    train_loader: Iterable,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn = F.cross_entropy,
    *,
    on_batch: Callable[[float, float], None] | None = None,
    device: str | torch.device = "cpu",
) -> dict:
    """One pass of ``optimizer`` over the minibatches of ``train_loader`` (model in train mode).

    Parameters
    ----------
    model : torch.nn.Module
        The classifier.
    train_loader : iterable
        ``(x, y)`` minibatches.
    optimizer : torch.optim.Optimizer
        Steps once per minibatch.
    loss_fn : callable, default=torch.nn.functional.cross_entropy
        ``loss_fn(output, y) -> Tensor``.
    on_batch : callable or None, default=None
        Called as ``on_batch(loss, acc)`` with the running means after every step (progress;
        each call reads them back from the device, so leave it ``None`` when not shown).
    device : str or torch.device, default="cpu"
        Where to train: the model is moved there (and stays), each minibatch too. Create the
        optimizer before or after: ``Module.to`` keeps the parameter objects.

    Returns
    -------
    dict
        The running means over the minibatches, ``{"loss": ..., "acc": ...}``.
    """
    dev = check_device(device)
    model.to(dev)
    model.train()
    # summed on the device (float64: the numbers of Python floats); without ``on_batch`` nothing
    # is read back to the host until the epoch ends
    seen = 0
    loss_sum = torch.zeros((), dtype=torch.float64, device=dev)
    correct = torch.zeros((), dtype=torch.int64, device=dev)
    for x, y in train_loader:
        x, y = x.to(dev), y.to(dev)  # no copy when the loader holds them there already
        out = model(x)
        loss = loss_fn(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += len(y)
        loss_sum += loss.detach().double() * len(y)
        correct += (out.detach().argmax(dim=1) == y).sum()
        if on_batch is not None:
            on_batch(float(loss_sum) / seen, int(correct) / seen)
    return {"loss": float(loss_sum) / max(seen, 1), "acc": int(correct) / max(seen, 1)}


def _atomic_torch_save(obj: Any, path: Path) -> None:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _loader_generator(loader: Iterable) -> torch.Generator | None:
    gen = getattr(loader, "generator", None)
    if gen is None:
        gen = getattr(getattr(loader, "sampler", None), "generator", None)
    return gen if isinstance(gen, torch.Generator) else None


def _device_module(device: torch.device) -> Any:
    """torch's module for an accelerator (``torch.cuda``, ``torch.mps``...); None for the CPU."""
    return None if device.type == "cpu" else getattr(torch, device.type, None)


def _device_rng_state(device: torch.device) -> torch.Tensor | None:
    """The state of ``device``'s own generator (an accelerator's); None for the CPU."""
    get = getattr(_device_module(device), "get_rng_state", None)
    return get(device) if callable(get) else None


def _save_checkpoint(path, epoch, model, optimizer, train_loader, device) -> None:
    """Plain data only (tensors, numbers, lists, dicts): loadable with ``weights_only=True``."""
    gen = _loader_generator(train_loader)
    _atomic_torch_save(
        {
            "epoch": int(epoch),
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "loader_rng": gen.get_state() if gen is not None else None,
            "device_rng": _device_rng_state(device),
        },
        path,
    )


def _one_line(err: BaseException, limit: int = 300) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_rng_state(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.dtype == torch.uint8 and value.dim() == 1


def _checkpoint_problem(state: Any) -> str | None:
    """Why ``state`` is not a checkpoint written by :func:`_save_checkpoint`, or None."""
    if not isinstance(state, dict):
        return f"expected a dict of training state, got {type(state).__name__}"
    missing = [k for k in ("epoch", "model", "optimizer", "torch_rng", "loader_rng")
               if k not in state]
    if missing:
        return f"not a training checkpoint: no {', '.join(missing)}"
    epoch = state["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        return f"epoch is {epoch!r}, expected an integer >= 0"
    model = state["model"]
    if not isinstance(model, dict) or not all(isinstance(v, torch.Tensor) for v in model.values()):
        return "model is not a state_dict (a dict of tensors)"
    if not isinstance(state["optimizer"], dict) or "param_groups" not in state["optimizer"]:
        return "optimizer is not an optimizer state_dict"
    if not _is_rng_state(state["torch_rng"]):
        return "torch_rng is not a random-number-generator state (a uint8 tensor)"
    for key in ("loader_rng", "device_rng"):  # device_rng: absent from older checkpoints
        if state.get(key) is not None and not _is_rng_state(state[key]):
            return f"{key} is not a random-number-generator state (a uint8 tensor)"
    return None


def load_checkpoint(path: str | Path) -> dict:
    """The training state in ``path``, read with ``torch.load(weights_only=True)``.

    Only tensors, numbers, strings, lists and dicts are accepted, so loading cannot run code.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``checkpoint.pt`` written by :func:`train_and_track`.

    Returns
    -------
    dict
        ``epoch``, ``model`` and ``optimizer`` state dicts, ``torch_rng``, ``loader_rng`` and
        ``device_rng`` (the accelerator's generator; None on the CPU).

    Raises
    ------
    ValueError
        Naming the file, when it is empty, truncated, damaged or not a checkpoint.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise ValueError(
            f"{path}: file is empty (damaged in a copy?); restore it or start the run afresh "
            "without resuming"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "weights only" in str(err).lower():
            raise ValueError(
                f"{path}: refused to load: it holds Python objects other than tensors, numbers, "
                "strings, lists and dicts, and unpickling those can run arbitrary code"
            ) from None
        raise ValueError(f"{path}: not a checkpoint (cannot unpickle: {_one_line(err)})") from None
    except Exception as err:  # torch raises RuntimeError, EOFError, KeyError... on bad files
        raise ValueError(
            f"{path}: not a readable checkpoint (truncated or damaged?): "
            f"{type(err).__name__}: {_one_line(err)}"
        ) from None
    problem = _checkpoint_problem(state)
    if problem is not None:
        raise ValueError(f"{path}: {problem}")
    return state


def _apply_checkpoint(state: dict, path: Path, model, optimizer, train_loader, device) -> None:
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])  # moves its state to the parameters' device
        torch.set_rng_state(state["torch_rng"])
        set_device_rng = getattr(_device_module(device), "set_rng_state", None)
        if callable(set_device_rng) and state.get("device_rng") is not None:
            set_device_rng(state["device_rng"], device)
        gen = _loader_generator(train_loader)
        if gen is not None and state["loader_rng"] is not None:
            gen.set_state(state["loader_rng"])
    except (RuntimeError, ValueError, KeyError, TypeError) as err:
        raise ValueError(
            f"{path}: does not fit this model, optimizer or data loader: {_one_line(err)}"
        ) from None


def _plain(value: Any) -> Any:
    """``value`` if it is JSON-plain (numbers, strings, None, lists of them), a number for a
    one-element tensor, else its description."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return describe(value)


def training_settings(
    epochs: int, random_state: int, optimizer: torch.optim.Optimizer, loss_fn: LossFn,
    train_loader: Iterable, device: str | torch.device = "cpu",
) -> dict:
    """What :func:`train_and_track` trains with (``run.json``'s ``training`` entry).

    Parameters
    ----------
    epochs : int
        Number of epochs.
    random_state : int
        Seed of torch's global generator.
    optimizer : torch.optim.Optimizer
        The optimizer (its hyper-parameters are recorded).
    loss_fn : callable
        The loss (recorded by name).
    train_loader : iterable
        The training data (its batch size and dataset size are recorded where it tells them).
    device : str or torch.device, default="cpu"
        Where the model trains.

    Returns
    -------
    dict
        Epochs, random_state, the optimizer and its hyper-parameters, the loss, the batch size,
        the training set size and the device, JSON-ready.
    """
    groups = [
        {key: _plain(value) for key, value in group.items() if key != "params"}
        for group in optimizer.param_groups
    ]
    dataset = getattr(train_loader, "dataset", None)
    return {
        "epochs": int(epochs),
        "random_state": int(random_state),
        "optimizer": type(optimizer).__name__,
        "optimizer_settings": groups[0] if len(groups) == 1 else groups,
        "loss": getattr(loss_fn, "__name__", None) or describe(loss_fn),
        "batch_size": _plain(getattr(train_loader, "batch_size", None)),
        "train_size": len(dataset) if hasattr(dataset, "__len__") else None,
        "device": str(check_device(device)),
    }


def _check_nothing_to_lose(checkpoint: Path) -> None:
    """Resuming without a checkpoint starts afresh: refuse when that would overwrite a table
    with trained epochs (a run killed while writing epoch 0 just starts again)."""
    table = checkpoint.parent / TABLE_JSON
    if not table.is_file():
        return
    last = max((r["epoch"] for r in read_table(table)), default=0)
    if last > 0:
        raise ValueError(
            f"{checkpoint}: missing, but {table} holds epochs up to {last}: the run cannot "
            "continue without it; restore the file or start afresh without resuming"
        )


def _resume(
    checkpoint: Path, tracker, model, optimizer, train_loader, epochs: int, device: torch.device
) -> int:
    """Continue from ``checkpoint`` (after every check); return the first epoch to train, 0
    when there is nothing to resume."""
    if not checkpoint.is_file():
        _check_nothing_to_lose(checkpoint)
        return 0
    state = load_checkpoint(checkpoint)
    done = state["epoch"]
    if done > epochs:
        raise ValueError(
            f"epochs: the run in {checkpoint.parent} already finished epoch {done}; resuming "
            f"can only extend it (epochs >= {done}), got {epochs}"
        )
    tracker.restore(done)
    _apply_checkpoint(state, checkpoint, model, optimizer, train_loader, device)
    return done + 1


def _mi_postfix(tracker: InformationPlaneTracker) -> str:
    return " ".join(f"{k} {a:.2f}/{b:.2f}" for k, (a, b) in tracker.latest().items())


def train_and_track(
    model: nn.Module,
    train_loader: Iterable,
    test_loader: Iterable,
    tracker: InformationPlaneTracker,
    epochs: int,
    optimizer: torch.optim.Optimizer,
    *,
    loss_fn: LossFn = F.cross_entropy,
    resume: bool = False,
    random_state: int = 0,
    device: str | torch.device = "cpu",
    progress: bool = True,
    on_epoch: Callable[[int, list[dict]], None] | None = None,
) -> list[dict]:
    """Train ``model`` for ``epochs`` epochs and record its information plane; return the table.

    Epoch 0 is the untrained network (train metrics from an evaluation pass); epoch e >= 1
    reports the running mean training loss and accuracy over its minibatches and the test loss
    and accuracy after it. With ``tracker.out_dir`` set, ``checkpoint.pt`` is written there
    after every epoch; ``resume=True`` continues from it (and from the saved table).

    ``random_state`` seeds torch's global generator at the start of a fresh run (dropout and
    noise layers draw from it); shuffling should come from the loader's own ``generator``, whose
    state the checkpoint keeps. The model is moved to ``device`` and trained, evaluated and
    probed there; the optimizer may be created before (``Module.to`` keeps the parameter
    objects). On an accelerator the numbers differ from the CPU's in the last digits, and
    torch's non-deterministic kernels can make two runs differ too.

    The training settings (:func:`training_settings`) go to ``run.json`` with the tracker's. A
    resumed run must match the saved settings except the number of epochs, which may grow
    (:meth:`~infolens.plane.tracker.InformationPlaneTracker.restore` lists every difference).

    Parameters
    ----------
    model : torch.nn.Module
        The classifier.
    train_loader : iterable
        ``(x, y)`` minibatches; give it its own ``generator`` for reproducible shuffling.
    test_loader : iterable
        ``(x, y)`` batches for the test metrics.
    tracker : InformationPlaneTracker
        Records the information plane (and owns ``out_dir``).
    epochs : int
        Number of training epochs (>= 0): exactly this many are trained. Not ``max_epochs``,
        which in infolens caps a training that stops early (the compressors, the neural
        estimators); there is no early stopping here.
    optimizer : torch.optim.Optimizer
        The optimizer.
    loss_fn : callable, default=torch.nn.functional.cross_entropy
        ``loss_fn(output, y) -> Tensor``.
    resume : bool, default=False
        Continue from ``checkpoint.pt`` in ``tracker.out_dir``.
    random_state : int, default=0
        Seed of torch's global generator at the start of a fresh run.
    device : str or torch.device, default="cpu"
        Where to train, evaluate and probe: ``"cpu"``, ``"auto"`` (CUDA when present),
        ``"cuda"``, ``"cuda:1"``, ``"mps"``... (:func:`check_device`); the resolved device is
        recorded in ``run.json``, so a resumed run must use the same. Give a
        :class:`DeviceLoader` to keep the data on the device between batches.
    progress : bool, default=True
        Show a tqdm bar per epoch.
    on_epoch : callable or None, default=None
        Called as ``on_epoch(epoch, rows)`` after every epoch (``rows`` empty when not
        recorded).

    Returns
    -------
    list of dict
        The tracker's table.

    Examples
    --------
    >>> from infolens.plane.tracker import InformationPlaneTracker
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(200, 2); y = (x[:, 0] > 0).long()
    >>> model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    >>> tracker = InformationPlaneTracker(model, ["1"], x, y, noise_std=0.1)
    >>> batches = [(x[i : i + 50], y[i : i + 50]) for i in range(0, 200, 50)]
    >>> rows = train_and_track(model, batches, batches, tracker, 1,
    ...                        torch.optim.Adam(model.parameters()), progress=False)
    >>> [(r["epoch"], r["layer"]) for r in rows]
    [(0, '1'), (1, '1')]
    """
    from tqdm.auto import tqdm

    if isinstance(epochs, bool) or epochs < 0 or int(epochs) != epochs:
        raise ValueError(f"epochs: expected a non-negative integer, got {epochs!r}")
    epochs = int(epochs)
    device = check_device(device)
    model.to(device)  # the tracker probes wherever the model is
    out_dir = tracker.out_dir
    checkpoint = out_dir / CHECKPOINT if out_dir is not None else None
    tracker.metadata["training"] = training_settings(
        epochs, random_state, optimizer, loss_fn, train_loader, device
    )
    start = 0
    if resume:
        if checkpoint is None:
            raise ValueError("resume: needs a tracker with out_dir (where the run was saved)")
        start = _resume(checkpoint, tracker, model, optimizer, train_loader, epochs, device)
    if start == 0:
        torch.manual_seed(random_state)
        metrics = _epoch_metrics(model, train_loader, test_loader, loss_fn, None, 0.0, device)
        rows = tracker.record(0, metrics)
        if on_epoch is not None:
            on_epoch(0, rows)
        if checkpoint is not None:
            _save_checkpoint(checkpoint, 0, model, optimizer, train_loader, device)
        start = 1

    for epoch in range(start, epochs + 1):
        t0 = time.perf_counter()
        n_batches = len(train_loader) if hasattr(train_loader, "__len__") else None
        bar = tqdm(
            total=n_batches, desc=f"epoch {epoch}/{epochs}", disable=not progress, leave=True,
            dynamic_ncols=True,
        )

        def show(loss: float, acc: float, bar=bar) -> None:
            bar.update(1)
            bar.set_postfix_str(f"loss {loss:.4f} acc {acc:.4f}")

        running = train_epoch(  # no per-batch read-back of the running means without a bar
            model, train_loader, optimizer, loss_fn, on_batch=show if progress else None,
            device=device,
        )
        train_seconds = time.perf_counter() - t0
        metrics = _epoch_metrics(
            model, None, test_loader, loss_fn, running, train_seconds, device
        )
        rows: list[dict] = []
        if tracker.should_record(epoch, epochs):
            rows = tracker.record(epoch, metrics)
        bar.set_postfix_str(
            f"loss {running['loss']:.4f} acc {running['acc']:.4f} "
            f"test {metrics['test_acc']:.4f} | I(X;L)/I(L;Y) {_mi_postfix(tracker)}"
        )
        bar.close()
        if on_epoch is not None:
            on_epoch(epoch, rows)
        if checkpoint is not None:
            _save_checkpoint(checkpoint, epoch, model, optimizer, train_loader, device)
    return tracker.rows


def _epoch_metrics(
    model, train_loader, test_loader, loss_fn, running, train_seconds, device
) -> dict:
    train = (
        running if running is not None
        else evaluate(model, train_loader, loss_fn, device=device)
    )
    test = evaluate(model, test_loader, loss_fn, device=device)
    return {
        "train_loss": train["loss"],
        "train_acc": train["acc"],
        "test_loss": test["loss"],
        "test_acc": test["acc"],
        "train_seconds": round(train_seconds, 3),
    }

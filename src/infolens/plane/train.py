"""A thin training loop around :class:`~infolens.plane.tracker.InformationPlaneTracker`.

After every epoch: evaluate, record the information plane (when due), write the table, then
save a checkpoint (model, optimizer, RNG states) atomically. A run killed mid-way resumes from
its last finished epoch and produces the same table as an uninterrupted run.

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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from infolens.io import atomic_write_bytes
from infolens.plane.tracker import TABLE_JSON, InformationPlaneTracker, _describe, read_table

__all__ = ["train_and_track", "evaluate", "load_checkpoint", "training_settings", "CHECKPOINT"]

CHECKPOINT = "checkpoint.pt"

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable, loss_fn: LossFn = F.cross_entropy) -> dict:
    """Mean loss and accuracy of ``model`` (eval mode) over the batches of ``loader``.

    ``F.cross_entropy`` is also right for models that output log-probabilities (LogSoftmax):
    log_softmax leaves log-probabilities unchanged.
    """
    was_training = model.training
    model.eval()
    total, loss_sum, correct = 0, 0.0, 0
    try:
        for x, y in loader:
            out = model(x)
            loss_sum += float(loss_fn(out, y)) * len(y)
            correct += int((out.argmax(dim=1) == y).sum())
            total += len(y)
    finally:
        model.train(was_training)
    return {"loss": loss_sum / total, "acc": correct / total}


def _atomic_torch_save(obj: Any, path: Path) -> None:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _loader_generator(loader: Iterable) -> torch.Generator | None:
    gen = getattr(loader, "generator", None)
    if gen is None:
        gen = getattr(getattr(loader, "sampler", None), "generator", None)
    return gen if isinstance(gen, torch.Generator) else None


def _save_checkpoint(path, epoch, model, optimizer, train_loader) -> None:
    """Plain data only (tensors, numbers, lists, dicts): loadable with ``weights_only=True``."""
    gen = _loader_generator(train_loader)
    _atomic_torch_save(
        {
            "epoch": int(epoch),
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "loader_rng": gen.get_state() if gen is not None else None,
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
    if state["loader_rng"] is not None and not _is_rng_state(state["loader_rng"]):
        return "loader_rng is not a random-number-generator state (a uint8 tensor)"
    return None


def load_checkpoint(path: str | Path) -> dict:
    """The training state in ``path``, read with ``torch.load(weights_only=True)``.

    Only tensors, numbers, strings, lists and dicts are accepted, so loading cannot run code;
    an empty, truncated, damaged or foreign file is one ``ValueError`` naming it.
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


def _apply_checkpoint(state: dict, path: Path, model, optimizer, train_loader) -> None:
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
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
    return _describe(value)


def training_settings(
    epochs: int, seed: int, optimizer: torch.optim.Optimizer, loss_fn: LossFn,
    train_loader: Iterable,
) -> dict:
    """What :func:`train_and_track` trains with (``run.json``'s ``training`` entry): epochs,
    seed, the optimizer and its hyper-parameters, the loss, the batch size and training set
    size (where the loader tells them)."""
    groups = [
        {key: _plain(value) for key, value in group.items() if key != "params"}
        for group in optimizer.param_groups
    ]
    dataset = getattr(train_loader, "dataset", None)
    return {
        "epochs": int(epochs),
        "seed": int(seed),
        "optimizer": type(optimizer).__name__,
        "optimizer_settings": groups[0] if len(groups) == 1 else groups,
        "loss": getattr(loss_fn, "__name__", None) or _describe(loss_fn),
        "batch_size": _plain(getattr(train_loader, "batch_size", None)),
        "train_size": len(dataset) if hasattr(dataset, "__len__") else None,
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


def _resume(checkpoint: Path, tracker, model, optimizer, train_loader, epochs: int) -> int:
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
    _apply_checkpoint(state, checkpoint, model, optimizer, train_loader)
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
    seed: int = 0,
    progress: bool = True,
    on_epoch: Callable[[int, list[dict]], None] | None = None,
) -> list[dict]:
    """Train ``model`` for ``epochs`` epochs and record its information plane; return the table.

    Epoch 0 is the untrained network (train metrics from an evaluation pass); epoch e >= 1
    reports the running mean training loss and accuracy over its minibatches and the test loss
    and accuracy after it. With ``tracker.out_dir`` set, ``checkpoint.pt`` is written there
    after every epoch; ``resume=True`` continues from it (and from the saved table).

    ``seed`` seeds torch's global generator at the start of a fresh run (dropout and noise
    layers draw from it); shuffling should come from the loader's own ``generator``, whose
    state the checkpoint keeps.

    The training settings (:func:`training_settings`) go to ``run.json`` with the tracker's. A
    resumed run must match the saved settings except the number of epochs, which may grow
    (:meth:`~infolens.plane.tracker.InformationPlaneTracker.restore` lists every difference).
    """
    from tqdm.auto import tqdm

    if isinstance(epochs, bool) or epochs < 0 or int(epochs) != epochs:
        raise ValueError(f"epochs: expected a non-negative integer, got {epochs!r}")
    epochs = int(epochs)
    out_dir = tracker.out_dir
    checkpoint = out_dir / CHECKPOINT if out_dir is not None else None
    tracker.metadata["training"] = training_settings(
        epochs, seed, optimizer, loss_fn, train_loader
    )
    start = 0
    if resume:
        if checkpoint is None:
            raise ValueError("resume: needs a tracker with out_dir (where the run was saved)")
        start = _resume(checkpoint, tracker, model, optimizer, train_loader, epochs)
    if start == 0:
        torch.manual_seed(seed)
        metrics = _epoch_metrics(model, train_loader, test_loader, loss_fn, None, 0.0)
        rows = tracker.record(0, metrics)
        if on_epoch is not None:
            on_epoch(0, rows)
        if checkpoint is not None:
            _save_checkpoint(checkpoint, 0, model, optimizer, train_loader)
        start = 1

    for epoch in range(start, epochs + 1):
        t0 = time.perf_counter()
        model.train()
        n_batches = len(train_loader) if hasattr(train_loader, "__len__") else None
        bar = tqdm(
            total=n_batches, desc=f"epoch {epoch}/{epochs}", disable=not progress, leave=True,
            dynamic_ncols=True,
        )
        seen, loss_sum, correct = 0, 0.0, 0
        for x, y in train_loader:
            out = model(x)
            loss = loss_fn(out, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += len(y)
            loss_sum += float(loss.detach()) * len(y)
            correct += int((out.detach().argmax(dim=1) == y).sum())
            bar.update(1)
            bar.set_postfix_str(f"loss {loss_sum / seen:.4f} acc {correct / seen:.4f}")
        running = {"loss": loss_sum / max(seen, 1), "acc": correct / max(seen, 1)}
        train_seconds = time.perf_counter() - t0
        metrics = _epoch_metrics(model, None, test_loader, loss_fn, running, train_seconds)
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
            _save_checkpoint(checkpoint, epoch, model, optimizer, train_loader)
    return tracker.rows


def _epoch_metrics(model, train_loader, test_loader, loss_fn, running, train_seconds) -> dict:
    train = running if running is not None else evaluate(model, train_loader, loss_fn)
    test = evaluate(model, test_loader, loss_fn)
    return {
        "train_loss": train["loss"],
        "train_acc": train["acc"],
        "test_loss": test["loss"],
        "test_acc": test["acc"],
        "train_seconds": round(train_seconds, 3),
    }

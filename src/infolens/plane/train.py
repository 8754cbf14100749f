"""A thin training loop around :class:`~infolens.plane.tracker.InformationPlaneTracker`.

After every epoch: evaluate, record the information plane (when due), write the table, then
save a checkpoint (model, optimizer, RNG states) atomically. A run killed mid-way resumes from
its last finished epoch and produces the same table as an uninterrupted run.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from infolens.io import atomic_write_bytes
from infolens.plane.tracker import InformationPlaneTracker

__all__ = ["train_and_track", "evaluate", "CHECKPOINT"]

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
    gen = _loader_generator(train_loader)
    _atomic_torch_save(
        {
            "epoch": epoch,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "loader_rng": gen.get_state() if gen is not None else None,
        },
        path,
    )


def _load_checkpoint(path, model, optimizer, train_loader) -> int:
    state = torch.load(path, weights_only=False)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    gen = _loader_generator(train_loader)
    if gen is not None and state["loader_rng"] is not None:
        gen.set_state(state["loader_rng"])
    return int(state["epoch"])


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
    """
    from tqdm.auto import tqdm

    if epochs < 0 or int(epochs) != epochs:
        raise ValueError(f"epochs: expected a non-negative integer, got {epochs!r}")
    out_dir = tracker.out_dir
    checkpoint = out_dir / CHECKPOINT if out_dir is not None else None
    start = 0
    if resume:
        if checkpoint is None:
            raise ValueError("resume: needs a tracker with out_dir (where the run was saved)")
        if checkpoint.is_file():
            done = _load_checkpoint(checkpoint, model, optimizer, train_loader)
            tracker.restore(done)
            start = done + 1
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

"""Reading layer activations of any ``nn.Module`` with forward hooks, without changing it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["ActivationProbe", "resolve_layers"]


def resolve_layers(model: nn.Module, layers: Sequence[str]) -> dict[str, nn.Module]:
    """Map layer names (as in ``model.named_modules()``) to modules; unknown names fail clearly."""
    if isinstance(layers, str):
        layers = [layers]
    if len(layers) == 0:
        raise ValueError("layers: expected at least one layer name")
    modules = dict(model.named_modules())
    missing = [name for name in layers if name not in modules]
    if missing:
        available = [name for name in modules if name]
        raise ValueError(f"layers: {missing} not found in the model; available: {available}")
    if len(set(layers)) != len(layers):
        raise ValueError(f"layers: duplicate names in {list(layers)}")
    return {name: modules[name] for name in layers}


class ActivationProbe:
    """Collect the outputs of named layers, each flattened to ``(n, d)`` float32.

    Forward hooks are registered on entering the ``with`` block and removed on leaving it;
    the model's mode (train/eval) is restored too. Nothing about the model changes.

    Example
    -------
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> with ActivationProbe(model, ["0", "2"]) as probe:
    ...     acts = probe.collect(torch.randn(10, 3))
    >>> acts["0"].shape, acts["2"].shape
    ((10, 4), (10, 2))
    """

    def __init__(self, model: nn.Module, layers: Sequence[str]) -> None:
        self.model = model
        self.modules = resolve_layers(model, layers)
        self.layers = list(self.modules)
        self._handles: list = []
        self._buffers: dict[str, list[np.ndarray]] = {}

    def _make_hook(self, name: str):
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            if isinstance(output, (tuple, list)):
                output = output[0]
            flat = output.detach().reshape(output.shape[0], -1).to(torch.float32).cpu()
            self._buffers[name].append(flat.numpy())

        return hook

    def __enter__(self) -> ActivationProbe:
        self._handles = [
            module.register_forward_hook(self._make_hook(name))
            for name, module in self.modules.items()
        ]
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def remove(self) -> None:
        """Remove the hooks (idempotent)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    @torch.no_grad()
    def collect(
        self, inputs: torch.Tensor | Iterable, batch_size: int = 1000, eval_mode: bool = True
    ) -> dict[str, np.ndarray]:
        """Run ``inputs`` (a tensor, or an iterable of tensors / (x, y) batches) through the
        model under ``torch.no_grad()`` and return ``{layer: activations (n, d)}``."""
        if not self._handles:
            raise RuntimeError("ActivationProbe.collect must be called inside its `with` block")
        self._buffers = {name: [] for name in self.layers}
        was_training = self.model.training
        self.model.train(not eval_mode)
        try:
            if isinstance(inputs, torch.Tensor):
                batches: Iterable = torch.split(inputs, batch_size)
            else:
                batches = inputs
            for batch in batches:
                if isinstance(batch, (tuple, list)):
                    batch = batch[0]
                self.model(batch)
        finally:
            self.model.train(was_training)
        out = {name: np.concatenate(chunks, axis=0) for name, chunks in self._buffers.items()}
        self._buffers = {}
        return out

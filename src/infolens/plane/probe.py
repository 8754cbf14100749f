"""Reading layer activations of any ``nn.Module`` with forward hooks, without changing it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["ActivationProbe", "model_device", "resolve_layers"]


def model_device(model: nn.Module) -> torch.device:
    """The device that holds ``model``: that of its first parameter (else first buffer), else CPU.

    Parameters
    ----------
    model : torch.nn.Module
        The network.

    Returns
    -------
    torch.device
        Where its inputs must go.

    Examples
    --------
    >>> model_device(nn.Linear(2, 2))
    device(type='cpu')
    """
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def resolve_layers(model: nn.Module, layers: Sequence[str]) -> dict[str, nn.Module]:
    """Map layer names (as in ``model.named_modules()``) to modules.

    Parameters
    ----------
    model : torch.nn.Module
        The network.
    layers : str or sequence of str
        Layer names (a single name is one layer).

    Returns
    -------
    dict of str to torch.nn.Module
        The modules, in the order given.

    Raises
    ------
    ValueError
        For no names, an unknown name (the message lists the available ones) or a repeated one.

    Examples
    --------
    >>> list(resolve_layers(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), ["1"]))
    ['1']
    """
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
    the model's mode (train/eval) is restored too. Nothing about the model changes. The inputs
    go to the model's device (:func:`model_device`; a tensor is moved there once, then split);
    the activations stay there until every batch has run, then come back to the CPU in one copy
    per layer.

    Parameters
    ----------
    model : torch.nn.Module
        The network.
    layers : sequence of str
        Names of the layers to read (:func:`resolve_layers`).

    References
    ----------
    PyTorch's forward hooks, ``torch.nn.Module.register_forward_hook``.

    Examples
    --------
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
        self._buffers: dict[str, list[torch.Tensor]] = {}

    def _make_hook(self, name: str):
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            if isinstance(output, (tuple, list)):
                output = output[0]
            # a copy, on the model's device: a later in-place layer cannot change it
            flat = output.detach().reshape(output.shape[0], -1).to(torch.float32, copy=True)
            self._buffers[name].append(flat)

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
        """Run ``inputs`` through the model under ``torch.no_grad()`` and collect the layers.

        Parameters
        ----------
        inputs : torch.Tensor or iterable
            A tensor (moved to the model's device once, then split into batches), or an iterable
            of tensors or of ``(x, y)`` batches, each moved to the model's device.
        batch_size : int, default=1000
            Batch size for a tensor.
        eval_mode : bool, default=True
            Run the model in eval mode (its mode is restored afterwards).

        Returns
        -------
        dict of str to numpy.ndarray
            ``{layer: activations (n, d)}``, float32.

        Raises
        ------
        RuntimeError
            When called outside the ``with`` block.
        """
        if not self._handles:
            raise RuntimeError("ActivationProbe.collect must be called inside its `with` block")
        self._buffers = {name: [] for name in self.layers}
        was_training = self.model.training
        device = model_device(self.model)
        self.model.train(not eval_mode)
        try:
            if isinstance(inputs, torch.Tensor):
                batches: Iterable = torch.split(inputs.to(device), batch_size)
            else:
                batches = inputs
            for batch in batches:
                if isinstance(batch, (tuple, list)):
                    batch = batch[0]
                if isinstance(batch, torch.Tensor):
                    batch = batch.to(device)
                self.model(batch)
        finally:
            self.model.train(was_training)
        out = {name: torch.cat(chunks).cpu().numpy() for name, chunks in self._buffers.items()}
        self._buffers = {}
        return out

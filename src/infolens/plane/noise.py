"""Stochastic layers that keep I(X; L) finite.

A deterministic network maps a continuous input X to L = f(X), and I(X; L) is then infinite
(or, measured with finite samples, an artefact of the estimator). Following Butakov et al.,
*Information Bottleneck Analysis of Deep Neural Networks via Lossy Compression* (ICLR 2024,
https://arxiv.org/abs/2305.08013), a small additive Gaussian noise relative to the activation
makes every layer a noisy channel. The noise stays on in evaluation mode: it is part of the
network being analysed, not a regulariser.

Two ways to get it:

* :class:`RelativeGaussianNoise`, a module to place inside a model (the MNIST CNN does);
* :func:`insert_noise`, forward hooks that perturb the *outputs* of chosen layers of any
  ``nn.Module`` without changing the model's code; remove them with the returned handle.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["RelativeGaussianNoise", "NoiseHooks", "insert_noise", "relative_gaussian_noise"]


def relative_gaussian_noise(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Return ``x + sigma * s(x) * eps`` with ``eps ~ N(0, I)``.

    ``s(x)`` is the standard deviation of each sample's activation over all its features
    (one number per row), detached from the graph; the noise is thus relative to the
    activation's own scale and independent of the batch the sample comes in.
    """
    if sigma == 0.0:
        return x
    flat = x.detach().reshape(len(x), -1)
    scale = flat.std(dim=1, unbiased=False) if flat.shape[1] > 1 else flat.abs()[:, 0]
    scale = scale.reshape((len(x),) + (1,) * (x.ndim - 1))
    return x + sigma * scale * torch.randn_like(x)


class RelativeGaussianNoise(nn.Module):
    """Additive Gaussian noise with std ``sigma`` times the activation's per-sample std.

    Active in both training and evaluation mode (the analysed network is stochastic).
    Draws from torch's global generator, so ``torch.manual_seed`` makes it reproducible.

    Example
    -------
    >>> layer = RelativeGaussianNoise(0.1)
    >>> layer(torch.ones(2, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(self, sigma: float) -> None:
        super().__init__()
        if not sigma >= 0.0:
            raise ValueError(f"sigma: must be >= 0, got {sigma}")
        self.sigma = float(sigma)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return relative_gaussian_noise(x, self.sigma)

    def extra_repr(self) -> str:
        return f"sigma={self.sigma}, relative=per-sample std, active in eval"


class NoiseHooks:
    """Forward hooks that add :func:`relative_gaussian_noise` to the outputs of named layers.

    Use :func:`insert_noise` to create one; ``remove()`` (or leaving the ``with`` block)
    restores the model exactly. ``description`` says what noise was used (for run metadata).
    """

    def __init__(self, model: nn.Module, layers: Sequence[str], sigma: float) -> None:
        if not sigma >= 0.0:
            raise ValueError(f"sigma: must be >= 0, got {sigma}")
        modules = dict(model.named_modules())
        missing = [name for name in layers if name not in modules]
        if missing:
            raise ValueError(
                f"layers: {missing} not found in the model; available: {sorted(modules)[:20]}"
            )
        self.sigma = float(sigma)
        self.layers = list(layers)
        self._handles = [
            modules[name].register_forward_hook(self._hook) for name in self.layers
        ]

    def _hook(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
        return relative_gaussian_noise(output, self.sigma)

    @property
    def description(self) -> dict:
        return {
            "kind": "additive Gaussian, relative to the per-sample std of the activation",
            "sigma": self.sigma,
            "where": "output of each listed layer (forward hook)",
            "layers": self.layers,
            "active_in_eval": True,
        }

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> NoiseHooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def insert_noise(model: nn.Module, layers: Sequence[str], sigma: float) -> NoiseHooks:
    """Make the named layers of ``model`` stochastic by adding relative Gaussian noise to their
    outputs (see :func:`relative_gaussian_noise`); returns the removable :class:`NoiseHooks`."""
    return NoiseHooks(model, layers, sigma)

"""Stochastic layers that keep I(X; L) finite.

A deterministic network maps a continuous input X to L = f(X), and I(X; L) is then infinite
(or, measured with finite samples, an artefact of the estimator). Following Butakov et al.,
"Information Bottleneck Analysis of Deep Neural Networks via Lossy Compression" (ICLR 2024,
arXiv:2305.08013), a small additive Gaussian noise relative to the activation
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


def relative_gaussian_noise(x: torch.Tensor, noise_std: float) -> torch.Tensor:
    """Return ``x + noise_std * s(x) * eps`` with ``eps ~ N(0, I)``.

    ``s(x)`` is the standard deviation of each sample's activation over all its features
    (one number per row), detached from the graph; the noise is thus relative to the
    activation's own scale and independent of the batch the sample comes in.

    Parameters
    ----------
    x : torch.Tensor
        Activations, first axis = samples.
    noise_std : float
        Standard deviation of the noise relative to ``s(x)`` (0: ``x`` is returned unchanged).

    Returns
    -------
    torch.Tensor
        The noisy activations, same shape (drawn from torch's global generator).

    Examples
    --------
    >>> x = torch.ones(2, 3)
    >>> bool(torch.equal(relative_gaussian_noise(x, 0.0), x))
    True
    """
    if noise_std == 0.0:
        return x
    flat = x.detach().reshape(len(x), -1)
    scale = flat.std(dim=1, unbiased=False) if flat.shape[1] > 1 else flat.abs()[:, 0]
    scale = scale.reshape((len(x),) + (1,) * (x.ndim - 1))
    return x + noise_std * scale * torch.randn_like(x)


class RelativeGaussianNoise(nn.Module):
    """Additive Gaussian noise with std ``noise_std`` times the activation's per-sample std.

    Active in both training and evaluation mode (the analysed network is stochastic).
    Draws from torch's global generator, so ``torch.manual_seed`` makes it reproducible.

    Parameters
    ----------
    noise_std : float
        Relative noise standard deviation, >= 0 (:func:`relative_gaussian_noise`).

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013.

    Examples
    --------
    >>> layer = RelativeGaussianNoise(0.1)
    >>> layer(torch.ones(2, 3)).shape
    torch.Size([2, 3])
    """

    def __init__(self, noise_std: float) -> None:
        super().__init__()
        if not noise_std >= 0.0:
            raise ValueError(f"noise_std: must be >= 0, got {noise_std}")
        self.noise_std = float(noise_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """:func:`relative_gaussian_noise` of ``x`` with this layer's ``noise_std``.

        Parameters
        ----------
        x : torch.Tensor
            Activations, first axis = samples.

        Returns
        -------
        torch.Tensor
            Noisy activations of the same shape.
        """
        return relative_gaussian_noise(x, self.noise_std)

    def extra_repr(self) -> str:
        """The layer's settings, in its ``repr``."""
        return f"noise_std={self.noise_std}, relative=per-sample std, active in eval"


class NoiseHooks:
    """Forward hooks that add :func:`relative_gaussian_noise` to the outputs of named layers.

    Use :func:`insert_noise` to create one; ``remove()`` (or leaving the ``with`` block)
    restores the model exactly. ``description`` says what noise was used (for run metadata).

    Parameters
    ----------
    model : torch.nn.Module
        The network.
    layers : sequence of str
        Names of the layers (as in ``model.named_modules()``) whose outputs get noise.
    noise_std : float
        Relative noise standard deviation, >= 0 (:func:`relative_gaussian_noise`).

    Raises
    ------
    ValueError
        For a negative ``noise_std`` or a layer name the model does not have.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013 (noise that keeps I(X; L) finite).

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(2, 2))
    >>> with NoiseHooks(model, ["0"], noise_std=0.1) as hooks:
    ...     hooks.description["layers"]
    ['0']
    """

    def __init__(self, model: nn.Module, layers: Sequence[str], noise_std: float) -> None:
        if not noise_std >= 0.0:
            raise ValueError(f"noise_std: must be >= 0, got {noise_std}")
        modules = dict(model.named_modules())
        missing = [name for name in layers if name not in modules]
        if missing:
            raise ValueError(
                f"layers: {missing} not found in the model; available: {sorted(modules)[:20]}"
            )
        self.noise_std = float(noise_std)
        self.layers = list(layers)
        self._handles = [
            modules[name].register_forward_hook(self._hook) for name in self.layers
        ]

    def _hook(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
        return relative_gaussian_noise(output, self.noise_std)

    @property
    def description(self) -> dict:
        """What noise the hooks add, where (for run metadata)."""
        return {
            "kind": "additive Gaussian, relative to the per-sample std of the activation",
            "noise_std": self.noise_std,
            "where": "output of each listed layer (forward hook)",
            "layers": self.layers,
            "active_in_eval": True,
        }

    def remove(self) -> None:
        """Remove the hooks (idempotent); the model is as it was."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> NoiseHooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def insert_noise(model: nn.Module, layers: Sequence[str], noise_std: float) -> NoiseHooks:
    """Make the named layers of ``model`` stochastic with relative Gaussian noise on their outputs.

    Parameters
    ----------
    model : torch.nn.Module
        The network (unchanged but for the hooks).
    layers : sequence of str
        Names of the layers (as in ``model.named_modules()``).
    noise_std : float
        Relative noise standard deviation (:func:`relative_gaussian_noise`), >= 0.

    Returns
    -------
    NoiseHooks
        The hooks; ``remove()`` them (or use a ``with`` block) to restore the model.

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    >>> hooks = insert_noise(model, ["1"], noise_std=0.1)
    >>> model(torch.zeros(4, 2)).shape
    torch.Size([4, 2])
    >>> hooks.remove()
    """
    return NoiseHooks(model, layers, noise_std)

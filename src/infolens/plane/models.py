"""The MNIST classifier of Butakov et al. (ICLR 2024), with addressable layers L1..L5.

Architecture (Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
Compression", ICLR 2024, arXiv:2305.08013, MNIST experiment): conv 1->8 (3x3), max-pool 2,
LeakyReLU; conv 8->16, pool, LeakyReLU; conv 16->32, pool, LeakyReLU; dense 32->32, LeakyReLU;
dense 32->10, LogSoftmax. Before each layer: optional dropout (p) and relative additive Gaussian
noise (standard deviation ``noise_std``, on in evaluation too) so that every layer is a noisy
function of the input and I(X; L) is finite.
"""

from __future__ import annotations

import torch
from torch import nn

from infolens.plane.noise import RelativeGaussianNoise

__all__ = ["MNISTConvNet", "LAYER_NAMES"]

LAYER_NAMES: tuple[str, ...] = ("L1", "L2", "L3", "L4", "L5")


def _stochastic(dropout: float, noise_std: float) -> list[nn.Module]:
    mods: list[nn.Module] = []
    if dropout > 0:
        mods.append(nn.Dropout(dropout))
    if noise_std > 0:
        mods.append(RelativeGaussianNoise(noise_std))
    return mods


class MNISTConvNet(nn.Module):
    """The five-layer CNN of the ICLR 2024 information-plane experiment.

    Each of ``L1``..``L5`` is an ``nn.Sequential``: [dropout] [noise] transform activation,
    so hooking ``model.L3`` reads the (stochastic) output of the third layer. Shapes for a
    28x28 input: L1 (8, 13, 13), L2 (16, 5, 5), L3 (32,), L4 (32,), L5 (10,) log-probabilities.

    Parameters
    ----------
    dropout : float, default=0.0
        Dropout probability before each layer from L2 on, in [0, 1) (standard dropout: off in
        eval mode).
    noise_std : float, default=0.0
        Std of the relative Gaussian noise before each layer, as a fraction of the activation's
        per-sample std (:class:`~infolens.plane.noise.RelativeGaussianNoise`); on in eval mode
        too.
    negative_slope : float, default=0.01
        LeakyReLU slope.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013.

    Examples
    --------
    >>> net = MNISTConvNet(noise_std=1e-3)
    >>> net(torch.zeros(4, 1, 28, 28)).shape
    torch.Size([4, 10])
    """

    def __init__(
        self, dropout: float = 0.0, noise_std: float = 0.0, negative_slope: float = 0.01
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout: must be in [0, 1), got {dropout}")
        if not noise_std >= 0.0:
            raise ValueError(f"noise_std: must be >= 0, got {noise_std}")
        self.dropout = float(dropout)
        self.noise_std = float(noise_std)
        act = nn.LeakyReLU(negative_slope)
        self.L1 = nn.Sequential(
            *_stochastic(0.0, noise_std), nn.Conv2d(1, 8, 3), nn.MaxPool2d(2), act
        )
        self.L2 = nn.Sequential(
            *_stochastic(dropout, noise_std), nn.Conv2d(8, 16, 3), nn.MaxPool2d(2), act
        )
        self.L3 = nn.Sequential(
            *_stochastic(dropout, noise_std),
            nn.Conv2d(16, 32, 3),
            nn.MaxPool2d(2),
            act,
            nn.Flatten(),
        )
        self.L4 = nn.Sequential(*_stochastic(dropout, noise_std), nn.Linear(32, 32), act)
        self.L5 = nn.Sequential(
            *_stochastic(dropout, noise_std), nn.Linear(32, 10), nn.LogSoftmax(dim=1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the ten digits.

        Parameters
        ----------
        x : torch.Tensor of shape (n, 1, 28, 28) or (n, 28, 28)
            Images.

        Returns
        -------
        torch.Tensor of shape (n, 10)
            The output of L5.
        """
        if x.ndim == 3:
            x = x.unsqueeze(1)
        return self.L5(self.L4(self.L3(self.L2(self.L1(x)))))

    @property
    def noise_description(self) -> dict:
        """What makes the layers stochastic (recorded in the run metadata)."""
        return {
            "kind": "additive Gaussian, relative to the per-sample std of the activation",
            "noise_std": self.noise_std,
            "dropout": self.dropout,
            "where": "input of each layer L1..L5 (dropout from L2 on; none on the raw image)",
            "active_in_eval": "noise yes, dropout no",
        }

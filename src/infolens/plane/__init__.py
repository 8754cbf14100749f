"""Information planes of neural networks: layer probing, stochastic layers, tracking, plots.

``InformationPlaneTracker`` attaches to any ``nn.Module`` by layer names (forward hooks) and
records I(X; L) and I(L; Y) per epoch through lossy compression (Butakov et al., ICLR 2024,
https://arxiv.org/abs/2305.08013). ``run_mnist_plane`` is the paper's MNIST experiment.
"""

from __future__ import annotations

import importlib

from infolens.plane.models import MNISTConvNet
from infolens.plane.noise import RelativeGaussianNoise, insert_noise
from infolens.plane.probe import ActivationProbe
from infolens.plane.tracker import InformationPlaneTracker, read_table
from infolens.plane.train import train_and_track

__all__ = [
    "ActivationProbe",
    "InformationPlaneTracker",
    "MNISTConvNet",
    "RelativeGaussianNoise",
    "insert_noise",
    "read_table",
    "train_and_track",
    "run_mnist_plane",
    "plot_information_plane",
    "plot_mi_vs_epoch",
    "plot_training_curves",
]

_LAZY = {
    "run_mnist_plane": "infolens.plane.experiments",
    "plot_information_plane": "infolens.plane.plots",
    "plot_mi_vs_epoch": "infolens.plane.plots",
    "plot_training_curves": "infolens.plane.plots",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'infolens.plane' has no attribute {name!r}")

"""Information planes of neural networks: layer probing, stochastic layers, tracking, plots.

``InformationPlaneTracker`` attaches to any ``nn.Module`` by layer names (forward hooks) and
records I(X; L) and I(L; Y) per epoch through lossy compression (Butakov et al., ICLR 2024,
arXiv:2305.08013). ``run_mnist_plane`` is the paper's MNIST experiment;
``InformationPlaneCallback`` does the same for a PyTorch Lightning ``Trainer`` (needs Lightning)
and ``DeviceLoader`` keeps a data set on the GPU between batches.
"""

from __future__ import annotations

from infolens._extras import lazy_attributes

__all__ = [
    "ActivationProbe",
    "DeviceLoader",
    "InformationPlaneCallback",
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

# Everything is imported on first use, so that `infolens --help` and the k-NN commands start
# without loading torch.
_LAZY = {
    "ActivationProbe": "infolens.plane.probe",
    "DeviceLoader": "infolens.plane.train",
    "InformationPlaneCallback": "infolens.plane.lightning",
    "InformationPlaneTracker": "infolens.plane.tracker",
    "MNISTConvNet": "infolens.plane.models",
    "RelativeGaussianNoise": "infolens.plane.noise",
    "insert_noise": "infolens.plane.noise",
    "read_table": "infolens.plane.tracker",
    "train_and_track": "infolens.plane.train",
    "run_mnist_plane": "infolens.plane.experiments",
    "plot_information_plane": "infolens.plane.plots",
    "plot_mi_vs_epoch": "infolens.plane.plots",
    "plot_training_curves": "infolens.plane.plots",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)

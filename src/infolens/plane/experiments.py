"""The MNIST information-plane experiment of Butakov et al. (ICLR 2024), ready to run.

Two presets:

* ``"paper"``: the authors' settings (Butakov et al., "Information Bottleneck Analysis of Deep
  Neural Networks via Lossy Compression", ICLR 2024, arXiv:2305.08013): Adam, lr 1e-5, batch 1024,
  300 epochs, the 10,000 test images as probe, relative noise of standard deviation 1e-3 (and
  dropout 0.1) before each layer, X compressed to 4 dimensions by a convolutional autoencoder, each layer
  by PCA to 4 dimensions, weighted Kozachenko-Leonenko estimator with k = 5.
* ``"demo"``: the same pipeline sized to finish in about 10 minutes on 2 CPU cores: lr 1e-4,
  batch 128, 12 epochs over all 60,000 training images, 5,000 test images as probe, the
  autoencoder for X trained on 10,000 training images for at most 20 epochs.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from infolens._validation import check_positive_int
from infolens.data.mnist import load_mnist
from infolens.estimators.base import describe
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.registry import make_estimator
from infolens.io import atomic_write_json
from infolens.plane.models import MNISTConvNet
from infolens.plane.plots import plot_all
from infolens.plane.probe import resolve_layers
from infolens.plane.tracker import InformationPlaneTracker
from infolens.plane.train import DeviceLoader, check_device, train_and_track

__all__ = [
    "PlanePreset", "PRESETS", "check_preset", "check_mnist_settings", "run_mnist_plane", "mnist_tensors",
]

DEFAULT_LAYERS: tuple[str, ...] = ("L2", "L3", "L4", "L5")
_PIXEL_SCALE = 255.0
MNIST_TRAIN_SIZE = 60_000
MNIST_TEST_SIZE = 10_000
MNIST_CLASSES = 10
X_COMPRESSORS = ("conv-ae", "pca")
LAYER_COMPRESSORS = ("pca", "ae")


@dataclass(frozen=True)
class PlanePreset:
    """Settings of one MNIST information-plane run (see the module docstring).

    Parameters
    ----------
    name : str
        The preset's name.
    epochs : int
        Training epochs: exactly this many (no early stopping, unlike ``ae_max_epochs``).
    lr : float
        Adam's learning rate.
    batch_size : int
        Training batch size.
    probe_size : int
        Test images probed (at most 10,000).
    train_size : int or None, default=None
        Training images used; ``None``: all 60,000.
    noise_std : float, default=1e-3
        Standard deviation of the relative noise before each layer
        (:class:`~infolens.plane.models.MNISTConvNet`).
    dropout : float, default=0.1
        Dropout before each layer from L2 on.
    latent_dim : int, default=4
        Code dimension of the compressors.
    k : int, default=5
        Neighbours of the estimators.
    every : int, default=1
        Record every ``every`` epochs.
    x_compressor : {"conv-ae", "pca"}, default="conv-ae"
        Compressor of the probe images.
    layer_compressor : {"pca", "ae"}, default="pca"
        Compressor of the layers (``"ae"``: a dense autoencoder per layer and epoch, slower).
    ae_train_size : int, default=60000
        Training images the image autoencoder is trained on.
    ae_max_epochs : int, default=100
        Most epochs of the autoencoders (their ``max_epochs``: they stop early on a validation
        split, see ``ae_patience``).
    ae_patience : int, default=10
        Early-stopping patience of the autoencoders.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013.

    Examples
    --------
    >>> PRESETS["demo"].epochs, check_preset(PRESETS["paper"]).lr
    (12, 1e-05)
    """

    name: str
    epochs: int
    lr: float
    batch_size: int
    probe_size: int
    train_size: int | None = None  # None: all 60,000 training images
    noise_std: float = 1e-3
    dropout: float = 0.1
    latent_dim: int = 4
    k: int = 5
    every: int = 1
    x_compressor: str = "conv-ae"  # or "pca"
    layer_compressor: str = "pca"  # or "ae" (a dense autoencoder per layer and epoch: slower)
    ae_train_size: int = 60000
    ae_max_epochs: int = 100
    ae_patience: int = 10


PRESETS: dict[str, PlanePreset] = {
    "paper": PlanePreset(
        name="paper", epochs=300, lr=1e-5, batch_size=1024, probe_size=10000,
    ),
    "demo": PlanePreset(
        name="demo", epochs=12, lr=1e-4, batch_size=128, probe_size=5000,
        ae_train_size=10000, ae_max_epochs=20, ae_patience=3,
    ),
}


def _check_int(
    value: object, name: str, minimum: int, maximum: int | None = None, *,
    low_why: str = "", high_why: str = "",
) -> int:
    """``value`` as an int in [minimum, maximum]; else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}{low_why}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}: must be <= {maximum}{high_why}, got {value}")
    return int(value)


def _check_float(value: object, name: str, *, positive: bool) -> float:
    """A finite number > 0 (``positive``) or >= 0; else a ValueError naming ``name``."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and (value > 0 if positive else value >= 0)):
        raise ValueError(
            f"{name}: must be a finite number {'>' if positive else '>='} 0, got {value!r}"
        )
    return float(value)


def min_probe_size(k: int) -> int:
    """The smallest probe the estimators accept: k + 1 images of each of the 10 digits.

    Parameters
    ----------
    k : int
        Neighbours of the estimators.

    Returns
    -------
    int
        ``10 * (k + 1)``.
    """
    return MNIST_CLASSES * (k + 1)


def check_preset(config: PlanePreset) -> PlanePreset:
    """Check every setting of ``config`` at once, before any data are read or any training.

    Parameters
    ----------
    config : PlanePreset
        The settings.

    Returns
    -------
    PlanePreset
        ``config``, unchanged.

    Raises
    ------
    ValueError
        Naming the first bad setting (as an argument of :func:`run_mnist_plane`).
    """
    k = check_positive_int(config.k, "k")
    _check_int(config.epochs, "epochs", 1)
    _check_float(config.lr, "lr", positive=True)
    _check_int(config.batch_size, "batch_size", 1)
    _check_int(
        config.probe_size, "probe_size", min_probe_size(k), MNIST_TEST_SIZE,
        low_why=f" (k + 1 = {k + 1} images of each of the {MNIST_CLASSES} digits)",
        high_why=" (the MNIST test set)",
    )
    if config.train_size is not None:
        _check_int(config.train_size, "train_size", 1, MNIST_TRAIN_SIZE,
                   high_why=" (the MNIST training set)")
    _check_float(config.noise_std, "noise_std", positive=False)
    if not (_check_float(config.dropout, "dropout", positive=False) < 1):
        raise ValueError(f"dropout: must be < 1, got {config.dropout!r}")
    check_positive_int(config.latent_dim, "latent_dim")
    _check_int(config.every, "every", 1)
    if config.x_compressor not in X_COMPRESSORS:
        raise ValueError(f"x_compressor: expected 'conv-ae' or 'pca', got {config.x_compressor!r}")
    if config.layer_compressor not in LAYER_COMPRESSORS:
        raise ValueError(
            f"layer_compressor: expected 'pca' or 'ae', got {config.layer_compressor!r}"
        )
    _check_int(config.ae_train_size, "ae_train_size", 2, MNIST_TRAIN_SIZE,
               high_why=" (the MNIST training set)")
    _check_int(config.ae_max_epochs, "ae_max_epochs", 1)
    _check_int(config.ae_patience, "ae_patience", 1)
    return config


def mnist_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST arrays as the network's tensors.

    Parameters
    ----------
    images : numpy.ndarray of shape (n, 28, 28)
        uint8 pixels.
    labels : numpy.ndarray of shape (n,)
        Digits.

    Returns
    -------
    x : torch.Tensor of shape (n, 1, 28, 28)
        float32 pixels in [0, 1].
    y : torch.Tensor of shape (n,)
        int64 labels.

    Examples
    --------
    >>> x, y = mnist_tensors(np.full((2, 28, 28), 255, np.uint8), np.array([3, 7]))
    >>> tuple(x.shape), float(x.max()), y.dtype
    ((2, 1, 28, 28), 1.0, torch.int64)
    """
    x = torch.as_tensor(images, dtype=torch.float32).unsqueeze(1) / _PIXEL_SCALE
    return x, torch.as_tensor(labels, dtype=torch.int64)


def _subset(n_total: int, n: int | None, random_state: int) -> np.ndarray:
    if n is None or n >= n_total:
        return np.arange(n_total)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n_total, size=n, replace=False))


def check_mnist_settings(
    preset: str = "demo",
    layers: tuple[str, ...] | list[str] | str = DEFAULT_LAYERS,
    random_state: int = 0,
    **overrides: object,
) -> tuple[PlanePreset, list[str]]:
    """Check the settings of :func:`run_mnist_plane` (all but ``device``) without reading data.

    Parameters
    ----------
    preset : {"demo", "paper"}, default="demo"
        The base settings (:data:`PRESETS`).
    layers : sequence of str or str, default=("L2", "L3", "L4", "L5")
        Layers to track.
    random_state : int, default=0
        The run's seed (>= 0).
    **overrides : object
        Fields of :class:`PlanePreset` to override (``None``: the preset's value).

    Returns
    -------
    tuple of (PlanePreset, list of str)
        The checked settings and the layers.

    Raises
    ------
    ValueError
        Naming the setting that is wrong.

    Examples
    --------
    >>> config, layers = check_mnist_settings("demo", "L2", 0, epochs=3)
    >>> config.epochs, layers
    (3, ['L2'])
    """
    if preset not in PRESETS:
        raise ValueError(f"preset: expected one of {sorted(PRESETS)}, got {preset!r}")
    fields = {f.name for f in dataclasses.fields(PlanePreset)} - {"name"}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"{unknown[0]}: not a setting of the MNIST plane run")
    config = check_preset(dataclasses.replace(
        PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}
    ))
    _check_int(random_state, "random_state", 0)
    layers = [layers] if isinstance(layers, str) else list(layers)
    with torch.random.fork_rng(devices=[]):  # a throwaway network, only for its layer names
        resolve_layers(MNISTConvNet(), layers)
    return config, layers


def run_mnist_plane(
    preset: str = "demo",
    out_dir: str | Path = "results/mnist",
    layers: tuple[str, ...] | list[str] = DEFAULT_LAYERS,
    epochs: int | None = None,
    probe_size: int | None = None,
    resume: bool = False,
    random_state: int = 0,
    mnist_dir: str | Path | None = None,
    *,
    device: str = "cpu",
    train_size: int | None = None,
    noise_std: float | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    x_compressor: str | None = None,
    ae_train_size: int | None = None,
    ae_max_epochs: int | None = None,
    layer_compressor: str | None = None,
    every: int | None = None,
    progress: bool = True,
    plots: bool = True,
    download: bool = True,
) -> Path:
    """Train the MNIST CNN and track its information plane; returns ``out_dir``.

    Writes ``table.csv``, ``table.json``, ``run.json`` and ``checkpoint.pt`` after every epoch
    and, at the end, the plots (``information_plane``, ``mi_vs_epoch``, ``training_curves``,
    PNG and SVG). ``resume=True`` continues an interrupted run in the same ``out_dir``; it
    must have the same settings (only ``epochs`` may grow; ``progress``, ``plots``,
    ``download`` and ``mnist_dir`` are free; ``device`` is a setting, like the rest).
    Arguments other than ``preset`` override the preset's values; all are checked
    (:func:`check_preset`, ``random_state``, ``device``, ``layers``) before any data are read.
    MNIST is read from ``mnist_dir`` (else ``$INFOLENS_MNIST_DIR``, else the cache), downloaded
    there first when missing and ``download`` is true.

    Parameters
    ----------
    preset : {"demo", "paper"}, default="demo"
        The base settings (:data:`PRESETS`).
    out_dir : str or pathlib.Path, default="results/mnist"
        Where the run is written.
    layers : sequence of str, default=("L2", "L3", "L4", "L5")
        Layers of :class:`~infolens.plane.models.MNISTConvNet` to track.
    epochs : int or None, default=None
        Training epochs: exactly this many are trained (not a ``max_epochs`` cap: no early
        stopping).
    probe_size : int or None, default=None
        Test images probed.
    resume : bool, default=False
        Continue an interrupted run in ``out_dir``.
    random_state : int, default=0
        Seed of the subsets, the network, the shuffling, the noise, the compressors and the
        estimators (``--seed`` on the command line).
    mnist_dir : str or pathlib.Path or None, default=None
        Directory of the MNIST files.
    device : str, default="cpu"
        Torch device for the network (training, evaluation, probe) and the autoencoders:
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``... Checked first, with the rest.
    train_size : int or None, default=None
        Training images used.
    noise_std : float or None, default=None
        Standard deviation of the relative noise before each layer.
    lr : float or None, default=None
        Adam's learning rate.
    batch_size : int or None, default=None
        Training batch size.
    x_compressor : {"conv-ae", "pca"} or None, default=None
        Compressor of the probe images.
    ae_train_size : int or None, default=None
        Training images of the image autoencoder.
    ae_max_epochs : int or None, default=None
        Most epochs of the autoencoders (they stop early).
    layer_compressor : {"pca", "ae"} or None, default=None
        Compressor of the layers.
    every : int or None, default=None
        Record every ``every`` epochs.
    progress : bool, default=True
        Show progress bars.
    plots : bool, default=True
        Draw the figures at the end.
    download : bool, default=True
        Download missing MNIST files.

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013.

    Examples
    --------
    >>> out = run_mnist_plane("demo", "results/mnist", epochs=1)  # doctest: +SKIP
    """
    config, layers = check_mnist_settings(
        preset, layers, random_state, epochs=epochs, probe_size=probe_size,
        train_size=train_size, noise_std=noise_std, lr=lr, batch_size=batch_size,
        x_compressor=x_compressor, ae_train_size=ae_train_size, ae_max_epochs=ae_max_epochs,
        layer_compressor=layer_compressor, every=every,
    )
    device = str(check_device(device))
    out = Path(out_dir)
    started = time.perf_counter()

    train_images, train_labels = load_mnist(mnist_dir, "train", download=download)
    test_images, test_labels = load_mnist(mnist_dir, "test", download=download)
    train_idx = _subset(len(train_images), config.train_size, random_state)
    x_train, y_train = mnist_tensors(train_images[train_idx], train_labels[train_idx])
    x_test, y_test = mnist_tensors(test_images, test_labels)
    probe_idx = _subset(len(x_test), config.probe_size, random_state + 1)
    probe_x, probe_y = x_test[probe_idx], y_test[probe_idx]
    _check_probe_classes(probe_y.numpy(), config.k, random_state)

    torch.manual_seed(random_state)
    model = MNISTConvNet(dropout=config.dropout, noise_std=config.noise_std).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    generator = torch.Generator().manual_seed(random_state)
    # the data move to the device once; batches are slices there (same order as a DataLoader)
    train_loader = DeviceLoader(x_train, y_train, batch_size=config.batch_size, shuffle=True,
                                generator=generator, device=device)
    test_loader = DeviceLoader(x_test, y_test, batch_size=2000, device=device)

    x_comp = _x_compressor(config, train_images, random_state, device)
    tracker = InformationPlaneTracker(
        model,
        layers,
        probe_x,
        probe_y,
        x_compressor=x_comp,
        layer_compressor=_layer_compressor(config, random_state, device),
        mi_estimator=make_estimator("weighted-kl", k=config.k, random_state=random_state),
        label_estimator=make_estimator("ross", k=config.k, random_state=random_state),
        every=config.every,
        out_dir=out,
        random_state=random_state,
        metadata={
            "experiment": "mnist",
            # train_size resolved (None means all), so that a resumed run compares like for like
            "preset": dataclasses.asdict(dataclasses.replace(config, train_size=len(x_train))),
            "model": "MNISTConvNet (Butakov et al., ICLR 2024): conv8-conv16-conv32-fc32-fc10",
            "noise": model.noise_description,
            "probe": "seeded subset of the MNIST test images",
        },
    )
    train_and_track(
        model, train_loader, test_loader, tracker, config.epochs, optimizer,
        resume=resume, random_state=random_state, device=device, progress=progress,
    )
    if plots:
        plot_all(tracker.rows, out)
    atomic_write_json(
        out / "timing.json",
        {"seconds_this_invocation": round(time.perf_counter() - started, 1), "resumed": resume},
    )
    return out


def _check_probe_classes(probe_y: np.ndarray, k: int, random_state: int) -> None:
    """Every digit needs k + 1 probe images (the label estimator's neighbours)."""
    counts = np.bincount(probe_y, minlength=MNIST_CLASSES)
    if counts.min() < k + 1:
        raise ValueError(
            f"probe_size: the {len(probe_y)} probe images (random_state {random_state}) hold only "
            f"{counts.min()} of digit {counts.argmin()}; the estimators need k + 1 = {k + 1} of "
            "each digit: use a larger probe"
        )


def _layer_compressor(config: PlanePreset, random_state: int, device: str):
    """PCA (the authors' committed code) or a dense autoencoder, fitted anew per layer/epoch."""
    if config.layer_compressor == "pca":
        return PCACompressor(latent_dim=config.latent_dim, random_state=random_state)
    return AutoencoderCompressor(
        latent_dim=config.latent_dim, architecture="dense", max_epochs=config.ae_max_epochs,
        patience=config.ae_patience, random_state=random_state, device=device,
    )


def _x_compressor(config: PlanePreset, train_images: np.ndarray, random_state: int, device: str):
    """The input compressor: PCA (fitted on the probe by the tracker) or a conv autoencoder
    trained here on a seeded subset of the training images (the probe is test data)."""
    if config.x_compressor == "pca":
        return PCACompressor(latent_dim=config.latent_dim, random_state=random_state)
    ae = AutoencoderCompressor(
        latent_dim=config.latent_dim, architecture="conv", image_shape=(28, 28),
        max_epochs=config.ae_max_epochs, patience=config.ae_patience,
        random_state=random_state, device=device,
    )
    return _LazyFitted(ae, train_images, config.ae_train_size, random_state)


class _LazyFitted:
    """Fits the wrapped compressor on training images only when codes are actually needed
    (a resumed run reloads the cached X codes and skips the autoencoder)."""

    def __init__(self, compressor, images: np.ndarray, n: int, random_state: int) -> None:
        self.compressor = compressor
        self.latent_dim = compressor.latent_dim
        self._images, self._n, self._random_state = images, n, random_state

    def __repr__(self) -> str:
        return (
            f"{describe(self.compressor)} fitted on {self._n} MNIST training images "
            f"(random_state {self._random_state})"
        )

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, x: np.ndarray):
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        if not self.compressor.__sklearn_is_fitted__():
            idx = _subset(len(self._images), self._n, self._random_state + 2)
            flat = self._images[idx].reshape(len(idx), -1).astype(np.float64) / _PIXEL_SCALE
            self.compressor.fit(flat)
        return self.compressor.transform(x)

"""Lossy compressors that map high-dimensional samples to a few coordinates before MI estimation.

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov, Andreev, "Information Bottleneck Analysis
of Deep Neural Networks via Lossy Compression", ICLR 2024, arXiv:2305.08013:
when X lies near a low-dimensional manifold, an encoder E that is (nearly) injective on it keeps
the information, I(X; Y) ~ I(E(X); Y), and k-NN estimators work well in the low dimension.

Two compressors, both scikit-learn transformers (``fit`` / ``transform`` / ``fit_transform``,
``get_params`` / ``set_params``; ``__init__`` only stores its arguments, ``fit`` checks them):

* :class:`PCACompressor`: a linear projection on the leading principal components;
* :class:`AutoencoderCompressor`: the encoder of a dense or convolutional autoencoder trained
  with additive Gaussian noise on a bounded (sigmoid) latent, with early stopping.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from torch import nn

from infolens._training import (
    LR_SCHEDULES,
    device_generator,
    seeded_torch,
    split_indices,
    train_with_early_stopping,
    training_kwargs,
)
from infolens._validation import (
    as_samples,
    check_fraction,
    check_hidden_sizes,
    check_positive_float,
    check_positive_int,
    column_moments,
    resolve_device,
)

__all__ = ["PCACompressor", "AutoencoderCompressor", "standardization", "infer_image_shape"]

#: Hidden widths of the autoencoders when ``hidden_sizes=None``: two dense layers for vectors,
#: one dense layer after the convolutions for images.
DEFAULT_HIDDEN_SIZES = {"dense": (128, 128), "conv": (128,)}
#: Least rows in each of the autoencoder's training and validation parts (the validation part
#: only decides when to stop, so a few rows do).
MIN_AE_SPLIT_SAMPLES = 2


def standardization(x: np.ndarray, *, per_feature: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(mean, scale)`` such that ``(x - mean) / scale`` has zero mean and unit variance.

    Constant coordinates (:func:`infolens._validation.constant_columns`) get scale 1, so they
    map to 0 and carry nothing.

    Parameters
    ----------
    x : numpy.ndarray of shape (n_samples, n_features)
        The data.
    per_feature : bool, default=True
        Each column gets its own mean and scale; with ``False`` one mean and one scale for the
        whole array (keeps the relative contrast of the pixels of an image).

    Returns
    -------
    mean, scale : numpy.ndarray of shape (n_features,)
        The shift and the (positive) scale of every column.

    Examples
    --------
    >>> import numpy as np
    >>> mean, scale = standardization(np.array([[0.0, 1.0], [2.0, 1.0]]))
    >>> mean.tolist(), scale.tolist()
    ([1.0, 1.0], [1.0, 1.0])
    """
    if per_feature:
        mean, scale = column_moments(x)
    else:
        flat_mean, flat_std = column_moments(x.reshape(-1, 1))
        mean, scale = np.full(x.shape[1], flat_mean[0]), np.full(x.shape[1], flat_std[0])
    return mean, np.where(scale > 0, scale, 1.0)


def infer_image_shape(n_features: int) -> tuple[int, int]:
    """Side lengths of a square image with ``n_features`` pixels.

    Parameters
    ----------
    n_features : int
        Number of pixels.

    Returns
    -------
    tuple of int
        ``(side, side)``.

    Raises
    ------
    ValueError
        When ``n_features`` is not a square number.

    Examples
    --------
    >>> infer_image_shape(784)
    (28, 28)
    """
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(
            f"image_shape: cannot infer a square image from {n_features} features; "
            "pass image_shape=(height, width)"
        )
    return side, side


def _check_latent_dim(latent_dim: object) -> int:
    return check_positive_int(latent_dim, "latent_dim")


def _check_features(x: np.ndarray, n_features: int, name: str = "x") -> None:
    if x.shape[1] != n_features:
        raise ValueError(
            f"{name}: the compressor was fitted on {n_features} features, got {x.shape[1]}"
        )


class PCACompressor(TransformerMixin, BaseEstimator):
    r"""Project on the ``latent_dim`` leading principal components (scikit-learn ``PCA``).

    z = W^T (x - mu) / s, W the top eigenvectors of the covariance of the (standardized) data.
    Loses no information when X lies in a ``latent_dim``-dimensional affine subspace; otherwise
    it keeps the directions of largest variance. Parameters are stored as given and checked by
    :meth:`fit`.

    Parameters
    ----------
    latent_dim : int or None, default=4
        Number of components kept; ``None`` keeps ``min(4, n_features)``.
    standardize : bool, default=True
        Scale every input coordinate to unit variance before PCA.
    random_state : int, default=0
        Seed of the randomized SVD solver (used for large inputs).

    Attributes
    ----------
    pca_ : sklearn.decomposition.PCA
        The fitted projection.
    mean_, scale_ : numpy.ndarray
        The standardization of the inputs.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013 (PCA compresses the layers there); scikit-learn's
    ``PCA``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(500, 10))
    >>> PCACompressor(latent_dim=3).fit_transform(x).shape
    (500, 3)
    """

    def __init__(self, latent_dim: int | None = 4, standardize: bool = True, random_state: int = 0):
        self.latent_dim = latent_dim
        self.standardize = standardize
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: object = None) -> PCACompressor:
        """Fit the projection.

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features)
            Samples (at least 2).
        y : object, default=None
            Ignored (scikit-learn's transformer signature).

        Returns
        -------
        PCACompressor
            ``self``, fitted.
        """
        x = as_samples(x, "x", min_samples=2)
        n, d = x.shape
        latent_dim = min(4, d) if self.latent_dim is None else _check_latent_dim(self.latent_dim)
        if latent_dim > min(n, d):
            raise ValueError(
                f"latent_dim: must be <= min(n_samples, n_features) = {min(n, d)}, got {latent_dim}"
            )
        self.mean_, self.scale_ = (
            standardization(x) if self.standardize else (x.mean(axis=0), np.ones(d))
        )
        self.pca_ = PCA(n_components=latent_dim, random_state=self.random_state)
        self.pca_.fit((x - self.mean_) / self.scale_)
        self.n_features_in_ = d
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "pca_")

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Codes of the samples ``x``.

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features)
            Samples with as many features as in :meth:`fit`.

        Returns
        -------
        numpy.ndarray of shape (n_samples, latent_dim)
            The codes.
        """
        if not self.__sklearn_is_fitted__():
            raise ValueError("PCACompressor: call fit before transform")
        x = as_samples(x, "x")
        _check_features(x, self.n_features_in_)
        return self.pca_.transform((x - self.mean_) / self.scale_)


# --------------------------------------------------------------------------------------------
# Autoencoders
# --------------------------------------------------------------------------------------------


class _Bottleneck(nn.Module):
    """Linear map to the latent, squashed by a sigmoid (bounded codes) or left linear."""

    def __init__(self, in_features: int, latent_dim: int, bottleneck: str):
        super().__init__()
        self.linear = nn.Linear(in_features, latent_dim)
        self.squash = nn.Sigmoid() if bottleneck == "sigmoid" else nn.Identity()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.squash(self.linear(h))


def _dense_autoencoder(
    n_features: int, latent_dim: int, hidden_sizes: tuple[int, ...], bottleneck: str
) -> tuple[nn.Module, nn.Module]:
    """Encoder d -> hidden_sizes... -> latent and its mirror image as decoder."""
    act = nn.LeakyReLU
    enc: list[nn.Module] = []
    width = n_features
    for h in hidden_sizes:
        enc += [nn.Linear(width, h), act()]
        width = h
    enc.append(_Bottleneck(width, latent_dim, bottleneck))
    dec: list[nn.Module] = []
    width = latent_dim
    for h in reversed(hidden_sizes):
        dec += [nn.Linear(width, h), act()]
        width = h
    dec.append(nn.Linear(width, n_features))
    return nn.Sequential(*enc), nn.Sequential(*dec)


class _ToImage(nn.Module):
    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(len(x), *self.shape)


class _CropFlatten(nn.Module):
    """Crop a (n, 1, H', W') decoder output to the image size and flatten it."""

    def __init__(self, image_shape: tuple[int, int]):
        super().__init__()
        self.image_shape = image_shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = self.image_shape
        return x[:, 0, :h, :w].reshape(len(x), h * w)


def _conv_autoencoder(
    image_shape: tuple[int, int], latent_dim: int, hidden_sizes: tuple[int, ...], bottleneck: str
) -> tuple[nn.Module, nn.Module]:
    """Strided-conv encoder (channels 8, 16, 32; each halves the side while it stays >= 4) ->
    dense hidden_sizes... -> latent; the decoder mirrors it with transposed convolutions and
    crops."""
    act = nn.LeakyReLU
    h, w = image_shape
    channels = [1]
    sides = [(h, w)]
    while len(channels) < 4 and min(sides[-1]) >= 8:
        channels.append(8 * 2 ** (len(channels) - 1))
        sides.append(tuple((s + 1) // 2 for s in sides[-1]))
    c_last, (h_last, w_last) = channels[-1], sides[-1]
    flat = c_last * h_last * w_last

    enc: list[nn.Module] = [_ToImage((1, h, w))]
    for c_in, c_out in zip(channels[:-1], channels[1:], strict=True):
        enc += [nn.Conv2d(c_in, c_out, kernel_size=3, stride=2, padding=1), act()]
    enc.append(nn.Flatten())
    width = flat
    for size in hidden_sizes:
        enc += [nn.Linear(width, size), act()]
        width = size
    enc.append(_Bottleneck(width, latent_dim, bottleneck))

    dec: list[nn.Module] = []
    width = latent_dim
    for size in [*reversed(hidden_sizes), flat]:
        dec += [nn.Linear(width, size), act()]
        width = size
    dec.append(_ToImage((c_last, h_last, w_last)))
    rev = channels[::-1]
    for i, (c_in, c_out) in enumerate(zip(rev[:-1], rev[1:], strict=True)):
        # kernel 4, stride 2, padding 1 doubles the side exactly
        dec.append(nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1))
        if i < len(rev) - 2:
            dec.append(act())
    if len(channels) == 1:  # image too small to downsample: a 1x1 conv keeps shapes consistent
        dec.append(nn.Conv2d(1, 1, kernel_size=1))
    dec.append(_CropFlatten((h, w)))
    return nn.Sequential(*enc), nn.Sequential(*dec)


_LOSSES = {"l1": nn.functional.l1_loss, "mse": nn.functional.mse_loss}


class AutoencoderCompressor(TransformerMixin, BaseEstimator):
    r"""Compress with the encoder of an autoencoder trained on the data.

    Training minimises ``loss(D(E(x) + sigma * eps), x)``, eps ~ N(0, I), over a random
    ``1 - val_fraction`` of the (standardized) samples with Adam, and stops when the loss on the
    held-out rest has not improved for ``patience`` epochs, restoring the best weights (the one
    training core, :func:`infolens._training.train_with_early_stopping`). The noise
    ``sigma = noise_std`` acts on a sigmoid-bounded latent, so the encoder must spread distinct
    inputs at least ~sigma apart in [0, 1]^latent_dim to reconstruct them: the codes stay spread
    out instead of collapsing, which keeps them usable by k-NN estimators. ``transform`` is
    deterministic (eval mode, no noise). Parameters are stored as given and checked by
    :meth:`fit`.

    Parameters
    ----------
    latent_dim : int, default=4
        Code dimension; the paper uses 2 to 8, ideally the data's intrinsic dimension.
    architecture : {"dense", "conv"}, default="dense"
        ``"dense"`` for vectors, ``"conv"`` for images given flattened (row-major).
    image_shape : tuple of int or None, default=None
        ``(height, width)`` for ``"conv"``; inferred as a square when ``None``.
    hidden_sizes : tuple of int or int or None, default=None
        Widths of the dense hidden layers (encoder order; the decoder mirrors them); ``None``:
        ``(128, 128)`` for ``"dense"``, ``(128,)`` after the convolutions for ``"conv"``.
    noise_std : float, default=0.05
        Standard deviation of the Gaussian noise added to the codes while training.
    bottleneck : {"sigmoid", "linear"}, default="sigmoid"
        ``"sigmoid"``: codes in (0, 1), as in the paper.
    loss : {"l1", "mse"}, default="l1"
        Reconstruction loss (``"l1"`` is the paper's).
    max_epochs : int, default=100
        Most passes over the training split.
    batch_size : int, default=128
        Rows per mini-batch.
    lr : float, default=1e-3
        Adam's (initial) learning rate.
    lr_schedule : {"constant", "plateau"}, default="constant"
        ``"plateau"`` halves the rate when the validation loss stalls for ``patience // 3``
        epochs (:func:`infolens._training.plateau_scheduler`).
    val_fraction : float, default=0.1
        Share of the samples held out for early stopping.
    patience : int, default=10
        Epochs without improvement of the validation loss before stopping.
    random_state : int, default=0
        Seeds the split, the weight initialisation, the batches and the noise.
    progress : bool, default=False
        Show a tqdm bar over epochs.
    device : str or torch.device, default="cpu"
        Torch device for training and encoding: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``
        or ``"auto"`` (CUDA when present; :func:`infolens._validation.resolve_device`). The
        data are moved there once; batches and noise are drawn there.
    standardize : {"auto", "feature", "global"}, default="auto"
        ``"feature"``: each coordinate to unit variance; ``"global"``: one mean and scale for
        all coordinates; ``"auto"``: global for ``"conv"``, per-feature otherwise.
    num_threads : int or None, default=None
        Torch threads while fitting and encoding (restored afterwards); ``None``: unchanged.

    Attributes
    ----------
    history_ : dict
        The training history (``train_loss``, ``val_loss`` with ``[0]`` before any step,
        ``best_epoch``, ``best_val_loss``, ``epochs``).
    best_epoch_ : int
        The epoch whose weights were kept (1 = after the first epoch).
    encoder_, decoder_ : torch.nn.Module
        The trained networks.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(300, 8))
    >>> ae = AutoencoderCompressor(latent_dim=2, max_epochs=1).fit(x)
    >>> ae.transform(x).shape, ae.reconstruct(x).shape, ae.history_["epochs"]
    ((300, 2), (300, 8), 1)
    """

    def __init__(
        self,
        latent_dim: int = 4,
        architecture: Literal["dense", "conv"] = "dense",
        image_shape: tuple[int, int] | None = None,
        hidden_sizes: tuple[int, ...] | int | None = None,
        noise_std: float = 0.05,
        bottleneck: Literal["sigmoid", "linear"] = "sigmoid",
        loss: Literal["l1", "mse"] = "l1",
        max_epochs: int = 100,
        batch_size: int = 128,
        lr: float = 1e-3,
        lr_schedule: Literal["constant", "plateau"] = "constant",
        val_fraction: float = 0.1,
        patience: int = 10,
        random_state: int = 0,
        progress: bool = False,
        device: str | torch.device = "cpu",
        standardize: Literal["auto", "feature", "global"] = "auto",
        num_threads: int | None = None,
    ):
        self.latent_dim = latent_dim
        self.architecture = architecture
        self.image_shape = image_shape
        self.hidden_sizes = hidden_sizes
        self.noise_std = noise_std
        self.bottleneck = bottleneck
        self.loss = loss
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.val_fraction = val_fraction
        self.patience = patience
        self.random_state = random_state
        self.progress = progress
        self.device = device
        self.standardize = standardize
        self.num_threads = num_threads

    # -- checks ----------------------------------------------------------------------------
    def _check_params(self, d: int) -> tuple[tuple[int, int] | None, tuple[int, ...]]:
        """Check every hyper-parameter against ``d`` input features (a ``ValueError`` names the
        first bad one); returns the image shape (None for ``"dense"``) and the hidden widths."""
        _check_latent_dim(self.latent_dim)
        for value, name, allowed in (
            (self.architecture, "architecture", ("dense", "conv")),
            (self.bottleneck, "bottleneck", ("sigmoid", "linear")),
            (self.loss, "loss", tuple(_LOSSES)),
            (self.lr_schedule, "lr_schedule", LR_SCHEDULES),
            (self.standardize, "standardize", ("auto", "feature", "global")),
        ):
            if value not in allowed:
                raise ValueError(f"{name}: expected one of {allowed}, got {value!r}")
        hidden_sizes = (
            DEFAULT_HIDDEN_SIZES[self.architecture]
            if self.hidden_sizes is None
            else check_hidden_sizes(self.hidden_sizes)
        )
        check_positive_int(self.max_epochs, "max_epochs")
        check_positive_int(self.batch_size, "batch_size", minimum=2)
        check_positive_int(self.patience, "patience")
        check_positive_int(self.random_state, "random_state", minimum=0)
        resolve_device(self.device)
        if self.num_threads is not None:
            check_positive_int(self.num_threads, "num_threads")
        check_positive_float(self.lr, "lr")
        noise = self.noise_std
        if not (isinstance(noise, (int, float)) and math.isfinite(noise) and noise >= 0):
            raise ValueError(f"noise_std: expected a finite number >= 0, got {noise!r}")
        check_fraction(self.val_fraction, "val_fraction")
        if self.architecture != "conv":
            return None, hidden_sizes
        if self.image_shape is None:
            return infer_image_shape(d), hidden_sizes
        shape = tuple(self.image_shape)
        if len(shape) != 2 or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in shape
        ):
            raise ValueError(f"image_shape: expected (height, width) of positive ints, got {shape}")
        if shape[0] * shape[1] != d:
            raise ValueError(
                f"image_shape: {shape} has {shape[0] * shape[1]} pixels but x has {d} features"
            )
        return (int(shape[0]), int(shape[1])), hidden_sizes

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "encoder_")

    # -- training ----------------------------------------------------------------------------
    def fit(self, x: np.ndarray, y: object = None) -> AutoencoderCompressor:
        """Train the autoencoder.

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features)
            Samples (images flattened row-major), at least 2.
        y : object, default=None
            Ignored (scikit-learn's transformer signature).

        Returns
        -------
        AutoencoderCompressor
            ``self``, fitted.
        """
        x = as_samples(x, "x", min_samples=2)
        n, d = x.shape
        image_shape, hidden_sizes = self._check_params(d)
        train, val = split_indices(
            n, self.val_fraction, self.random_state, min_samples=MIN_AE_SPLIT_SAMPLES, sort=False
        )
        per_feature = self.standardize == "feature" or (
            self.standardize == "auto" and self.architecture == "dense"
        )
        self.mean_, self.scale_ = standardization(x, per_feature=per_feature)
        self.n_features_in_ = d
        self.image_shape_ = image_shape
        device = resolve_device(self.device)
        data = torch.as_tensor((x - self.mean_) / self.scale_, dtype=torch.float32)
        x_train, x_val = data[train].to(device), data[val].to(device)  # once: no copy per batch
        loss_fn = _LOSSES[self.loss]

        with seeded_torch(self.random_state, self.num_threads):
            if self.architecture == "conv":
                encoder, decoder = _conv_autoencoder(
                    image_shape, self.latent_dim, hidden_sizes, self.bottleneck
                )
            else:
                encoder, decoder = _dense_autoencoder(
                    d, self.latent_dim, hidden_sizes, self.bottleneck
                )
            model = nn.ModuleDict({"encoder": encoder, "decoder": decoder}).to(device)
            generator = device_generator(device, self.random_state)

            def batch_loss(idx: torch.Tensor) -> torch.Tensor:
                batch = x_train[idx]
                z = encoder(batch)
                noise = torch.randn(z.shape, generator=generator, device=generator.device).to(device)
                return loss_fn(decoder(z + self.noise_std * noise), batch)

            def val_loss() -> float:
                # without latent noise: what ``transform`` sees
                return float(loss_fn(decoder(encoder(x_val)), x_val))

            self.history_ = train_with_early_stopping(
                model, batch_loss, val_loss, len(train), generator=generator, desc="autoencoder",
                initial_candidate=False,  # random weights: the first epoch is the first best
                **training_kwargs(self),  # with lr_schedule (no gradient clipping)
            )
        self.encoder_, self.decoder_ = encoder.eval(), decoder.eval()
        self.best_epoch_ = self.history_["best_epoch"]
        return self

    # -- encoding ----------------------------------------------------------------------------
    def _encoded_tensor(self, x: np.ndarray) -> torch.Tensor:
        if not self.__sklearn_is_fitted__():
            raise ValueError("AutoencoderCompressor: call fit before transform")
        x = as_samples(x, "x")
        _check_features(x, self.n_features_in_)
        return torch.as_tensor((x - self.mean_) / self.scale_, dtype=torch.float32)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Codes E(x), deterministic (eval mode, no noise).

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features)
            Samples with as many features as in :meth:`fit`.

        Returns
        -------
        numpy.ndarray of shape (n_samples, latent_dim)
            The codes, float64.
        """
        data = self._encoded_tensor(x)
        device = next(self.encoder_.parameters()).device
        data = data.to(device)  # one copy each way, not one per chunk
        self.encoder_.eval()
        with seeded_torch(self.random_state, self.num_threads), torch.no_grad():
            codes = [self.encoder_(data[s : s + 4096]) for s in range(0, len(data), 4096)]
        return torch.cat(codes).cpu().numpy().astype(np.float64)

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """D(E(x)) in the original units of ``x``: to check what the code keeps.

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features)
            Samples with as many features as in :meth:`fit`.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features)
            The reconstructions.
        """
        data = self._encoded_tensor(x)
        device = next(self.encoder_.parameters()).device
        with seeded_torch(self.random_state, self.num_threads), torch.no_grad():
            out = self.decoder_(self.encoder_(data.to(device))).cpu().numpy().astype(np.float64)
        return out * self.scale_ + self.mean_

"""Lossy compressors that map high-dimensional samples to a few coordinates before MI estimation.

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov, Andreev, *Information Bottleneck Analysis
of Deep Neural Networks via Lossy Compression*, ICLR 2024, https://arxiv.org/abs/2305.08013:
when X lies near a low-dimensional manifold, an encoder E that is (nearly) injective on it keeps
the information, I(X; Y) ~ I(E(X); Y), and k-NN estimators work well in the low dimension.

Two compressors, both with the scikit-learn ``fit`` / ``transform`` / ``fit_transform`` shape:

* :class:`PCACompressor`: a linear projection on the leading principal components;
* :class:`AutoencoderCompressor`: the encoder of a dense or convolutional autoencoder trained
  with additive Gaussian noise on a bounded (sigmoid) latent, with early stopping.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch import nn

from infolens._repr import constructor_repr
from infolens._validation import as_samples, check_positive_int, column_moments
from infolens.estimators.neural import LR_SCHEDULES, plateau_scheduler

__all__ = ["PCACompressor", "AutoencoderCompressor", "standardization", "infer_image_shape"]

#: Relative decrease of the validation loss that counts as an improvement for early stopping.
_IMPROVEMENT_TOL = 1e-4


def standardization(x: np.ndarray, *, per_feature: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(mean, scale)`` such that ``(x - mean) / scale`` has zero mean and unit variance.

    With ``per_feature`` each column gets its own mean and scale; otherwise one mean and one
    scale for the whole array (keeps the relative contrast of the pixels of an image).
    Constant coordinates (:func:`infolens._validation.constant_columns`) get scale 1, so they
    map to 0 and carry nothing.
    """
    if per_feature:
        mean, scale = column_moments(x)
    else:
        flat_mean, flat_std = column_moments(x.reshape(-1, 1))
        mean, scale = np.full(x.shape[1], flat_mean[0]), np.full(x.shape[1], flat_std[0])
    return mean, np.where(scale > 0, scale, 1.0)


def infer_image_shape(n_features: int) -> tuple[int, int]:
    """Side lengths of a square image with ``n_features`` pixels; ``ValueError`` if not a square."""
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


class PCACompressor:
    r"""Project on the ``latent_dim`` leading principal components (scikit-learn ``PCA``).

    z = W^T (x - mu) / s, W the top eigenvectors of the covariance of the (standardized) data.
    Loses no information when X lies in a ``latent_dim``-dimensional affine subspace; otherwise
    it keeps the directions of largest variance.

    Args:
        latent_dim: number of components kept; None keeps min(4, n_features).
        standardize: scale every input coordinate to unit variance before PCA.
        random_state: seed of the randomized SVD solver (used for large inputs).

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(size=(500, 10))
        >>> PCACompressor(latent_dim=3).fit_transform(x).shape
        (500, 3)
    """

    def __init__(self, latent_dim: int | None = 4, standardize: bool = True, random_state: int = 0):
        self.latent_dim = latent_dim
        self.standardize = standardize
        self.random_state = random_state

    def __repr__(self) -> str:
        return f"PCACompressor(latent_dim={self.latent_dim}, standardize={self.standardize})"

    def fit(self, x: np.ndarray) -> PCACompressor:
        """Fit the projection on samples ``x`` of shape (n, d)."""
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
        """Codes of shape (n, latent_dim) for samples ``x`` of shape (n, d)."""
        if not self.__sklearn_is_fitted__():
            raise ValueError("PCACompressor: call fit before transform")
        x = as_samples(x, "x")
        _check_features(x, self.n_features_in_)
        return self.pca_.transform((x - self.mean_) / self.scale_)

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)


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
    n_features: int, latent_dim: int, hidden: int, bottleneck: str
) -> tuple[nn.Module, nn.Module]:
    """Encoder d -> hidden -> hidden -> latent and its mirror image as decoder."""
    act = nn.LeakyReLU
    encoder = nn.Sequential(
        nn.Linear(n_features, hidden), act(),
        nn.Linear(hidden, hidden), act(),
        _Bottleneck(hidden, latent_dim, bottleneck),
    )  # fmt: skip
    decoder = nn.Sequential(
        nn.Linear(latent_dim, hidden), act(),
        nn.Linear(hidden, hidden), act(),
        nn.Linear(hidden, n_features),
    )  # fmt: skip
    return encoder, decoder


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
    image_shape: tuple[int, int], latent_dim: int, hidden: int, bottleneck: str
) -> tuple[nn.Module, nn.Module]:
    """Strided-conv encoder (channels 8, 16, 32; each halves the side while it stays >= 4) ->
    dense hidden -> latent; the decoder mirrors it with transposed convolutions and crops."""
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
    enc += [
        nn.Flatten(),
        nn.Linear(flat, hidden),
        act(),
        _Bottleneck(hidden, latent_dim, bottleneck),
    ]

    dec: list[nn.Module] = [
        nn.Linear(latent_dim, hidden), act(),
        nn.Linear(hidden, flat), act(),
        _ToImage((c_last, h_last, w_last)),
    ]  # fmt: skip
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


@contextmanager
def _torch_state(random_state: int, num_threads: int | None) -> Iterator[None]:
    """Seed torch's global generator (weight init) and set the thread count inside the block only,
    restoring both on exit so the caller's global state is untouched."""
    previous_threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(random_state)
        if num_threads is not None:
            torch.set_num_threads(num_threads)
        try:
            yield
        finally:
            if num_threads is not None:
                torch.set_num_threads(previous_threads)


_LOSSES = {"l1": nn.functional.l1_loss, "mse": nn.functional.mse_loss}


class AutoencoderCompressor:
    r"""Compress with the encoder of an autoencoder trained on the data (Butakov et al., ICLR 2024,
    https://arxiv.org/abs/2305.08013).

    Training minimises ``loss(D(E(x) + sigma * eps), x)``, eps ~ N(0, I), over a random
    ``1 - val_fraction`` of the (standardized) samples with Adam, and stops when the loss on the
    held-out rest has not improved for ``patience`` epochs, restoring the best weights. The
    noise ``sigma = latent_noise`` acts on a sigmoid-bounded latent, so the encoder must spread
    distinct inputs at least ~sigma apart in [0, 1]^latent_dim to reconstruct them: the codes
    stay spread out instead of collapsing, which keeps them usable by k-NN estimators.
    ``transform`` is deterministic (eval mode, no noise).

    Args:
        latent_dim: code dimension; the paper uses 2 to 8, ideally the data's intrinsic dimension.
        architecture: ``"dense"`` (vectors) or ``"conv"`` (images given flattened, row-major).
        image_shape: (height, width) for ``"conv"``; inferred as a square when omitted.
        hidden: width of the dense hidden layers.
        latent_noise: standard deviation of the Gaussian noise added to the codes while training.
        bottleneck: ``"sigmoid"`` (codes in (0, 1), as in the paper) or ``"linear"``.
        loss: reconstruction loss, ``"l1"`` (the paper's) or ``"mse"``.
        epochs: maximum number of passes over the training split.
        batch_size: minibatch size.
        lr: Adam learning rate.
        lr_schedule: ``"constant"`` or ``"plateau"`` (halve the rate when the validation loss
            stalls for ``patience // 3`` epochs; see ``infolens.estimators.neural.plateau_scheduler``).
        val_fraction: share of the samples held out for early stopping.
        patience: epochs without improvement of the validation loss before stopping.
        random_state: seeds the split, the weight initialisation, the batches and the noise.
        progress: show a tqdm bar over epochs.
        device: torch device for training and encoding.
        standardize: ``"feature"`` (each coordinate to unit variance), ``"global"`` (one mean and
            scale for all coordinates) or ``"auto"`` (global for ``"conv"``, per-feature else).
        num_threads: torch threads while fitting/encoding (restored afterwards); None: unchanged.

    Attributes (after ``fit``):
        history_: ``{"train": [...], "val": [...]}`` loss per epoch.
        best_epoch_: index of the epoch whose weights were kept.
        encoder_, decoder_: the trained torch modules.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).normal(size=(300, 8))
        >>> ae = AutoencoderCompressor(latent_dim=2, epochs=3).fit(x)
        >>> ae.transform(x).shape
        (300, 2)
    """

    def __init__(
        self,
        latent_dim: int = 4,
        architecture: Literal["dense", "conv"] = "dense",
        image_shape: tuple[int, int] | None = None,
        hidden: int = 128,
        latent_noise: float = 0.05,
        bottleneck: Literal["sigmoid", "linear"] = "sigmoid",
        loss: Literal["l1", "mse"] = "l1",
        epochs: int = 100,
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
        self.hidden = hidden
        self.latent_noise = latent_noise
        self.bottleneck = bottleneck
        self.loss = loss
        self.epochs = epochs
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

    def __repr__(self) -> str:
        return constructor_repr(
            self, always=("latent_dim", "architecture", "latent_noise"), skip=("progress", "device")
        )

    # -- checks ----------------------------------------------------------------------------
    def _check_params(self, n: int, d: int) -> tuple[int, int] | None:
        _check_latent_dim(self.latent_dim)
        check_positive_int(self.hidden, "hidden")
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.patience, "patience")
        if self.num_threads is not None:
            check_positive_int(self.num_threads, "num_threads")
        for value, name in ((self.lr, "lr"), (self.latent_noise, "latent_noise")):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
        if self.lr == 0:
            raise ValueError("lr: must be > 0, got 0")
        if not (isinstance(self.val_fraction, (int, float)) and 0 < self.val_fraction < 1):
            raise ValueError(f"val_fraction: must lie in (0, 1), got {self.val_fraction!r}")
        for value, name, allowed in (
            (self.architecture, "architecture", ("dense", "conv")),
            (self.bottleneck, "bottleneck", ("sigmoid", "linear")),
            (self.loss, "loss", tuple(_LOSSES)),
            (self.lr_schedule, "lr_schedule", LR_SCHEDULES),
            (self.standardize, "standardize", ("auto", "feature", "global")),
        ):
            if value not in allowed:
                raise ValueError(f"{name}: expected one of {allowed}, got {value!r}")
        n_val = int(round(self.val_fraction * n))
        if n_val < 1 or n - n_val < 2:
            raise ValueError(
                f"x: {n} samples are too few to hold out val_fraction={self.val_fraction} "
                "for early stopping"
            )
        if self.architecture != "conv":
            return None
        if self.image_shape is None:
            return infer_image_shape(d)
        shape = tuple(self.image_shape)
        if len(shape) != 2 or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in shape
        ):
            raise ValueError(f"image_shape: expected (height, width) of positive ints, got {shape}")
        if shape[0] * shape[1] != d:
            raise ValueError(
                f"image_shape: {shape} has {shape[0] * shape[1]} pixels but x has {d} features"
            )
        return int(shape[0]), int(shape[1])

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "encoder_")

    # -- training ----------------------------------------------------------------------------
    def fit(self, x: np.ndarray) -> AutoencoderCompressor:
        """Train the autoencoder on samples ``x`` of shape (n, d) (images flattened)."""
        x = as_samples(x, "x", min_samples=2)
        n, d = x.shape
        image_shape = self._check_params(n, d)
        per_feature = self.standardize == "feature" or (
            self.standardize == "auto" and self.architecture == "dense"
        )
        self.mean_, self.scale_ = standardization(x, per_feature=per_feature)
        self.n_features_in_ = d
        self.image_shape_ = image_shape
        device = torch.device(self.device)
        data = torch.as_tensor((x - self.mean_) / self.scale_, dtype=torch.float32)

        rng = np.random.default_rng(self.random_state)
        order = rng.permutation(n)
        n_val = int(round(self.val_fraction * n))
        x_val = data[order[:n_val]].to(device)
        x_train = data[order[n_val:]].to(device)
        loss_fn = _LOSSES[self.loss]

        with _torch_state(self.random_state, self.num_threads):
            if self.architecture == "conv":
                encoder, decoder = _conv_autoencoder(
                    image_shape, self.latent_dim, self.hidden, self.bottleneck
                )
            else:
                encoder, decoder = _dense_autoencoder(
                    d, self.latent_dim, self.hidden, self.bottleneck
                )
            encoder, decoder = encoder.to(device), decoder.to(device)
            generator = torch.Generator(device=device).manual_seed(self.random_state)
            params = list(encoder.parameters()) + list(decoder.parameters())
            optimizer = torch.optim.Adam(params, lr=self.lr)
            scheduler = plateau_scheduler(optimizer, self.lr_schedule, self.patience)
            history: dict[str, list[float]] = {"train": [], "val": []}
            best = (math.inf, -1, None)
            epochs = range(self.epochs)
            if self.progress:
                from tqdm.auto import tqdm

                epochs = tqdm(epochs, desc="autoencoder", unit="epoch")
            for epoch in epochs:
                encoder.train()
                decoder.train()
                perm = torch.randperm(len(x_train), generator=generator, device=device)
                total = 0.0
                for start in range(0, len(x_train), self.batch_size):
                    batch = x_train[perm[start : start + self.batch_size]]
                    z = encoder(batch)
                    noise = torch.randn(z.shape, generator=generator, device=device)
                    loss = loss_fn(decoder(z + self.latent_noise * noise), batch)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    total += float(loss.detach()) * len(batch)
                history["train"].append(total / len(x_train))
                val = self._validation_loss(encoder, decoder, x_val, loss_fn)
                history["val"].append(val)
                if scheduler is not None and math.isfinite(val):
                    scheduler.step(val)
                if self.progress:
                    epochs.set_postfix(train=history["train"][-1], val=val)
                if val < best[0] * (1 - _IMPROVEMENT_TOL):
                    state = (
                        copy.deepcopy(encoder.state_dict()),
                        copy.deepcopy(decoder.state_dict()),
                    )
                    best = (val, epoch, state)
                elif epoch - best[1] >= self.patience:
                    break
            encoder.load_state_dict(best[2][0])
            decoder.load_state_dict(best[2][1])
        self.encoder_, self.decoder_ = encoder.eval(), decoder.eval()
        self.history_ = history
        self.best_epoch_ = best[1]
        return self

    @staticmethod
    def _validation_loss(
        encoder: nn.Module, decoder: nn.Module, x_val: torch.Tensor, loss_fn
    ) -> float:
        """Held-out reconstruction loss without latent noise (what ``transform`` sees)."""
        encoder.eval()
        decoder.eval()
        with torch.no_grad():
            return float(loss_fn(decoder(encoder(x_val)), x_val))

    # -- encoding ----------------------------------------------------------------------------
    def _encoded_tensor(self, x: np.ndarray) -> torch.Tensor:
        if not self.__sklearn_is_fitted__():
            raise ValueError("AutoencoderCompressor: call fit before transform")
        x = as_samples(x, "x")
        _check_features(x, self.n_features_in_)
        return torch.as_tensor((x - self.mean_) / self.scale_, dtype=torch.float32)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Codes E(x) of shape (n, latent_dim), float64; deterministic."""
        data = self._encoded_tensor(x)
        device = next(self.encoder_.parameters()).device
        self.encoder_.eval()
        with _torch_state(self.random_state, self.num_threads), torch.no_grad():
            codes = [
                self.encoder_(data[s : s + 4096].to(device)).cpu()
                for s in range(0, len(data), 4096)
            ]
        return torch.cat(codes).numpy().astype(np.float64)

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """D(E(x)) in the original units of ``x``: to check what the code keeps."""
        data = self._encoded_tensor(x)
        device = next(self.encoder_.parameters()).device
        with _torch_state(self.random_state, self.num_threads), torch.no_grad():
            out = self.decoder_(self.encoder_(data.to(device))).cpu().numpy().astype(np.float64)
        return out * self.scale_ + self.mean_

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

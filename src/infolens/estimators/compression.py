"""Mutual information through lossy compression: any estimator applied to compressed codes.

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov, Andreev, *Information Bottleneck Analysis
of Deep Neural Networks via Lossy Compression*, ICLR 2024, https://arxiv.org/abs/2305.08013:

    I(X; Y) ~ I(E_X(X); E_Y(Y)),

exact when the encoders E_X, E_Y are injective on the supports of X and Y (MI is invariant
under injective maps), and a lower bound in general (data processing inequality).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

from infolens._validation import as_labels, as_samples
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.result import MIEstimate, collect_estimator_warnings

__all__ = ["Compressed", "make_compressor", "normal_scores", "COMPRESSOR_SHORTCUTS"]

#: Default code dimension of the string shortcuts (the paper's MNIST setting).
DEFAULT_LATENT_DIM = 4

COMPRESSOR_SHORTCUTS = ("pca", "ae", "conv-ae")


def make_compressor(spec: Any, name: str = "compress_x", random_state: int = 0) -> Any:
    """Turn a compressor spec into a compressor object.

    ``None`` -> ``None`` (identity); ``"pca"``, ``"ae"`` (dense autoencoder), ``"conv-ae"``
    (convolutional autoencoder, square images) with latent dimension 4, or with an explicit one
    as ``"pca:2"``, ``"conv-ae:8"``; any object with ``fit`` and ``transform`` is returned as is.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        match = re.fullmatch(r"(pca|ae|conv-ae)(?::(\d+))?", spec.strip().lower())
        if match is None:
            raise ValueError(
                f"{name}: unknown compressor {spec!r}; expected one of {COMPRESSOR_SHORTCUTS} "
                "(optionally with ':<latent_dim>'), None, or an object with fit/transform"
            )
        kind, dim = match.group(1), int(match.group(2) or DEFAULT_LATENT_DIM)
        if kind == "pca":
            return PCACompressor(latent_dim=dim, random_state=random_state)
        architecture = "conv" if kind == "conv-ae" else "dense"
        return AutoencoderCompressor(
            latent_dim=dim, architecture=architecture, random_state=random_state
        )
    if not (callable(getattr(spec, "fit", None)) and callable(getattr(spec, "transform", None))):
        raise ValueError(
            f"{name}: expected None, a string shortcut or an object with fit and transform, "
            f"got {type(spec).__name__}"
        )
    return spec


def normal_scores(codes: np.ndarray) -> np.ndarray:
    """Replace every column by its normal scores Phi^{-1}(rank / (n + 1)) (ties: average rank).

    A strictly increasing map of each coordinate leaves I(X; Y) unchanged, so this only changes
    what the k-NN estimator sees: Gaussian marginals instead of the bunched-up, bounded marginals
    of a sigmoid bottleneck, which lowers the estimator's bias (the "copula" preprocessing of
    Czyz et al., *Beyond Normal*, NeurIPS 2023, https://arxiv.org/abs/2306.11078).
    """
    codes = np.asarray(codes, dtype=np.float64)
    return ndtri(rankdata(codes, axis=0) / (len(codes) + 1))


def _is_fitted(compressor: Any) -> bool:
    """scikit-learn's convention: ``__sklearn_is_fitted__()`` if defined, else whether fitting
    has set an attribute whose name ends with an underscore."""
    probe = getattr(compressor, "__sklearn_is_fitted__", None)
    if callable(probe):
        return bool(probe())
    return any(
        k.endswith("_") and not k.startswith("__") for k in getattr(compressor, "__dict__", {})
    )


def _is_label_vector(a: Any) -> bool:
    """True for a 1-D (or (n, 1)) array of integers, booleans or strings: class labels."""
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    arr = np.asarray(a)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    return arr.ndim == 1 and arr.dtype.kind in "iubUS"


def _describe(compressor: Any) -> str:
    return "identity" if compressor is None else repr(compressor)


class Compressed:
    r"""Estimate I(X; Y) as I(E_X(X); E_Y(Y)) with any estimator on the compressed codes.

    Butakov et al., ICLR 2024, https://arxiv.org/abs/2305.08013. The estimate is exact when the
    compressors lose no information (injective on the data) and otherwise biased down
    (data processing inequality); the estimator's own bias on the codes adds to that.

    Args:
        estimator: anything with ``estimate(x, y) -> float``; its ``estimate_with_error`` is used
            when present (KSG, WeightedKL, ContinuousDiscreteMI, the flow estimator, ...).
        compress_x, compress_y: ``None`` (identity), a compressor object with ``fit``/``transform``
            (:class:`~infolens.estimators.compressors.PCACompressor`,
            :class:`~infolens.estimators.compressors.AutoencoderCompressor`, a scikit-learn
            transformer) or a shortcut ``"pca"``, ``"ae"``, ``"conv-ae"`` (latent dimension 4;
            ``"pca:2"`` sets it). With ``compress_y=None``, class labels (a 1-D integer or string
            array) pass through untouched, so ``Compressed(ContinuousDiscreteMI(), "pca")``
            estimates I(X; labels).
        refit: fit the compressors on the data of every ``estimate`` call. With ``False``,
            compressors that are already fitted (by :meth:`fit` or by the caller) are reused and
            only unfitted ones are fitted: compress X once, estimate against many Y.
        normal_scores: pass each code coordinate through :func:`normal_scores` (rank ->
            Phi^{-1}) before estimating; MI-preserving, and it reduces the k-NN bias on the
            bounded codes of a sigmoid bottleneck. Labels and identity inputs are left alone.

    Example:
        >>> import numpy as np
        >>> from infolens.estimators.knn import KSG
        >>> rng = np.random.default_rng(0)
        >>> z = rng.normal(size=(2000, 2))
        >>> x = z @ rng.normal(size=(2, 30))        # 2-D signal embedded in 30 dimensions
        >>> y = z[:, :1] + 0.5 * rng.normal(size=(2000, 1))
        >>> mi = Compressed(KSG(), compress_x="pca:2").estimate(x, y)
    """

    def __init__(
        self,
        estimator: Any,
        compress_x: Any = None,
        compress_y: Any = None,
        refit: bool = True,
        *,
        normal_scores: bool = False,
    ):
        if not callable(getattr(estimator, "estimate", None)):
            raise ValueError(
                f"estimator: expected an object with estimate(x, y), got {type(estimator).__name__}"
            )
        self.estimator = estimator
        self.compress_x = make_compressor(compress_x, "compress_x")
        self.compress_y = make_compressor(compress_y, "compress_y")
        self.refit = bool(refit)
        self.normal_scores = bool(normal_scores)

    def __repr__(self) -> str:
        return (
            f"Compressed({self.estimator!r}, compress_x={_describe(self.compress_x)}, "
            f"compress_y={_describe(self.compress_y)}, refit={self.refit}, "
            f"normal_scores={self.normal_scores})"
        )

    # -- data ------------------------------------------------------------------------------
    def _validated(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Check both inputs and that their rows pair up; labels stay labels."""

        def one(a: Any, compressor: Any, name: str) -> Any:
            if compressor is None and _is_label_vector(a):
                return as_labels(a, name)
            return as_samples(a, name, min_samples=2)

        xa, ya = one(x, self.compress_x, "x"), one(y, self.compress_y, "y")
        if len(xa) != len(ya):
            raise ValueError(
                f"x and y: sample counts differ ({len(xa)} vs {len(ya)}); rows must be paired"
            )
        return xa, ya

    def fit(self, x: Any, y: Any) -> Compressed:
        """Fit both compressors (those that are not identity) on ``x`` and ``y``."""
        xa, ya = self._validated(x, y)
        for compressor, data in ((self.compress_x, xa), (self.compress_y, ya)):
            if compressor is not None:
                compressor.fit(data)
        return self

    def compress(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Codes ``(E_X(x), E_Y(y))`` (normal scores of them if ``normal_scores``); compressors
        not fitted yet are fitted on this data first."""
        xa, ya = self._validated(x, y)
        return self._encode(self.compress_x, xa), self._encode(self.compress_y, ya)

    def _encode(self, compressor: Any, data: Any) -> Any:
        if compressor is None:
            return data
        if not _is_fitted(compressor):
            compressor.fit(data)
        codes = np.asarray(compressor.transform(data), dtype=np.float64)
        if codes.ndim != 2 or len(codes) != len(data):
            raise ValueError(
                f"{compressor!r}: transform returned shape {codes.shape}, expected (n, latent_dim)"
            )
        return normal_scores(codes) if self.normal_scores else codes

    def _codes(self, x: Any, y: Any) -> tuple[Any, Any]:
        if self.refit:
            self.fit(x, y)
        return self.compress(x, y)

    # -- estimates ---------------------------------------------------------------------------
    def estimate(self, x: Any, y: Any) -> float:
        """I(X; Y) in nats, estimated on the codes."""
        cx, cy = self._codes(x, y)
        return float(self.estimator.estimate(cx, cy))

    @collect_estimator_warnings()
    def estimate_with_error(self, x: Any, y: Any) -> MIEstimate:
        """Like :meth:`estimate`, with the inner estimator's standard error (NaN if it has none).

        ``details`` holds the inner estimate's details under ``"inner"`` plus the code dimensions
        (``latent_dim_x``, ``latent_dim_y``; None for labels) and the compressors' names.
        """
        cx, cy = self._codes(x, y)
        inner_method = type(self.estimator).__name__
        if callable(getattr(self.estimator, "estimate_with_error", None)):
            inner = self.estimator.estimate_with_error(cx, cy)
            value, stderr, error_method = (
                float(inner.value),
                float(inner.stderr),
                inner.error_method,
            )
            inner_method, inner_details = inner.method, dict(inner.details)
        else:
            value, stderr, error_method = float(self.estimator.estimate(cx, cy)), math.nan, "none"
            inner_details = {}
        details = {
            "inner": inner_details,
            "compressor_x": _describe(self.compress_x),
            "compressor_y": _describe(self.compress_y),
            "latent_dim_x": _code_dim(cx),
            "latent_dim_y": _code_dim(cy),
            "normal_scores": self.normal_scores,
        }
        return MIEstimate(
            value=value,
            stderr=stderr,
            n=len(cx),
            method=f"compressed-{inner_method}",
            error_method=error_method,
            details=details,
        )


def _code_dim(codes: Any) -> int | None:
    arr = np.asarray(codes)
    return int(arr.shape[1]) if arr.ndim == 2 else None

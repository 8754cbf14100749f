"""Mutual information through lossy compression: any estimator applied to compressed codes.

Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov, Andreev, "Information Bottleneck Analysis
of Deep Neural Networks via Lossy Compression", ICLR 2024, arXiv:2305.08013:

    I(X; Y) ~ I(E_X(X); E_Y(Y)),

exact when the encoders E_X, E_Y are injective on the supports of X and Y (MI is invariant
under injective maps), and a lower bound in general (data processing inequality).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

from infolens._validation import as_labels, as_samples, check_positive_int, is_label_vector
from infolens.estimators.base import MIEstimatorBase, describe, is_fitted
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.result import MIEstimate, collect_estimator_warnings

if TYPE_CHECKING:
    import torch

__all__ = ["Compressed", "make_compressor", "normal_scores", "COMPRESSOR_SHORTCUTS"]

#: Default code dimension of the string shortcuts (the paper's MNIST setting).
DEFAULT_LATENT_DIM = 4

COMPRESSOR_SHORTCUTS = ("pca", "ae", "conv-ae")


def make_compressor(
    spec: Any, name: str = "compress_x", random_state: int = 0, *, device: str | torch.device = "cpu"
) -> Any:
    """Turn a compressor spec into a compressor object.

    Parameters
    ----------
    spec : None, str or object
        ``None`` (identity); ``"pca"``, ``"ae"`` (dense autoencoder), ``"conv-ae"``
        (convolutional autoencoder, square images) with latent dimension 4, or with an explicit
        one as ``"pca:2"``, ``"conv-ae:8"``; or any object with ``fit`` and ``transform``.
    name : str, default="compress_x"
        The argument's name, for error messages.
    random_state : int, default=0
        Seed of a compressor built from a string.
    device : str or torch.device, default="cpu"
        Torch device of an autoencoder built from a string (``"ae"``, ``"conv-ae"``):
        ``"cpu"``, ``"cuda"``, ``"auto"``... (:func:`infolens._validation.resolve_device`,
        checked when it is fitted). PCA and objects ignore it.

    Returns
    -------
    object or None
        ``None`` for ``None``, a new :class:`PCACompressor` or :class:`AutoencoderCompressor`
        for a string, the object itself otherwise.

    Raises
    ------
    ValueError
        Naming ``name``, for an unknown string or an object without ``fit`` and ``transform``.

    Examples
    --------
    >>> make_compressor("pca:2")
    PCACompressor(latent_dim=2)
    >>> make_compressor(None) is None
    True
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
            latent_dim=dim, architecture=architecture, random_state=random_state, device=device
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
    of a sigmoid bottleneck, which lowers the estimator's bias.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_features)
        The codes.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_features)
        Their normal scores, float64.

    References
    ----------
    The "copula" preprocessing of Czyz et al., "Beyond Normal: On the Evaluation of Mutual
    Information Estimators", NeurIPS 2023, arXiv:2306.11078.

    Examples
    --------
    >>> [round(v, 3) for v in normal_scores([[10.0], [20.0], [30.0]])[:, 0].tolist()]
    [-0.674, 0.0, 0.674]
    """
    codes = np.asarray(codes, dtype=np.float64)
    return ndtri(rankdata(codes, axis=0) / (len(codes) + 1))


_NOT_MADE = object()


class Compressed(MIEstimatorBase):
    r"""Estimate I(X; Y) as I(E_X(X); E_Y(Y)) with any estimator on the compressed codes.

    The estimate is exact when the compressors lose no information (injective on the data) and
    otherwise biased down (data processing inequality); the estimator's own bias on the codes
    adds to that. Parameters are stored as given and checked when estimating.

    Parameters
    ----------
    estimator : object
        Anything with ``estimate(x, y) -> float``; its ``estimate_with_error`` is used when
        present (KSG, WeightedKL, ContinuousDiscreteMI, the flow estimator, ...).
    compress_x : None, str or object, default=None
        ``None`` (identity), a compressor object with ``fit``/``transform``
        (:class:`~infolens.estimators.compressors.PCACompressor`,
        :class:`~infolens.estimators.compressors.AutoencoderCompressor`, a scikit-learn
        transformer; used as is, so it is fitted in place) or a shortcut ``"pca"``, ``"ae"``,
        ``"conv-ae"`` (latent dimension 4; ``"pca:2"`` sets it; built on first use, see
        :func:`make_compressor`).
    compress_y : None, str or object, default=None
        The same for Y. With ``None``, class labels (a 1-D integer or string array) pass
        through untouched, so ``Compressed(ContinuousDiscreteMI(), "pca")`` estimates
        I(X; labels).
    refit : bool, default=True
        Fit the compressors on the data of every ``estimate`` call. With ``False``, compressors
        that are already fitted (by :meth:`fit` or by the caller) are reused and only unfitted
        ones are fitted: compress X once, estimate against many Y.
    normal_scores : bool, default=False
        Pass each code coordinate through :func:`normal_scores` (rank -> Phi^{-1}) before
        estimating; MI-preserving, and it reduces the k-NN bias on the bounded codes of a
        sigmoid bottleneck. Labels and identity inputs are left alone.
    random_state : int, default=0
        Seed of the compressors built from shortcuts (compressor objects keep their own).
    device : str or torch.device, default="cpu"
        Torch device of the autoencoders built from the shortcuts ``"ae"`` and ``"conv-ae"``
        (``"auto"``: CUDA when present); compressor objects keep their own.

    Attributes
    ----------
    compress_x_, compress_y_ : object or None
        The compressor objects in use (``None`` for identity), after the first ``fit``,
        ``compress`` or ``estimate``.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013.

    Examples
    --------
    >>> import numpy as np
    >>> from infolens.estimators.knn import KSG
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(2000, 2))
    >>> x = z @ rng.normal(size=(2, 30))        # 2-D signal embedded in 30 dimensions
    >>> y = z[:, :1] + 0.5 * rng.normal(size=(2000, 1))
    >>> result = Compressed(KSG(), compress_x="pca:2").estimate_with_error(x, y)
    >>> round(result.value, 1), result.details["latent_dim_x"]  # truth: log(1 + 1/0.25) / 2 = 0.80
    (0.8, 2)
    """

    def __init__(
        self,
        estimator: Any,
        compress_x: Any = None,
        compress_y: Any = None,
        refit: bool = True,
        *,
        normal_scores: bool = False,
        random_state: int = 0,
        device: str | torch.device = "cpu",
    ):
        self.estimator = estimator
        self.compress_x = compress_x
        self.compress_y = compress_y
        self.refit = refit
        self.normal_scores = normal_scores
        self.random_state = random_state
        self.device = device

    @property
    def name(self) -> str:  # type: ignore[override]
        """``compressed-<inner name>`` (the inner estimator's ``name``, else its class name)."""
        inner = getattr(self.estimator, "name", None)
        return f"compressed-{inner if isinstance(inner, str) else type(self.estimator).__name__}"

    def _check_estimator(self) -> None:
        if not callable(getattr(self.estimator, "estimate", None)):
            raise ValueError(
                "estimator: expected an object with estimate(x, y), got "
                f"{type(self.estimator).__name__}"
            )

    def _compressors(self) -> tuple[Any, Any]:
        """``(compress_x_, compress_y_)``: each spec turned into a compressor once (a shortcut is
        built on first use and kept while the spec, ``random_state`` and ``device`` stay the
        same; an object is used as is)."""
        check_positive_int(self.random_state, "random_state", minimum=0)
        made = getattr(self, "_made_from", {})
        for side in ("x", "y"):
            spec = getattr(self, f"compress_{side}")
            attr = f"compress_{side}_"
            previous, seed = made.get(side, (_NOT_MADE, None))
            if isinstance(spec, str):
                same = previous == spec and seed == (self.random_state, self.device)
            else:
                same = previous is spec
            if not (same and hasattr(self, attr)):
                setattr(
                    self, attr,
                    make_compressor(spec, f"compress_{side}", self.random_state, device=self.device),
                )
                made[side] = (spec, (self.random_state, self.device))
        self._made_from = made
        return self.compress_x_, self.compress_y_

    # -- data ------------------------------------------------------------------------------
    def _validated(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Check both inputs and that their rows pair up; labels stay labels."""

        def one(a: Any, spec: Any, name: str) -> Any:
            if spec is None and is_label_vector(a):
                return as_labels(a, name)
            return as_samples(a, name, min_samples=2)

        xa, ya = one(x, self.compress_x, "x"), one(y, self.compress_y, "y")
        if len(xa) != len(ya):
            raise ValueError(
                f"x and y: sample counts differ ({len(xa)} vs {len(ya)}); rows must be paired"
            )
        return xa, ya

    def fit(self, x: Any, y: Any) -> Compressed:
        """Fit both compressors (those that are not identity) on ``x`` and ``y``.

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features_x)
            Samples of X.
        y : array-like of shape (n_samples, n_features_y) or (n_samples,)
            Samples of Y (class labels when ``compress_y`` is ``None``).

        Returns
        -------
        Compressed
            ``self``.
        """
        compressors = self._compressors()
        xa, ya = self._validated(x, y)
        for compressor, data in zip(compressors, (xa, ya), strict=True):
            if compressor is not None:
                compressor.fit(data)
        return self

    def compress(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Codes ``(E_X(x), E_Y(y))`` (normal scores of them if ``normal_scores``).

        Compressors not fitted yet are fitted on this data first.

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features_x)
            Samples of X.
        y : array-like of shape (n_samples, n_features_y) or (n_samples,)
            Samples of Y, paired with ``x`` by row.

        Returns
        -------
        codes_x, codes_y : numpy.ndarray
            The codes (the input itself for identity, labels unchanged).
        """
        compress_x, compress_y = self._compressors()
        xa, ya = self._validated(x, y)
        return self._encode(compress_x, xa), self._encode(compress_y, ya)

    def _encode(self, compressor: Any, data: Any) -> Any:
        if compressor is None:
            return data
        if not is_fitted(compressor):
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
    @collect_estimator_warnings()
    def estimate_with_error(self, x: Any, y: Any) -> MIEstimate:
        """I(X; Y) in nats estimated on the codes, with the inner estimator's standard error.

        Parameters
        ----------
        x : array-like of shape (n_samples, n_features_x)
            Samples of X.
        y : array-like of shape (n_samples, n_features_y) or (n_samples,)
            Samples of Y, paired with ``x`` by row.

        Returns
        -------
        MIEstimate
            The inner estimate (standard error NaN if the inner estimator has no
            ``estimate_with_error``); ``details`` holds the inner estimate's details under
            ``"inner"`` plus the code dimensions (``latent_dim_x``, ``latent_dim_y``; None for
            labels) and the compressors' names.
        """
        self._check_estimator()
        cx, cy = self._codes(x, y)
        if callable(getattr(self.estimator, "estimate_with_error", None)):
            inner = self.estimator.estimate_with_error(cx, cy)
            value, stderr, error_method = (
                float(inner.value),
                float(inner.stderr),
                inner.error_method,
            )
            inner_details = dict(inner.details)
        else:
            value, stderr, error_method = float(self.estimator.estimate(cx, cy)), math.nan, "none"
            inner_details = {}
        details = {
            "inner": inner_details,
            "compressor_x": describe(self.compress_x_),
            "compressor_y": describe(self.compress_y_),
            "latent_dim_x": _code_dim(cx),
            "latent_dim_y": _code_dim(cy),
            "normal_scores": self.normal_scores,
        }
        return MIEstimate(
            value=value,
            stderr=stderr,
            n=len(cx),
            method=self.name,
            error_method=error_method,
            details=details,
        )


def _code_dim(codes: Any) -> int | None:
    arr = np.asarray(codes)
    return int(arr.shape[1]) if arr.ndim == 2 else None

"""Estimators by name, for the command line and the benchmarks."""

from __future__ import annotations

from collections.abc import Callable

from infolens.interfaces import MIEstimator

__all__ = ["ESTIMATOR_NAMES", "LABEL_ESTIMATOR_NAMES", "make_estimator"]


def _ksg(k: int, seed: int) -> MIEstimator:
    from infolens.estimators.knn import KSG

    return KSG(k=k, random_state=seed)


def _ksg2(k: int, seed: int) -> MIEstimator:
    from infolens.estimators.knn import KSG

    return KSG(k=k, variant=2, random_state=seed)


def _kl(k: int, seed: int) -> MIEstimator:
    from infolens.estimators.knn import KLEntropy

    return KLEntropy(k=k, standardize=True, random_state=seed)


def _weighted_kl(k: int, seed: int) -> MIEstimator:
    from infolens.estimators.knn import WeightedKL

    return WeightedKL(k=k, random_state=seed)


def _labels(method: str) -> Callable[[int, int], MIEstimator]:
    def make(k: int, seed: int) -> MIEstimator:
        from infolens.estimators.knn import ContinuousDiscreteMI

        return ContinuousDiscreteMI(k=k, method=method, random_state=seed)  # type: ignore[arg-type]

    return make


def _flow(k: int, seed: int) -> MIEstimator:
    from infolens.estimators.flows import FlowMI

    return FlowMI(random_state=seed)


def _pca_ksg(k: int, seed: int, latent_dim: int | None = None) -> MIEstimator:
    from infolens.estimators.compression import Compressed
    from infolens.estimators.compressors import PCACompressor
    from infolens.estimators.knn import KSG

    return Compressed(
        KSG(k=k, random_state=seed),
        compress_x=PCACompressor(latent_dim=latent_dim, random_state=seed),
        compress_y=PCACompressor(latent_dim=latent_dim, random_state=seed),
    )


_FACTORIES: dict[str, Callable[[int, int], MIEstimator]] = {
    "ksg": _ksg,
    "ksg2": _ksg2,
    "kl": _kl,
    "weighted-kl": _weighted_kl,
    "pca-ksg": _pca_ksg,
    "flow": _flow,
    "ross": _labels("ross"),
    "labels-kl": _labels("kl"),
    "labels-weighted-kl": _labels("weighted-kl"),
}
#: estimators of I(X;Y) for continuous x and y
ESTIMATOR_NAMES = ("ksg", "ksg2", "kl", "weighted-kl", "pca-ksg", "flow")
#: estimators of I(X;Y) for continuous x and class labels y
LABEL_ESTIMATOR_NAMES = ("ross", "labels-kl", "labels-weighted-kl")


def make_estimator(
    method: str, *, k: int = 5, seed: int = 0, latent_dim: int | None = None
) -> MIEstimator:
    """The estimator called ``method`` (one of ESTIMATOR_NAMES or LABEL_ESTIMATOR_NAMES).

    ``latent_dim`` is the PCA dimension of ``pca-ksg`` (None: min(4, d) for each variable);
    passing it with another method is an error.
    """
    try:
        factory = _FACTORIES[method]
    except KeyError:
        known = ", ".join(ESTIMATOR_NAMES + LABEL_ESTIMATOR_NAMES)
        raise ValueError(f"method: unknown estimator {method!r}; choose one of: {known}") from None
    if method == "pca-ksg":
        return _pca_ksg(k, seed, latent_dim)
    if latent_dim is not None:
        raise ValueError(f"latent_dim: only pca-ksg compresses, got latent_dim with method {method!r}")
    return factory(k, seed)

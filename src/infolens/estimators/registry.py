"""Every MI estimator by name: the one place that builds estimators from names and settings.

The command line (``infolens estimate --method``), the showcase, the benchmarks and the
information plane all build their estimators here, so a name means the same estimator
everywhere. Settings a user can give by name: ``k`` (neighbours of the k-NN estimators),
``random_state`` and ``latent_dim`` (the PCA dimension of ``pca-ksg``); everything else is an
estimator's own default, changeable afterwards with ``set_params``.

Examples
--------
>>> from infolens.estimators.registry import make_estimator
>>> make_estimator("ksg", k=7)
KSG(k=7)
>>> sorted(ESTIMATORS)[:3]
['auto', 'flow', 'fmmi']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from infolens._extras import MissingExtraError, import_module
from infolens.estimators.base import MIEstimatorBase

__all__ = [
    "EstimatorSpec",
    "ESTIMATORS",
    "ESTIMATOR_NAMES",
    "LABEL_ESTIMATOR_NAMES",
    "make_estimator",
    "describe_estimators",
]


@dataclass(frozen=True)
class EstimatorSpec:
    """A registered estimator: its name, what ``y`` it takes, one line of help, its builder."""

    name: str
    y_kind: Literal["continuous", "labels"]
    summary: str
    build: Callable[[int, int, int | None], MIEstimatorBase]
    uses_k: bool = True


def _cls(module: str, name: str) -> type:
    """Import lazily: the torch-based estimators load torch only when asked for."""
    try:
        return getattr(import_module(f"infolens.estimators.{module}"), name)
    except MissingExtraError as err:
        raise ValueError(f"method: {err}") from None


def _knn(name: str, **fixed: object) -> Callable[[int, int, int | None], MIEstimatorBase]:
    def build(k: int, random_state: int, latent_dim: int | None) -> MIEstimatorBase:
        return _cls("knn", name)(k=k, random_state=random_state, **fixed)

    return build


def _pca_ksg(k: int, random_state: int, latent_dim: int | None) -> MIEstimatorBase:
    pca = _cls("compressors", "PCACompressor")
    return _cls("compression", "Compressed")(
        _cls("knn", "KSG")(k=k, random_state=random_state),
        compress_x=pca(latent_dim=latent_dim, random_state=random_state),
        compress_y=pca(latent_dim=latent_dim, random_state=random_state),
        random_state=random_state,
    )


def _neural(module: str, name: str) -> Callable[[int, int, int | None], MIEstimatorBase]:
    def build(k: int, random_state: int, latent_dim: int | None) -> MIEstimatorBase:
        return _cls(module, name)(random_state=random_state)

    return build


def _auto(k: int, random_state: int, latent_dim: int | None) -> MIEstimatorBase:
    return _cls("auto", "AutoMI")(k=k, random_state=random_state)


_SPECS = [
    EstimatorSpec("auto", "continuous",
                  "chooses for you: Gaussian copula + k-NN, a neural second opinion where "
                  "k-NN fails (AutoMI)", _auto),
    EstimatorSpec("ksg", "continuous", "KSG, algorithm 1 (Kraskov et al. 2004)", _knn("KSG")),
    EstimatorSpec("ksg2", "continuous", "KSG, algorithm 2", _knn("KSG", variant=2)),
    EstimatorSpec("kl", "continuous", "Kozachenko-Leonenko entropies, H(X)+H(Y)-H(X,Y)",
                  _knn("KLEntropy", standardize=True)),
    EstimatorSpec("weighted-kl", "continuous", "weighted Kozachenko-Leonenko (Berrett et al. 2019)",
                  _knn("WeightedKL")),
    EstimatorSpec("pca-ksg", "continuous", "KSG on PCA codes (--latent-dim, default min(4, d))",
                  _pca_ksg),
    EstimatorSpec("flow", "continuous", "normalizing flows + Gaussian head (FlowMI)",
                  _neural("flows", "FlowMI"), uses_k=False),
    EstimatorSpec("fmmi", "continuous", "flow-matching MI, divergence of a learned velocity (FMMI)",
                  _neural("flow_matching", "FMMI"), uses_k=False),
    EstimatorSpec("mine", "continuous", "MINE lower bound (Belghazi et al. 2018)",
                  _neural("neural", "MINE"), uses_k=False),
    EstimatorSpec("infonce", "continuous", "InfoNCE lower bound (van den Oord et al. 2018)",
                  _neural("neural", "InfoNCE"), uses_k=False),
    EstimatorSpec("nwj", "continuous", "NWJ lower bound (Nguyen et al. 2010; Poole et al. 2019)",
                  _neural("neural", "NWJ"), uses_k=False),
    EstimatorSpec("smile", "continuous", "SMILE, clipped DV readout of a JS critic (Song & Ermon 2020)",
                  _neural("neural", "SMILE"), uses_k=False),
    EstimatorSpec("ross", "labels", "continuous x, class labels y (Ross 2014)",
                  _knn("ContinuousDiscreteMI", algorithm="ross")),
    EstimatorSpec("labels-kl", "labels", "H(X) - sum p(y) H(X|y), Kozachenko-Leonenko",
                  _knn("ContinuousDiscreteMI", algorithm="kl")),
    EstimatorSpec("labels-weighted-kl", "labels", "H(X) - sum p(y) H(X|y), weighted KL",
                  _knn("ContinuousDiscreteMI", algorithm="weighted-kl")),
]
#: every registered estimator by name
ESTIMATORS: dict[str, EstimatorSpec] = {spec.name: spec for spec in _SPECS}
#: estimators of I(X;Y) for continuous x and y
ESTIMATOR_NAMES = tuple(s.name for s in _SPECS if s.y_kind == "continuous")
#: estimators of I(X;Y) for continuous x and class labels y
LABEL_ESTIMATOR_NAMES = tuple(s.name for s in _SPECS if s.y_kind == "labels")


def make_estimator(
    name: str, *, k: int = 5, random_state: int = 0, latent_dim: int | None = None
) -> MIEstimatorBase:
    """The estimator registered as ``name``, with these settings.

    Parameters
    ----------
    name : str
        One of :data:`ESTIMATORS` (``ksg``, ``weighted-kl``, ``flow``, ``ross``...).
    k : int
        Number of neighbours of the k-NN estimators (ignored by the neural ones).
    random_state : int
        Seed of the tie-breaking jitter and of training.
    latent_dim : int or None
        PCA dimension of ``pca-ksg`` (None: min(4, d) for each variable); an error with any
        other estimator.
    """
    try:
        spec = ESTIMATORS[name]
    except KeyError:
        known = ", ".join(ESTIMATORS)
        raise ValueError(f"method: unknown estimator {name!r}; choose one of: {known}") from None
    if latent_dim is not None and name != "pca-ksg":
        raise ValueError(f"latent_dim: only pca-ksg compresses, got latent_dim with method {name!r}")
    return spec.build(k, random_state, latent_dim)


def describe_estimators() -> str:
    """One line per estimator, ``name: summary``, for help texts."""
    return "; ".join(f"{s.name} ({s.summary})" for s in _SPECS)

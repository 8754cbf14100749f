"""Mutual-information estimators. Each derives from :class:`MIEstimatorBase` (scikit-learn's
parameter contract: ``get_params``/``set_params``/``clone``), has hyper-parameters in
``__init__``, ``estimate(x, y) -> float`` (nats) and ``estimate_with_error(x, y) -> MIEstimate``.
:func:`make_estimator` builds any of them by name; :class:`AutoMI` chooses for the user.

The torch-based estimators (compression, flows, variational bounds) are imported on first use,
so that the k-NN estimators and the command line start without loading torch.
"""

from __future__ import annotations

from infolens._extras import lazy_attributes
from infolens.estimators.auto import AutoMI
from infolens.estimators.base import MIEstimatorBase
from infolens.estimators.knn import KSG, ContinuousDiscreteMI, KLEntropy, WeightedKL
from infolens.estimators.registry import ESTIMATORS, make_estimator
from infolens.estimators.result import EstimatorWarning, MIEstimate

__all__ = [
    "AutoMI",
    "MIEstimatorBase",
    "ESTIMATORS",
    "make_estimator",
    "EstimatorWarning",
    "KSG",
    "KLEntropy",
    "WeightedKL",
    "ContinuousDiscreteMI",
    "MIEstimate",
    "Compressed",
    "PCACompressor",
    "AutoencoderCompressor",
    "FlowMI",
    "FMMI",
    "MINE",
    "InfoNCE",
    "NWJ",
    "SMILE",
]

_LAZY = {
    "Compressed": "infolens.estimators.compression",
    "PCACompressor": "infolens.estimators.compressors",
    "AutoencoderCompressor": "infolens.estimators.compressors",
    "FlowMI": "infolens.estimators.flows",
    "FMMI": "infolens.estimators.flow_matching",
    "MINE": "infolens.estimators.neural",
    "InfoNCE": "infolens.estimators.neural",
    "NWJ": "infolens.estimators.neural",
    "SMILE": "infolens.estimators.neural",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)

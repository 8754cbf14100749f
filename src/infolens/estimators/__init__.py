"""Mutual-information estimators. Each has hyper-parameters in ``__init__``,
``estimate(x, y) -> float`` (nats) and ``estimate_with_error(x, y) -> MIEstimate``.

The torch-based estimators (compression, flows, variational bounds) are imported on first use,
so that the k-NN estimators and the command line start without loading torch.
"""

from __future__ import annotations

import importlib

from infolens.estimators.knn import KSG, ContinuousDiscreteMI, KLEntropy, WeightedKL
from infolens.estimators.result import MIEstimate

__all__ = [
    "KSG",
    "KLEntropy",
    "WeightedKL",
    "ContinuousDiscreteMI",
    "MIEstimate",
    "Compressed",
    "PCACompressor",
    "AutoencoderCompressor",
    "FlowMI",
    "MINE",
    "InfoNCE",
]

_LAZY = {
    "Compressed": "infolens.estimators.compression",
    "PCACompressor": "infolens.estimators.compressors",
    "AutoencoderCompressor": "infolens.estimators.compressors",
    "FlowMI": "infolens.estimators.flows",
    "MINE": "infolens.estimators.neural",
    "InfoNCE": "infolens.estimators.neural",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'infolens.estimators' has no attribute {name!r}")

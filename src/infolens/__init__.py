"""infolens: information-theoretic analysis of neural networks.

Subpackages load on first use (``import infolens; infolens.estimators.KSG``), so that the
light core (k-NN estimators, tasks, the command line) starts without torch:

* :mod:`infolens.estimators` -- MI estimators (k-NN, compression, flows, variational bounds)
* :mod:`infolens.tasks` -- synthetic distributions with known MI
* :mod:`infolens.plane` -- information planes of networks in training (needs torch)
* :mod:`infolens.data` -- MNIST with checksums
* :mod:`infolens.bench` -- benchmark records and reports
* :mod:`infolens.io`, :mod:`infolens.units`, :mod:`infolens.interfaces`
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: the public subpackages and modules, imported on first attribute access
SUBMODULES = ("estimators", "tasks", "plane", "data", "bench", "io", "units", "interfaces")
__all__ = ["__version__", *SUBMODULES]


def __getattr__(name: str) -> object:
    if name in SUBMODULES:
        return importlib.import_module(f"infolens.{name}")
    raise AttributeError(f"module 'infolens' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SUBMODULES))

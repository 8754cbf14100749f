"""The one base class of infolens' MI estimators: scikit-learn's parameter contract.

``__init__`` only stores its arguments, as public attributes of the same names; every check and
conversion happens when estimating. ``get_params`` / ``set_params`` come from scikit-learn's
``BaseEstimator``, so ``sklearn.base.clone`` works and ``repr`` shows the parameters that differ
from the defaults. Fitted state ends in ``_``. Subclasses implement :meth:`estimate_with_error`;
``name`` is the label reports use.
"""

from __future__ import annotations

import json
from typing import ClassVar

from sklearn.base import BaseEstimator

from infolens.estimators.result import MIEstimate

__all__ = ["MIEstimatorBase", "params_key"]


class MIEstimatorBase(BaseEstimator):
    """Base of every MI estimator: ``estimate(x, y) -> float`` and
    ``estimate_with_error(x, y) -> MIEstimate``, in nats, with scikit-learn's parameters.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from infolens.estimators import KSG
    >>> est = KSG(k=7)
    >>> est.get_params()["k"], clone(est).set_params(k=3).k
    (7, 3)
    """

    #: label used in reports, tables and ``MIEstimate.method``
    name: ClassVar[str] = "mi"

    def estimate_with_error(self, x: object, y: object) -> MIEstimate:
        """I(X;Y) in nats with its standard error (see :class:`MIEstimate`)."""
        raise NotImplementedError

    def estimate(self, x: object, y: object) -> float:
        """I(X;Y) in nats: ``estimate_with_error(x, y).value``."""
        return self.estimate_with_error(x, y).value


def params_key(estimator: object) -> str:
    """A stable text key of an estimator's settings: its class and ``get_params()`` as JSON
    (nested estimators by their own key), for resuming benchmarks and comparing runs."""
    params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}

    def plain(value: object) -> object:
        if hasattr(value, "get_params"):
            return json.loads(params_key(value))
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if callable(value) and hasattr(value, "__qualname__"):  # a function or class, by name
            return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
        return repr(value)

    record = {"class": type(estimator).__name__, **{k: plain(v) for k, v in sorted(params.items())}}
    return json.dumps(record, sort_keys=True)

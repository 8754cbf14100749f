"""The one base class of infolens' MI estimators: scikit-learn's parameter contract.

``__init__`` only stores its arguments, as public attributes of the same names; every check and
conversion happens when estimating. ``get_params`` / ``set_params`` come from scikit-learn's
``BaseEstimator``, so ``sklearn.base.clone`` works and ``repr`` shows the parameters that differ
from the defaults. Fitted state ends in ``_``. Subclasses implement :meth:`estimate_with_error`;
``name`` is the label reports use.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any, ClassVar

from sklearn.base import BaseEstimator

from infolens.estimators.result import MIEstimate

__all__ = ["MIEstimatorBase", "params_key", "describe", "is_fitted"]


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


def describe(obj: Any) -> str:
    """``Name(a=..., b=...)`` with every parameter, in the constructor's order, for an object with
    scikit-learn's ``get_params`` (not only those that differ from the defaults, as its ``repr``
    shows: a run records its settings even if a default changes later); else ``repr`` when the
    class defines one; else its qualified name (no memory address, so that the same setting
    reads the same in every process). ``None`` is ``"identity"`` (no compressor)."""
    if obj is None:
        return "identity"
    if callable(getattr(obj, "get_params", None)) and not isinstance(obj, type):
        params = obj.get_params(deep=False)
        order = [p for p in inspect.signature(type(obj).__init__).parameters if p in params]
        keys = order + sorted(set(params) - set(order))  # in the constructor's order
        shown = ", ".join(f"{key}={_describe_value(params[key])}" for key in keys)
        return f"{type(obj).__name__}({shown})"
    if type(obj).__repr__ is object.__repr__:
        return f"{type(obj).__module__}.{type(obj).__qualname__}"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(obj))


def _describe_value(value: Any) -> str:
    """A parameter value in :func:`describe`: plain values by ``repr``, functions by name,
    anything else described."""
    if value is None or isinstance(value, (bool, int, float, str, tuple, list, dict)):
        return repr(value)
    if callable(value) and hasattr(value, "__name__") and not hasattr(value, "get_params"):
        return value.__name__
    return describe(value)


def is_fitted(obj: Any) -> bool:
    """scikit-learn's convention: ``__sklearn_is_fitted__()`` if defined, else whether fitting
    has set a public attribute whose name ends with an underscore."""
    probe = getattr(obj, "__sklearn_is_fitted__", None)
    if callable(probe):
        return bool(probe())
    return any(k.endswith("_") and not k.startswith("_") for k in getattr(obj, "__dict__", {}))

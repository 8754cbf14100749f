"""The record every estimator's ``estimate_with_error`` returns, and how estimators flag it.

An estimator that has reason to distrust its own number says so twice: it emits an
:class:`EstimatorWarning` (Python's ``warnings`` machinery, so a user sees it) and it lists the
message in :attr:`MIEstimate.warnings`, so tables, the CLI and figures can carry it.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

from infolens.units import to_bits

__all__ = [
    "MIEstimate", "EstimatorWarning", "collect_estimator_warnings", "call_catching_estimator_warnings",
    "warn_estimator",
]


class EstimatorWarning(UserWarning):
    """An estimate was computed, but the estimator has a reason to distrust it (the message says
    which, and what to do instead)."""


@dataclass(frozen=True)
class MIEstimate:
    """An estimate with its standard error, in nats.

    ``stderr`` is the standard error of the estimate; how it was obtained is in ``error_method``
    (e.g. "per-sample" for the standard error of the mean of per-sample contributions, or
    "held-out" for a mean over a held-out split). ``warnings`` lists every reason the estimator
    found to distrust the number (empty when it found none).
    """

    value: float
    stderr: float
    n: int
    method: str
    error_method: str = "per-sample"
    details: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def bits(self) -> float:
        return to_bits(self.value)

    @property
    def stderr_bits(self) -> float:
        return to_bits(self.stderr)

    @property
    def flagged(self) -> bool:
        """True when the estimator attached at least one warning."""
        return bool(self.warnings)

    def __float__(self) -> float:
        return float(self.value)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        return out


def warn_estimator(message: str, *, stacklevel: int = 2) -> None:
    """Emit ``message`` as an :class:`EstimatorWarning` (collected into ``MIEstimate.warnings``
    by :func:`collect_estimator_warnings`)."""
    warnings.warn(message, EstimatorWarning, stacklevel=stacklevel + 1)


def negative_estimate_message(value: float, stderr: float) -> str | None:
    """The warning for an MI estimate below 0 (the true I(X;Y) is never negative), or None."""
    if not value < 0:
        return None
    if math.isfinite(stderr) and value >= -2.0 * stderr:
        return (
            f"negative estimate {value:.4g} nats (within 2 standard errors of 0): the true I(X;Y) "
            "is >= 0, so read it as 'no detectable dependence'"
        )
    return (
        f"negative estimate {value:.4g} nats, more than 2 standard errors ({stderr:.2g}) below 0: "
        "the true I(X;Y) is >= 0, so the estimator's bias dominates here (too few samples for "
        "the dimension, or data that are not continuous)"
    )


_F = TypeVar("_F", bound=Callable[..., MIEstimate])


def call_catching_estimator_warnings(
    function: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[Any, list[str]]:
    """``(function(*args, **kwargs), messages)``: the messages of every :class:`EstimatorWarning`
    raised during the call, once each and in order, caught rather than shown; any other warning
    is handed back unchanged."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EstimatorWarning)
        result = function(*args, **kwargs)
    messages = []
    for w in caught:
        if issubclass(w.category, EstimatorWarning):
            messages.append(str(w.message))
        else:  # not ours: hand back unchanged
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return result, list(dict.fromkeys(messages))


def collect_estimator_warnings(*, nonnegative: bool = True) -> Callable[[_F], _F]:
    """Decorate an ``estimate_with_error`` method: every :class:`EstimatorWarning` raised while it
    runs (also by estimators it calls) is re-emitted once and listed in the returned
    :attr:`MIEstimate.warnings`; with ``nonnegative``, an estimate below 0 is flagged too."""

    def decorate(method: _F) -> _F:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> MIEstimate:
            result, caught = call_catching_estimator_warnings(method, *args, **kwargs)
            messages = list(result.warnings) + caught
            if nonnegative:
                negative = negative_estimate_message(result.value, result.stderr)
                if negative is not None:
                    messages.append(negative)
            messages = list(dict.fromkeys(messages))  # once each, in order
            for message in messages:
                warn_estimator(message, stacklevel=2)
            return replace(result, warnings=tuple(messages)) if messages != list(result.warnings) \
                else result

        return wrapper  # type: ignore[return-value]

    return decorate

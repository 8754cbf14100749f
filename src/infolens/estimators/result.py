"""The record every estimator's ``estimate_with_error`` returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from infolens.units import to_bits

__all__ = ["MIEstimate"]


@dataclass(frozen=True)
class MIEstimate:
    """An estimate with its standard error, in nats.

    ``stderr`` is the standard error of the estimate; how it was obtained is in ``error_method``
    (e.g. "per-sample" for the standard error of the mean of per-sample contributions, or
    "held-out" for a mean over a held-out split).
    """

    value: float
    stderr: float
    n: int
    method: str
    error_method: str = "per-sample"
    details: dict = field(default_factory=dict)

    @property
    def bits(self) -> float:
        return to_bits(self.value)

    @property
    def stderr_bits(self) -> float:
        return to_bits(self.stderr)

    def __float__(self) -> float:
        return float(self.value)

    def as_dict(self) -> dict:
        return asdict(self)

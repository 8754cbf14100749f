"""Nats and bits. Every estimate in infolens is in nats unless converted here."""

from __future__ import annotations

import math

__all__ = ["NATS_PER_BIT", "to_bits", "to_nats", "convert"]

NATS_PER_BIT = math.log(2.0)


def to_bits(nats: float) -> float:
    """I[bits] = I[nats] / ln 2."""
    return nats / NATS_PER_BIT


def to_nats(bits: float) -> float:
    """I[nats] = I[bits] * ln 2."""
    return bits * NATS_PER_BIT


def convert(nats: float, unit: str) -> float:
    """Express a value given in nats in ``unit`` ("nats" or "bits")."""
    if unit == "nats":
        return nats
    if unit == "bits":
        return to_bits(nats)
    raise ValueError(f"unit: expected 'nats' or 'bits', got {unit!r}")

"""Nats and bits. Every estimate in infolens is in nats unless converted here.

Examples
--------
>>> round(to_bits(NATS_PER_BIT), 12), round(to_nats(1.0), 6), convert(2.0, "nats")
(1.0, 0.693147, 2.0)
"""

from __future__ import annotations

import math

__all__ = ["NATS_PER_BIT", "to_bits", "to_nats", "convert"]

NATS_PER_BIT = math.log(2.0)


def to_bits(nats: float) -> float:
    """I[bits] = I[nats] / ln 2.

    Parameters
    ----------
    nats : float
        A value in nats.

    Returns
    -------
    float
        The same value in bits.
    """
    return nats / NATS_PER_BIT


def to_nats(bits: float) -> float:
    """I[nats] = I[bits] * ln 2.

    Parameters
    ----------
    bits : float
        A value in bits.

    Returns
    -------
    float
        The same value in nats.
    """
    return bits * NATS_PER_BIT


def convert(nats: float, unit: str) -> float:
    """Express a value given in nats in ``unit``.

    Parameters
    ----------
    nats : float
        A value in nats.
    unit : {"nats", "bits"}
        The unit wanted.

    Returns
    -------
    float
        The value in ``unit``.

    Raises
    ------
    ValueError
        For any other unit.

    Examples
    --------
    >>> round(convert(math.log(4.0), "bits"), 12)
    2.0
    """
    if unit == "nats":
        return nats
    if unit == "bits":
        return to_bits(nats)
    raise ValueError(f"unit: expected 'nats' or 'bits', got {unit!r}")

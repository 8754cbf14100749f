"""Known values of d_m (unit-diameter disk, unit square, unit equilateral triangle, flat torus
R^2/Z^2). Values are (lower, upper); proven ones have lower == upper.

Sources: the torus values, d_1 = d_2 = sqrt(2)/2, d_3 = sqrt(13)/6 and the brackets for
m = 4..7 (lower ends by SAT on grids, upper ends by partitions), are from Protasov, Tolmachev &
Voronov, "Optimal partitions of the flat torus into parts of smaller diameter",
arXiv:2402.03997. The disk, square and triangle values are the classical proven values of this
Borsuk-type problem (see the literature cited in that paper's introduction).

Examples
--------
>>> round(known_value("torus", 3)[0], 6), known_value("disk", 100)
(0.600925, None)
"""

from __future__ import annotations

import math

__all__ = ["KNOWN", "known_value"]

_S3, _S2 = math.sqrt(3), math.sqrt(2)

KNOWN: dict[tuple[str, int], tuple[float, float]] = {
    ("disk", 3): (_S3 / 2, _S3 / 2),
    ("disk", 4): (_S2 / 2, _S2 / 2),
    ("disk", 5): (math.sin(math.radians(36)), math.sin(math.radians(36))),
    ("disk", 6): (0.5, 0.5),
    ("disk", 7): (0.5, 0.5),
    ("square", 2): (math.sqrt(5) / 2, math.sqrt(5) / 2),
    ("square", 3): (math.sqrt(65) / 8, math.sqrt(65) / 8),
    ("square", 4): (_S2 / 2, _S2 / 2),
    ("triangle", 2): (1.0, 1.0),
    ("triangle", 3): (1 / _S3, 1 / _S3),
    ("triangle", 4): (0.5, 0.5),
    ("triangle", 5): (0.5, 0.5),
    ("torus", 1): (_S2 / 2, _S2 / 2),
    ("torus", 2): (_S2 / 2, _S2 / 2),
    ("torus", 3): (math.sqrt(13) / 6, math.sqrt(13) / 6),
    ("torus", 4): (0.556799, 0.559017),
    ("torus", 5): (0.521178, 0.527046),
    ("torus", 6): (0.474667, 0.515388),
    ("torus", 7): (0.444444, 0.511452),
}


def known_value(shape: str, parts: int) -> tuple[float, float] | None:
    """The (lower, upper) bracket of d_m for the shape.

    Parameters
    ----------
    shape : str
        ``"disk"``, ``"square"``, ``"triangle"`` or ``"torus"``.
    parts : int
        m, the number of parts.

    Returns
    -------
    tuple of float or None
        ``(lower, upper)``, equal for a proven value; ``None`` when not tabulated.
    """
    return KNOWN.get((shape, parts))

"""Pictures of partition certificates: cells filled in colours, the longest chord of each drawn.

Chords are drawn from floats (a picture, not a proof); the title quotes the checked bound.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Circle, Polygon  # noqa: E402

from diampart.certificate import Certificate  # noqa: E402
from diampart.shapes import Disk, FlatTorus, get_shape  # noqa: E402

__all__ = ["longest_chord", "plot_certificate"]

MAX_CHORD_POINTS = 2000
"""Boundary samples per cell for the (numerical) longest chord drawn in each cell."""


def _cell_boundary_points(cell: list[tuple], samples: int) -> np.ndarray:
    pts = []
    for piece in cell:
        p = np.array([[float(x), float(y)] for x, y in piece])
        for i in range(len(p)):
            a, b = p[i], p[(i + 1) % len(p)]
            t = np.linspace(0, 1, samples, endpoint=False)[:, None]
            pts.append(a + t * (b - a))
    return np.concatenate(pts) if pts else np.zeros((0, 2))


def longest_chord(
    cell: list[tuple], *, torus: bool = False, radius: float | None = None, samples: int = 40
) -> tuple[np.ndarray, np.ndarray, float]:
    """Endpoints (x, y) and length of the longest chord of a cell, numerically.

    Boundary points are sampled; on the disk they are first projected into the disk (cells are
    piece cap disk); on the torus the length is min_k |x - y - k| and y is returned as y + k.

    Parameters
    ----------
    cell : list of tuple of Point
        The cell's pieces.
    torus : bool, default=False
        Measure torus distances.
    radius : float or None, default=None
        The disk's radius (disk only).
    samples : int, default=40
        Samples per piece edge (fewer for cells with many edges).

    Returns
    -------
    a, b : numpy.ndarray of shape (2,)
        The chord's endpoints.
    length : float
        Its length.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> square = ((F(0), F(0)), (F(1), F(0)), (F(1), F(1)), (F(0), F(1)))
    >>> round(longest_chord([square])[2], 6)
    1.414214
    """
    edges = sum(len(piece) for piece in cell)
    # at most ~MAX_CHORD_POINTS boundary samples: grid SAT cells have dozens of pieces
    pts = _cell_boundary_points(cell, max(2, min(samples, MAX_CHORD_POINTS // max(edges, 1))))
    if radius is not None:
        norm = np.linalg.norm(pts, axis=1)
        pts = pts * np.minimum(1.0, radius / np.maximum(norm, 1e-300))[:, None]
    z = pts[:, None, :] - pts[None, :, :]
    k = np.round(z) if torus else np.zeros_like(z)
    d = np.linalg.norm(z - k, axis=-1)
    i, j = np.unravel_index(int(np.argmax(d)), d.shape)
    return pts[i], pts[j] + k[i, j], float(d[i, j])


def plot_certificate(
    cert: Certificate, path: str | os.PathLike | None = None, *, title: str | None = None
) -> plt.Figure:
    """Draw the partition: cells in colours, the longest chord of each, the checked bound.

    Parameters
    ----------
    cert : Certificate
        The partition.
    path : str or os.PathLike or None, default=None
        Save a PNG there (and close the figure).
    title : str or None, default=None
        The title; ``None``: the shape, m and the checked bound.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    shape = get_shape(cert.shape)
    fig, ax = plt.subplots(figsize=(5, 5))
    colours = plt.get_cmap("tab10" if len(cert.cells) <= 10 else "tab20")
    torus = isinstance(shape, FlatTorus)
    clip = None
    radius = None
    if isinstance(shape, Disk):
        radius = float(shape.radius)
        clip = Circle((0, 0), radius, transform=ax.transData)
        ax.add_patch(Circle((0, 0), radius, fill=False, lw=1.5, color="black"))
    shifts = [(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)] if torus else [(0, 0)]
    for ci, cell in enumerate(cert.cells):
        colour = colours(ci % colours.N)
        for piece in cell:
            p = np.array([[float(x), float(y)] for x, y in piece])
            for sx, sy in shifts:
                patch = Polygon(p + [sx, sy], closed=True, facecolor=colour, alpha=0.6,
                                edgecolor=colour, lw=0.4)
                ax.add_patch(patch)
                if clip is not None:
                    patch.set_clip_path(clip)
        if cell:
            a, b, length = longest_chord(cell, torus=torus, radius=radius)
            ax.plot([a[0], b[0]], [a[1], b[1]], color="black", lw=1.2)
            ax.plot([a[0], b[0]], [a[1], b[1]], "o", color="black", ms=2.5)
    if torus:
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    elif radius is not None:
        ax.set_xlim(-radius * 1.05, radius * 1.05)
        ax.set_ylim(-radius * 1.05, radius * 1.05)
    else:
        v = shape.float_vertices
        ax.add_patch(Polygon(v, closed=True, fill=False, lw=1.5, color="black"))
        pad = 0.03 * shape.diameter
        ax.set_xlim(v[:, 0].min() - pad, v[:, 0].max() + pad)
        ax.set_ylim(v[:, 1].min() - pad, v[:, 1].max() + pad)
    ax.set_aspect("equal")
    bound = math.sqrt(float(cert.bound_squared))
    ax.set_title(title or f"{cert.shape}, m = {cert.parts}: diameter <= {bound:.6f} (checked)")
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
    return fig

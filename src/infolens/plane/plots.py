"""Figures of an information-plane run (matplotlib, PNG and SVG).

* :func:`plot_information_plane`: one panel per layer, I(X; L) on x, I(L; Y) on y, points
  coloured by epoch and joined in order, with error bars (the picture of Shwartz-Ziv and
  Tishby, *Opening the Black Box of Deep Neural Networks via Information*, 2017,
  https://arxiv.org/abs/1703.00810, and of Butakov et al., ICLR 2024);
* :func:`plot_mi_vs_epoch`: both quantities against the epoch, one line per layer;
* :func:`plot_training_curves`: loss and accuracy against the epoch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "plot_information_plane",
    "plot_mi_vs_epoch",
    "plot_training_curves",
    "plot_all",
    "FORMATS",
]

FORMATS: tuple[str, ...] = ("png", "svg")
_DPI = 150
_MI_KEYS = ("i_xl", "i_xl_err", "i_ly", "i_ly_err")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _layers(rows: Sequence[dict]) -> list[str]:
    return list(dict.fromkeys(r["layer"] for r in rows))


def _series(rows: Sequence[dict], layer: str, *keys: str) -> list[np.ndarray]:
    chosen = sorted((r for r in rows if r["layer"] == layer), key=lambda r: r["epoch"])
    return [
        np.array([np.nan if r.get(k) is None else r[k] for r in chosen], dtype=float)
        for k in ("epoch", *keys)
    ]


def _save(fig, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in FORMATS:
        path = out_dir / f"{stem}.{fmt}"
        tmp = out_dir / f".{stem}.tmp.{fmt}"
        fig.savefig(tmp, dpi=_DPI, bbox_inches="tight", format=fmt)
        tmp.replace(path)
        paths.append(path)
    return paths


def _check_rows(rows: Sequence[dict]) -> None:
    if not rows:
        raise ValueError("table: no rows to plot (did the run record any epoch?)")


def plot_information_plane(
    rows: Sequence[dict], out_dir: str | Path, stem: str = "information_plane",
    title: str | None = None,
) -> list[Path]:
    """One panel per layer: I(X;L) vs I(L;Y), points coloured by epoch, joined in epoch order,
    with standard-error bars. Writes ``<stem>.png`` and ``<stem>.svg``; returns their paths."""
    _check_rows(rows)
    plt = _pyplot()
    from matplotlib.colors import Normalize

    layers = _layers(rows)
    ncols = len(layers) if len(layers) <= 3 else math.ceil(math.sqrt(len(layers)))
    nrows = math.ceil(len(layers) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.6 * ncols + 0.8, 3.3 * nrows), squeeze=False,
        constrained_layout=True,
    )
    epochs_all = [r["epoch"] for r in rows]
    norm = Normalize(vmin=min(epochs_all), vmax=max(max(epochs_all), min(epochs_all) + 1))
    cmap = plt.get_cmap("viridis")
    for ax, layer in zip(axes.flat, layers, strict=False):
        ep, ixl, ixl_err, ily, ily_err = _series(rows, layer, *_MI_KEYS)
        ax.plot(ixl, ily, color="0.6", lw=0.8, zorder=1)
        ax.errorbar(
            ixl, ily, xerr=ixl_err, yerr=ily_err, fmt="none", ecolor="0.75", elinewidth=0.6,
            zorder=0,
        )
        points = ax.scatter(ixl, ily, c=ep, cmap=cmap, norm=norm, s=22, zorder=2,
                            edgecolors="k", linewidths=0.3)
        ax.set_title(layer)
        ax.set_xlabel("I(X; L), nats")
        ax.set_ylabel("I(L; Y), nats")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(layers):]:
        ax.set_visible(False)
    fig.colorbar(points, ax=axes.ravel().tolist(), label="epoch", shrink=0.9)
    if title:
        fig.suptitle(title)
    paths = _save(fig, Path(out_dir), stem)
    plt.close(fig)
    return paths


def plot_mi_vs_epoch(
    rows: Sequence[dict], out_dir: str | Path, stem: str = "mi_vs_epoch"
) -> list[Path]:
    """I(X;L) and I(L;Y) against the epoch (two panels, one line per layer, error bands)."""
    _check_rows(rows)
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    for layer in _layers(rows):
        ep, ixl, ixl_err, ily, ily_err = _series(rows, layer, *_MI_KEYS)
        for ax, val, err in ((axes[0], ixl, ixl_err), (axes[1], ily, ily_err)):
            (line,) = ax.plot(ep, val, marker="o", ms=3, label=layer)
            ax.fill_between(ep, val - err, val + err, color=line.get_color(), alpha=0.2, lw=0)
    axes[0].set_ylabel("I(X; L), nats")
    axes[1].set_ylabel("I(L; Y), nats")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    paths = _save(fig, Path(out_dir), stem)
    plt.close(fig)
    return paths


def plot_training_curves(
    rows: Sequence[dict], out_dir: str | Path, stem: str = "training_curves"
) -> list[Path]:
    """Train/test loss and accuracy against the epoch (one value per epoch of the table)."""
    _check_rows(rows)
    plt = _pyplot()
    per_epoch = {r["epoch"]: r for r in rows}
    epochs = np.array(sorted(per_epoch))

    def column(key: str) -> np.ndarray:
        return np.array([np.nan if per_epoch[e].get(key) is None else per_epoch[e][key]
                         for e in epochs], dtype=float)

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    for ax, what in ((axes[0], "loss"), (axes[1], "acc")):
        for split in ("train", "test"):
            values = column(f"{split}_{what}")
            if np.isfinite(values).any():
                ax.plot(epochs, values, marker="o", ms=3, label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy" if what == "acc" else "loss (cross-entropy)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    paths = _save(fig, Path(out_dir), stem)
    plt.close(fig)
    return paths


def plot_all(rows: Sequence[dict], out_dir: str | Path) -> list[Path]:
    """All three figures of a run, PNG and SVG, in ``out_dir``."""
    return (
        plot_information_plane(rows, out_dir)
        + plot_mi_vs_epoch(rows, out_dir)
        + plot_training_curves(rows, out_dir)
    )

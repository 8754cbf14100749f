"""Figures of an information-plane run (matplotlib, PNG and SVG).

* :func:`plot_information_plane`: one panel per layer, I(X; L) on x, I(L; Y) on y, points
  coloured by epoch and joined in order, with error bars (the picture of Shwartz-Ziv and
  Tishby, "Opening the Black Box of Deep Neural Networks via Information", 2017,
  arXiv:1703.00810, and of Butakov et al., "Information Bottleneck Analysis of Deep Neural
  Networks via Lossy Compression", ICLR 2024, arXiv:2305.08013);
* :func:`plot_mi_vs_epoch`: both quantities against the epoch, one line per layer;
* :func:`plot_training_curves`: loss and accuracy against the epoch.

Points whose estimate an estimator flagged (the table's ``warnings`` column) are drawn hollow,
with a legend entry :data:`FLAGGED_LABEL`.
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
FLAGGED_LABEL = "flagged by the estimator (see table warnings)"
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


def _flags(rows: Sequence[dict], layer: str, key: str | None = None) -> np.ndarray:
    """Per epoch of ``layer`` (as :func:`_series` orders them): whether the row's warnings
    concern ``key`` ("i_xl" or "i_ly"), or any estimate when ``key`` is None."""
    chosen = sorted((r for r in rows if r["layer"] == layer), key=lambda r: r["epoch"])
    text = [r.get("warnings") or "" for r in chosen]
    return np.array([bool(t) if key is None else f"{key}: " in t for t in text], dtype=bool)


def _flagged_handle(color: str = "k"):
    from matplotlib.lines import Line2D

    return Line2D([], [], marker="o", linestyle="none", markerfacecolor="none",
                  markeredgecolor=color, label=FLAGGED_LABEL)


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
    """One panel per layer: I(X;L) vs I(L;Y), points coloured by epoch, joined in epoch order.

    With standard-error bars; flagged points are hollow.

    Parameters
    ----------
    rows : sequence of dict
        The result table (:func:`~infolens.plane.tracker.read_table`).
    out_dir : str or pathlib.Path
        Where the figure is written.
    stem : str, default="information_plane"
        File name without suffix.
    title : str or None, default=None
        Title of the figure.

    Returns
    -------
    list of pathlib.Path
        ``<stem>.png`` and ``<stem>.svg``.

    References
    ----------
    Shwartz-Ziv & Tishby, "Opening the Black Box of Deep Neural Networks via Information", 2017,
    arXiv:1703.00810.

    Examples
    --------
    >>> import tempfile
    >>> rows = [{"epoch": e, "layer": "L2", "i_xl": 1.0 + e, "i_xl_err": 0.1, "i_ly": 0.5,
    ...          "i_ly_err": 0.1} for e in range(3)]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in plot_information_plane(rows, tmp)]
    ['information_plane.png', 'information_plane.svg']
    """
    _check_rows(rows)
    plt = _pyplot()
    from matplotlib.cm import ScalarMappable
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
    any_flagged = False
    for ax, layer in zip(axes.flat, layers, strict=False):
        ep, ixl, ixl_err, ily, ily_err = _series(rows, layer, *_MI_KEYS)
        flagged = _flags(rows, layer)
        any_flagged = any_flagged or bool(flagged.any())
        ax.plot(ixl, ily, color="0.6", lw=0.8, zorder=1)
        ax.errorbar(
            ixl, ily, xerr=ixl_err, yerr=ily_err, fmt="none", ecolor="0.75", elinewidth=0.6,
            zorder=0,
        )
        ok = ~flagged
        ax.scatter(ixl[ok], ily[ok], c=ep[ok], cmap=cmap, norm=norm, s=22, zorder=2,
                   edgecolors="k", linewidths=0.3)
        ax.scatter(ixl[flagged], ily[flagged], s=26, zorder=3, facecolors="none",
                   edgecolors=cmap(norm(ep[flagged])), linewidths=1.2)
        ax.set_title(layer)
        ax.set_xlabel("I(X; L), nats")
        ax.set_ylabel("I(L; Y), nats")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(layers):]:
        ax.set_visible(False)
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axes.ravel().tolist(), label="epoch",
                 shrink=0.9)
    if any_flagged:
        fig.legend(handles=[_flagged_handle()], loc="outside lower center", fontsize=8,
                   frameon=False)
    if title:
        fig.suptitle(title)
    paths = _save(fig, Path(out_dir), stem)
    plt.close(fig)
    return paths


def plot_mi_vs_epoch(
    rows: Sequence[dict], out_dir: str | Path, stem: str = "mi_vs_epoch"
) -> list[Path]:
    """I(X;L) and I(L;Y) against the epoch (two panels, one line per layer, error bands).

    Flagged estimates are circled hollow.

    Parameters
    ----------
    rows : sequence of dict
        The result table (its MI columns).
    out_dir : str or pathlib.Path
        Where the figure is written.
    stem : str, default="mi_vs_epoch"
        File name without suffix.

    Returns
    -------
    list of pathlib.Path
        ``<stem>.png`` and ``<stem>.svg``.
    """
    _check_rows(rows)
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    flagged_in = [False, False]
    for j, layer in enumerate(_layers(rows)):
        color = f"C{j % 10}"  # the same colour for a layer in both panels
        ep, ixl, ixl_err, ily, ily_err = _series(rows, layer, *_MI_KEYS)
        panels = ((axes[0], ixl, ixl_err, "i_xl"), (axes[1], ily, ily_err, "i_ly"))
        for i, (ax, val, err, key) in enumerate(panels):
            ax.plot(ep, val, marker="o", ms=3, label=layer, color=color)
            ax.fill_between(ep, val - err, val + err, color=color, alpha=0.2, lw=0)
            flagged = _flags(rows, layer, key)
            if flagged.any():
                flagged_in[i] = True
                ax.plot(ep[flagged], val[flagged], linestyle="none", marker="o", ms=7,
                        markerfacecolor="none", markeredgecolor=color, mew=1.2)
    axes[0].set_ylabel("I(X; L), nats")
    axes[1].set_ylabel("I(L; Y), nats")
    for ax, flagged in zip(axes, flagged_in, strict=True):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(handles=handles + ([_flagged_handle()] if flagged else []), fontsize=8)
    paths = _save(fig, Path(out_dir), stem)
    plt.close(fig)
    return paths


def plot_training_curves(
    rows: Sequence[dict], out_dir: str | Path, stem: str = "training_curves"
) -> list[Path]:
    """Train/test loss and accuracy against the epoch (one value per epoch of the table).

    Parameters
    ----------
    rows : sequence of dict
        The result table (with ``train_loss``, ``test_acc``... columns).
    out_dir : str or pathlib.Path
        Directory of the figure.
    stem : str, default="training_curves"
        Its file name, without the suffix.

    Returns
    -------
    list of pathlib.Path
        The PNG and SVG files.
    """
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
        if ax.get_lines():  # a run without recorded metrics has nothing to label
            ax.legend(fontsize=8)
    paths = _save(fig, Path(out_dir), stem)
    plt.close(fig)
    return paths


def plot_all(rows: Sequence[dict], out_dir: str | Path) -> list[Path]:
    """All three figures of a run, PNG and SVG, in ``out_dir``.

    Parameters
    ----------
    rows : sequence of dict
        The result table.
    out_dir : str or pathlib.Path
        Where the figures are written.

    Returns
    -------
    list of pathlib.Path
        The six files.
    """
    return (
        plot_information_plane(rows, out_dir)
        + plot_mi_vs_epoch(rows, out_dir)
        + plot_training_curves(rows, out_dir)
    )

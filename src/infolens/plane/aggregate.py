"""The information plane of several runs (seeds) in one table and one figure.

Runs that differ only in their seed trace different curves; what a study reports is their
mean and spread. :func:`aggregate_rows` groups the rows of several result tables by layer and
epoch and gives, per group, the mean over runs of every numeric column and, for the MI columns,
the sample standard deviation over runs (``i_xl_sd``, ``i_ly_sd``), the minimum and the maximum.
In the aggregated table ``i_xl_err`` and ``i_ly_err`` hold that standard deviation, so the
figures of :mod:`infolens.plane.plots` draw the spread over runs as error bars.

Examples
--------
>>> run_a = [{"epoch": 0, "layer": "L2", "i_xl": 1.0, "i_xl_err": 0.1, "i_ly": 0.5, "i_ly_err": 0.1}]
>>> run_b = [{"epoch": 0, "layer": "L2", "i_xl": 3.0, "i_xl_err": 0.1, "i_ly": 0.7, "i_ly_err": 0.1}]
>>> row = aggregate_rows([run_a, run_b])[0]
>>> row["n_runs"], row["i_xl"], round(row["i_xl_sd"], 4), row["i_xl_min"], row["i_xl_max"]
(2, 2.0, 1.4142, 1.0, 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from infolens.io import atomic_write_json, atomic_write_text, csv_text

__all__ = ["aggregate_rows", "aggregate_runs", "AGGREGATE_STEM"]

#: file stem of the aggregated table and figures (``aggregate.csv``, ``aggregate.json``, ...)
AGGREGATE_STEM = "aggregate"
_SPREAD_KEYS = ("i_xl", "i_ly")
_SKIPPED = {"epoch", "layer", "warnings", "i_xl_err", "i_ly_err"}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def aggregate_rows(tables: Sequence[Sequence[dict]]) -> list[dict]:
    """Mean and spread over runs, per layer and epoch (see the module docstring).

    Parameters
    ----------
    tables : sequence of sequence of dict
        The result tables of the runs (:func:`~infolens.plane.tracker.read_table`), at least
        one, each with ``epoch``, ``layer``, ``i_xl`` and ``i_ly`` per row.

    Returns
    -------
    list of dict
        One row per (layer, epoch) that some run recorded, in epoch then first-seen layer
        order: ``epoch``, ``layer``, ``n_runs``, the mean of every numeric column, for
        ``i_xl`` and ``i_ly`` also ``_sd`` (sample standard deviation over runs, 0 for one
        run), ``_min``, ``_max`` and ``_err`` (= ``_sd``), and ``warnings`` ("k of n runs
        flagged" where runs were flagged).

    Raises
    ------
    ValueError
        When ``tables`` is empty or a row lacks a needed column.
    """
    if not tables:
        raise ValueError("tables: need at least one run's table")
    groups: dict[tuple[int, str], list[dict]] = {}
    for t, table in enumerate(tables):
        for row in table:
            for key in ("epoch", "layer", *_SPREAD_KEYS):
                if key not in row:
                    raise ValueError(f"tables: run {t} has a row without {key!r}")
            groups.setdefault((int(row["epoch"]), str(row["layer"])), []).append(row)
    layer_order = list(dict.fromkeys(layer for _, layer in groups))
    out = []
    for epoch, layer in sorted(groups, key=lambda g: (g[0], layer_order.index(g[1]))):
        rows = groups[epoch, layer]
        agg: dict = {"epoch": epoch, "layer": layer, "n_runs": len(rows)}
        columns = dict.fromkeys(k for r in rows for k in r if k not in _SKIPPED)
        for key in columns:
            values = [v for r in rows if (v := _number(r.get(key))) is not None]
            if values and len(values) == len(rows):
                agg[key] = float(np.mean(values))
        for key in _SPREAD_KEYS:
            values = np.array([float(r[key]) for r in rows])
            sd = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
            agg.update({f"{key}_sd": sd, f"{key}_min": float(values.min()),
                        f"{key}_max": float(values.max()), f"{key}_err": sd})
        flagged = sum(bool(r.get("warnings")) for r in rows)
        agg["warnings"] = f"{flagged} of {len(rows)} runs flagged" if flagged else ""
        out.append(agg)
    return out


def aggregate_runs(run_dirs: Sequence[str | Path], out_dir: str | Path, title: str | None = None) -> Path:
    """Aggregate the runs in ``run_dirs`` and write the table and figures to ``out_dir``.

    Writes ``aggregate.csv``, ``aggregate.json`` (rows of :func:`aggregate_rows` plus the runs
    read) and the figures ``aggregate_information_plane`` and ``aggregate_mi_vs_epoch``
    (PNG and SVG; error bars: standard deviation over runs).

    Parameters
    ----------
    run_dirs : sequence of str or pathlib.Path
        Directories of runs (each holding ``table.json``).
    out_dir : str or pathlib.Path
        Where the outputs go (created if needed).
    title : str or None, default=None
        Figure title; ``None``: "mean ± s.d. over N runs".

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Raises
    ------
    ValueError
        When no directory is given or one holds no valid table (naming it).
    """
    from infolens.plane.plots import plot_information_plane, plot_mi_vs_epoch
    from infolens.plane.tracker import read_table

    if not run_dirs:
        raise ValueError("run_dirs: give at least one run directory")
    tables = []
    for run in run_dirs:
        try:
            tables.append(read_table(run))
        except FileNotFoundError as err:
            raise ValueError(f"run_dirs: {err}") from None
    rows = aggregate_rows(tables)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / f"{AGGREGATE_STEM}.csv", csv_text(
        [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()} for r in rows]
    ))
    atomic_write_json(out / f"{AGGREGATE_STEM}.json",
                      {"runs": [str(Path(r)) for r in run_dirs], "rows": rows})
    title = title or f"mean ± s.d. over {len(tables)} runs"
    plot_information_plane(rows, out, stem=f"{AGGREGATE_STEM}_information_plane", title=title)
    plot_mi_vs_epoch(rows, out, stem=f"{AGGREGATE_STEM}_mi_vs_epoch")
    return out

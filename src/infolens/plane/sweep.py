"""Sweeps: a grid of information-plane runs (seeds, noise levels, epochs...) from one file.

A sweep file (YAML, or JSON) names what every run shares and the lists to combine::

    # infolens plane sweep sweep.yaml --backend ray
    out: results/sweep          # optional (the --out option wins)
    settings:                   # shared by every run: options of `infolens plane mnist`
      preset: demo
      epochs: 12
    grid:                       # every combination of these lists is one run
      seed: [0, 1, 2]
      noise_std: [0.001, 0.01]
    aggregate_over: seed        # optional (default seed): runs that differ only in it are
                                # drawn together, mean and spread per layer and epoch

Settings are the Python names of :func:`~infolens.plane.experiments.run_mnist_plane`
(``seed`` stands for ``random_state``): ``preset``, ``layers``, ``epochs``, ``probe_size``,
``seed``, ``device``, ``train_size``, ``noise_std``, ``lr``, ``batch_size``,
``x_compressor``, ``ae_train_size``, ``ae_max_epochs``, ``layer_compressor``, ``every``.
The model is the MNIST CNN of that experiment (its one architecture).

Each run writes its own resumable directory ``OUT/runs/<name>/`` (as ``infolens plane mnist``
does; ``<name>`` from the grid's values, e.g. ``noise_std=0.001,seed=0``), so a killed sweep
continues every unfinished run where it stopped. The grid's table is ``OUT/sweep.csv`` (one
row per run: its settings, status, and the last epoch's accuracy and MI per layer); the
aggregates are in ``OUT/aggregate/<group>/``.

Examples
--------
>>> spec = parse_sweep({"settings": {"epochs": 2}, "grid": {"seed": [0, 1], "noise_std": [0.01]}})
>>> [cell["run"] for cell in sweep_cells(spec)]
['seed=0,noise_std=0.01', 'seed=1,noise_std=0.01']
>>> sweep_groups(spec, sweep_cells(spec))
{'noise_std=0.01': ['seed=0,noise_std=0.01', 'seed=1,noise_std=0.01']}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from infolens.grid import GridResult, grid_cells, run_grid

__all__ = [
    "SweepSpec",
    "SWEEP_SETTINGS",
    "load_sweep",
    "parse_sweep",
    "sweep_cells",
    "sweep_groups",
    "run_sweep_cell",
    "run_sweep",
]

#: the settings a sweep may set or vary (Python names; ``seed`` is ``random_state``)
SWEEP_SETTINGS: tuple[str, ...] = (
    "preset", "layers", "epochs", "probe_size", "seed", "device", "train_size", "noise_std",
    "lr", "batch_size", "x_compressor", "ae_train_size", "ae_max_epochs", "layer_compressor",
    "every",
)
_TOP_KEYS = ("out", "settings", "grid", "aggregate_over")


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file.

    Parameters
    ----------
    settings : dict
        Settings shared by every run.
    grid : dict
        Setting name -> its list of values (every combination is a run).
    out : str or None, default=None
        Output directory named in the file.
    aggregate_over : str, default="seed"
        The axis whose runs are aggregated together.
    """

    settings: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    out: str | None = None
    aggregate_over: str = "seed"


def _check_setting(name: object, where: str) -> str:
    if name == "random_state":
        return "seed"
    if name not in SWEEP_SETTINGS:
        raise ValueError(f"{where}: unknown setting {name!r}; expected one of {', '.join(SWEEP_SETTINGS)}")
    return str(name)


def parse_sweep(data: Any) -> SweepSpec:
    """Check a sweep read from its file (a mapping) and return it.

    Parameters
    ----------
    data : mapping
        ``settings``, ``grid`` (required, each value a non-empty list), optionally ``out`` and
        ``aggregate_over``.

    Returns
    -------
    SweepSpec
        The sweep.

    Raises
    ------
    ValueError
        Naming the key that is wrong.
    """
    if not isinstance(data, Mapping):
        raise ValueError(
            f"sweep: expected a mapping with keys {', '.join(_TOP_KEYS)}, got {type(data).__name__}"
        )
    unknown = sorted(set(map(str, data)) - set(_TOP_KEYS))
    if unknown:
        raise ValueError(f"sweep: unknown key {unknown[0]!r}; expected {', '.join(_TOP_KEYS)}")
    settings_in = data.get("settings") or {}
    grid_in = data.get("grid")
    if not isinstance(settings_in, Mapping):
        raise ValueError("settings: expected a mapping of setting -> value")
    if not isinstance(grid_in, Mapping) or not grid_in:
        raise ValueError("grid: expected a non-empty mapping of setting -> list of values")
    settings = {_check_setting(k, "settings"): v for k, v in settings_in.items()}
    grid = {}
    for key, values in grid_in.items():
        name = _check_setting(key, "grid")
        if not isinstance(values, list) or not values:
            raise ValueError(f"grid.{key}: expected a non-empty list of values, got {values!r}")
        if len({repr(v) for v in values}) != len(values):
            raise ValueError(f"grid.{key}: a value is listed twice")
        if name in settings:
            raise ValueError(f"grid.{key}: also fixed under settings")
        grid[name] = list(values)
    aggregate_over = _check_setting(data.get("aggregate_over", "seed"), "aggregate_over")
    out = data.get("out")
    if out is not None and not isinstance(out, str):
        raise ValueError(f"out: expected a directory name, got {out!r}")
    return SweepSpec(settings=settings, grid=grid, out=out, aggregate_over=aggregate_over)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and check a sweep file (YAML or JSON).

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    SweepSpec
        The sweep.

    Raises
    ------
    ValueError
        When the file is missing, not YAML, or not a valid sweep (naming the key).
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"sweep file: {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ValueError(f"sweep file: {path} is not valid YAML: {err}") from None
    try:
        return parse_sweep(data)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def _run_name(values: Mapping[str, Any]) -> str:
    text = ",".join(f"{k}={'-'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in values.items())
    return re.sub(r"[^A-Za-z0-9=,._-]", "_", text)


def sweep_cells(spec: SweepSpec) -> list[dict]:
    """The grid's cells: the shared settings, one combination of the grid, and ``run`` (its name).

    Parameters
    ----------
    spec : SweepSpec
        The sweep.

    Returns
    -------
    list of dict
        One cell per run.
    """
    cells = []
    for cell in grid_cells(spec.grid, spec.settings):
        varied = {k: cell[k] for k in spec.grid}
        cells.append({"run": _run_name(varied), **cell})
    return cells


def sweep_groups(spec: SweepSpec, cells: Sequence[dict]) -> dict[str, list[str]]:
    """The runs to aggregate together: those equal but for ``spec.aggregate_over``.

    Parameters
    ----------
    spec : SweepSpec
        The sweep.
    cells : sequence of dict
        Its cells (:func:`sweep_cells`).

    Returns
    -------
    dict of str to list of str
        Group name (the other grid values; ``"all"`` when there are none) -> run names.
    """
    groups: dict[str, list[str]] = {}
    for cell in cells:
        others = {k: cell[k] for k in spec.grid if k != spec.aggregate_over}
        groups.setdefault(_run_name(others) or "all", []).append(cell["run"])
    return groups


def _check_cell(cell: Mapping[str, Any], check_device: bool) -> None:
    from infolens.plane.experiments import check_mnist_settings
    from infolens.plane.train import check_device as check_torch_device

    settings = {k: v for k, v in cell.items() if k not in ("run", "seed", "preset", "layers", "device")}
    check_mnist_settings(cell.get("preset", "demo"), cell.get("layers", ("L2", "L3", "L4", "L5")),
                         cell.get("seed", 0), **settings)
    if check_device and "device" in cell:
        check_torch_device(cell["device"])


def run_sweep_cell(cell: dict, *, out_dir: str, mnist_dir: str | None = None,
                   download: bool = False) -> dict:
    """Run (or continue) one run of a sweep in ``out_dir/runs/<run>`` and summarise it.

    Parameters
    ----------
    cell : dict
        ``run`` (its name) and the run's settings (:data:`SWEEP_SETTINGS`).
    out_dir : str
        The sweep's directory.
    mnist_dir : str or None, default=None
        Directory of the MNIST files (``None``: the loader's default).
    download : bool, default=False
        Download MNIST when missing.

    Returns
    -------
    dict
        ``run_dir``, ``epochs`` (recorded), ``test_acc`` of the last epoch, and per layer
        ``<layer>_i_xl``, ``<layer>_i_ly`` at the last epoch.
    """
    from infolens.plane.experiments import run_mnist_plane
    from infolens.plane.tracker import TABLE_JSON, read_table

    run_dir = Path(out_dir) / "runs" / cell["run"]
    settings = {k: v for k, v in cell.items() if k != "run"}
    if "seed" in settings:
        settings["random_state"] = settings.pop("seed")
    run_mnist_plane(out_dir=run_dir, resume=(run_dir / TABLE_JSON).is_file(), mnist_dir=mnist_dir,
                    download=download, progress=False, **settings)
    rows = read_table(run_dir)
    last = max(r["epoch"] for r in rows)
    final = [r for r in rows if r["epoch"] == last]
    summary: dict = {"run_dir": str(run_dir), "epochs": last, "test_acc": final[0].get("test_acc")}
    for r in final:
        summary[f"{r['layer']}_i_xl"] = r["i_xl"]
        summary[f"{r['layer']}_i_ly"] = r["i_ly"]
    return summary


def run_sweep(
    spec: SweepSpec,
    out_dir: str | Path,
    *,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    num_cpus: float = 1,
    num_gpus: float = 0,
    mnist_dir: str | Path | None = None,
    download: bool = False,
    fresh: bool = False,
    progress: bool = True,
) -> tuple[GridResult, dict[str, Path]]:
    """Run every run of the sweep (:func:`infolens.grid.run_grid`) and aggregate the groups.

    Parameters
    ----------
    spec : SweepSpec
        The sweep.
    out_dir : str or pathlib.Path
        The sweep's directory: ``sweep.csv``, ``runs/``, ``aggregate/``.
    backend : {"local", "ray"}, default="local"
        Where runs go (:func:`~infolens.grid.run_grid`).
    workers : int or None, default=None
        Runs at the same time (``None``: CPUs / ``num_cpus``).
    address : str or None, default=None
        Ray cluster address (``None``: a local instance).
    num_cpus : float, default=1
        CPUs per run.
    num_gpus : float, default=0
        GPUs per run (Ray only).
    mnist_dir : str or pathlib.Path or None, default=None
        Directory of the MNIST files.
    download : bool, default=False
        Download MNIST when missing.
    fresh : bool, default=False
        Forget which runs the table records as done (their directories still resume).
    progress : bool, default=True
        Progress bar over runs.

    Returns
    -------
    tuple of (GridResult, dict of str to pathlib.Path)
        The grid's result and, per group of runs that all finished, its aggregate directory.

    Raises
    ------
    ValueError
        A bad setting in any run (checked before the first run starts), named.
    """
    from infolens.plane.aggregate import aggregate_runs

    out = Path(out_dir)
    cells = sweep_cells(spec)
    for cell in cells:
        try:
            _check_cell(cell, check_device=backend == "local")
        except ValueError as err:
            raise ValueError(f"run {cell['run']}: {err}") from None
    function = partial(run_sweep_cell, out_dir=str(out),
                       mnist_dir=None if mnist_dir is None else str(mnist_dir), download=download)
    result = run_grid(cells, function, out / "sweep.csv", backend=backend, workers=workers,
                      address=address, num_cpus=num_cpus, num_gpus=num_gpus, fresh=fresh,
                      progress=progress, description="runs")
    ok = {row["run"] for row in result.rows if row["status"] == "ok"}
    aggregates = {}
    for group, runs in sweep_groups(spec, cells).items():
        if all(run in ok for run in runs):
            title = f"{group}: mean ± s.d. over {len(runs)} runs ({spec.aggregate_over})"
            aggregates[group] = aggregate_runs([out / "runs" / run for run in runs],
                                               out / "aggregate" / group, title=title)
    return result, aggregates

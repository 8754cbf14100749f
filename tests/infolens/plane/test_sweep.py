"""Sweeps of plane runs (`infolens plane sweep`) and the aggregate over seeds (`plane aggregate`)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from infolens.plane.aggregate import aggregate_rows
from infolens.plane.sweep import load_sweep, parse_sweep, sweep_cells, sweep_groups


def _table(rng: np.random.Generator, epochs: int = 3, layers=("L2", "L5")) -> list[dict]:
    return [{"epoch": e, "layer": layer, "i_xl": float(rng.normal(3, 1)), "i_xl_err": 0.1,
             "i_ly": float(rng.normal(1, 0.3)), "i_ly_err": 0.05, "test_acc": float(rng.uniform()),
             "warnings": ""} for e in range(epochs) for layer in layers]


def test_aggregate_is_the_mean_and_sample_sd_over_runs_per_layer_and_epoch():
    rng = np.random.default_rng(0)
    tables = [_table(rng) for _ in range(3)]
    tables[1][0]["warnings"] = "i_xl: flagged"
    rows = aggregate_rows(tables)
    assert [(r["epoch"], r["layer"]) for r in rows] == [(e, la) for e in range(3) for la in ("L2", "L5")]
    for i, row in enumerate(rows):
        values = np.array([t[i]["i_xl"] for t in tables])
        assert row["n_runs"] == 3
        assert row["i_xl"] == pytest.approx(values.mean())
        assert row["i_xl_sd"] == pytest.approx(values.std(ddof=1)) == row["i_xl_err"]
        assert (row["i_xl_min"], row["i_xl_max"]) == (values.min(), values.max())
        assert row["test_acc"] == pytest.approx(np.mean([t[i]["test_acc"] for t in tables]))
    assert rows[0]["warnings"] == "1 of 3 runs flagged" and rows[1]["warnings"] == ""
    with pytest.raises(ValueError, match="tables: need at least one run"):
        aggregate_rows([])
    with pytest.raises(ValueError, match="tables: run 0 has a row without 'i_ly'"):
        aggregate_rows([[{"epoch": 0, "layer": "L2", "i_xl": 1.0}]])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"grid": {"seed": [0]}, "extra": 1}, "sweep: unknown key 'extra'"),
        ({"settings": {"epochs": 1}}, "grid: expected a non-empty mapping"),
        ({"grid": {"seed": []}}, r"grid.seed: expected a non-empty list"),
        ({"grid": {"seed": 0}}, r"grid.seed: expected a non-empty list"),
        ({"grid": {"seed": [0, 0]}}, r"grid.seed: a value is listed twice"),
        ({"grid": {"width": [1, 2]}}, "grid: unknown setting 'width'"),
        ({"grid": {"seed": [0]}, "settings": {"seed": 1}}, r"grid.seed: also fixed under settings"),
        ({"grid": {"seed": [0]}, "aggregate_over": "colour"}, "aggregate_over: unknown setting"),
    ],
)
def test_bad_sweeps_are_named(data, message):
    with pytest.raises(ValueError, match=message):
        parse_sweep(data)


def test_sweep_cells_and_groups():
    spec = parse_sweep({"settings": {"epochs": 2, "layers": ["L5"]},
                        "grid": {"noise_std": [0.001, 0.01], "random_state": [0, 1, 2]}})
    cells = sweep_cells(spec)
    assert len(cells) == 6 and cells[0] == {"run": "noise_std=0.001,seed=0", "epochs": 2,
                                            "layers": ["L5"], "noise_std": 0.001, "seed": 0}
    groups = sweep_groups(spec, cells)
    assert list(groups) == ["noise_std=0.001", "noise_std=0.01"]
    assert groups["noise_std=0.01"] == [f"noise_std=0.01,seed={s}" for s in range(3)]


def test_sweep_file_errors_name_the_file(tmp_path, run_main):
    missing = run_main("plane", "sweep", tmp_path / "nope.yaml")
    assert missing.returncode == 2 and "sweep file:" in missing.stderr and "does not exist" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid: {seed: [0, 1]}\nsettings: {epochs: 0}\n")
    result = run_main("plane", "sweep", bad, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "run seed=0: epochs: must be >= 1" in result.stderr
    assert not (tmp_path / "out" / "runs").exists()  # checked before any run starts
    with pytest.raises(ValueError, match="not valid YAML"):
        bad.write_text("grid: [unclosed\n")
        load_sweep(bad)


def test_plane_aggregate_missing_dir_is_one_line_exit_2(tmp_path, run_main):
    result = run_main("plane", "aggregate", tmp_path / "nothing", "--out", tmp_path / "agg")
    assert result.returncode == 2
    assert "no result table" in result.stderr


def test_sweep_runs_every_run_aggregates_and_resumes(tmp_path, run_main, real_mnist_dir):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        "settings: {epochs: 1, train_size: 600, probe_size: 300, x_compressor: pca, layers: [L5],\n"
        "           batch_size: 100}\n"
        "grid: {seed: [0, 1]}\n"
    )
    out = tmp_path / "sweep"
    args = ["plane", "sweep", sweep, "--out", out, "--workers", "1", "--mnist-dir", real_mnist_dir,
            "--no-progress"]
    first = run_main(*args)
    assert first.returncode == 0, first.stderr
    assert "2 of 2 runs finished (2 now, 0 done before, 0 failed)" in first.stdout
    with (out / "sweep.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["run"] for r in rows] == ["seed=0", "seed=1"]
    assert all(r["status"] == "ok" and float(r["L5_i_xl"]) > 0 for r in rows)
    aggregate = json.loads((out / "aggregate" / "all" / "aggregate.json").read_text())
    i_xl = [float(r["L5_i_xl"]) for r in rows]
    last = [r for r in aggregate["rows"] if r["epoch"] == 1][0]
    assert last["n_runs"] == 2 and last["i_xl"] == pytest.approx(np.mean(i_xl))
    assert (out / "aggregate" / "all" / "aggregate_information_plane.png").stat().st_size > 0

    again = run_main(*args)
    assert "(0 now, 2 done before, 0 failed)" in again.stdout

    agg = run_main("plane", "aggregate", out / "runs" / "seed=0", out / "runs" / "seed=1",
                   "--out", tmp_path / "agg")
    assert agg.returncode == 0, agg.stderr
    assert json.loads((tmp_path / "agg" / "aggregate.json").read_text())["rows"] == aggregate["rows"]

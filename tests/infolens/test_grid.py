"""The grid runner: local processes and a real Ray instance, resume, retries, crashes, kills."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from infolens.grid import check_backend, example_cell, read_grid_table, run_grid, store_path

TIMING = ("wall_seconds", "seconds")


def _cells(n: int = 6, sleep: float = 0.0) -> list[dict]:
    cells = [{"a": a, "b": 3} for a in range(n)]
    if sleep:
        cells = [{**c, "sleep": sleep} for c in cells]
    return cells


def _untimed(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in TIMING} for row in rows]


def test_serial_grid_runs_every_cell_and_skips_them_on_rerun(tmp_path):
    table = tmp_path / "grid.csv"
    first = run_grid(_cells(), example_cell, table, workers=1, progress=False)
    assert (first.done, first.skipped, first.failed) == (6, 0, 0)
    assert [row["product"] for row in first.rows] == [3 * a for a in range(6)]
    assert [int(r["product"]) for r in read_grid_table(table)] == [3 * a for a in range(6)]
    again = run_grid(_cells(), example_cell, table, workers=1, progress=False)
    assert (again.done, again.skipped) == (0, 6)
    assert _untimed(again.rows) == _untimed(first.rows)
    fresh = run_grid(_cells(), example_cell, table, workers=1, progress=False, fresh=True)
    assert fresh.done == 6


def test_a_cell_whose_settings_changed_is_run_again(tmp_path):
    table = tmp_path / "grid.csv"
    run_grid(_cells(3), example_cell, table, workers=1, progress=False, settings=lambda c: {"v": 1})
    rerun = run_grid(_cells(3), example_cell, table, workers=1, progress=False,
                     settings=lambda c: {"v": 1 + (c["a"] == 2)})
    assert (rerun.done, rerun.skipped) == (1, 2)


def test_failing_cell_is_retried_once_then_recorded_and_the_grid_goes_on(tmp_path):
    table = tmp_path / "grid.csv"
    cells = [{"a": -1, "b": 1}, *_cells(3)]
    result = run_grid(cells, example_cell, table, workers=1, progress=False)
    assert (result.done, result.failed) == (3, 1)
    bad = result.rows[0]
    assert bad["status"] == "failed" and bad["attempts"] == 2
    assert bad["cell_error"] == "ValueError: a: must be >= 0, got -1"
    assert [r["status"] for r in read_grid_table(table)] == ["failed", "ok", "ok", "ok"]
    no_retry = run_grid(cells, example_cell, table, workers=1, progress=False, retries=0)
    assert no_retry.rows[0]["attempts"] == 1 and no_retry.skipped == 3  # failed cells run again


def test_two_processes_give_the_serial_table_and_a_crash_is_pinned_on_its_cell(tmp_path):
    cells = [*_cells(5), {"a": 1, "b": 1, "exit_code": 3}]
    serial = run_grid(_cells(5), example_cell, tmp_path / "serial.csv", workers=1, progress=False)
    pooled = run_grid(cells, example_cell, tmp_path / "pool.csv", workers=2, progress=False)
    assert _untimed(pooled.rows[:5]) == _untimed(serial.rows)
    crashed = pooled.rows[5]
    assert crashed["status"] == "failed" and crashed["attempts"] == 2
    assert "worker process died" in crashed["cell_error"]
    assert pooled.done == 5


def test_ray_backend_gives_the_same_table_as_a_plain_loop(tmp_path):
    pytest.importorskip("ray")
    cells = [{"a": -1, "b": 1}, *_cells(4)]
    local = run_grid(cells, example_cell, tmp_path / "local.csv", workers=1, progress=False)
    on_ray = run_grid(cells, example_cell, tmp_path / "ray.csv", backend="ray", workers=2,
                      progress=False)
    assert _untimed(on_ray.rows) == _untimed(local.rows)
    assert on_ray.rows[0]["cell_error"] == "ValueError: a: must be >= 0, got -1"
    import ray

    assert not ray.is_initialized()  # the runner stops the instance it started


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "dask"}, "backend: expected one of local, ray"),
        ({"workers": 0}, "workers: must be an integer >= 1"),
        ({"num_cpus": 0}, "num_cpus: must be a number > 0"),
        ({"num_gpus": 1}, "num_gpus: only the ray backend schedules GPUs"),
        ({"retries": -1}, "retries: must be an integer >= 0"),
    ],
)
def test_bad_runner_settings_are_named(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_grid(_cells(1), example_cell, tmp_path / "g.csv", progress=False, **kwargs)


def test_bad_cells_are_named(tmp_path):
    with pytest.raises(ValueError, match="cells: the grid names the same cell twice"):
        run_grid([{"a": 1, "b": 1}] * 2, example_cell, tmp_path / "g.csv", progress=False)
    with pytest.raises(ValueError, match="cells: cell 0 is not JSON-ready"):
        run_grid([{"a": object()}], example_cell, tmp_path / "g.csv", progress=False)
    assert check_backend("local", None, 1, 0) >= 1


DRIVER = textwrap.dedent("""
    import sys
    from infolens.grid import example_cell, run_grid
    cells = [{"a": a, "b": 7, "sleep": 0.4} for a in range(8)]
    run_grid(cells, example_cell, sys.argv[1], workers=int(sys.argv[2]), progress=False)
""")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_driver_resumes_to_the_table_of_an_uninterrupted_run(tmp_path, workers):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    whole = tmp_path / "whole.csv"
    subprocess.run([sys.executable, script, whole, str(workers)], check=True)
    killed = tmp_path / "killed.csv"
    proc = subprocess.Popen([sys.executable, script, killed, str(workers)], start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        store = store_path(killed)
        if store.is_file() and len(json.loads(store.read_text())["cells"]) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, at once
    proc.wait()
    partial = read_grid_table(killed)
    assert 1 <= len(partial) < 8  # stopped part-way, with a readable table
    subprocess.run([sys.executable, script, killed, str(workers)], check=True)
    assert _untimed(read_grid_table(killed)) == _untimed(read_grid_table(whole))


def _csv_rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_bench_suite_command_runs_a_grid_and_resumes(tmp_path, run_main):
    args = ["bench", "suite", "--n", "500", "--seeds", "0", "--estimators", "ksg,kl",
            "--tasks", "gaussian-1x1-i0.1,gaussian-2x2-i1", "--out", tmp_path, "--workers", "1",
            "--no-progress"]
    first = run_main(*args)
    assert first.returncode == 0, first.stderr
    assert "4 of 4 cells (4 now, 0 done before, 0 failed)" in first.stdout
    rows = _csv_rows(tmp_path / "suite.csv")
    assert [(r["task"], r["estimator"]) for r in rows] == [
        ("gaussian-1x1-i0.1", "ksg"), ("gaussian-1x1-i0.1", "kl"),
        ("gaussian-2x2-i1", "ksg"), ("gaussian-2x2-i1", "kl"),
    ]
    assert all(abs(float(r["estimate"]) - float(r["true_mi"])) < 0.3 for r in rows)
    assert (tmp_path / "suite.md").is_file()
    second = run_main(*args)
    assert "(0 now, 4 done before, 0 failed)" in second.stdout


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--n", "abc", "--n: expected comma-separated integers"),
     ("--estimators", "ksg,nope", "--estimators: unknown nope"),
     ("--backend", "spark", "--backend: expected one of local, ray"),
     ("--workers", "0", "Invalid value for '--workers'")],
)
def test_bench_suite_bad_option_is_named(tmp_path, run_main, option, value, message):
    result = run_main("bench", "suite", "--out", tmp_path, option, value)
    assert result.returncode == 2
    assert message in result.stderr


def test_ctrl_c_leaves_a_consistent_table_and_exit_code_130(tmp_path):
    exe = Path(sys.executable).with_name("infolens")
    # cells of 0.1-0.5 s each, so the grid cannot end in the moment the interrupt takes
    seeds = ",".join(str(s) for s in range(12))
    args = [exe, "bench", "suite", "--n", "20000", "--seeds", seeds, "--estimators", "ksg",
            "--families", "gaussian", "--out", tmp_path, "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    store = tmp_path / "suite.cells.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        store.is_file() and json.loads(store.read_text())["cells"]
    ):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the grid finished before the interrupt arrived")
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "run the same command again to resume" in err
    rows = _csv_rows(tmp_path / "suite.csv")
    saved = json.loads(store.read_text())["cells"]
    assert len(rows) == len(saved) and all(r["status"] == "ok" for r in rows)


def test_a_ctrl_c_while_a_cell_is_recorded_waits_for_the_record():
    from infolens.grid import _interrupt_held

    steps = []
    with pytest.raises(KeyboardInterrupt):
        with _interrupt_held():
            steps.append("store")
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs between bytecodes: give it the chance
            steps.append("table")
    assert steps == ["store", "table"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("workers", [1, 2])
def test_each_cell_gets_num_cpus_threads_and_a_lambda_is_a_cell_function(tmp_path, workers):
    from infolens.estimators.knn_counts import resolve_n_jobs

    before = os.environ.get("INFOLENS_N_JOBS")
    result = run_grid(
        [{"i": i} for i in range(3)],
        lambda cell: {"n_jobs": resolve_n_jobs(None), "omp": os.environ.get("OMP_NUM_THREADS")},
        tmp_path / "g.csv", workers=workers, num_cpus=1, progress=False,
    )
    assert [row["n_jobs"] for row in result.rows] == [1, 1, 1]
    if workers > 1:
        assert {row["omp"] for row in result.rows} == {"1"}
    assert os.environ.get("INFOLENS_N_JOBS") == before  # restored in this process

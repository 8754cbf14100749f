"""The `infolens` command line, run as a user runs it (a subprocess)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from infolens.tasks import CorrelatedGaussian


def run_cli(*args, cwd=None):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "infolens.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )


@pytest.fixture(scope="module")
def gaussian_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(5_000, seed=0)
    np.save(d / "x.npy", x)
    np.save(d / "y.npy", y)
    np.savetxt(d / "x.csv", x, delimiter=",", header="a,b", comments="")
    np.savetxt(d / "y.csv", y, delimiter=",")
    return d


def test_estimate_json_is_close_to_truth(gaussian_files):
    r = run_cli("estimate", gaussian_files / "x.npy", gaussian_files / "y.npy", "--json",
                "--method", "ksg")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["method"] == "ksg" and record["unit"] == "nats" and record["n"] == 5_000
    assert abs(record["estimate"] - 1.0) < 0.05 and record["stderr"] > 0
    assert "chosen" not in record


def test_estimate_defaults_to_auto_and_says_what_it_used(gaussian_files, run_main):
    r = run_cli("estimate", gaussian_files / "x.npy", gaussian_files / "y.npy", "--json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["method"] == "auto" and abs(record["estimate"] - 1.0) < 0.05
    assert record["chosen"] == "copula+ksg" and "Gaussian copula" in record["reason"]
    assert record["candidates"]["gaussian_copula"]["value"] == pytest.approx(1.0, abs=0.05)
    r = run_main("estimate", gaussian_files / "x.npy", gaussian_files / "y.npy")
    assert r.returncode == 0, r.stderr
    assert "(auto, n=5000" in r.stdout and "auto used copula+ksg: " in r.stdout


def test_estimate_csv_with_header_in_bits(gaussian_files):
    r = run_cli("estimate", gaussian_files / "x.csv", gaussian_files / "y.csv",
                "--method", "weighted-kl", "--bits", "--json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["unit"] == "bits"
    assert abs(record["estimate"] - 1.0 / np.log(2)) < 0.1


def test_estimate_plain_text_output(gaussian_files, run_main):
    r = run_main("estimate",
                 gaussian_files / "x.npy", gaussian_files / "y.npy", "--k", "3")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("I(X;Y) = ") and "nats" in r.stdout


def test_tasks_list_and_sample(tmp_path, run_main):
    r = run_main("tasks", "list", "--json")
    assert r.returncode == 0, r.stderr
    names = {row["name"]: row for row in json.loads(r.stdout)}
    assert names["gaussian-2x2-i1"]["mutual_information"] == pytest.approx(1.0)
    out = tmp_path / "s"
    r = run_cli("tasks", "sample", "asinh-gaussian-2x2-i1", "--n", "300", "--seed", "2", "--out", out)
    assert r.returncode == 0, r.stderr
    x, y = np.load(out / "x.npy"), np.load(out / "y.npy")
    assert x.shape == (300, 2) and y.shape == (300, 2)
    meta = json.loads((out / "task.json").read_text())
    assert meta["mutual_information"] == pytest.approx(1.0) and meta["seed"] == 2


def _one_line_error(r, *fragments):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_bad_input_in_a_subprocess_exits_2(tmp_path, gaussian_files):
    _one_line_error(run_cli("estimate", tmp_path / "missing.npy", gaussian_files / "x.npy"),
                    "X", "not found")


def test_bad_inputs_exit_2_with_one_line(tmp_path, gaussian_files, run_main):
    def run_cli(*args):
        return run_main(*args)

    xs = gaussian_files / "x.npy"
    np.save(tmp_path / "short.npy", np.zeros((10, 2)) + np.arange(10)[:, None])
    np.save(tmp_path / "cube.npy", np.zeros((10, 2, 2)))
    bad = np.arange(20.0).reshape(10, 2)
    bad[4, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "words.csv").write_text("a,b\n1,2\n3,x\n")
    np.save(tmp_path / "tiny.npy", np.arange(4.0))
    _one_line_error(run_cli("estimate", tmp_path / "missing.npy", xs), "X", "not found")
    _one_line_error(run_cli("estimate", xs, tmp_path / "short.npy"), "sample counts differ")
    _one_line_error(run_cli("estimate", tmp_path / "cube.npy", tmp_path / "cube.npy"), "3-D")
    _one_line_error(run_cli("estimate", tmp_path / "nan.npy", tmp_path / "nan.npy"), "NaN")
    _one_line_error(run_cli("estimate", tmp_path / "empty.csv", xs), "X", "empty")
    _one_line_error(run_cli("estimate", tmp_path / "words.csv", xs), "X", "non-numeric")
    _one_line_error(run_cli("estimate", tmp_path / "tiny.npy", tmp_path / "tiny.npy"),
                    "needs at least 6 samples")
    _one_line_error(run_cli("estimate", xs, xs, "--method", "magic"), "method", "magic")
    _one_line_error(run_cli("tasks", "sample", "no-such-task"), "unknown task")


def test_estimate_auto_with_integer_labels(tmp_path):
    from infolens.tasks import get_task

    task = get_task("labels-10-d2")
    x, labels = task.sample(3000, seed=1)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "labels.npy", labels)
    r = run_cli("estimate", tmp_path / "x.npy", tmp_path / "labels.npy", "--json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["chosen"] == "ross"
    assert abs(record["estimate"] - task.mutual_information) < 0.1


def test_estimate_device_option_is_checked_and_reaches_neural_estimators(tmp_path, run_main):
    import torch

    rng = np.random.default_rng(0)
    np.save(tmp_path / "x.npy", rng.normal(size=(300, 2)))
    np.save(tmp_path / "y.npy", rng.normal(size=(300, 2)))
    if not torch.cuda.is_available():
        bad = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy", "--device", "cuda")
        assert bad.returncode == 2 and "--device: cuda is not available" in bad.stderr
    wrong = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy", "--device", "gpu")
    assert wrong.returncode == 2 and wrong.stderr.startswith("error: --device:")
    ok = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy", "--method", "ksg",
                  "--device", "auto", "--json")
    assert ok.returncode == 0 and abs(json.loads(ok.stdout)["estimate"]) < 0.1

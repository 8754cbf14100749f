"""Regressions of the hostile-user review (issue: reliability): each test failed before its fix."""

import json
import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from infolens._validation import CONSTANT_RTOL, column_moments, constant_columns
from infolens.estimators.knn import KSG, ContinuousDiscreteMI, KLEntropy, WeightedKL
from infolens.estimators.result import EstimatorWarning, MIEstimate, negative_estimate_message
from infolens.io import atomic_write_json, load_array
from infolens.tasks import CorrelatedGaussian

CLI = [sys.executable, "-c", "from infolens.cli import main; main()"]


def run_entry_point(*args, cwd=None):
    """The console-script entry point in a fresh interpreter, as a user runs it."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "100"}
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def k_nn_estimators():
    return [KSG(), KSG(variant=2), WeightedKL(), KLEntropy(standardize=True), KLEntropy()]


@pytest.fixture(scope="module")
def gaussian_pair():
    return CorrelatedGaussian(2, 2, mutual_information=1.0).sample(2_000, seed=0)


# ------------------------------------------------------------------ 1. usage errors


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "Usage"),
        (("estimate",), "Missing argument"),
        (("estimate", "x.npy", "y.npy", "--k", "abc"), "--k"),
        (("estimate", "x.npy", "y.npy", "--frobnicate"), "No such option"),
        (("frobnicate",), "No such command"),
        (("estimate", "x.npy", "y.npy", "--k", "0"), "--k"),
        (("tasks", "sample", "gaussian-2x2-i1", "--n", "1e11"), "--n"),
    ],
)
def test_usage_errors_exit_2_with_typer_usage_message(args, expected):
    result = run_entry_point(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stdout + result.stderr


# ------------------------------------------------------------------ 2. silently wrong numbers


def test_constant_columns_by_relative_tolerance():
    a = np.tile([0.1257, -0.1321, 0.0, 1e300], (1000, 1))
    assert a[:, 0].std() > 0  # floating-point std of a constant column is not 0
    assert constant_columns(a).all()
    varying = np.array([[1.0], [1.0 + 1e-9]])
    assert not constant_columns(varying).any() and CONSTANT_RTOL < 1e-9
    _, std = column_moments(a)
    assert np.all(std == 0)


@pytest.mark.parametrize("estimator", k_nn_estimators(), ids=repr)
def test_float_constant_variable_gives_exactly_zero(estimator, gaussian_pair):
    _, y = gaussian_pair
    x = np.tile([0.1257, -0.1321], (len(y), 1))
    result = estimator.estimate_with_error(x, y)
    assert result.value == 0.0 and not result.warnings


@pytest.mark.parametrize("estimator", k_nn_estimators(), ids=repr)
def test_constant_column_next_to_data_is_dropped(estimator, gaussian_pair):
    x, y = gaussian_pair
    padded = np.hstack([x, np.full((len(x), 1), 0.1257)])
    assert estimator.estimate(padded, y) == pytest.approx(estimator.estimate(x, y), abs=1e-9)


@pytest.mark.parametrize("estimator", k_nn_estimators(), ids=repr)
@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_extreme_scales_give_the_same_estimate(estimator, scale, gaussian_pair):
    x, y = gaussian_pair
    reference = estimator.estimate(x, y)
    assert reference == pytest.approx(1.0, abs=0.15)  # truth 1 nat
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow on the way
        assert estimator.estimate(x * scale, y / scale) == pytest.approx(reference, abs=1e-2)


def test_entropy_of_extreme_scales_shifts_by_log_scale(gaussian_pair):
    x, _ = gaussian_pair
    for estimator in (KLEntropy(), KLEntropy(standardize=True), WeightedKL()):
        h = estimator.entropy(x)
        assert estimator.entropy(x * 1e300) == pytest.approx(h + 2 * np.log(1e300), abs=1e-6)


def test_repeated_rows_counted_on_each_side():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 40, size=(5_000, 1)).astype(float)  # ~99% of the rows repeat
    y = x + rng.normal(size=x.shape)
    assert len(np.unique(np.hstack([x, y]), axis=0)) == len(x)  # no repeated joint row
    with pytest.warns(EstimatorWarning, match="^x: .* rows repeat"):
        result = WeightedKL().estimate_with_error(x, y)
    assert any(m.startswith("x: ") and "rows repeat" in m for m in result.warnings)
    assert not any(m.startswith("y: ") for m in result.warnings)


def test_negative_estimate_is_flagged():
    assert negative_estimate_message(0.1, 0.01) is None
    assert "within 2 standard errors" in negative_estimate_message(-0.01, 0.01)
    assert "bias dominates" in negative_estimate_message(-1.0, 0.01)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 40, size=(3_000, 1)).astype(float)
    result = WeightedKL().estimate_with_error(x, x + rng.normal(size=x.shape))
    assert result.value < 0  # truth is positive: the discrete x breaks k-NN
    assert result.flagged and any("negative estimate" in m for m in result.warnings)


def test_weighted_kl_in_too_high_dimension_warns_and_names_the_alternative():
    x, y = CorrelatedGaussian(20, 20, mutual_information=1.6).sample(2_000, seed=0)
    with pytest.warns(EstimatorWarning, match="40 dimensions with 2000 samples.*FlowMI"):
        result = WeightedKL().estimate_with_error(x, y)
    assert result.flagged
    x4, y4 = CorrelatedGaussian(4, 4, mutual_information=1.6).sample(2_000, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        low = WeightedKL().estimate_with_error(x4, y4)
    assert low.value == pytest.approx(1.6, abs=0.25) and not low.warnings


def test_cli_prints_and_reports_warnings(tmp_path, run_main):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 40, size=(2_000, 1)).astype(float)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x + rng.normal(size=x.shape))
    plain = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy",
                     "--method", "weighted-kl")
    assert plain.returncode == 0
    assert "warning: x: " in plain.stderr and "negative estimate" in plain.stderr
    as_json = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy",
                       "--method", "weighted-kl", "--json")
    record = json.loads(as_json.stdout)
    assert record["estimate"] < 0 and any("negative" in w for w in record["warnings"])


def test_mi_estimate_carries_warnings_into_its_dict():
    r = MIEstimate(1.0, 0.1, 10, "m", warnings=("a",))
    assert r.as_dict()["warnings"] == ["a"] and r.flagged


# ------------------------------------------------------------------ 9. one line, not a traceback


def test_tasks_sample_out_errors_name_the_option(tmp_path, run_main):
    existing_file = tmp_path / "file"
    existing_file.write_text("x")
    r = run_main("tasks", "sample", "gaussian-2x2-i1", "--n", "10",
                 "--out", existing_file)
    assert r.returncode == 2 and "--out" in r.stderr and "not a directory" in r.stderr
    r = run_main("tasks", "sample", "gaussian-2x2-i1", "--n", "10",
                 "--out", "/proc/infolens-cannot-write-here")
    assert r.returncode == 2 and "--out" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_tasks_sample_too_many_samples_names_n(run_main, tmp_path):
    r = run_main("tasks", "sample", "gaussian-2x2-i1", "--n",
                 str(10**13), "--out", tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("error: --n:") and "GiB" in r.stderr


def test_zero_dimensional_npy_is_one_line(tmp_path, run_main):
    np.save(tmp_path / "x.npy", np.array(3.0))
    np.save(tmp_path / "y.npy", np.zeros(10))
    r = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy")
    assert r.returncode == 2 and r.stderr.startswith("error: X:") and "scalar" in r.stderr


@pytest.mark.parametrize("method", ["ross", "kl", "weighted-kl"])
def test_unusable_labels_are_one_line_errors(method):
    x = np.random.default_rng(0).normal(size=(100, 2))
    estimator = ContinuousDiscreteMI(algorithm=method)
    for labels, message in [
        (np.arange(100), "^y: "),
        (None, "^y: expected an array of class labels, got None"),
        (np.array([None] * 100), "^y: class labels must be integers or strings"),
    ]:
        with pytest.raises(ValueError, match=message):
            estimator.estimate(x, labels)


def test_many_tiny_classes_are_flagged():
    x = np.random.default_rng(0).normal(size=(200, 2))
    with pytest.warns(EstimatorWarning, match="classes with fewer than k"):
        result = ContinuousDiscreteMI().estimate_with_error(x, np.arange(200) % 50)
    assert result.flagged


# ------------------------------------------------------------------ 10. CSV headers


def test_csv_typo_in_first_row_is_an_error_not_a_header(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("1.0,2.0x\n3.0,4.0\n5.0,6.0\n")
    with pytest.raises(ValueError, match=r"^X: .*line 1, column 2: non-numeric cell '2.0x'"):
        load_array(path, "X")


def test_csv_header_is_skipped_only_when_wholly_non_numeric_and_said(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    with pytest.warns(UserWarning, match="line 1 .* read as a header"):
        assert load_array(path, "X").tolist() == [[1, 2], [3, 4]]
    path.write_text("a,2\n1,2\n3,4\n")
    with pytest.raises(ValueError, match="line 1, column 1"):
        load_array(path, "X")


# ------------------------------------------------------------------ 11. pca-ksg on few columns


def test_pca_ksg_on_two_columns_from_the_cli(tmp_path, run_main):
    x, y = CorrelatedGaussian(2, 1, mutual_information=1.0).sample(3_000, seed=0)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    r = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy",
                 "--method", "pca-ksg", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["estimate"] == pytest.approx(1.0, abs=0.1)  # PCA to 2 dims loses nothing
    r = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy",
                 "--method", "pca-ksg", "--latent-dim", "1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["estimate"] < 1.0
    r = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy",
                 "--method", "ksg", "--latent-dim", "1")
    assert r.returncode == 2 and r.stderr.startswith("error: --latent-dim: only pca-ksg")
    r = run_main("estimate", tmp_path / "x.npy", tmp_path / "y.npy",
                 "--method", "magic")
    assert r.returncode == 2 and r.stderr.startswith("error: --method: unknown estimator 'magic'")


# ------------------------------------------------------------------ 12. file modes


def test_atomic_writes_respect_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_json(tmp_path / "a.json", {"a": 1})
        os.umask(0o077)
        atomic_write_json(tmp_path / "b.json", {"b": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o600
    assert not list(Path(tmp_path).glob(".*.tmp"))

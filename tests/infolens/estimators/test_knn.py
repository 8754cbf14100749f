"""k-NN estimators against known true MI and entropy, with stated tolerances."""

import warnings

import numpy as np
import pytest
from scipy.special import gammaln

from infolens.estimators import KSG, ContinuousDiscreteMI, KLEntropy, WeightedKL
from infolens.estimators.knn import log_unit_ball_volume, weighted_kl_weights
from infolens.estimators.knn_reference import ksg_bruteforce
from infolens.tasks import CorrelatedGaussian, LabelsTask, Transformed

GAUSSIAN_ENTROPY = 0.5 * np.log(2 * np.pi * np.e)  # nats, per standard normal coordinate


@pytest.fixture(scope="module")
def gaussian_2x2_i1():
    task = CorrelatedGaussian(2, 2, mutual_information=1.0)
    return task.sample(5_000, seed=0)


@pytest.mark.parametrize("variant", [1, 2])
def test_ksg_recovers_gaussian_mi_within_005(gaussian_2x2_i1, variant):
    x, y = gaussian_2x2_i1
    assert abs(KSG(k=5, variant=variant).estimate(x, y) - 1.0) < 0.05


def test_ksg_tree_equals_bruteforce_definition():
    x, y = CorrelatedGaussian(3, 2, mutual_information=1.5).sample(600, seed=3)
    tree = KSG(k=4, jitter=0.0, standardize=False).estimate(x, y)
    assert tree == pytest.approx(ksg_bruteforce(x, y, k=4), abs=1e-12)


@pytest.mark.parametrize("kind", ["normal_cdf", "asinh", "half_cube", "random_network"])
def test_ksg_invariant_under_mi_preserving_transforms(kind):
    # Stated tolerance: 0.08 nats at n = 5,000, k = 5 (KSG's finite-sample bias grows where a
    # transform makes the density less uniform; half_cube is the worst of the four).
    task = Transformed(CorrelatedGaussian(2, 2, mutual_information=1.0), kind)
    x, y = task.sample(5_000, seed=0)
    assert abs(KSG(k=5).estimate(x, y) - task.mutual_information) < 0.08


@pytest.mark.parametrize("norm", ["euclidean", "max"])
def test_kl_entropy_of_standard_normal_within_005(norm):
    x = np.random.default_rng(0).normal(size=(5_000, 1))
    assert abs(KLEntropy(k=3, norm=norm).entropy(x) - GAUSSIAN_ENTROPY) < 0.05


def test_kl_entropy_reports_raw_scale_when_standardizing():
    x = np.random.default_rng(1).normal(size=(5_000, 2)) * np.array([3.0, 0.5])
    truth = 2 * GAUSSIAN_ENTROPY + np.log(3.0) + np.log(0.5)
    assert abs(KLEntropy(k=3, standardize=True).entropy(x) - truth) < 0.06
    assert abs(KLEntropy(k=3).entropy(x) - truth) < 0.06


def test_unit_ball_volumes():
    assert np.exp(log_unit_ball_volume(2, "euclidean")) == pytest.approx(np.pi)
    assert np.exp(log_unit_ball_volume(3, "euclidean")) == pytest.approx(4 / 3 * np.pi)
    assert np.exp(log_unit_ball_volume(3, "max")) == pytest.approx(8.0)


@pytest.mark.parametrize("d", [1, 4, 7, 8])
def test_weighted_kl_weights_cancel_bias_terms(d):
    support, w = weighted_kl_weights(5, d)
    assert w.sum() == pytest.approx(1.0)
    for ell in range(1, d // 4 + 1):  # for d <= 8 (k = 5) all of the paper's constraints are kept
        ratios = np.exp(gammaln(support + 2 * ell / d) - gammaln(support))
        assert w @ ratios == pytest.approx(0.0, abs=1e-9)


def test_weighted_kl_stays_stable_in_high_dimension():
    # 50+50 dims: the paper's 25 constraints give weights ~1e8; ours are capped in norm.
    for d in (50, 100):
        _, w = weighted_kl_weights(5, d)
        assert np.linalg.norm(w) <= 100.0 and w.sum() == pytest.approx(1.0)
    x, y = CorrelatedGaussian(20, 20, mutual_information=5.0).sample(2_000, seed=0)
    estimate = WeightedKL(k=5).estimate(x, y)
    # k-NN in 40 dims is badly biased (measured 15.6 for a truth of 5), but no longer ~1e8
    assert 0.0 < estimate < 25.0


def test_weighted_kl_entropy_in_6d_beats_plain_kl():
    # 6-D standard normal, n = 4,000: the weights remove the leading bias of plain KL.
    x = np.random.default_rng(0).normal(size=(4_000, 6))
    truth = 6 * GAUSSIAN_ENTROPY
    weighted = WeightedKL(k=5, standardize=False).entropy(x)
    plain = KLEntropy(k=5).entropy(x)
    assert abs(weighted - truth) < 0.1
    assert abs(weighted - truth) < abs(plain - truth)


def test_weighted_kl_mi_on_gaussians(gaussian_2x2_i1):
    x, y = gaussian_2x2_i1
    assert abs(WeightedKL(k=5).estimate(x, y) - 1.0) < 0.07


@pytest.mark.parametrize("method", ["ross", "kl", "weighted-kl"])
def test_labels_task_within_005(method):
    task = LabelsTask(n_classes=10, dim=2)
    x, y = task.sample(10_000, seed=0)
    estimate = ContinuousDiscreteMI(k=5, algorithm=method).estimate(x, y)
    assert abs(estimate - task.mutual_information) < 0.05


def test_continuous_discrete_independent_labels_near_zero():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4_000, 2)), rng.integers(0, 4, 4_000)
    assert abs(ContinuousDiscreteMI(k=5).estimate(x, y)) < 0.03


def test_stderr_matches_spread_over_seeds():
    task = CorrelatedGaussian(1, 1, mutual_information=0.5)
    estimates, errors = [], []
    for seed in range(12):
        x, y = task.sample(2_000, seed=seed)
        r = KSG(k=5).estimate_with_error(x, y)
        estimates.append(r.value)
        errors.append(r.stderr)
    spread = np.std(estimates, ddof=1)
    assert 0.33 < np.mean(errors) / spread < 3.0


def test_estimate_with_error_record(gaussian_2x2_i1):
    r = KSG().estimate_with_error(*gaussian_2x2_i1)
    assert r.n == 5_000 and r.method == "ksg" and r.stderr > 0
    assert r.bits == pytest.approx(r.value / np.log(2))


def test_seeded_jitter_is_reproducible(gaussian_2x2_i1):
    x, y = gaussian_2x2_i1
    assert KSG(random_state=4).estimate(x, y) == KSG(random_state=4).estimate(x, y)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("est", [KSG(), KLEntropy(), WeightedKL(), ContinuousDiscreteMI()])
def test_mismatched_sample_counts(est):
    with pytest.raises(ValueError, match="sample counts differ|expected 10 labels"):
        est.estimate(np.zeros((10, 2)) + np.arange(10)[:, None], np.arange(9))


def test_too_few_samples_names_k():
    with pytest.raises(ValueError, match=r"x: needs at least 6 samples, got 5"):
        KSG(k=5).estimate(np.arange(5.0), np.arange(5.0))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_rejected(bad):
    x = np.random.default_rng(0).normal(size=(50, 2))
    x[3, 1] = bad
    with pytest.raises(ValueError, match=r"x: contains 1 NaN or infinite"):
        KSG().estimate(x, x)


def test_non_numeric_and_3d_rejected():
    with pytest.raises(ValueError, match="y: expected numeric data"):
        KSG().estimate(np.arange(10.0), np.array(list("abcdefghij")))
    with pytest.raises(ValueError, match=r"x: expected shape \(n_samples, n_features\), got 3-D"):
        KSG().estimate(np.zeros((10, 2, 2)), np.arange(10.0))
    with pytest.raises(ValueError, match="x: needs at least"):
        KSG().estimate(np.zeros((0, 2)), np.zeros((0, 2)))


def test_bad_hyperparameters_are_named_when_estimating(gaussian_2x2_i1):
    """scikit-learn's contract: __init__ stores, estimating checks."""
    x, y = gaussian_2x2_i1
    for estimator, message in [
        (KSG(k=0), "k: must be >= 1"),
        (KSG(variant=3), "variant: expected 1 or 2"),
        (KLEntropy(norm="l1"), "norm: expected"),
        (KSG(jitter=-1.0), "jitter: must be"),
        (ContinuousDiscreteMI(algorithm="mine"), "algorithm: expected"),
    ]:
        with pytest.raises(ValueError, match=message):
            estimator.estimate(x, y[:, 0] > 0 if isinstance(estimator, ContinuousDiscreteMI) else y)


def test_constant_columns_are_dropped_and_constant_variable_gives_zero(gaussian_2x2_i1):
    x, y = gaussian_2x2_i1
    with_constant = np.hstack([x, np.full((len(x), 1), 7.0)])
    assert KSG().estimate(with_constant, y) == pytest.approx(KSG().estimate(x, y), abs=1e-9)
    r = KSG().estimate_with_error(np.ones((100, 2)), y[:100])
    assert r.value == 0.0 and r.stderr == 0.0


def test_constant_column_entropy_rejected():
    with pytest.raises(ValueError, match=r"x: column\(s\) \[1\] are constant"):
        KLEntropy().entropy(np.column_stack([np.arange(20.0), np.ones(20)]))


def test_repeated_rows_without_jitter_rejected_with_jitter_warned():
    x = np.repeat(np.arange(50.0), 2)[:, None]
    with pytest.raises(ValueError, match="x and y: .*repeated|x: 50 repeated row"):
        KSG(jitter=0.0).estimate(x, x)
    with pytest.warns(UserWarning, match="rows repeat"):
        value = KSG().estimate(x, x)
    assert np.isfinite(value)


def test_labels_validation():
    x = np.random.default_rng(0).normal(size=(40, 2))
    with pytest.raises(ValueError, match="y: expected a 1-D array of class labels"):
        ContinuousDiscreteMI().estimate(x, np.zeros((40, 2)))
    with pytest.raises(ValueError, match="y: class labels must be integers"):
        ContinuousDiscreteMI().estimate(x, np.linspace(0, 1, 40))
    labels = np.array([0] * 37 + [1] * 3)
    with pytest.raises(ValueError, match="fewer than k \\+ 1"):
        ContinuousDiscreteMI(algorithm="kl").estimate(x, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(ContinuousDiscreteMI(algorithm="ross").estimate(x, labels))

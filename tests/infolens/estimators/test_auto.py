"""AutoMI: its pure parts against independent computations, its choices on small cases, and its
accuracy on tasks with known MI."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from infolens.estimators.auto import AutoMI
from infolens.estimators.copula import (
    copula_normal_scores,
    gaussian_copula_estimate,
    gaussian_copula_mi,
    gaussian_plugin_bias,
    independent_columns,
)
from infolens.estimators.gaussian import gaussian_mi_from_covariance
from infolens.estimators.intrinsic_dimension import looks_singular, two_nn_dimension
from infolens.estimators.result import EstimatorWarning
from infolens.tasks import CorrelatedGaussian, MultivariateStudentT, get_task


def _quiet_estimate(estimator: AutoMI, x: np.ndarray, y: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        return estimator.estimate_with_error(x, y)


def test_plugin_bias_matches_monte_carlo() -> None:
    # independent Gaussians, n = 40, 2 + 3 dims: the mean plug-in MI over 4000 samples is the bias
    rng = np.random.default_rng(0)
    n, dx, dy = 40, 2, 3
    values = []
    for _ in range(4000):
        z = rng.standard_normal((n, dx + dy))
        values.append(gaussian_mi_from_covariance(np.cov(z, rowvar=False), dx))
    mc, mc_se = np.mean(values), np.std(values) / math.sqrt(len(values))
    assert abs(gaussian_plugin_bias(n, dx, dy) - mc) < 4 * mc_se
    # and the large-n limit dx dy / (2n)
    assert gaussian_plugin_bias(100_000, 3, 4) == pytest.approx(12 / 200_000, rel=0.01)


def test_gaussian_copula_mi_is_the_closed_form() -> None:
    task = CorrelatedGaussian(3, 2, rho=[0.9, 0.3])
    mi, rho = gaussian_copula_mi(task.covariance(), 3)
    assert mi == pytest.approx(task.mutual_information, rel=1e-12)
    assert rho[:2] == pytest.approx([0.9, 0.3], rel=1e-12)


def test_normal_scores_keep_order_and_are_standard() -> None:
    a = np.random.default_rng(1).exponential(size=(1000, 2))
    s = copula_normal_scores(a)
    assert np.array_equal(np.argsort(s[:, 0]), np.argsort(a[:, 0]))
    assert abs(s.mean()) < 1e-12 and s.std() == pytest.approx(1.0, abs=0.01)


def test_independent_columns_drops_duplicates_and_combinations() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(size=(100, 3))
    b = np.column_stack([a, a[:, 0], a[:, 1] - 2 * a[:, 2]])
    assert len(independent_columns(b)) == 3


@pytest.mark.parametrize(
    ("task", "tolerance"),
    [
        (get_task("gaussian-4x4-i2"), 0.08),
        (CorrelatedGaussian(5, 5, mutual_information=5.0), 0.2),  # KSG alone: 3.47
        (get_task("half_cube-gaussian-2x2-i1"), 0.06),
        (get_task("student-1x1-dof1"), 0.05),  # no correlation: all of it is the k-NN excess
        (get_task("uniform-noise-eps0.1"), 0.1),
    ],
    ids=lambda t: getattr(t, "name", str(t)),
)
def test_auto_within_tolerance_of_the_truth(task, tolerance: float) -> None:
    x, y = task.sample(5000, seed=0)
    result = _quiet_estimate(AutoMI(second_opinion=None), x, y)
    assert abs(result.value - task.mutual_information) < tolerance
    assert 0 < result.stderr < tolerance


def test_auto_says_what_it_used_and_why() -> None:
    x, y = get_task("gaussian-2x2-i1").sample(3000, seed=1)
    result = _quiet_estimate(AutoMI(), x, y)
    assert result.details["chosen"] == "copula+ksg"
    assert "Gaussian copula explains" in result.details["reason"]
    assert set(result.details["candidates"]) == {"gaussian_copula", "ksg_excess", "copula+ksg"}
    assert not result.warnings

    x, y = get_task("student-1x1-dof1").sample(3000, seed=1)
    result = _quiet_estimate(AutoMI(), x, y)
    assert result.details["chosen"] in ("copula+ksg", "copula+weighted-kl")
    assert "copula+weighted-kl" in result.details["candidates"]  # non-Gaussian: both are asked
    assert "reliable" in result.details["reason"]


def test_auto_flags_non_gaussian_dependence_in_high_dimension() -> None:
    # Student-t in 5 + 5 dims: dependence without correlation, where k-NN is biased
    x, y = MultivariateStudentT(5, 5, dof=2.0).sample(3000, seed=0)
    result = _quiet_estimate(AutoMI(second_opinion=None), x, y)
    assert result.flagged and "non-Gaussian dependence" in result.warnings[0]
    # with a second opinion (KSG here, to keep the test fast) that one is reported
    result = _quiet_estimate(AutoMI(second_opinion="ksg"), x, y)
    assert result.details["chosen"] == "ksg"
    assert "ksg" in result.details["candidates"]
    assert result.value == pytest.approx(result.details["candidates"]["ksg"]["value"])


def test_auto_constant_deterministic_and_tiny_inputs() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 2))
    assert _quiet_estimate(AutoMI(), x, np.ones((500, 1))).value == 0.0
    with pytest.warns(EstimatorWarning, match="deterministically related"):
        result = AutoMI().estimate_with_error(x, x[:, :1] ** 3)
    assert result.value == math.inf
    with pytest.warns(EstimatorWarning, match="too few"):
        AutoMI().estimate_with_error(x[:15], x[:15] + rng.normal(size=(15, 2)))


def test_auto_ignores_a_duplicated_column() -> None:
    x, y = get_task("gaussian-2x2-i1").sample(2000, seed=4)
    plain = _quiet_estimate(AutoMI(), x, y).value
    doubled = _quiet_estimate(AutoMI(), np.column_stack([x, 2 * x[:, 0]]), y).value
    assert doubled == pytest.approx(plain, abs=0.03)


@pytest.mark.parametrize(
    ("params", "name"),
    [({"k": 0}, "k"), ({"knn_trusted_dim": 0}, "knn_trusted_dim"),
     ({"second_opinion": "ross"}, "second_opinion"), ({"second_opinion": "auto"}, "second_opinion"),
     ({"random_state": -1}, "random_state")],
)
def test_auto_bad_parameters_name_the_argument(params: dict, name: str) -> None:
    x = np.random.default_rng(0).normal(size=(100, 1))
    with pytest.raises(ValueError, match=name):
        AutoMI(**params).estimate_with_error(x, x + 1)


def test_two_nn_finds_the_dimension_of_a_curved_manifold() -> None:
    rng = np.random.default_rng(5)
    t = rng.uniform(0, 3 * np.pi, size=(3000, 2))
    roll = np.column_stack([t[:, 0] * np.cos(t[:, 0]), t[:, 1], t[:, 0] * np.sin(t[:, 0])])
    assert two_nn_dimension(roll) == pytest.approx(2.0, abs=0.2)
    assert math.isnan(two_nn_dimension(np.zeros((10, 3))))


def test_gaussian_copula_estimate_is_invariant_to_monotone_maps() -> None:
    x, y = get_task("gaussian-2x2-i1").sample(3000, seed=6)
    plain = gaussian_copula_estimate(x, y)[0]
    assert gaussian_copula_estimate(np.exp(x), y**3)[0] == pytest.approx(plain, abs=1e-12)
    assert abs(plain - 1.0) < 0.06


def test_ksg_flags_itself_below_the_gaussian_copula() -> None:
    from infolens.estimators.knn import KSG

    x, y = get_task("sparse-gaussian-25x25-p2-i2").sample(2000, seed=0)
    with pytest.warns(EstimatorWarning, match="well below the Gaussian-copula MI"):
        result = KSG().estimate_with_error(x, y)
    assert result.value < 1.0 and result.flagged
    x, y = get_task("gaussian-1x1-i1").sample(2000, seed=0)
    assert not _quiet_estimate(KSG(), x, y).warnings
    x, y = get_task("sparse-gaussian-25x25-p2-i2").sample(2000, seed=0)
    assert not _quiet_estimate(KSG(copula_check=False), x, y).warnings


def test_auto_takes_integer_y_as_class_labels() -> None:
    task = get_task("labels-10-d2")
    x, labels = task.sample(5000, seed=0)
    result = _quiet_estimate(AutoMI(), x, labels)
    assert result.details["chosen"] == "ross" and "class labels" in result.details["reason"]
    assert abs(result.value - task.mutual_information) < 0.1
    # the same labels as floats are a continuous variable: another path, never "ross"
    as_float = _quiet_estimate(AutoMI(), x, labels.astype(float))
    assert as_float.details["chosen"] != "ross"


def test_ksg_check_is_quiet_on_data_on_a_manifold() -> None:
    # 16x16 images of a 2-D latent: the Gaussian copula of the pixels reads ~13 nats for a true
    # 2, no lower bound there; KSG (close to the truth) must not be flagged against it
    from infolens.estimators.knn import KSG

    x, y = get_task("gaussian-images-16-i2").sample(2000, seed=0)
    assert looks_singular(x) and looks_singular(y)
    result = _quiet_estimate(KSG(), x, y)
    assert not any("Gaussian-copula" in w for w in result.warnings)
    assert not looks_singular(np.random.default_rng(0).normal(size=(2000, 10)))


def test_auto_compresses_wide_variables_and_says_so() -> None:
    # 8x8 = 64 features of a 1-D latent each, above compress_above=32: a small conv autoencoder
    rng = np.random.default_rng(7)
    t = rng.normal(size=(1500, 1))
    s = 0.8 * t + 0.6 * rng.normal(size=t.shape)  # I(t; s) = -1/2 log(1 - 0.64) = 0.511
    grid = np.linspace(-3, 3, 64)

    def bumps(u: np.ndarray) -> np.ndarray:
        return np.exp(-0.5 * (grid[None, :] - u) ** 2)

    result = _quiet_estimate(AutoMI(compress_above=32), bumps(t), bumps(s))
    assert set(result.details["compressed"]) == {"x", "y"}
    assert result.details["compressed"]["x"]["latent_dim"] == 1
    assert "compressed by an autoencoder" in result.details["reason"]
    assert abs(result.value - 0.511) < 0.1

"""MI-preserving transforms: bijective, seeded, applied pairwise; MI checked with sklearn's KSG."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kstest
from sklearn.feature_selection import mutual_info_regression

from infolens.tasks import CorrelatedGaussian, RandomInvertibleNetwork, Transformed
from infolens.tasks.transforms import (
    asinh,
    asinh_inverse,
    half_cube,
    half_cube_inverse,
    normal_cdf,
    normal_cdf_inverse,
)

GRID = np.linspace(-6.0, 6.0, 20_001)  # Phi saturates in float64 beyond ~7 (see its docs)

ELEMENTWISE = [
    (normal_cdf, normal_cdf_inverse),
    (asinh, asinh_inverse),
    (half_cube, half_cube_inverse),
]


@pytest.mark.parametrize(("f", "f_inv"), ELEMENTWISE)
def test_elementwise_maps_are_strictly_increasing_bijections(f, f_inv) -> None:
    values = f(GRID)
    assert np.all(np.diff(values) > 0)
    # float64 near 1 is spaced 1.1e-16 and Phi'(6) = 6e-9, so Phi^{-1} recovers t to ~2e-8 there
    assert np.allclose(f_inv(values), GRID, rtol=1e-9, atol=1e-7)


def test_half_cube_values() -> None:
    assert np.allclose(half_cube(np.array([4.0, -4.0, 0.25, 0.0])), [8.0, -8.0, 0.125, 0.0])


def test_normal_cdf_gives_uniform_marginals() -> None:
    x, _ = Transformed(CorrelatedGaussian(1, rho=0.8), "normal_cdf").sample(5000, seed=0)
    assert np.all((x > 0) & (x < 1))
    assert kstest(x[:, 0], "uniform").pvalue > 1e-3


@pytest.mark.parametrize("dim", [1, 2, 5])
def test_random_network_is_invertible_and_reproducible(dim: int) -> None:
    t = 3.0 * np.random.default_rng(1).standard_normal((2000, dim))
    net = RandomInvertibleNetwork(dim, seed=4)
    s = net(t)
    assert np.max(np.abs(net.inverse(s) - t)) < 1e-8
    assert np.array_equal(RandomInvertibleNetwork(dim, seed=4)(t), s)
    if dim > 1:  # O(1) = {+1, -1}, so two seeds may agree in one dimension
        assert not np.allclose(RandomInvertibleNetwork(dim, seed=5)(t), s)


def test_random_network_is_bi_lipschitz_and_not_affine() -> None:
    net = RandomInvertibleNetwork(3, n_blocks=3, contraction=0.9, seed=0)
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 5000, 3))
    ratio = np.linalg.norm(net(a) - net(b), axis=1) / np.linalg.norm(a - b, axis=1)
    assert np.all(ratio >= 0.1**3 - 1e-12) and np.all(ratio <= 1.9**3 + 1e-12)
    zero = np.zeros((1, 3))
    defect = net(a + b) - net(a) - net(b) + net(zero)
    assert np.max(np.abs(defect)) > 0.1  # an affine map would give exactly 0


@pytest.mark.parametrize("kind", ["normal_cdf", "asinh", "half_cube", "random_network"])
def test_transformed_task_maps_the_base_samples_and_keeps_mi(kind: str) -> None:
    base = CorrelatedGaussian(2, mutual_information=1.0)
    task = Transformed(base, kind, seed=3)
    assert task.name == f"{kind}-gaussian-2x2-i1"
    assert task.mutual_information == base.mutual_information
    assert (task.dim_x, task.dim_y) == (2, 2)
    x, y = task.sample(500, seed=9)
    bx, by = base.sample(500, seed=9)
    assert np.array_equal(x, task.transform_x(bx)) and np.array_equal(y, task.transform_y(by))
    assert not np.allclose(x, bx)
    assert np.array_equal(task.sample(500, seed=9)[0], x)
    assert task.describe()["parameters"]["transform"] == kind


def test_random_network_uses_different_networks_for_x_and_y() -> None:
    task = Transformed(CorrelatedGaussian(2, rho=0.5), "random_network", seed=0)
    t = np.random.default_rng(0).standard_normal((10, 2))
    assert not np.allclose(task.transform_x(t), task.transform_y(t))
    other = Transformed(CorrelatedGaussian(2, rho=0.5), "random_network", seed=1)
    assert not np.allclose(task.transform_x(t), other.transform_x(t))


@pytest.mark.parametrize("kind", ["normal_cdf", "asinh", "half_cube", "random_network"])
def test_ksg_estimate_is_unchanged_by_the_transform(kind: str) -> None:
    """scikit-learn's KSG (k=3) on the 1x1, I = 1 task, before and after the transform."""
    base = CorrelatedGaussian(1, mutual_information=1.0)
    task = Transformed(base, kind)
    x, y = task.sample(4000, seed=0)
    est = mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0]
    assert est == pytest.approx(1.0, abs=0.08)


def test_mixed_and_custom_transforms() -> None:
    base = CorrelatedGaussian(2, mutual_information=1.0)
    mixed = Transformed(base, "asinh", transform_y="normal_cdf")
    assert mixed.name == "asinh-normal_cdf-gaussian-2x2-i1"
    x, y = mixed.sample(50, seed=0)
    assert np.all((y > 0) & (y < 1)) and not np.all((x > 0) & (x < 1))

    def cube_pad(t: np.ndarray) -> np.ndarray:  # injective R^2 -> R^3
        return np.hstack([t, t[:, :1] ** 3])

    custom = Transformed(base, cube_pad, transform_y="identity")
    assert custom.name == "cube_pad-identity-gaussian-2x2-i1"
    assert (custom.dim_x, custom.dim_y) == (3, 2)
    assert custom.sample(7, seed=0)[0].shape == (7, 3)
    assert custom.mutual_information == 1.0


def test_bad_arguments() -> None:
    base = CorrelatedGaussian(2, rho=0.5)
    with pytest.raises(ValueError, match="^transform: unknown kind 'cube'"):
        Transformed(base, "cube")
    with pytest.raises(ValueError, match="^base:"):
        Transformed(object(), "asinh")
    with pytest.raises(ValueError, match="^seed:"):
        Transformed(base, "random_network", seed=-3)
    with pytest.raises(ValueError, match="^contraction:"):
        RandomInvertibleNetwork(2, contraction=1.0)
    with pytest.raises(ValueError, match="^t:"):
        RandomInvertibleNetwork(2)(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="^n:"):
        Transformed(base, "asinh").sample(0)

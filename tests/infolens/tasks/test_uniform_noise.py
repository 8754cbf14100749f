"""AdditiveUniformNoise: the closed-form MI against quadrature of h(Y) and a Monte Carlo of
log p(y | x) - log p(y), sampling, input checks, the registry names, and KSG."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from infolens.estimators import KSG
from infolens.interfaces import Task
from infolens.tasks import AdditiveUniformNoise, get_task, list_tasks, uniform_noise_mi
from infolens.tasks.uniform_noise import uniform_noise_density

EPSILONS = [0.01, 0.1, 0.3, 0.5, 0.75, 1.0, 3.0]


def _entropy_of_y_by_quadrature(eps: float) -> float:
    def integrand(t: float) -> float:
        p = float(uniform_noise_density(t, eps))
        return -p * np.log(p) if p > 0 else 0.0

    kinks = sorted({-eps, min(eps, 1 - eps), max(eps, 1 - eps), 1 + eps})
    pieces = zip(kinks, kinks[1:], strict=False)
    return sum(quad(integrand, a, b, epsabs=1e-12, epsrel=1e-12)[0] for a, b in pieces)


@pytest.mark.parametrize("eps", EPSILONS)
def test_mi_is_h_y_minus_h_noise_by_quadrature(eps: float) -> None:
    mi_quad = _entropy_of_y_by_quadrature(eps) - np.log(2 * eps)
    assert uniform_noise_mi(eps) == pytest.approx(mi_quad, abs=1e-6)


@pytest.mark.parametrize("eps", EPSILONS)
def test_density_integrates_to_one(eps: float) -> None:
    density = lambda t: float(uniform_noise_density(t, eps))  # noqa: E731
    total = quad(density, -eps, 1 + eps, points=[eps, 1 - eps])[0]
    assert total == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("eps", [0.1, 0.5, 0.75])
def test_mi_matches_monte_carlo_of_log_density_ratio(eps: float) -> None:
    """I = E[log p(y | x) - log p(y)] with p(y | x) = 1 / (2 eps); 5 standard errors."""
    n = 200_000
    _, y = AdditiveUniformNoise(eps).sample(n, seed=1)
    ratio = -np.log(2 * eps) - np.log(uniform_noise_density(y[:, 0], eps))
    standard_error = ratio.std(ddof=1) / np.sqrt(n)
    assert abs(ratio.mean() - uniform_noise_mi(eps)) < 5 * standard_error


def test_closed_form_values_and_continuity_at_one_half() -> None:
    assert uniform_noise_mi(0.5) == 0.5
    assert uniform_noise_mi(0.5 + 1e-12) == pytest.approx(0.5, abs=1e-11)
    assert uniform_noise_mi(0.1) == pytest.approx(0.1 + np.log(5.0), abs=1e-15)
    assert uniform_noise_mi(2.0) == 0.125


def test_sample_shapes_support_and_reproducibility() -> None:
    task = AdditiveUniformNoise(0.25)
    assert isinstance(task, Task) and (task.dim_x, task.dim_y) == (1, 1)
    x, y = task.sample(1000, seed=5)
    assert x.shape == (1000, 1) and y.shape == (1000, 1) and y.dtype == np.float64
    assert np.all((x >= 0) & (x <= 1)) and np.all(np.abs(y - x) <= 0.25)
    x2, y2 = task.sample(1000, seed=5)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert not np.array_equal(x, task.sample(1000, seed=6)[0])


@pytest.mark.parametrize("eps", [0.0, -0.1, float("nan"), "a", True])
def test_bad_epsilon_names_itself(eps: object) -> None:
    with pytest.raises(ValueError, match="^epsilon:"):
        AdditiveUniformNoise(eps)  # type: ignore[arg-type]


def test_registered_names() -> None:
    assert {"uniform-noise-eps0.1", "uniform-noise-eps0.75"} <= set(list_tasks())
    assert get_task("uniform-noise-eps0.1").mutual_information == pytest.approx(0.1 + np.log(5.0))
    assert get_task("uniform-noise-eps0.75").mutual_information == pytest.approx(1.0 / 3.0)


def test_ksg_is_accurate_at_eps075() -> None:
    """KSG (k=5) on 5000 samples: over 12 seeds bias -0.013, sd 0.012, worst error 0.038;
    0.05 is ~3 sd beyond the bias. (At eps = 0.1, MI 1.71, KSG is biased low by ~0.04 at this
    n, from the sharp edges of the support.)"""
    task = AdditiveUniformNoise(0.75)
    assert abs(KSG().estimate(*task.sample(5000, seed=0)) - task.mutual_information) < 0.05

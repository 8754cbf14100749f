"""LabelsTask: quadrature MI against a trapezoid rule, Monte-Carlo, and the limiting cases."""

from __future__ import annotations

import numpy as np
import pytest

from infolens.tasks import LabelsTask, gaussian_mixture_label_mi
from infolens.tasks.labels import posterior_entropy_density


def _trapezoid_mi(task: LabelsTask) -> float:
    """H(Y) - integral f H(posterior) on a 0.005 grid (spectrally accurate for this integrand)."""
    m = task.class_means[:, 0]
    grid = np.arange(m.min() - 15.0, m.max() + 15.0, 0.005)
    return task.label_entropy - np.trapezoid(
        posterior_entropy_density(grid, m, task.probabilities), grid
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"n_classes": 2, "separation": 2.0},
        {"n_classes": 3, "separation": 0.7, "probabilities": [0.2, 0.3, 0.5]},
    ],
)
def test_quadrature_matches_trapezoid(kwargs: dict) -> None:
    task = LabelsTask(**kwargs)
    assert task.mutual_information == pytest.approx(_trapezoid_mi(task), abs=1e-9)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"n_classes": 3, "separation": 1.0, "probabilities": [0.2, 0.3, 0.5], "dim": 3}],
)
def test_quadrature_matches_monte_carlo(kwargs: dict) -> None:
    """I = E[log p(y|x) - log p(y)], averaged over 200k samples (sd of the mean < 0.003)."""
    task = LabelsTask(**kwargs)
    x, y = task.sample(200_000, seed=0)
    log_post = task.log_posterior(x)[np.arange(len(y)), y]
    mc = np.mean(log_post - np.log(task.probabilities[y]))
    assert task.mutual_information == pytest.approx(mc, abs=0.01)


def test_limits() -> None:
    assert LabelsTask(n_classes=10, separation=0.0).mutual_information == 0.0
    far = LabelsTask(n_classes=10, separation=40.0)
    assert far.mutual_information == pytest.approx(np.log(10.0), abs=1e-9)
    # monotone in the separation, between 0 and H(Y)
    values = [LabelsTask(n_classes=4, separation=s).mutual_information for s in (0.5, 1, 2, 4)]
    assert np.all(np.diff(values) > 0) and 0 < values[0] and values[-1] < np.log(4)


def test_pure_function_is_shift_and_order_invariant() -> None:
    a = gaussian_mixture_label_mi([0.0, 1.0, 3.0], [0.5, 0.25, 0.25])
    b = gaussian_mixture_label_mi([103.0, 100.0, 101.0], [0.25, 0.5, 0.25])
    assert a == pytest.approx(b, abs=1e-10)


def test_samples() -> None:
    task = LabelsTask(n_classes=3, dim=4, separation=5.0, probabilities=[0.1, 0.3, 0.6])
    x, y = task.sample(30_000, seed=1)
    assert x.shape == (30_000, 4) and x.dtype == np.float64
    assert y.shape == (30_000,) and y.dtype == np.int64
    assert np.allclose(np.bincount(y) / len(y), task.probabilities, atol=0.01)
    for k in range(3):
        assert np.allclose(x[y == k].mean(axis=0), task.class_means[k], atol=0.05)
    again = task.sample(30_000, seed=1)
    assert np.array_equal(again[0], x) and np.array_equal(again[1], y)
    assert task.describe()["parameters"]["n_classes"] == 3


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"n_classes": 1}, "n_classes"),
        ({"dim": 0}, "dim"),
        ({"separation": -1.0}, "separation"),
        ({"separation": float("nan")}, "separation"),
        ({"n_classes": 2, "probabilities": [0.5, 0.3]}, "probabilities"),
        ({"n_classes": 2, "probabilities": [1.0, 0.0]}, "probabilities"),
        ({"n_classes": 2, "probabilities": [0.2, 0.3, 0.5]}, "probabilities"),
    ],
)
def test_bad_arguments(kwargs: dict, arg: str) -> None:
    with pytest.raises(ValueError, match=f"^{arg}:"):
        LabelsTask(**kwargs)

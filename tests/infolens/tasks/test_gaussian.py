"""CorrelatedGaussian: the closed-form MI, its inverse, the sampled covariance, input checks."""

from __future__ import annotations

import numpy as np
import pytest

from infolens.interfaces import Task
from infolens.tasks import CorrelatedGaussian, correlation_for_mi, gaussian_mi_from_correlations


def test_mi_formula_matches_hand_values() -> None:
    assert gaussian_mi_from_correlations(0.0) == 0.0
    assert gaussian_mi_from_correlations(0.5) == pytest.approx(0.5 * np.log(4.0 / 3.0), abs=1e-15)
    # rho^2 = 0.75 and 0.96: -1/2 (log 0.25 + log 0.04) = log 2 + log 5 = log 10
    rho = [np.sqrt(0.75), -np.sqrt(0.96)]
    assert gaussian_mi_from_correlations(rho) == pytest.approx(np.log(10.0), abs=1e-12)


@pytest.mark.parametrize(("total", "pairs"), [(0.0, 1), (1.0, 1), (1.0, 2), (25.0, 50), (10.0, 1)])
def test_correlation_for_mi_inverts_the_formula(total: float, pairs: int) -> None:
    rho = correlation_for_mi(total, pairs)
    assert 0.0 <= rho < 1.0
    # rho ~ 1 at large MI: dI/drho = rho / (1 - rho^2) amplifies rounding, hence rel 1e-8
    assert gaussian_mi_from_correlations([rho] * pairs) == pytest.approx(total, rel=1e-8, abs=1e-12)


def test_requested_mi_is_spread_evenly_over_min_dims() -> None:
    task = CorrelatedGaussian(5, 3, mutual_information=1.5)
    assert task.mutual_information == 1.5
    assert task.rho.shape == (3,)
    assert np.allclose(task.rho, correlation_for_mi(0.5, 1))
    assert (task.dim_x, task.dim_y) == (5, 3)
    assert isinstance(task, Task)


def test_rho_forms() -> None:
    scalar = CorrelatedGaussian(3, rho=0.5)
    assert scalar.dim_y == 3
    assert scalar.mutual_information == pytest.approx(3 * 0.5 * np.log(4.0 / 3.0), abs=1e-14)
    short = CorrelatedGaussian(3, 4, rho=[0.9])
    assert short.mutual_information == pytest.approx(-0.5 * np.log(1 - 0.81), abs=1e-14)
    assert short.covariance()[0, 3] == 0.9
    assert short.covariance()[1, 4] == 0.0


def test_empirical_covariance_matches_at_n_20000() -> None:
    task = CorrelatedGaussian(3, 4, rho=[0.9, -0.5, 0.2])
    n = 20_000
    x, y = task.sample(n, seed=7)
    assert x.shape == (n, 3) and y.shape == (n, 4)
    assert x.dtype == np.float64 and y.dtype == np.float64
    emp = np.cov(np.hstack([x, y]), rowvar=False)
    true = task.covariance()
    # standard error of a sample covariance entry is <= sqrt(2 / n) ~ 0.01; allow 5 of them
    assert np.max(np.abs(emp - true)) < 5 * np.sqrt(2.0 / n)
    # the exact correlations: sd of r is (1 - rho^2) / sqrt(n)
    for i, r in enumerate(task.rho):
        r_hat = np.corrcoef(x[:, i], y[:, i])[0, 1]
        assert abs(r_hat - r) < 5 * (1 - r**2) / np.sqrt(n) + 1e-3


def test_gaussian_mi_of_sample_covariance_is_close() -> None:
    """Plug-in Gaussian MI 1/2 (log det Sxx + log det Syy - log det S) from the samples."""
    task = CorrelatedGaussian(4, mutual_information=2.0)
    x, y = task.sample(20_000, seed=3)
    s = np.cov(np.hstack([x, y]), rowvar=False)
    logdet = lambda m: np.linalg.slogdet(m)[1]  # noqa: E731
    mi = 0.5 * (logdet(s[:4, :4]) + logdet(s[4:, 4:]) - logdet(s))
    assert mi == pytest.approx(2.0, abs=0.05)


def test_sampling_is_reproducible() -> None:
    task = CorrelatedGaussian(2, mutual_information=1.0)
    a = task.sample(100, seed=11)
    b = task.sample(100, seed=11)
    c = task.sample(100, seed=12)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_describe_is_plain_data() -> None:
    d = CorrelatedGaussian(2, rho=[0.3, 0.4]).describe()
    assert d["dim_x"] == 2 and d["parameters"]["rho"] == [0.3, 0.4]
    assert d["mutual_information"] == pytest.approx(gaussian_mi_from_correlations([0.3, 0.4]))


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"dim_x": 2}, "rho, mutual_information"),
        ({"dim_x": 2, "rho": 0.5, "mutual_information": 1.0}, "rho, mutual_information"),
        ({"dim_x": 2, "rho": 1.0}, "rho"),
        ({"dim_x": 2, "rho": [0.1, 0.2, 0.3]}, "rho"),
        ({"dim_x": 2, "rho": []}, "rho"),
        ({"dim_x": 2, "rho": [[0.1]]}, "rho"),
        ({"dim_x": 2, "rho": float("nan")}, "rho"),
        ({"dim_x": 2, "mutual_information": -1.0}, "mutual_information"),
        ({"dim_x": 2, "mutual_information": float("inf")}, "mutual_information"),
        ({"dim_x": 0, "rho": 0.1}, "dim_x"),
        ({"dim_x": 2, "dim_y": 1.5, "rho": 0.1}, "dim_y"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs: dict, arg: str) -> None:
    with pytest.raises(ValueError, match=f"^{arg}"):
        CorrelatedGaussian(**kwargs)


@pytest.mark.parametrize(("n", "seed", "arg"), [(0, 0, "n"), (2.5, 0, "n"), (10, -1, "seed")])
def test_bad_sample_arguments(n: object, seed: object, arg: str) -> None:
    with pytest.raises(ValueError, match=f"^{arg}:"):
        CorrelatedGaussian(1, rho=0.5).sample(n, seed=seed)  # type: ignore[arg-type]


def test_correlated_pairs_spreads_the_mi_over_the_first_pairs_only() -> None:
    task = CorrelatedGaussian(10, 8, mutual_information=2.0, correlated_pairs=2)
    assert task.mutual_information == 2.0 and len(task.rho) == 2
    assert gaussian_mi_from_correlations(task.rho) == pytest.approx(2.0, rel=1e-12)
    assert task.name == "gaussian-10x8-p2-i2"
    assert task.parameters()["correlated_pairs"] == 2
    x, y = task.sample(20_000, seed=0)
    corr = np.corrcoef(x.T, y.T)[:10, 10:]
    assert np.allclose(np.diag(corr)[:2], task.rho, atol=0.01)
    assert np.max(np.abs(corr[2:, 2:])) < 0.05


def test_correlated_pairs_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="^correlated_pairs: must be <= min"):
        CorrelatedGaussian(3, 5, mutual_information=1.0, correlated_pairs=4)
    with pytest.raises(ValueError, match="^correlated_pairs: must be >= 1"):
        CorrelatedGaussian(3, mutual_information=1.0, correlated_pairs=0)
    with pytest.raises(ValueError, match="^correlated_pairs: give it with mutual_information"):
        CorrelatedGaussian(3, rho=[0.5], correlated_pairs=1)

"""Tests of the flow-matching MI estimator (FMMI) and its pure pieces.

Tolerances: at n = 5000 (1000 held out) the estimate's standard error is about 0.02 nats on the
2+2-dim tasks (Gaussian delta method and held-out Monte Carlo together) and 0.06 on the 5+5
Student-t; measured errors over seeds 0-2 were at most 0.04 (Gaussian, I = 1), 0.04 (Student-t
2+2, I = 0.40) and 0.13 (Student-t 5+5, I = 2.85). The stated tolerances are about 3 standard
errors: 0.1, 0.08 and 0.3 nats.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

from infolens.estimators.flow_matching import (
    FMMI,
    _Velocity,
    conditional_gaussian_flow_basis,
    exact_divergence,
    gaussian_flow_basis,
    gaussian_mi_stderr,
    gaussian_velocity_rates,
    hutchinson_divergence,
    stratified_times,
)
from infolens.estimators.gaussian import gaussian_mi_from_covariance
from infolens.estimators.registry import make_estimator
from infolens.estimators.result import EstimatorWarning
from infolens.tasks import CorrelatedGaussian, get_task

QUICK = dict(hidden_sizes=(32,), max_epochs=3, patience=2, n_time_samples=4)


def random_covariance(d: int, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(d, d))
    return a @ a.T / d + 0.5 * np.eye(d)


# ----------------------------------------------------------------------------- pure math
def test_gaussian_velocity_rates_ends_and_integral() -> None:
    lam = torch.tensor([0.05, 0.5, 1.0, 3.0], dtype=torch.float64)
    ends = gaussian_velocity_rates(torch.tensor([0.0, 1.0], dtype=torch.float64), lam)
    np.testing.assert_allclose(ends.numpy(), [[-1.0] * 4, [1.0] * 4])  # v = -z, then v = z
    t = torch.linspace(0, 1, 200_001, dtype=torch.float64)
    integral = torch.trapezoid(gaussian_velocity_rates(t, lam), t, dim=0)
    np.testing.assert_allclose(integral.numpy(), 0.5 * np.log(lam.numpy()), atol=1e-8)


@pytest.mark.parametrize("dim_x", [1, 2, 3])
def test_gaussian_flow_basis_diagonalises_both_covariances(dim_x: int) -> None:
    cov = random_covariance(5, seed=dim_x)
    lam, w = gaussian_flow_basis(cov, dim_x)
    c0 = cov.copy()
    c0[:dim_x, dim_x:] = c0[dim_x:, :dim_x] = 0
    np.testing.assert_allclose(w.T @ c0 @ w, np.eye(5), atol=1e-10)
    np.testing.assert_allclose(w.T @ cov @ w, np.diag(lam), atol=1e-10)
    assert -0.5 * np.log(lam).sum() == pytest.approx(gaussian_mi_from_covariance(cov, dim_x))
    # the eigenvalues are 1 +- rho in pairs (and 1 for unpaired directions)
    np.testing.assert_allclose(np.sort(lam + lam[::-1]), 2.0, atol=1e-10)


def test_conditional_basis_gives_the_same_gaussian_mi() -> None:
    cov = random_covariance(5, seed=7)
    kappa, w, shift = conditional_gaussian_flow_basis(cov, 2)
    syy = cov[2:, 2:]
    np.testing.assert_allclose(w.T @ syy @ w, np.eye(3), atol=1e-10)
    assert np.all((kappa > 0) & (kappa <= 1 + 1e-12))
    assert -0.5 * np.log(kappa).sum() == pytest.approx(gaussian_mi_from_covariance(cov, 2))
    np.testing.assert_allclose(shift, np.linalg.solve(cov[:2, :2], cov[:2, 2:]) @ w, atol=1e-12)


def test_basis_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="^cov: "):
        gaussian_flow_basis(np.ones((2, 3)), 1)
    with pytest.raises(ValueError, match="^cov: not positive definite"):
        gaussian_flow_basis(-np.eye(3), 1)
    with pytest.raises(ValueError, match="^dim_x: "):
        gaussian_flow_basis(np.eye(3), 3)
    with pytest.raises(ValueError, match="^dim_x: "):
        conditional_gaussian_flow_basis(np.eye(3), 0)


def _closed_form_linear_field(c0: np.ndarray, c1: np.ndarray, t: float) -> np.ndarray:
    """``A_t = Cov(z_1 - z_0, z_t) Cov(z_t)^-1`` for independent z_0, z_1 (column vectors)."""
    ct = (1 - t) ** 2 * c0 + t**2 * c1
    return (t * c1 - (1 - t) * c0) @ np.linalg.inv(ct)


def test_linear_part_is_the_regression_of_the_target_on_the_interpolant() -> None:
    cov, dim_x = random_covariance(4, seed=3), 2
    c0 = cov.copy()
    c0[:dim_x, dim_x:] = c0[dim_x:, :dim_x] = 0
    lam, w = gaussian_flow_basis(cov, dim_x)
    field = _Velocity(lam, w, np.zeros((0, 4)), (8,)).double()
    z = torch.as_tensor(np.random.default_rng(0).normal(size=(5, 4)))
    for t in (0.1, 0.5, 0.93):
        got = field.linear(z[:, :0], z, torch.full((5,), t, dtype=torch.float64)).numpy()
        expected = z.numpy() @ _closed_form_linear_field(c0, cov, t).T
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)  # float32 buffers


def test_conditional_linear_part_matches_the_gaussian_formula() -> None:
    cov, dim_x = random_covariance(5, seed=4), 2
    kappa, w, shift = conditional_gaussian_flow_basis(cov, dim_x)
    field = _Velocity(kappa, w, shift, (8,)).double()
    rng = np.random.default_rng(1)
    x, y, t = rng.normal(size=(6, 2)), rng.normal(size=(6, 3)), 0.7
    sxx, sxy, syy = cov[:2, :2], cov[:2, 2:], cov[2:, 2:]
    b = x @ np.linalg.solve(sxx, sxy)  # rows (B x)^T
    s_cond = syy - sxy.T @ np.linalg.solve(sxx, sxy)
    ct = (1 - t) ** 2 * syy + t**2 * s_cond
    expected = b + (y - t * b) @ np.linalg.inv(ct) @ (t * s_cond - (1 - t) * syy)
    got = field.linear(torch.as_tensor(x), torch.as_tensor(y), torch.full((6,), t, dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)  # float32 buffers


def test_divergence_of_a_linear_field_is_its_trace() -> None:
    a = torch.as_tensor(np.random.default_rng(0).normal(size=(6, 6)))
    z = torch.randn(4, 6, dtype=torch.float64)
    exact = exact_divergence(lambda v: v @ a.T, z)
    np.testing.assert_allclose(exact.numpy(), float(torch.trace(a)), rtol=1e-12)
    probes = hutchinson_divergence(lambda v: v @ a.T, z.repeat(20_000, 1), torch.Generator().manual_seed(0))
    assert float(probes.mean()) == pytest.approx(float(torch.trace(a)), abs=0.1)
    diagonal = torch.diag(torch.tensor([1.0, -2.0, 4.0], dtype=torch.float64))
    exact_probe = hutchinson_divergence(lambda v: v @ diagonal, torch.zeros(3, 3, dtype=torch.float64),
                                        torch.Generator())
    np.testing.assert_allclose(exact_probe.numpy(), 3.0)  # a diagonal Jacobian: no variance


def test_exact_and_hutchinson_divergence_agree_on_a_nonlinear_field() -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.SiLU(), torch.nn.Linear(16, 3)).double()
    z = torch.randn(3, 3, dtype=torch.float64)
    exact = exact_divergence(net, z)
    jacobians = torch.func.vmap(torch.func.jacrev(net))(z).detach()
    np.testing.assert_allclose(exact.numpy(), jacobians.diagonal(dim1=1, dim2=2).sum(1).numpy())
    probes = hutchinson_divergence(net, z.repeat_interleave(20_000, 0), torch.Generator().manual_seed(1))
    np.testing.assert_allclose(probes.view(3, -1).mean(1).numpy(), exact.numpy(), atol=0.05)


@pytest.mark.parametrize("m", [1, 4, 7])
def test_stratified_times_one_per_stratum_and_antithetic(m: int) -> None:
    t = stratified_times(50, m, torch.Generator().manual_seed(0))
    assert t.shape == (50, m) and torch.all((t > 0) & (t < 1))
    strata = torch.sort(torch.floor(t * m), dim=1).values
    assert torch.equal(strata, torch.arange(m, dtype=t.dtype).expand(50, m))
    if m % 2 == 0:
        np.testing.assert_allclose(t.mean(1).numpy(), 0.5)


def test_gaussian_mi_stderr_formula() -> None:
    assert gaussian_mi_stderr([0.6, 0.8], 400) == pytest.approx(math.sqrt(1.0 / 400))
    assert gaussian_mi_stderr([], 10) == 0.0
    with pytest.raises(ValueError, match="^n: "):
        gaussian_mi_stderr([0.5], 0)


# ----------------------------------------------------------------------------- the estimator
def test_on_gaussian_2x2() -> None:
    x, y = get_task("gaussian-2x2-i1").sample(5000, seed=0)
    result = FMMI(random_state=0).estimate_with_error(x, y)
    assert result.value == pytest.approx(1.0, abs=0.1)
    assert 0 < result.stderr < 0.05 and result.n == 1000 and result.method == "fmmi"
    assert result.details["divergence"] == "exact" and not result.warnings


def test_on_student_t_2x2_the_network_corrects_the_gaussian_part() -> None:
    task = get_task("student-2x2-dof3-rho0.5")  # heavy tails: the Gaussian MI is 0.1 too low
    x, y = task.sample(5000, seed=0)
    result = FMMI(random_state=0).estimate_with_error(x, y)
    assert result.value == pytest.approx(task.mutual_information, abs=0.08)
    assert result.details["gaussian_mi"] < task.mutual_information - 0.05
    assert result.details["correction"] > 0.05


@pytest.mark.slow
def test_on_student_t_5x5_and_gaussian_5x5() -> None:
    task = get_task("student-5x5-dof3-rho0.8")
    x, y = task.sample(5000, seed=0)
    assert FMMI().estimate(x, y) == pytest.approx(task.mutual_information, abs=0.3)
    x, y = CorrelatedGaussian(5, 5, mutual_information=5.0).sample(5000, seed=0)
    assert FMMI().estimate(x, y) == pytest.approx(5.0, abs=0.15)


@pytest.mark.slow
def test_conditional_variant_and_independent_base_on_gaussian() -> None:
    x, y = get_task("gaussian-2x2-i1").sample(5000, seed=0)
    assert FMMI(variant="conditional").estimate(x, y) == pytest.approx(1.0, abs=0.1)
    result = FMMI(base="independent").estimate_with_error(x, y)
    assert result.details["gaussian_mi"] == 0.0
    assert result.value == pytest.approx(1.0, abs=0.15)


@pytest.mark.parametrize("variant", ["joint", "conditional"])
def test_exact_and_hutchinson_estimates_agree(variant: str) -> None:
    x, y = get_task("student-2x2-dof3-rho0.5").sample(2000, seed=1)
    kw = dict(QUICK, variant=variant, max_epochs=10, patience=10, n_time_samples=8)
    exact = FMMI(divergence="exact", **kw).estimate_with_error(x, y)
    probed = FMMI(divergence="hutchinson", **kw).estimate_with_error(x, y)
    assert exact.details["divergence"] == "exact" and probed.details["divergence"] == "hutchinson"
    assert exact.details["gaussian_mi"] == probed.details["gaussian_mi"]
    assert probed.value == pytest.approx(exact.value, abs=3 * probed.stderr + 0.01)


def test_same_random_state_same_estimate() -> None:
    x, y = get_task("gaussian-2x2-i1").sample(1000, seed=2)
    first = FMMI(random_state=5, **QUICK).estimate_with_error(x, y)
    assert FMMI(random_state=5, **QUICK).estimate_with_error(x, y) == first
    assert clone(FMMI(random_state=5, **QUICK)).estimate(x, y) == first.value
    assert FMMI(random_state=6, **QUICK).estimate(x, y) != first.value


def test_constant_columns_are_dropped_and_a_constant_variable_has_zero_mi() -> None:
    x, y = get_task("gaussian-2x2-i1").sample(600, seed=0)
    with_constant = np.column_stack([x, np.full(len(x), 3.0)])
    assert FMMI(**QUICK).estimate(with_constant, y) == FMMI(**QUICK).estimate(x, y)
    result = FMMI(**QUICK).estimate_with_error(np.ones((600, 2)), y)
    assert result.value == 0.0 and result.details == {"constant": True}


def test_registered_as_fmmi() -> None:
    estimator = make_estimator("fmmi", random_state=3)
    assert type(estimator) is FMMI and estimator.random_state == 3


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("variant", "both"),
        ("base", "ot"),
        ("hidden_sizes", ()),
        ("hidden_sizes", (16, 0)),
        ("batch_size", 1),
        ("lr", 0.0),
        ("max_epochs", -1),
        ("patience", 0),
        ("lr_schedule", "cosine"),
        ("ema_decay", 1.0),
        ("val_fraction", 1.5),
        ("n_time_samples", 0),
        ("divergence", "approximate"),
        ("random_state", -1),
    ],
)
def test_bad_params_name_themselves(param: str, value: object) -> None:
    x, y = get_task("gaussian-2x2-i1").sample(100, seed=0)
    with pytest.raises(ValueError, match=rf"^{param}: "):
        FMMI(**{param: value}).estimate(x, y)


def test_fmmi_flags_data_on_a_lower_dimensional_manifold() -> None:
    rng = np.random.default_rng(0)
    t = rng.normal(size=(600, 1))
    curve = np.hstack([np.cos(t), np.sin(t), t])  # a 1-D curve in 3-D
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        result = FMMI(max_epochs=1).estimate_with_error(curve, t + rng.normal(size=t.shape))
    assert any("manifold" in w for w in result.warnings)

"""Tests of the normalizing-flow MI estimator (MIENF) and its closed-form pieces.

Tolerances: the Gaussian head read on held-out data has a bootstrap standard error of about
0.03-0.05 nats at n = 5000 (1000 held out); the stated tolerances are 2-3 of those.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal
from sklearn.base import clone

from infolens.estimators.flows import (
    FlowMI,
    canonical_correlation_analysis,
    gaussian_cca_mi,
    gaussian_mi_from_covariance,
    held_out_canonical_mi,
    tridiag_gaussian_log_density,
    tridiag_gaussian_mi,
)
from infolens.tasks import CorrelatedGaussian, Transformed

FAST = dict(max_epochs=40, patience=5, progress=False)


# ----------------------------------------------------------------------------- pure math
def test_tridiag_mi_formula() -> None:
    rho = np.array([0.5, -0.9, 0.0])
    assert tridiag_gaussian_mi(rho) == pytest.approx(-0.5 * np.log((1 - 0.25) * (1 - 0.81)))
    assert tridiag_gaussian_mi([]) == 0.0
    with pytest.raises(ValueError, match="rho"):
        tridiag_gaussian_mi([0.3, 1.0])


def test_covariance_mi_equals_tridiag_mi() -> None:
    rho = np.array([0.8, 0.3])
    cov = np.block([[np.eye(2), np.diag(rho)], [np.diag(rho), np.eye(2)]])
    assert gaussian_mi_from_covariance(cov, 2) == pytest.approx(tridiag_gaussian_mi(rho))
    # invariant to a change of basis within X and within Y
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    t = np.block([[a, np.zeros((2, 2))], [np.zeros((2, 2)), b]])
    assert gaussian_mi_from_covariance(t @ cov @ t.T, 2) == pytest.approx(tridiag_gaussian_mi(rho))
    with pytest.raises(ValueError, match="cov"):
        gaussian_mi_from_covariance(-np.eye(3), 1)
    with pytest.raises(ValueError, match="dim_x"):
        gaussian_mi_from_covariance(np.eye(3), 3)


def test_closed_form_cca_mi_on_gaussian() -> None:
    task = CorrelatedGaussian(5, 5, mutual_information=2.0)
    x, y = task.sample(5000, seed=1)
    cca = canonical_correlation_analysis(x, y)
    assert cca.mutual_information == pytest.approx(2.0, abs=0.05)
    assert np.all(np.diff(cca.rho) <= 0)
    u, v = (x - cca.mean_x) @ cca.weights_x, (y - cca.mean_y) @ cca.weights_y
    np.testing.assert_allclose(np.cov(u, rowvar=False), np.eye(5), atol=1e-8)
    np.testing.assert_allclose(np.cov(u.T, v.T)[:5, 5:], np.diag(cca.rho), atol=1e-8)
    # the plug-in Gaussian MI of the sample covariance is the same number
    cov = np.cov(np.concatenate([x, y], axis=1), rowvar=False)
    assert gaussian_cca_mi(x, y) == pytest.approx(gaussian_mi_from_covariance(cov, 5))


def test_cca_with_unequal_dimensions_keeps_extra_coordinates() -> None:
    x, y = CorrelatedGaussian(3, 2, mutual_information=1.0).sample(3000, seed=0)
    cca = canonical_correlation_analysis(x, y)
    assert cca.weights_x.shape == (3, 3) and cca.weights_y.shape == (2, 2)
    assert cca.rho.shape == (2,)
    assert cca.mutual_information == pytest.approx(1.0, abs=0.06)


def test_tridiag_log_density_matches_scipy() -> None:
    rho = np.array([0.7, -0.4])
    dx, dy = 3, 2
    cov = np.eye(dx + dy)
    for i, r in enumerate(rho):
        cov[i, dx + i] = cov[dx + i, i] = r
    z = np.random.default_rng(0).normal(size=(50, dx + dy))
    theta = torch.as_tensor(np.arctanh(rho))
    u, v = torch.as_tensor(z[:, :dx]), torch.as_tensor(z[:, dx:])
    ours = tridiag_gaussian_log_density(u, v, theta)
    np.testing.assert_allclose(ours.numpy(), multivariate_normal(cov=cov).logpdf(z), rtol=1e-10)


def test_held_out_canonical_mi_and_bootstrap() -> None:
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(4000, seed=2)
    mi, stderr, r = held_out_canonical_mi(x, y, 2, n_bootstrap=100, seed=0)
    assert mi == pytest.approx(1.0, abs=0.08)
    assert 0.005 < stderr < 0.05  # about sqrt(sum rho^2 / n) = 0.018
    assert r.shape == (2,)


# ----------------------------------------------------------------------------- the estimator
def test_flowmi_gaussian_2d() -> None:
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(5000, seed=0)
    est = FlowMI(random_state=0, **FAST)
    result = est.estimate_with_error(x, y)
    assert result.value == pytest.approx(1.0, abs=0.1)
    assert 0 < result.stderr < 0.1
    assert result.error_method == "held-out bootstrap"
    assert result.n == 1000 and result.details["n_train"] == 4000
    assert est.model_mi_ == pytest.approx(1.0, abs=0.1)
    assert est.rho_.shape == (2,)
    assert np.all(np.abs(est.rho_) < 1)
    assert np.all(np.diff(np.abs(est.rho_)) <= 0)
    u, v = est.transform(x, y)
    assert u.shape == x.shape and v.shape == y.shape
    # the canonical pairs carry the correlations rho_, the cross terms nearly none
    c = np.corrcoef(u.T, v.T)[:2, 2:]
    np.testing.assert_allclose(np.diag(c), est.rho_, atol=0.05)
    assert abs(c[0, 1]) < 0.05 and abs(c[1, 0]) < 0.05


def test_closed_form_initialisation_alone_is_right_on_gaussian() -> None:
    x, y = CorrelatedGaussian(3, 2, mutual_information=1.5).sample(5000, seed=3)
    est = FlowMI(max_epochs=0, random_state=0).fit(x, y)
    assert est.history_["epochs"] == 0
    assert est.init_mi_ == pytest.approx(1.5, abs=0.05)
    assert est.held_out_.value == pytest.approx(1.5, abs=0.1)
    assert est.rho_.shape == (2,)


@pytest.mark.parametrize("kind", ["asinh"])
def test_flowmi_through_invertible_transform(kind: str) -> None:
    task = Transformed(CorrelatedGaussian(2, 2, mutual_information=1.0), kind)
    x, y = task.sample(5000, seed=0)
    assert FlowMI(random_state=0, **FAST).estimate(x, y) == pytest.approx(1.0, abs=0.15)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["half_cube", "normal_cdf", "random_network"])
def test_flowmi_through_other_invertible_transforms(kind: str) -> None:
    task = Transformed(CorrelatedGaussian(2, 2, mutual_information=1.0), kind)
    x, y = task.sample(5000, seed=0)
    est = FlowMI(random_state=0, max_epochs=100, patience=10)
    assert est.estimate(x, y) == pytest.approx(1.0, abs=0.15)


@pytest.mark.slow
def test_flowmi_on_autoencoder_codes_of_images_within_ten_percent() -> None:
    """The bench-flows image row at I = 5 nats, seed 0 (measured 4.90): 16x16 images of
    Gaussian bumps through conv autoencoders with a linear, noise-free 2-dim bottleneck. About
    four minutes on one thread."""
    from infolens.estimators.compression import Compressed
    from infolens.estimators.compressors import AutoencoderCompressor
    from infolens.tasks.images import GaussianImages

    x, y = GaussianImages(mutual_information=5.0, image_size=16, latent_dim=2).sample(10_000, seed=0)
    ae = dict(latent_dim=2, architecture="conv", image_shape=(16, 16), bottleneck="linear",
              noise_std=0.0, max_epochs=150, patience=20)
    flow = FlowMI(max_epochs=400, patience=30, batch_size=512, lr=3e-3, lr_schedule="plateau")
    est = Compressed(flow, AutoencoderCompressor(**ae, random_state=0),
                     AutoencoderCompressor(**ae, random_state=1000))
    assert est.estimate(x, y) == pytest.approx(5.0, rel=0.10)


def test_full_variant_gaussian() -> None:
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(5000, seed=0)
    est = FlowMI(variant="full", random_state=0, **FAST)
    assert est.estimate(x, y) == pytest.approx(1.0, abs=0.1)
    assert est.model_mi_ == pytest.approx(1.0, abs=0.1)
    assert np.all(np.abs(est.rho_) < 1)


def test_seed_determines_the_result_and_leaves_global_rng_alone() -> None:
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(2000, seed=0)
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    kw = dict(max_epochs=3, patience=3, flow="realnvp")
    a = FlowMI(random_state=5, **kw).estimate_with_error(x, y)
    b = FlowMI(random_state=5, **kw).estimate_with_error(x, y)
    assert a.value == b.value and a.stderr == b.stderr
    assert torch.rand(1) == expected_next


def test_evaluate_on_new_data() -> None:
    task = CorrelatedGaussian(2, 2, mutual_information=1.0)
    est = FlowMI(max_epochs=0, random_state=0).fit(*task.sample(3000, seed=0))
    assert est.evaluate(*task.sample(3000, seed=1)).value == pytest.approx(1.0, abs=0.1)


# ----------------------------------------------------------------------------- bad input
def test_bad_input_names_the_argument() -> None:
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(100, seed=0)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="^x: .*NaN"):
        FlowMI().estimate(bad, y)
    with pytest.raises(ValueError, match="x and y: sample counts differ"):
        FlowMI().estimate(x, y[:50])
    with pytest.raises(ValueError, match="^x: too few samples"):
        FlowMI().estimate(x[:20], y[:20])
    # __init__ only stores; the checks run when fitting and name the argument
    with pytest.raises(ValueError, match="^variant"):
        FlowMI(variant="diag").estimate(x, y)
    with pytest.raises(ValueError, match="^flow"):
        FlowMI(flow="glow").fit(x, y)
    with pytest.raises(ValueError, match="^val_fraction"):
        FlowMI(val_fraction=1.0).estimate(x, y)
    with pytest.raises(ValueError, match="^lr_schedule: expected one of"):
        FlowMI(lr_schedule="cosine").fit(x, y)
    with pytest.raises(ValueError, match="^hidden_sizes"):
        FlowMI(hidden_sizes=(0,)).fit(x, y)
    with pytest.raises(ValueError, match="not fitted"):
        FlowMI().transform(x, y)


def test_parameters_follow_the_scikit_learn_contract() -> None:
    est = FlowMI("full", "maf", hidden_sizes=(16,), max_epochs=3, random_state=4)
    params = est.get_params()
    assert (params["variant"], params["flow"], params["hidden_sizes"]) == ("full", "maf", (16,))
    twin = clone(est)
    assert twin is not est and twin.get_params() == params
    assert twin.set_params(variant="tridiag", max_epochs=0) is twin
    assert (twin.variant, twin.max_epochs, est.max_epochs) == ("tridiag", 0, 3)
    assert (est.name, twin.name) == ("flow-full", "flow")
    assert FlowMI(variant="diag").variant == "diag"  # stored as given, checked by fit


def test_attribute_set_after_construction_takes_effect() -> None:
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(500, seed=0)
    est = FlowMI(max_epochs=5, patience=5, n_bootstrap=10)
    est.max_epochs = 1
    assert est.fit(x, y).history_["epochs"] == 1
    est.set_params(max_epochs=0)
    assert est.fit(x, y).history_["epochs"] == 0


def test_gaussian_math_needs_no_torch() -> None:
    code = "import sys, infolens.estimators.gaussian; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)



def test_constant_columns_follow_the_one_policy() -> None:
    """Constant columns are dropped (as by every estimator); an all-constant variable has I = 0."""
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(200, seed=0)
    const = x.copy()
    const[:, 0] = 0.1257  # float std of this column is ~1e-17, not 0
    fitted = FlowMI(max_epochs=1).fit(const, y)
    assert fitted.transform(const, y)[0].shape == (200, 1)  # one kept column of x
    all_constant = np.tile([0.1257, -0.1321], (200, 1))
    assert FlowMI().estimate(all_constant, y) == 0.0
    with pytest.raises(ValueError, match="^x: every column is constant"):
        FlowMI(max_epochs=1).fit(all_constant, y)

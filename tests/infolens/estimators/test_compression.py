"""Compression MI estimator (Butakov et al., ICLR 2024): compressors and ``Compressed``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.base import clone

from infolens.estimators.compression import Compressed, make_compressor, normal_scores
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.knn import KSG, ContinuousDiscreteMI
from infolens.estimators.result import MIEstimate
from infolens.tasks import CorrelatedGaussian, GaussianImages, Rectangles


def _linear_embedding(mi: float, n: int, dim: int, seed: int = 0):
    """A 2+2-dim Gaussian with I = mi, each side mapped into R^dim by a random injective map."""
    zx, zy = CorrelatedGaussian(2, 2, mutual_information=mi).sample(n, seed=seed)
    rng = np.random.default_rng(seed + 100)
    a, b = rng.normal(size=(2, dim)), rng.normal(size=(2, dim))  # rank 2 almost surely
    assert np.linalg.matrix_rank(a) == 2 and np.linalg.matrix_rank(b) == 2
    return zx @ a, zy @ b


def _small_ae(**kwargs) -> AutoencoderCompressor:
    params = dict(latent_dim=2, max_epochs=30, patience=5, batch_size=128)
    params.update(kwargs)
    return AutoencoderCompressor(**params)


# ----------------------------------------------------------------------------- PCA


def test_pca_on_linear_embedding_recovers_mi():
    # The embedding is injective and linear, so PCA to 2 dims inverts it up to an invertible
    # linear map: the loss is only KSG's own bias (~0.02 nat at n = 3000, 2+2 dims).
    x, y = _linear_embedding(1.0, 3000, 20)
    mi = Compressed(KSG(k=5), PCACompressor(latent_dim=2), PCACompressor(latent_dim=2)).estimate(
        x, y
    )
    assert abs(mi - 1.0) < 0.1


def test_pca_shapes_and_refits_consistently():
    x, _ = _linear_embedding(1.0, 500, 20)
    pca = PCACompressor(latent_dim=3)
    codes = pca.fit_transform(x)
    assert codes.shape == (500, 3)
    np.testing.assert_allclose(pca.transform(x), codes)
    # leading components carry the variance: the third one is ~0 for rank-2 data
    assert codes[:, 2].std() < 1e-8 * codes[:, 0].std()


def test_pca_errors_name_the_argument():
    x = np.random.default_rng(0).normal(size=(50, 6))
    with pytest.raises(ValueError, match="latent_dim"):
        PCACompressor(latent_dim=0).fit(x)
    with pytest.raises(ValueError, match="latent_dim"):
        PCACompressor(latent_dim=7).fit(x)
    with pytest.raises(ValueError, match="fit before transform"):
        PCACompressor().transform(x)
    with pytest.raises(ValueError, match="x: .*6 features, got 5"):
        PCACompressor(2).fit(x).transform(x[:, :5])
    with pytest.raises(ValueError, match="x: contains"):
        PCACompressor(2).fit(np.where(x > 2, np.nan, x))


# ----------------------------------------------------------------------------- autoencoders


def test_autoencoder_recovers_mi_of_gaussian_images():
    """16x16 images of Gaussian bumps, latent 2+2, I = 2 nats, n = 3000.

    Tolerances: KSG on the true 2+2-dim latents is within ~2% here; a 30-epoch dense
    autoencoder bends the latent space, which costs KSG another few percent (measured 11% low
    on the raw sigmoid codes, 2% low on their normal scores). We require 15% for the raw
    codes and 7.5% with normal scores (the rank transform removes most of the bending bias).
    """
    task = GaussianImages(mutual_information=2.0, image_size=16)
    x, y = task.sample(3000, seed=0)
    compressed = Compressed(KSG(k=5), _small_ae(), _small_ae(random_state=1))
    cx, cy = compressed.compress(x, y)
    assert cx.shape == cy.shape == (3000, 2)
    truth = task.mutual_information
    raw_codes = KSG(k=5).estimate(cx, cy)
    scored = KSG(k=5).estimate(normal_scores(cx), normal_scores(cy))
    assert abs(raw_codes - truth) < 0.15 * truth
    assert abs(scored - truth) < 0.075 * truth


def test_compression_beats_raw_ksg_on_rectangles():
    # Rectangle images (latent 4 + 4, I = 1): KSG on the 256 + 256 raw pixels collapses (the
    # max-norm neighbourhoods are set by the hard edges); on 4 + 4 PCA codes it does far better.
    # Neither is within 10% here (see benchmarks/bench_compression.py); this checks the ordering.
    task = Rectangles(mutual_information=1.0, image_size=16)
    x, y = task.sample(2000, seed=0)
    raw = KSG().estimate(x, y)
    compressed = Compressed(KSG(), "pca:4", "pca:4").estimate(x, y)
    assert abs(compressed - 1.0) < abs(raw - 1.0)
    assert compressed - raw > 0.2


def test_conv_autoencoder_trains_on_non_square_images():
    rng = np.random.default_rng(0)
    h, w = 12, 10
    centres = rng.uniform(2, 8, size=(600, 2))
    rows, cols = np.mgrid[0:h, 0:w]
    images = np.exp(
        -((rows[None] - centres[:, :1, None]) ** 2 + (cols[None] - centres[:, 1:, None]) ** 2) / 4
    ).reshape(600, h * w)
    ae = AutoencoderCompressor(
        latent_dim=2, architecture="conv", image_shape=(h, w), max_epochs=15, random_state=0
    )
    codes = ae.fit_transform(images)
    assert codes.shape == (600, 2)
    assert np.all((codes > 0) & (codes < 1))  # sigmoid bottleneck
    assert ae.reconstruct(images[:5]).shape == (5, h * w)
    # the kept weights reconstruct better than the initial ones (val_loss[0]: before training)
    assert ae.history_["val_loss"][ae.best_epoch_] < ae.history_["val_loss"][0]


def test_early_stopping_on_a_plateau_restores_best_weights():
    x = np.random.default_rng(0).normal(size=(400, 8))
    # a learning rate this small leaves the loss flat: no epoch improves on the first one
    ae = AutoencoderCompressor(latent_dim=2, max_epochs=50, patience=3, lr=1e-12).fit(x)
    assert ae.history_["epochs"] == 4 < 50
    # val_loss[0] is the loss before training (not a candidate for an autoencoder)
    assert len(ae.history_["train_loss"]) == 4 and len(ae.history_["val_loss"]) == 5
    assert ae.best_epoch_ == 1
    # a real run: the kept epoch is the best validation loss seen
    ae = AutoencoderCompressor(latent_dim=2, max_epochs=40, patience=3).fit(x)
    assert ae.best_epoch_ == int(np.argmin(ae.history_["val_loss"][1:])) + 1


def test_autoencoder_is_deterministic_and_leaves_torch_state_alone():
    x = np.random.default_rng(0).normal(size=(300, 10))
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    AutoencoderCompressor(latent_dim=2, max_epochs=1, num_threads=2).fit(x)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert torch.get_num_threads() == threads
    a = AutoencoderCompressor(latent_dim=2, max_epochs=3, random_state=5).fit(x)
    b = AutoencoderCompressor(latent_dim=2, max_epochs=3, random_state=5).fit(x)
    c = AutoencoderCompressor(latent_dim=2, max_epochs=3, random_state=6).fit(x)
    np.testing.assert_array_equal(a.transform(x), b.transform(x))
    np.testing.assert_array_equal(a.transform(x), a.transform(x))  # no noise at transform
    assert not np.allclose(a.transform(x), c.transform(x))
    assert a.history_ == b.history_


@pytest.mark.parametrize(
    ("kwargs", "n_features", "match"),
    [
        ({"architecture": "conv", "image_shape": (16, 15)}, 256, "image_shape"),
        ({"architecture": "conv"}, 250, "image_shape"),
        ({"architecture": "conv", "image_shape": (16,)}, 256, "image_shape"),
        ({"latent_dim": 0}, 16, "latent_dim"),
        ({"architecture": "mlp"}, 16, "architecture"),
        ({"bottleneck": "tanh"}, 16, "bottleneck"),
        ({"loss": "huber"}, 16, "loss"),
        ({"lr_schedule": "cosine"}, 16, "lr_schedule"),
        ({"val_fraction": 1.0}, 16, "val_fraction"),
        ({"noise_std": -0.1}, 16, "noise_std"),
        ({"max_epochs": 0}, 16, "max_epochs"),
        ({"hidden_sizes": (64, 0)}, 16, "hidden_sizes"),
        ({"batch_size": 1}, 16, "batch_size"),
    ],
)
def test_autoencoder_bad_arguments(kwargs, n_features, match):
    x = np.random.default_rng(0).normal(size=(50, n_features))
    ae = AutoencoderCompressor(**kwargs)  # stores; fit checks
    with pytest.raises(ValueError, match=f"^{match}"):
        ae.fit(x)


def test_autoencoder_transform_checks():
    x = np.random.default_rng(0).normal(size=(60, 9))
    with pytest.raises(ValueError, match="fit before transform"):
        AutoencoderCompressor().transform(x)
    ae = AutoencoderCompressor(latent_dim=2, max_epochs=1).fit(x)
    with pytest.raises(ValueError, match="x: .*9 features"):
        ae.transform(x[:, :4])
    with pytest.raises(ValueError, match="x: expected shape"):
        ae.fit(x.reshape(60, 3, 3))


# ----------------------------------------------------------------------------- Compressed


def test_labels_pass_through_untouched():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=2000)
    means = 8.0 * rng.normal(size=(4, 2))
    latent = means[labels] + rng.normal(size=(2000, 2))
    x = latent @ rng.normal(size=(2, 30))
    compressed = Compressed(ContinuousDiscreteMI(k=5), compress_x="pca:2")
    cx, cy = compressed.compress(x, labels)
    np.testing.assert_array_equal(cy, labels)
    # the projection is injective on the data: same value as on the 2-D latents themselves
    expected = ContinuousDiscreteMI(k=5).estimate(latent, labels)
    result = compressed.estimate_with_error(x, labels)
    assert abs(result.value - expected) < 0.02
    assert result.details["latent_dim_x"] == 2 and result.details["latent_dim_y"] is None
    assert result.details["compressor_y"] == "identity"


def test_refit_false_reuses_fitted_compressors():
    x, y = _linear_embedding(1.0, 800, 12)
    pca_x = PCACompressor(2).fit(x)
    fitted_model = pca_x.pca_
    reuse = Compressed(KSG(), pca_x, "pca:2", refit=False)
    first = reuse.estimate(x, y)
    assert pca_x.pca_ is fitted_model  # kept
    y_model = reuse.compress_y_.pca_  # built and fitted on first use, then kept
    x2, y2 = _linear_embedding(1.0, 800, 12, seed=1)
    reuse.estimate(x2, y2)
    assert pca_x.pca_ is fitted_model and reuse.compress_y_.pca_ is y_model
    refitting = Compressed(KSG(), pca_x, "pca:2", refit=True)
    assert refitting.estimate(x, y) == pytest.approx(first)
    assert pca_x.pca_ is not fitted_model
    # fit() then compress() gives the codes the compressors produce
    c = Compressed(KSG(), "pca:2", None, refit=False).fit(x, y)
    cx, cy = c.compress(x, y)
    np.testing.assert_allclose(cx, c.compress_x_.transform(x))
    np.testing.assert_array_equal(cy, y)


def test_estimate_with_error_wraps_any_estimator():
    x, y = _linear_embedding(1.0, 1000, 10)
    result = Compressed(KSG(), "pca:2", "pca:2").estimate_with_error(x, y)
    assert isinstance(result, MIEstimate)
    assert result.method == "compressed-ksg" and result.n == 1000
    assert result.stderr > 0 and result.details["inner"]["k"] == 5
    assert result.details["latent_dim_x"] == result.details["latent_dim_y"] == 2

    class Correlation:  # an estimator with estimate() only
        def estimate(self, a, b):
            return float(-0.5 * np.log(1 - np.corrcoef(a[:, 0], b[:, 0])[0, 1] ** 2))

    bare = Compressed(Correlation(), "pca:1", "pca:1").estimate_with_error(x, y)
    assert math.isnan(bare.stderr) and bare.error_method == "none"
    assert bare.method == "compressed-Correlation" and bare.value > 0


def test_compressed_in_front_of_the_flow_estimator():
    from infolens.estimators.flows import FlowMI

    # PCA(2) inverts the linear embedding, so the flow sees a 2+2-dim Gaussian with I = 1;
    # 0.15 nat is ~3 of its bootstrap standard errors (~0.045) at n = 2000.
    x, y = _linear_embedding(1.0, 2000, 20)
    flow = FlowMI(max_epochs=10, n_bootstrap=20, random_state=0)
    result = Compressed(flow, "pca:2", "pca:2").estimate_with_error(x, y)
    assert abs(result.value - 1.0) < 0.15
    assert result.details["latent_dim_x"] == 2 and result.stderr > 0


def test_normal_scores_are_invariant_to_monotone_maps():
    z = np.random.default_rng(0).normal(size=(500, 3))
    scores = normal_scores(z)
    np.testing.assert_allclose(normal_scores(np.exp(z) * 3 + 1), scores)
    assert abs(scores.mean()) < 1e-12 and abs(scores.std() - 1) < 0.05


def test_compressed_bad_input():
    x, y = _linear_embedding(1.0, 100, 6)
    with pytest.raises(ValueError, match="x and y"):
        Compressed(KSG(), "pca:2").estimate(x, y[:50])
    # __init__ only stores; the checks run when estimating and name the argument
    with pytest.raises(ValueError, match="^compress_x"):
        Compressed(KSG(), compress_x="umap").estimate(x, y)
    with pytest.raises(ValueError, match="^compress_y"):
        Compressed(KSG(), compress_y=object()).estimate(x, y)
    with pytest.raises(ValueError, match="^estimator"):
        Compressed(object()).estimate(x, y)
    with pytest.raises(ValueError, match="y: contains"):
        Compressed(KSG(), "pca:2", "pca:2").estimate(x, np.full_like(y, np.nan))


def test_string_shortcuts():
    assert isinstance(make_compressor("pca"), PCACompressor)
    assert make_compressor("pca").latent_dim == 4
    assert make_compressor("PCA:3").latent_dim == 3
    ae = make_compressor("ae")
    assert isinstance(ae, AutoencoderCompressor) and ae.architecture == "dense"
    conv = make_compressor("conv-ae:8")
    assert conv.architecture == "conv" and conv.latent_dim == 8
    assert make_compressor(None) is None


# ----------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("est", "change"),
    [
        (PCACompressor(latent_dim=2, standardize=False, random_state=3), {"latent_dim": 1}),
        (
            AutoencoderCompressor(latent_dim=3, hidden_sizes=(16,), noise_std=0.1, max_epochs=2),
            {"max_epochs": 1, "hidden_sizes": (8, 8)},
        ),
        (
            Compressed(KSG(k=3), PCACompressor(2), "ae:3", refit=False, normal_scores=True),
            {"refit": True, "compress_y": None},
        ),
    ],
    ids=["pca", "autoencoder", "compressed"],
)
def test_parameters_follow_the_scikit_learn_contract(est, change):
    params = est.get_params(deep=False)
    twin = clone(est)
    assert type(twin) is type(est) and twin is not est
    twin_params = twin.get_params(deep=False)
    assert twin_params.keys() == params.keys()
    for key, value in params.items():
        if hasattr(value, "get_params"):  # nested estimators are cloned, not shared
            assert twin_params[key] is not value
            assert twin_params[key].get_params() == value.get_params()
        else:
            assert twin_params[key] == value
    assert twin.set_params(**change) is twin
    assert all(getattr(twin, k) == v for k, v in change.items())
    assert est.get_params(deep=False) == params  # the original is untouched


def test_compressed_nested_parameters_and_stored_specs():
    est = Compressed(KSG(k=3), "pca:2")
    assert est.get_params()["estimator__k"] == 3 and est.compress_x == "pca:2"
    est.set_params(estimator__k=7, compress_x="pca:1")
    assert est.estimator.k == 7 and est.compress_x == "pca:1"
    x, y = _linear_embedding(1.0, 300, 6)
    assert est.estimate_with_error(x, y).details["latent_dim_x"] == 1
    assert isinstance(est.compress_x_, PCACompressor) and est.compress_x_.latent_dim == 1
    assert est.name == "compressed-ksg"
    built = est.compress_x_
    est.set_params(refit=False).estimate(x, y)
    assert est.compress_x_ is built  # same spec and seed: kept
    est.set_params(random_state=3).estimate(x, y)
    assert est.compress_x_ is not built and est.compress_x_.random_state == 3
    with pytest.raises(ValueError, match="^random_state"):
        est.set_params(random_state=-1).estimate(x, y)


def test_attribute_set_after_construction_takes_effect():
    x = np.random.default_rng(0).normal(size=(200, 6))
    ae = AutoencoderCompressor(latent_dim=2, max_epochs=20, patience=20)
    ae.max_epochs = 1
    assert ae.fit(x).history_["epochs"] == 1
    ae.set_params(noise_std=0.0, hidden_sizes=8)
    assert ae.fit(x).encoder_[0].out_features == 8
    pca = PCACompressor(latent_dim=4)
    pca.latent_dim = 2
    assert pca.fit_transform(x).shape == (200, 2)

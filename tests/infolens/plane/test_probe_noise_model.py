"""Activation probe, stochastic layers and the MNIST CNN."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from infolens.plane.models import LAYER_NAMES, MNISTConvNet
from infolens.plane.noise import RelativeGaussianNoise, insert_noise, relative_gaussian_noise
from infolens.plane.probe import ActivationProbe


def _no_hooks(model: nn.Module) -> bool:
    return all(not m._forward_hooks for m in model.modules())


def test_probe_collects_flattened_outputs_and_leaves_model_unchanged(tiny):
    x, _ = tiny.data()
    model = tiny.model()
    model.train()
    with torch.no_grad():
        before = model(x)
    with ActivationProbe(model, ["1", "4"]) as probe:
        acts = probe.collect(x, batch_size=128)
    assert acts["1"].shape == (len(x), 16) and acts["4"].shape == (len(x), 3)
    with torch.no_grad():
        after = model(x)
        hidden = torch.tanh(model[0](x))
    torch.testing.assert_close(after, before, rtol=0, atol=0)
    torch.testing.assert_close(torch.from_numpy(acts["1"]), hidden)
    assert _no_hooks(model) and model.training


def test_probe_outside_with_block_and_unknown_layer(tiny):
    model = tiny.model()
    with pytest.raises(RuntimeError, match="with"):
        ActivationProbe(model, ["1"]).collect(torch.zeros(2, 8))
    with pytest.raises(ValueError, match="available"):
        ActivationProbe(model, ["7"])


def test_relative_noise_scales_with_the_activation():
    torch.manual_seed(0)
    x = 5.0 * torch.randn(2000, 50)
    per_sample_std = x.std(dim=1, unbiased=False, keepdim=True)
    noise = relative_gaussian_noise(x, 0.1) - x
    ratio = (noise / per_sample_std).std()
    assert abs(float(ratio) - 0.1) < 0.005
    assert torch.equal(relative_gaussian_noise(x, 0.0), x)
    layer = RelativeGaussianNoise(0.1).eval()
    assert not torch.equal(layer(x), x)  # on in evaluation mode too
    with pytest.raises(ValueError, match="^noise_std: "):
        RelativeGaussianNoise(-1.0)


def test_noise_hooks_perturb_outputs_in_eval_and_are_removable(tiny):
    x, _ = tiny.data()
    model = tiny.model().eval()
    with torch.no_grad():
        clean = model(x)
        with insert_noise(model, ["1", "3"], 0.05) as hooks:
            noisy = model(x)
            assert hooks.description["noise_std"] == 0.05
        restored = model(x)
    assert not torch.allclose(noisy, clean)
    assert (noisy - clean).abs().max() < 0.5  # small noise, small change
    torch.testing.assert_close(restored, clean, rtol=0, atol=0)
    assert _no_hooks(model)


def test_mnist_cnn_layer_shapes_and_log_probabilities():
    torch.manual_seed(0)
    model = MNISTConvNet(dropout=0.1, noise_std=1e-3)
    x = torch.rand(6, 1, 28, 28)
    with ActivationProbe(model, list(LAYER_NAMES)) as probe:
        acts = probe.collect(x)
    dims = {name: a.shape[1] for name, a in acts.items()}
    assert dims == {"L1": 8 * 13 * 13, "L2": 16 * 5 * 5, "L3": 32, "L4": 32, "L5": 10}
    probs = torch.from_numpy(acts["L5"]).exp().sum(dim=1)
    torch.testing.assert_close(probs, torch.ones(6), atol=1e-5, rtol=0)
    assert model(x[:, 0]).shape == (6, 10)  # (n, 28, 28) accepted too


def test_mnist_cnn_noise_is_reproducible_and_optional():
    x = torch.rand(4, 1, 28, 28)
    model = MNISTConvNet(noise_std=1e-2).eval()
    torch.manual_seed(1)
    a = model(x)
    torch.manual_seed(1)
    b = model(x)
    c = model(x)
    assert torch.equal(a, b) and not torch.equal(a, c)
    deterministic = MNISTConvNet().eval()
    assert torch.equal(deterministic(x), deterministic(x))
    assert model.noise_description["noise_std"] == 1e-2

"""``device=`` of the torch estimators and compressors: one resolver, checked errors, same numbers.

No test here needs a GPU: CUDA is only ever *reported* available (monkeypatched) to check that
``"auto"`` would pick it; every computation runs on the CPU.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from infolens._training import device_generator, train_with_early_stopping
from infolens._validation import DEVICE_CHOICES, resolve_device
from infolens.estimators.compression import Compressed, make_compressor
from infolens.estimators.compressors import AutoencoderCompressor
from infolens.estimators.flow_matching import FMMI
from infolens.estimators.flows import FlowMI
from infolens.estimators.knn import KSG
from infolens.estimators.neural import MINE, NWJ, SMILE, InfoNCE

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")

#: every class with ``device``, built to train for a moment
FAST = {
    "FlowMI": lambda **kw: FlowMI(max_epochs=1, hidden_sizes=8, n_bootstrap=5, **kw),
    "MINE": lambda **kw: MINE(max_epochs=1, hidden_sizes=8, batch_size=64, **kw),
    "InfoNCE": lambda **kw: InfoNCE(max_epochs=1, hidden_sizes=8, batch_size=64, **kw),
    "NWJ": lambda **kw: NWJ(max_epochs=1, hidden_sizes=8, batch_size=64, **kw),
    "SMILE": lambda **kw: SMILE(max_epochs=1, hidden_sizes=8, batch_size=64, **kw),
    "FMMI": lambda **kw: FMMI(max_epochs=1, hidden_sizes=8, **kw),
    "Compressed": lambda **kw: Compressed(KSG(), compress_x="ae:2", **kw),
}


@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    return x, 0.8 * x[:, :2] + 0.6 * rng.normal(size=(300, 2))


# -- the resolver -----------------------------------------------------------------------------
def test_resolver_reads_names_case_and_torch_devices():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert DEVICE_CHOICES == ("auto", "cpu", "cuda", "mps")


@NO_CUDA
def test_auto_is_the_cpu_without_cuda_and_cuda_with_it(monkeypatch):
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


@NO_CUDA
def test_missing_cuda_is_a_value_error_naming_the_argument():
    with pytest.raises(ValueError, match=r"^device: cuda is not available .* got 'cuda'; use 'cpu'"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match=r"^compress_device: cuda is not available"):
        resolve_device("cuda:1", "compress_device")


def test_cuda_index_past_the_devices_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    message = r"^device: this machine has 1 cuda device\(s\) \(0..0\), got 'cuda:3'"
    with pytest.raises(ValueError, match=message):
        resolve_device("cuda:3")


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "", None, 3, 1.5, ["cpu"]])
def test_what_is_not_a_device_is_refused(bad):
    with pytest.raises(ValueError, match=r"^device: expected a torch device: one of .*got") as err:
        resolve_device(bad)
    assert "\n" not in str(err.value)


def test_meta_holds_no_data():
    with pytest.raises(ValueError, match="^device: 'meta' holds no data"):
        resolve_device("meta")


# -- the estimators -------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FAST))
def test_device_is_a_stored_parameter_defaulting_to_the_cpu(name):
    estimator = FAST[name]()
    assert estimator.get_params()["device"] == "cpu"
    assert FAST[name](device="auto").get_params()["device"] == "auto"  # stored as given


@pytest.mark.parametrize("name", sorted(FAST))
@pytest.mark.parametrize(("device", "message"), [("gpu", "expected a torch device"),
                                                 ("meta", "holds no data")])
def test_bad_device_is_refused_when_estimating(name, device, message, pairs):
    with pytest.raises(ValueError, match=f"^device: .*{message}"):
        FAST[name](device=device).estimate(*pairs)


@NO_CUDA
@pytest.mark.parametrize("name", sorted(FAST))
def test_missing_cuda_is_refused_when_estimating(name, pairs):
    with pytest.raises(ValueError, match="^device: cuda is not available"):
        FAST[name](device="cuda").estimate(*pairs)


@NO_CUDA
@pytest.mark.parametrize(("name", "device"), [("FlowMI", "auto"), ("MINE", "auto"),
                                              ("FMMI", torch.device("cpu")), ("NWJ", " CPU ")])
def test_auto_and_other_spellings_of_the_cpu_give_the_cpu_numbers(name, device, pairs):
    assert FAST[name](device=device).estimate(*pairs) == FAST[name]().estimate(*pairs)


def test_autoencoder_checks_its_device_and_builds_from_shortcuts_with_it():
    x = np.random.default_rng(0).normal(size=(120, 6))
    with pytest.raises(ValueError, match="^device: expected a torch device"):
        AutoencoderCompressor(device="tpu0", max_epochs=1).fit(x)
    assert make_compressor("ae:2", device="auto").device == "auto"
    assert make_compressor("conv-ae").device == "cpu"
    assert make_compressor("pca:2").get_params().keys().isdisjoint({"device"})
    built = Compressed(KSG(), compress_x="ae:2", device="auto")
    built.fit(x, x[:, :1])
    assert built.compress_x_.device == "auto" and built.compress_x_.history_["epochs"] >= 1


def test_compressed_rebuilds_a_shortcut_when_its_device_changes():
    est = Compressed(KSG(), compress_x="ae:2")
    first = est._compressors()[0]
    assert est._compressors()[0] is first  # kept while the settings stay
    assert est.set_params(device="auto")._compressors()[0] is not first
    assert est.compress_x_.device == "auto"


# -- the training core ------------------------------------------------------------------------
def test_device_generator_on_the_cpu_is_a_seeded_cpu_generator():
    g = device_generator("cpu", 3)
    assert g.device == torch.device("cpu")
    assert torch.equal(torch.rand(4, generator=g), torch.rand(4, generator=torch.Generator().manual_seed(3)))


def test_batches_are_index_tensors_on_the_module_device():
    module = torch.nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 40)[:, None]
    seen = []

    def batch_loss(idx):
        seen.append(idx.device)
        return ((module(x[idx]) - x[idx]) ** 2).mean()

    history = train_with_early_stopping(
        module, batch_loss, lambda: float(((module(x) - x) ** 2).mean()), 40, batch_size=16,
        lr=0.1, max_epochs=2, patience=5, generator=device_generator("cpu", 0),
    )
    assert set(seen) == {torch.device("cpu")} and len(seen) == 6
    assert len(history["train_loss"]) == 2 and all(np.isfinite(history["train_loss"]))

"""The information-plane tracker on a tiny model: finite, reproducible, resumable, cached."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from infolens.plane.tracker import InformationPlaneTracker, read_table

EPOCHS = 3


def test_values_finite_and_identical_across_runs_with_same_seed(tiny):
    first = tiny.run(epochs=EPOCHS)
    second = tiny.run(epochs=EPOCHS)
    assert len(first) == (EPOCHS + 1) * 3  # epochs 0..3, three layers
    for row in first:
        for key in ("i_xl", "i_xl_err", "i_ly", "i_ly_err", "train_loss", "test_acc"):
            assert math.isfinite(row[key]), (key, row)
        assert row["i_xl_err"] > 0 and row["i_ly_err"] > 0
    assert tiny.strip_timing(first) == tiny.strip_timing(second)


def test_training_raises_label_information_of_the_output_layer(tiny):
    rows = tiny.run(epochs=EPOCHS)
    out = {r["epoch"]: r for r in rows if r["layer"] == "4"}
    # the untrained output carries little about y; the trained one most of log(3) it can
    assert out[EPOCHS]["i_ly"] > out[0]["i_ly"] + 0.1
    assert out[EPOCHS]["test_acc"] > 0.7
    assert out[EPOCHS]["i_ly"] < math.log(3) + 0.1


def test_resume_after_crash_gives_the_same_table(tiny, tmp_path):
    reference = tiny.run(tmp_path / "straight", epochs=4)

    class Crash(RuntimeError):
        pass

    def crash_at_3(epoch, rows):
        # killed after epoch 3's table was written but before its checkpoint: the worst moment
        if epoch == 3:
            raise Crash

    crashed = tmp_path / "crashed"
    with pytest.raises(Crash):
        tiny.run(crashed, epochs=4, on_epoch=crash_at_3)
    assert max(r["epoch"] for r in read_table(crashed)) == 3
    # a new process: different initial weights, which the checkpoint must overwrite
    resumed = tiny.run(crashed, epochs=4, resume=True, model_seed=123)
    assert tiny.strip_timing(resumed) == tiny.strip_timing(reference)
    assert tiny.strip_timing(read_table(crashed)) == tiny.strip_timing(reference)
    csv_lines = (crashed / "table.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + len(reference)


def test_files_written_with_parameters(tiny, tmp_path):
    tiny.run(tmp_path, epochs=1)
    header = (tmp_path / "table.csv").read_text().splitlines()[0].split(",")
    assert header[:6] == ["epoch", "layer", "i_xl", "i_xl_err", "i_ly", "i_ly_err"]
    assert {"train_loss", "test_loss", "train_acc", "test_acc"} <= set(header)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["noise"]["noise_std"] == 0.1 and run["noise"]["active_in_eval"] is True
    assert run["random_state"] == 0 and run["training"]["random_state"] == 0
    assert run["training"]["device"] == "cpu"
    assert run["mi_estimator"].startswith("WeightedKL(k=5")
    assert run["label_estimator"].startswith("ContinuousDiscreteMI(k=5")
    assert run["unit"] == "nats" and "torch" in run["versions"]


def test_every_k_epochs_records_zero_multiples_and_last(tiny):
    rows = tiny.run(epochs=3, every=2)
    assert sorted({r["epoch"] for r in rows}) == [0, 2, 3]


class CountingPCA:
    """A PCA compressor that counts its fits."""

    fits = 0

    def __init__(self):
        self.latent_dim = 2

    def fit(self, x):
        type(self).fits += 1
        self.mean_ = x.mean(axis=0)
        _, _, vt = np.linalg.svd(x - self.mean_, full_matrices=False)
        self.components_ = vt[:2]
        return self

    def transform(self, x):
        return (x - self.mean_) @ self.components_.T


def test_x_codes_computed_once_and_cached_on_disk(tiny, tmp_path):
    x, y = tiny.data()
    model = tiny.model()
    CountingPCA.fits = 0
    tracker = InformationPlaneTracker(model, ["1"], x, y, x_compressor=CountingPCA(),
                                      out_dir=tmp_path)
    tracker.record(0)
    tracker.record(1)
    assert CountingPCA.fits == 1
    again = InformationPlaneTracker(model, ["1"], x, y, x_compressor=CountingPCA(),
                                    out_dir=tmp_path)
    np.testing.assert_array_equal(again.x_codes(), tracker.x_codes())
    assert CountingPCA.fits == 1  # reloaded from x_codes.npy, not refitted


def test_record_leaves_training_rng_and_model_untouched(tiny):
    x, y = tiny.data()
    model = tiny.model()
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    tracker = InformationPlaneTracker(model, ["1", "4"], x, y, noise_std=0.2)
    torch.manual_seed(7)
    state = torch.get_rng_state()
    tracker.record(0)
    assert torch.equal(torch.get_rng_state(), state)
    assert model.training
    tracker.close()
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])
    assert all(not m._forward_hooks for m in model.modules())


def test_bad_arguments_fail_clearly(tiny):
    x, y = tiny.data()
    model = tiny.model()
    with pytest.raises(ValueError, match=r"layers: \['nope'\] not found"):
        InformationPlaneTracker(model, ["nope"], x, y)
    with pytest.raises(ValueError, match="probe_y"):
        InformationPlaneTracker(model, ["1"], x, y[:10])
    with pytest.raises(ValueError, match="every"):
        InformationPlaneTracker(model, ["1"], x, y, every=0)
    with pytest.raises(ValueError, match="layer_compressor"):
        InformationPlaneTracker(model, ["1"], x, y, layer_compressor="svd").record(0)


# -- the probe must be large enough for the estimators -----------------------------------------
def test_probe_smaller_than_the_estimators_need_is_refused(tiny):
    x, y = tiny.data()
    model = tiny.model()
    with pytest.raises(ValueError, match=r"probe_x: .*5 samples.*at least 6") as err:
        InformationPlaneTracker(model, ["1"], x[:5], y[:5])
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=r"probe_x: .*at least 9"):
        InformationPlaneTracker(model, ["1"], x[:8], y[:8], x_compressor="pca:8",
                                layer_compressor=None)
    with pytest.raises(ValueError, match="probe_x"):
        InformationPlaneTracker(model, ["1"], x[:0], y[:0])


def test_probe_class_with_too_few_samples_is_refused(tiny):
    x, y = tiny.data()
    keep = torch.cat([torch.nonzero(y != 2).flatten(), torch.nonzero(y == 2).flatten()[:3]])
    with pytest.raises(ValueError, match=r"probe_y: class 2 has 3 samples.*k \+ 1 = 6"):
        InformationPlaneTracker(tiny.model(), ["1"], x[keep], y[keep])


def test_negative_noise_is_refused_naming_noise_std(tiny):
    x, y = tiny.data()
    with pytest.raises(ValueError, match="^noise_std: "):
        InformationPlaneTracker(tiny.model(), ["1"], x, y, noise_std=-0.1)


# -- estimator warnings reach the table ------------------------------------------------------
class StubEstimator:
    """Any object with ``estimate_with_error``: a fixed value, optionally flagged."""

    def __init__(self, value=0.5, warnings=()):
        self.value, self.warnings, self.k = value, tuple(warnings), 1

    def __repr__(self):
        return f"StubEstimator({self.value}, {self.warnings})"

    def estimate_with_error(self, x, y):
        from infolens.estimators.result import MIEstimate

        return MIEstimate(self.value, 0.1, len(x), "stub", warnings=self.warnings)


def test_estimator_warnings_go_to_the_warnings_column(tiny, tmp_path):
    import warnings as pywarnings

    from infolens.estimators.result import EstimatorWarning

    x, y = tiny.data()
    tracker = InformationPlaneTracker(
        tiny.model(), ["1", "4"], x, y, out_dir=tmp_path,
        mi_estimator=StubEstimator(warnings=["too few samples", "ties"]),
        label_estimator=StubEstimator(0.3),
    )
    with pytest.warns(EstimatorWarning, match=r"epoch 0, layer '[14]': i_xl: too few samples"):
        rows = tracker.record(0)
    assert [r["warnings"] for r in rows] == ["i_xl: too few samples; i_xl: ties"] * 2
    clean = InformationPlaneTracker(
        tiny.model(), ["1"], x, y, mi_estimator=StubEstimator(), label_estimator=StubEstimator(),
    )
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("error", EstimatorWarning)
        assert clean.record(0)[0]["warnings"] == ""
    header = (tmp_path / "table.csv").read_text().splitlines()[0].split(",")
    assert header[-1] == "warnings"
    assert "i_xl: too few samples; i_xl: ties" in (tmp_path / "table.csv").read_text()
    assert read_table(tmp_path)[0]["warnings"] == "i_xl: too few samples; i_xl: ties"
    label_flagged = InformationPlaneTracker(
        tiny.model(), ["1"], x, y, mi_estimator=StubEstimator(),
        label_estimator=StubEstimator(warnings=["one class"]),
    )
    with pytest.warns(EstimatorWarning):
        assert label_flagged.record(0)[0]["warnings"] == "i_ly: one class"


class EmittingEstimator(StubEstimator):
    """Emits an EstimatorWarning without listing it in the result."""

    def estimate_with_error(self, x, y):
        from infolens.estimators.result import warn_estimator

        warn_estimator("emitted only")
        return super().estimate_with_error(x, y)


def test_emitted_estimator_warnings_are_carried_too(tiny):
    from infolens.estimators.result import EstimatorWarning

    x, y = tiny.data()
    tracker = InformationPlaneTracker(tiny.model(), ["1"], x, y, mi_estimator=EmittingEstimator(),
                                      label_estimator=StubEstimator())
    with pytest.warns(EstimatorWarning, match="layer '1': i_xl: emitted only") as caught:
        assert tracker.record(0)[0]["warnings"] == "i_xl: emitted only"
    assert len(caught) == 1  # once, with the row; not also the estimator's bare warning


def _recipe_run(out_dir, epochs=3):
    """The docs/plane.md recipe on a user's model: MLP 20 -> 32 -> 8 -> 2, two classes."""
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from infolens.plane.train import train_and_track

    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(3000, 20)), dtype=torch.float32)
    y = (x[:, 0] + x[:, 1] > 0).long()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 8), nn.ReLU(),
                          nn.Linear(8, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_loader = DataLoader(TensorDataset(x[:2000], y[:2000]), batch_size=64, shuffle=True,
                              generator=torch.Generator().manual_seed(0))
    test_loader = DataLoader(TensorDataset(x[2000:], y[2000:]), batch_size=500)
    tracker = InformationPlaneTracker(model, ["1", "3", "4"], x[2000:], y[2000:],
                                      noise_std=1e-2, out_dir=out_dir, random_state=0)
    try:
        return train_and_track(model, train_loader, test_loader, tracker, epochs, optimizer,
                               progress=False)
    finally:
        tracker.close()


def test_negative_estimate_on_the_docs_recipe_is_flagged(tmp_path):
    import warnings as pywarnings

    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")
        rows = _recipe_run(tmp_path)
    negative = [r for r in rows if r["i_xl"] < 0]
    assert negative, "the recipe no longer produces a negative I(X;L): pick another case"
    for row in negative:
        assert "i_xl: " in row["warnings"] and "negative" in row["warnings"], row
    saved = {(r["epoch"], r["layer"]): r["warnings"] for r in read_table(tmp_path)}
    for row in negative:
        assert saved[row["epoch"], row["layer"]] == row["warnings"]


# -- device ------------------------------------------------------------------------------------
def test_device_cpu_given_is_the_default_bit_for_bit(tiny):
    assert tiny.strip_timing(tiny.run(epochs=1, device="cpu")) == tiny.strip_timing(
        tiny.run(epochs=1)
    )


@pytest.mark.parametrize(
    ("device", "message"),
    [("gpu", "expected a torch device"), ("cuda:x", "expected a torch device"),
     ("meta", "holds no data")],
)
def test_bad_device_is_refused_naming_device(tiny, device, message):
    from infolens.plane.train import check_device, evaluate

    with pytest.raises(ValueError, match=f"^device: .*{message}") as err:
        check_device(device)
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="^device: "):
        tiny.run(epochs=1, device=device)
    x, y = tiny.data()
    with pytest.raises(ValueError, match="^device: "):
        evaluate(tiny.model(), [(x, y)], device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_missing_accelerator_is_refused_before_training(tiny, tmp_path):
    with pytest.raises(ValueError, match=r"^device: cuda is not available"):
        tiny.run(tmp_path, epochs=1, device="cuda")
    assert not any(tmp_path.iterdir())  # nothing written


def test_model_device_of_a_model_without_parameters_is_the_cpu():
    from torch import nn

    from infolens.plane.probe import model_device

    assert model_device(nn.Sequential(nn.ReLU())) == torch.device("cpu")
    assert model_device(nn.BatchNorm1d(2, affine=False)) == torch.device("cpu")


def _same_numbers(a: list[dict], b: list[dict], rel: float = 1e-5) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        if ra.keys() != rb.keys():
            return False
        for key, va in ra.items():
            vb = rb[key]
            if isinstance(va, float) and isinstance(vb, float):
                if not math.isclose(va, vb, rel_tol=rel, abs_tol=1e-9):
                    return False
            elif va != vb:
                return False
    return True


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_run_trains_probes_and_resumes_on_the_device(tiny, tmp_path):
    straight = tiny.strip_timing(tiny.run(tmp_path / "straight", epochs=2, device="cuda"))
    for row in straight:
        assert math.isfinite(row["i_xl"]) and math.isfinite(row["test_acc"]), row
    run = json.loads((tmp_path / "straight" / "run.json").read_text())
    assert run["training"]["device"] == "cuda"
    tiny.run(tmp_path / "resumed", epochs=1, device="cuda")
    resumed = tiny.strip_timing(tiny.run(tmp_path / "resumed", epochs=2, resume=True,
                                         device="cuda"))
    assert _same_numbers(resumed, straight)
    state = torch.load(tmp_path / "resumed" / "checkpoint.pt", weights_only=True)
    assert state["device_rng"] is not None  # the GPU's generator is kept too

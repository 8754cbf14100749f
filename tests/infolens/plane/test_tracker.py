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
    assert run["noise"]["sigma"] == 0.1 and run["noise"]["active_in_eval"] is True
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
    tracker = InformationPlaneTracker(model, ["1", "4"], x, y, noise=0.2)
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

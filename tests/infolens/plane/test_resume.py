"""Resuming a run: only the same settings, never a silent loss of rows, no code from pickles,
and one clear line for every damaged file."""

from __future__ import annotations

import io
import json
import os
import shutil

import pytest
import torch

from infolens.plane.tracker import read_table
from infolens.plane.train import CHECKPOINT

EPOCHS = 2


@pytest.fixture
def finished(tiny, tmp_path):
    """A finished two-epoch tiny run, and a helper that copies it to a fresh directory."""
    source = tmp_path / "finished"
    tiny.run(source, epochs=EPOCHS)
    counter = iter(range(1000))

    def copy():
        target = tmp_path / f"copy{next(counter)}"
        shutil.copytree(source, target)
        return target

    return copy


def _one_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message, message
    return message


# -- defect 4: settings must match -------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"lr": 0.1}, "lr: 0.01 -> 0.1"),
        ({"layers": ("1", "4")}, "layers: ['1', '3', '4'] -> ['1', '4']"),
        ({"random_state": 3}, "random_state: 0 -> 3"),
        ({"noise_std": 0.2}, "noise.noise_std: 0.1 -> 0.2"),
        ({"every": 2}, "every: 1 -> 2"),
        ({"batch_size": 32}, "batch_size: 64 -> 32"),
        ({"n_train": 300}, "train_size: 600 -> 300"),
        ({"layer_compressor": "pca:2"}, "layer_compressor: PCACompressor(latent_dim=4"),
        ({"x_compressor": "pca:3"}, "x_compressor: PCACompressor(latent_dim=4"),
    ],
)
def test_resume_with_other_settings_is_refused_listing_each(tiny, finished, change, expected):
    out = finished()
    before = (out / "table.json").read_bytes(), (out / "run.json").read_bytes()
    with pytest.raises(ValueError, match="run.json") as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True, **change)
    assert expected in _one_line(err)
    # nothing was written
    assert ((out / "table.json").read_bytes(), (out / "run.json").read_bytes()) == before


def test_resume_lists_every_difference_and_the_estimators(tiny, finished):
    from infolens.estimators.knn import KSG

    out = finished()
    with pytest.raises(ValueError) as err:
        tiny.run(out, epochs=EPOCHS, resume=True, lr=0.5, random_state=1, mi_estimator=KSG(k=3))
    message = _one_line(err)
    for name in ("lr: 0.01 -> 0.5", "random_state: 0 -> 1", "training.random_state: 0 -> 1",
                 "mi_estimator: WeightedKL(k=5"):
        assert name in message, message


def test_resume_may_extend_the_epochs(tiny, finished, tmp_path):
    out = finished()
    resumed = tiny.run(out, epochs=EPOCHS + 1, resume=True)
    straight = tiny.run(tmp_path / "straight", epochs=EPOCHS + 1)
    assert tiny.strip_timing(resumed) == tiny.strip_timing(straight)
    assert json.loads((out / "run.json").read_text())["training"]["epochs"] == EPOCHS + 1


def test_resume_cannot_shorten_a_run(tiny, finished):
    out = finished()
    with pytest.raises(ValueError, match=r"epochs: .*finished epoch 2.*got 1"):
        tiny.run(out, epochs=1, resume=True)


# -- defect 5: no silent loss of earlier epochs ------------------------------------------------
def test_resume_without_table_is_refused(tiny, finished):
    out = finished()
    (out / "table.json").unlink()
    with pytest.raises(ValueError, match="table.json") as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True)
    assert "missing" in _one_line(err)
    assert not (out / "table.json").exists()


def test_resume_with_rows_missing_from_the_table_is_refused(tiny, finished):
    out = finished()
    table = json.loads((out / "table.json").read_text())
    table["rows"] = [r for r in table["rows"] if r["epoch"] != 1]
    (out / "table.json").write_text(json.dumps(table))
    with pytest.raises(ValueError, match=r"table.json.*epoch.*\[1\]") as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True)
    _one_line(err)


def test_resume_without_checkpoint_but_later_epochs_is_refused(tiny, finished):
    out = finished()
    (out / CHECKPOINT).unlink()
    with pytest.raises(ValueError, match="checkpoint.pt") as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True)
    assert "missing" in _one_line(err)


def test_resume_without_run_json_is_refused(tiny, finished):
    out = finished()
    (out / "run.json").unlink()
    with pytest.raises(ValueError, match="run.json.*missing") as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True)
    _one_line(err)


# -- defect 6: no arbitrary code from the checkpoint --------------------------------------------
class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_CHECKPOINT",))


def test_checkpoint_with_pickled_code_is_refused(tiny, finished, monkeypatch):
    out = finished()
    monkeypatch.chdir(out)
    state = torch.load(out / CHECKPOINT, weights_only=True)
    state["payload"] = _RunsCode()
    buffer = io.BytesIO()
    torch.save(state, buffer)
    (out / CHECKPOINT).write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="checkpoint.pt") as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True)
    assert "refused" in _one_line(err)
    assert not (out / "PWNED_BY_CHECKPOINT").exists()


def test_checkpoint_holds_only_plain_data(tiny, finished):
    out = finished()
    state = torch.load(out / CHECKPOINT, weights_only=True)  # would raise on any object
    assert set(state) >= {"epoch", "model", "optimizer", "torch_rng", "loader_rng"}


# -- defect 7: damaged files -----------------------------------------------------------------
def _damage(path, how):
    data = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(bytes(range(256)) * 4)
    elif how == "wrong-shape":
        if path.suffix == ".json":
            path.write_text(json.dumps({"rows": 5}) if path.name == "table.json" else "[1, 2, 3]")
        else:
            buffer = io.BytesIO()
            torch.save({"epoch": "two", "model": [1, 2]}, buffer)
            path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("name", ["checkpoint.pt", "table.json", "run.json"])
@pytest.mark.parametrize("how", ["empty", "truncated", "garbage", "wrong-shape"])
def test_damaged_file_gives_one_line_naming_it(tiny, finished, name, how):
    out = finished()
    _damage(out / name, how)
    with pytest.raises(ValueError) as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True)
    message = _one_line(err)
    assert str(out / name) in message, message


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage", "wrong-shape"])
def test_read_table_of_damaged_file_names_it(finished, how):
    out = finished()
    _damage(out / "table.json", how)
    with pytest.raises(ValueError) as err:
        read_table(out)
    assert str(out / "table.json") in _one_line(err)


def test_table_row_of_wrong_shape_is_named(finished):
    out = finished()
    table = json.loads((out / "table.json").read_text())
    table["rows"][2] = {"epoch": "zero", "layer": 3}
    (out / "table.json").write_text(json.dumps(table))
    with pytest.raises(ValueError, match=r"table.json: row 2") as err:
        read_table(out)
    _one_line(err)


def test_run_written_with_the_old_names_is_refused_in_one_line(tiny, finished):
    """A run directory from before the renames (seed, noise sigma): refused, every difference
    listed, on one line."""
    out = finished()
    run = json.loads((out / "run.json").read_text())
    run["seed"] = run.pop("random_state")
    run["noise"]["sigma"] = run["noise"].pop("noise_std")
    run["training"]["seed"] = run["training"].pop("random_state")
    del run["training"]["device"]
    (out / "run.json").write_text(json.dumps(run, indent=2))
    with pytest.raises(ValueError, match="run.json") as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True)
    message = _one_line(err)
    for change in ("seed: 0 -> (not recorded)", "random_state: (not recorded) -> 0",
                   "noise.sigma: 0.1 -> (not recorded)", "noise.noise_std: (not recorded) -> 0.1",
                   "training.seed: 0 -> (not recorded)", "training.device: (not recorded) -> cpu"):
        assert change in message, message


def test_resume_on_another_device_is_refused(tiny, finished):
    out = finished()
    run = json.loads((out / "run.json").read_text())
    run["training"]["device"] = "cuda"
    (out / "run.json").write_text(json.dumps(run))
    with pytest.raises(ValueError, match="run.json") as err:
        tiny.run(out, epochs=EPOCHS + 1, resume=True)
    assert "training.device: cuda -> cpu" in _one_line(err)


def test_settings_with_line_breaks_are_listed_on_one_line():
    from infolens.plane.tracker import settings_changes

    changes = settings_changes({"x_compressor": "A(\n  k=1)"}, {"x_compressor": "A(k=2)"})
    assert changes == ["x_compressor: A( k=1) -> A(k=2)"]

"""InformationPlaneCallback: a tiny Lightning model trained on the CPU writes the plane's outputs."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

pl = pytest.importorskip("pytorch_lightning")

from infolens.plane import InformationPlaneCallback  # noqa: E402
from infolens.plane.tracker import read_json, read_table  # noqa: E402

from .conftest import DIM, N_CLASSES, synthetic_data  # noqa: E402

FIGURES = ("information_plane", "mi_vs_epoch", "training_curves")


class TinyClassifier(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(DIM, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh(),
                                 nn.Linear(8, N_CLASSES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def _step(self, batch, split: str) -> torch.Tensor:
        x, y = batch
        out = self(x)
        loss = nn.functional.cross_entropy(out, y)
        self.log(f"{split}_loss", loss, on_step=False, on_epoch=True)
        self.log(f"{split}_acc", (out.argmax(1) == y).float().mean(), on_step=False, on_epoch=True)
        return loss

    def training_step(self, batch, batch_idx):
        return self._step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-2)


def _trainer(epochs: int, callback, tmp_path) -> pl.Trainer:
    return pl.Trainer(
        max_epochs=epochs, accelerator="cpu", devices=1, callbacks=[callback], logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        num_sanity_val_steps=0, default_root_dir=tmp_path,
    )


def _loaders():
    x, y = synthetic_data()
    train = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
                       generator=torch.Generator().manual_seed(0))
    return train, DataLoader(TensorDataset(x, y), batch_size=300), x, y


def test_two_epochs_on_cpu_write_the_plane_table_and_figures(tmp_path):
    train, val, x, y = _loaders()
    out = tmp_path / "plane"
    callback = InformationPlaneCallback(["net.1", "net.3"], x, y, out_dir=out, noise_std=0.1)
    _trainer(2, callback, tmp_path).fit(TinyClassifier(), train, val)

    rows = read_table(out)
    assert [(r["epoch"], r["layer"]) for r in rows] == [
        (e, layer) for e in (0, 1, 2) for layer in ("net.1", "net.3")
    ]
    for row in rows:
        for key in ("i_xl", "i_xl_err", "i_ly", "i_ly_err"):
            assert math.isfinite(row[key]), (row["epoch"], row["layer"], key)
        assert 0 <= row["i_ly"] <= math.log(N_CLASSES) + 0.3
    trained = [r for r in rows if r["epoch"] > 0]
    assert all(0 <= r["test_acc"] <= 1 and r["train_loss"] > 0 for r in trained)
    assert "test_acc" not in rows[0] or rows[0]["test_acc"] is None  # nothing logged before fit
    header = (out / "table.csv").read_text().splitlines()[0].split(",")
    assert header[:6] == ["epoch", "layer", "i_xl", "i_xl_err", "i_ly", "i_ly_err"]
    run = read_json(out / "run.json")
    assert run["layers"] == ["net.1", "net.3"] and run["training"]["framework"] == "pytorch_lightning"
    assert run["training"]["epochs"] == 2 and run["noise"] is not None
    for stem in FIGURES:
        assert (out / f"{stem}.png").stat().st_size > 0 and (out / f"{stem}.svg").is_file()
    assert callback.rows == rows
    assert not any(m._forward_hooks for m in callback.tracker.model.modules())  # hooks removed


def test_every_and_no_out_dir_keep_the_table_in_memory(tmp_path):
    train, val, x, y = _loaders()
    callback = InformationPlaneCallback(["net.3"], x, y, every=2, plots=False)
    _trainer(3, callback, tmp_path).fit(TinyClassifier(), train, val)
    assert [r["epoch"] for r in callback.rows] == [0, 2, 3]  # 0, every 2nd, and the last
    assert not any(tmp_path.glob("*.json"))


def test_resumed_fit_keeps_the_rows_of_the_checkpoint(tmp_path):
    train, val, x, y = _loaders()
    first = InformationPlaneCallback(["net.3"], x, y, plots=False)
    trainer = _trainer(1, first, tmp_path)
    trainer.fit(TinyClassifier(), train, val)
    trainer.save_checkpoint(tmp_path / "one.ckpt")
    again = InformationPlaneCallback(["net.3"], x, y, plots=False)
    _trainer(2, again, tmp_path).fit(TinyClassifier(), train, val, ckpt_path=tmp_path / "one.ckpt")
    assert [r["epoch"] for r in again.rows] == [0, 1, 2]
    assert again.rows[:2] == first.rows


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"every": 0}, "^every: "), ({"metrics": {"test_acc": 3}}, "^metrics: "),
     ({"device": "gpu"}, "^device: expected a torch device")],
)
def test_bad_settings_are_refused_naming_them(tmp_path, kwargs, message):
    train, val, x, y = _loaders()
    with pytest.raises(ValueError, match=message):
        callback = InformationPlaneCallback(["net.3"], x, y, **kwargs)
        _trainer(1, callback, tmp_path).fit(TinyClassifier(), train, val)


def test_unknown_layer_is_refused_before_training(tmp_path):
    train, val, x, y = _loaders()
    callback = InformationPlaneCallback(["net.9"], x, y)
    with pytest.raises(ValueError, match=r"^layers: \['net.9'\] not found"):
        _trainer(1, callback, tmp_path).fit(TinyClassifier(), train, val)


def test_infolens_plane_imports_without_lightning():
    script = textwrap.dedent("""
        import importlib.abc, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("pytorch_lightning", "lightning"):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, Block())
        import infolens.plane as plane
        assert plane.InformationPlaneTracker is not None
        try:
            plane.InformationPlaneCallback
        except ImportError as err:
            print("IMPORT-ERROR", err)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "IMPORT-ERROR" in result.stdout and "pip install pytorch-lightning" in result.stdout

"""Shared pieces of the information-plane tests: a tiny classifier on separable synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from infolens.plane.tracker import InformationPlaneTracker
from infolens.plane.train import train_and_track

N_SAMPLES = 600
N_CLASSES = 3
DIM = 8
# Timing columns differ between runs by nature; everything else must be bit-identical.
TIMING_COLUMNS = ("seconds", "train_seconds")


def synthetic_data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Three Gaussian classes in 8-D whose means differ along two coordinates."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, N_CLASSES, N_SAMPLES)
    x = rng.normal(size=(N_SAMPLES, DIM))
    x[:, 0] += 1.5 * y
    x[:, 1] -= 1.0 * (y == 1)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def tiny_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(DIM, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, N_CLASSES)
    )


def run_tiny(
    out_dir=None, *, epochs: int = 3, resume: bool = False, model_seed: int = 0, on_epoch=None,
    every: int = 1, lr: float = 1e-2, layers=("1", "3", "4"), noise_std: float = 0.1,
    random_state: int = 0, batch_size: int = 64, n_train: int = N_SAMPLES, device: str = "cpu",
    **tracker_options,
) -> list[dict]:
    """Train the tiny model with tracking; a fresh model/optimizer/loader each call."""
    x, y = synthetic_data()
    model = tiny_model(model_seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    train_loader = DataLoader(
        TensorDataset(x[:n_train], y[:n_train]), batch_size=batch_size, shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    test_loader = DataLoader(TensorDataset(x, y), batch_size=300)
    tracker = InformationPlaneTracker(
        model, list(layers), x, y, noise_std=noise_std, out_dir=out_dir,
        random_state=random_state, every=every, **tracker_options,
    )
    try:
        return train_and_track(
            model, train_loader, test_loader, tracker, epochs, optimizer,
            resume=resume, progress=False, on_epoch=on_epoch, random_state=random_state,
            device=device,
        )
    finally:
        tracker.close()


def strip_timing(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in rows]


class _Tiny:
    """Helpers handed to tests (importlib mode cannot import conftest by name)."""

    data = staticmethod(synthetic_data)
    model = staticmethod(tiny_model)
    run = staticmethod(run_tiny)
    strip_timing = staticmethod(strip_timing)


@pytest.fixture
def tiny() -> _Tiny:
    return _Tiny()

"""Devices in the plane: DeviceLoader is a drop-in DataLoader, the probe copies once, "auto" works.

Every test runs on the CPU; none needs a GPU.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from infolens.plane import DeviceLoader, InformationPlaneTracker
from infolens.plane.probe import ActivationProbe
from infolens.plane.train import check_device, train_and_track

from .conftest import synthetic_data, tiny_model


def _orders(loader, epochs: int = 3) -> list[list[list[int]]]:
    return [[batch[1].tolist() for batch in loader] for _ in range(epochs)]


@pytest.mark.parametrize(("shuffle", "seeded"), [(True, True), (True, False), (False, True),
                                                 (False, False)])
def test_device_loader_draws_what_a_data_loader_draws(shuffle, seeded):
    x, y = torch.randn(103, 3), torch.arange(103)

    def generator():
        return torch.Generator().manual_seed(5) if seeded else None

    g_data, g_device = generator(), generator()
    torch.manual_seed(1)
    expected = _orders(DataLoader(TensorDataset(x, y), batch_size=10, shuffle=shuffle,
                                  generator=g_data))
    after_data = torch.rand(3)
    torch.manual_seed(1)
    got = _orders(DeviceLoader(x, y, batch_size=10, shuffle=shuffle, generator=g_device))
    assert got == expected
    assert torch.equal(torch.rand(3), after_data)  # the global generator moved alike
    if seeded:
        assert torch.equal(g_device.get_state(), g_data.get_state())


def test_device_loader_holds_its_data_on_the_device_with_data_loader_attributes():
    x, y = torch.randn(10, 2), torch.arange(10)
    loader = DeviceLoader(x, y, batch_size=4, device="auto")
    assert len(loader) == 3 and loader.batch_size == 4 and len(loader.dataset) == 10
    expected = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert all(t.device.type == expected.type for t in loader.dataset.tensors)
    first_x, first_y = next(iter(loader))
    assert torch.equal(first_x.cpu(), x[:4]) and torch.equal(first_y.cpu(), y[:4])


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [((), {}, "^tensors: expected one or more"),
     ((torch.zeros(3), torch.zeros(4)), {}, r"^tensors: first dimensions differ \(\[3, 4\]\)"),
     ((torch.zeros(3),), {"batch_size": 0}, "^batch_size: must be >= 1"),
     ((torch.zeros(3),), {"generator": 7}, "^generator: expected a torch.Generator"),
     ((torch.zeros(3),), {"device": "gpu"}, "^device: expected a torch device")],
)
def test_device_loader_refuses_bad_arguments_naming_them(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        DeviceLoader(*args, **kwargs)


def test_training_with_a_device_loader_is_bit_identical_to_a_data_loader(tiny):
    x, y = synthetic_data()

    def run(make_loader):
        model = tiny_model(0)
        tracker = InformationPlaneTracker(model, ["1", "3"], x, y, noise_std=0.1)
        rows = train_and_track(
            model, make_loader(), DataLoader(TensorDataset(x, y), batch_size=300), tracker, 2,
            torch.optim.Adam(model.parameters(), lr=1e-2), progress=False, device="auto",
        )
        tracker.close()
        return tiny.strip_timing(rows), tracker.metadata["training"]

    loader_rows, loader_settings = run(lambda: DataLoader(
        TensorDataset(x, y), batch_size=64, shuffle=True,
        generator=torch.Generator().manual_seed(0)))
    device_rows, device_settings = run(lambda: DeviceLoader(
        x, y, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0)))
    assert device_rows == loader_rows
    assert device_settings == loader_settings  # batch size, train size, device recorded alike


def test_probe_keeps_layer_outputs_that_a_later_in_place_layer_overwrites():
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(inplace=True))
    x = torch.randn(50, 3)
    with ActivationProbe(model, ["0", "1"]) as probe:
        acts = probe.collect(x, batch_size=16)
    assert (acts["0"] < 0).any() and (acts["1"] >= 0).all()
    assert acts["0"].shape == (50, 5)


def test_tracker_copies_the_probe_to_the_model_device_once_and_builds_autoencoders_there():
    x, y = synthetic_data()
    model = tiny_model(0)
    tracker = InformationPlaneTracker(model, ["3"], x, y, layer_compressor="ae:2", device="auto")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert tracker.device == expected and tracker.layer_compressor("3").device == expected
    tracker.activations(0)
    cached = tracker._probe_on_device
    tracker.activations(1)
    assert tracker._probe_on_device is cached and torch.equal(cached.cpu(), tracker.probe_x)
    with pytest.raises(ValueError, match="^device: expected a torch device"):
        InformationPlaneTracker(model, ["3"], x, y, device="gpu")


def test_check_device_resolves_auto():
    assert check_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")

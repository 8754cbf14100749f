"""Seconds per tracked epoch of the MNIST information plane (4 layers), and where the time goes.

The setting is the demo preset's (``infolens plane mnist``): the CNN of Butakov et al.
(ICLR 2024) trained for one epoch by the library's own epoch (``infolens.plane.train.train_epoch``,
what ``train_and_track`` runs) with Adam at batch 128 on the 60,000 training images with torch on
one thread, then the probe (5,000 test images) run through the network, each of L2..L5 compressed
by PCA to 4 dimensions, and I(X;L) (weighted Kozachenko-Leonenko, k=5) and I(L;Y) (Ross,
k=5) estimated against X codes from a convolutional autoencoder (fitted once; its one-off cost
is reported separately). The information plane is the tracker's own epoch
(``InformationPlaneTracker.record``); its parts are then timed one by one with the same library
pieces to show where the time goes. Each tracking stage is timed ``--repeats`` times; the table
gives the median. Uses the offline MNIST copy ($INFOLENS_MNIST_DIR or ../shared/data/mnist); without it,
random images of the same shape (the timings do not depend on the pixels).

    python benchmarks/bench_plane.py [--probe-size 5000] [--train-size 60000] [--repeats 3]
                                     [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from pathlib import Path

import numpy as np
import torch
from _common import timed
from rich.console import Console
from rich.table import Table
from torch.utils.data import DataLoader, TensorDataset

from infolens.bench import write_report
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.registry import make_estimator
from infolens.plane.experiments import PRESETS, mnist_tensors
from infolens.plane.models import MNISTConvNet
from infolens.plane.probe import ActivationProbe
from infolens.plane.tracker import InformationPlaneTracker
from infolens.plane.train import check_device, evaluate, train_epoch

LAYERS = ("L2", "L3", "L4", "L5")
TRAIN = "train (1 epoch, backprop)"
TEST = "test loss/accuracy (10k images)"
RECORD = "information plane: InformationPlaneTracker.record"
#: the parts of ``record``, timed one by one (shown indented, not added to the total)
PARTS = ("probe forward (hooks)", "compress layers (PCA to 4)", "I(X;L) weighted KL, 4 layers",
         "I(L;Y) Ross, 4 layers")


def load_images(train_size: int, probe_size: int) -> tuple[np.ndarray, ...]:
    from infolens.data.mnist import load_mnist

    here = Path(__file__).resolve().parents[1]
    root = os.environ.get("INFOLENS_MNIST_DIR") or here.parent / "shared" / "data" / "mnist"
    try:
        xtr, ytr = load_mnist(root, "train", download=False)
        xte, yte = load_mnist(root, "test", download=False)
        source = f"MNIST from {root}"
    except (FileNotFoundError, ValueError):
        rng = np.random.default_rng(0)
        xtr = rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8)
        ytr = rng.integers(0, 10, 60000)
        xte, yte = xtr[:10000].copy(), ytr[:10000].copy()
        source = "random images (MNIST copy not found)"
    return xtr[:train_size], ytr[:train_size], xte, yte, xte[:probe_size], yte[:probe_size], source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe-size", type=int, default=5000)
    parser.add_argument("--train-size", type=int, default=60000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-ae", action="store_true", help="skip timing the X autoencoder")
    parser.add_argument("--device", default="cpu",
                        help="torch device of the network and the autoencoder (cpu, cuda, ...)")
    parser.add_argument("--out", default="results/bench")
    args = parser.parse_args()
    device = str(check_device(args.device))
    torch.set_num_threads(1)
    preset = PRESETS["demo"]

    xtr, ytr, xte, yte, xpr, ypr, source = load_images(args.train_size, args.probe_size)
    x_train, y_train = mnist_tensors(xtr, ytr)
    x_test, y_test = mnist_tensors(xte, yte)
    probe_x, probe_y = mnist_tensors(xpr, ypr)
    torch.manual_seed(0)
    model = MNISTConvNet(dropout=preset.dropout, noise_std=preset.noise_std).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=preset.lr)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=preset.batch_size,
                        shuffle=True, generator=torch.Generator().manual_seed(0))

    times: dict[str, list[float]] = {}

    def add(stage: str, seconds: float) -> None:
        times.setdefault(stage, []).append(seconds)

    ae_seconds = None
    x_compressor: object = "pca:4"
    if not args.no_ae:
        ae = AutoencoderCompressor(latent_dim=4, architecture="conv", image_shape=(28, 28),
                                   max_epochs=preset.ae_max_epochs, patience=preset.ae_patience,
                                   device=device)
        flat = xtr[: preset.ae_train_size].reshape(-1, 784).astype(np.float64) / 255.0
        _, ae_seconds = timed(ae.fit, flat)
        x_compressor = ae  # fitted: the tracker uses it as is
    wkl, ross = make_estimator("weighted-kl", k=5), make_estimator("ross", k=5)
    tracker = InformationPlaneTracker(
        model, list(LAYERS), probe_x, probe_y, x_compressor=x_compressor,
        layer_compressor="pca:4", mi_estimator=wkl, label_estimator=ross,
    )
    x_codes = tracker.x_codes()  # once per run (cached by the tracker)

    # one full epoch, the library's: the dominant, non-repeated cost
    _, train_seconds = timed(train_epoch, model, loader, optimizer, device=device)
    add(TRAIN, train_seconds)
    labels = probe_y.numpy()
    for repeat in range(args.repeats):
        test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=2000)
        _, t = timed(evaluate, model, test_loader, device=device)
        add(TEST, t)
        _, t = timed(tracker.record, repeat + 1)
        add(RECORD, t)
        # where the tracker's time goes: its parts, timed one by one
        with ActivationProbe(model, list(LAYERS)) as probe:
            acts, t = timed(probe.collect, probe_x, batch_size=1000)
        add(PARTS[0], t)
        t_pca = t_xl = t_ly = 0.0
        for layer in LAYERS:
            codes, t = timed(PCACompressor(4).fit_transform, acts[layer].astype(np.float64))
            t_pca += t
            _, t = timed(wkl.estimate_with_error, x_codes, codes)
            t_xl += t
            _, t = timed(ross.estimate_with_error, codes, labels)
            t_ly += t
        add(PARTS[1], t_pca)
        add(PARTS[2], t_xl)
        add(PARTS[3], t_ly)
    tracker.close()

    medians = {stage: statistics.median(v) for stage, v in times.items()}
    tracking = medians[RECORD]
    total = medians[TRAIN] + medians[TEST] + tracking
    header = ["stage", "seconds", "share"]
    rows = [[stage if stage not in PARTS else f"  of which {stage}", f"{s:.2f}",
             f"{100 * s / total:.0f}%"] for stage, s in medians.items()]
    rows.append(["total per tracked epoch (train + test + record)", f"{total:.2f}", "100%"])
    if ae_seconds is not None:
        rows.append([f"one-off: X autoencoder ({preset.ae_train_size} images, <= "
                     f"{preset.ae_max_epochs} epochs)", f"{ae_seconds:.1f}", "-"])

    table = Table(title=f"MNIST information plane, 4 layers, probe {len(probe_x)}")
    for h in header:
        table.add_column(h, justify="left" if h == "stage" else "right")
    for r in rows:
        table.add_row(*r)
    Console().print(table)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    preamble = (
        f"# MNIST information plane: seconds per tracked epoch\n\n"
        f"Train {len(x_train)} images, batch {preset.batch_size}; probe {len(probe_x)} test "
        f"images; layers {', '.join(LAYERS)}; device {device}; torch threads 1; k-NN queries on all cores "
        f"({os.cpu_count()} here); {source}; load average at the end {load:.1f}; "
        f"{platform.processor() or platform.machine()}; medians of {args.repeats} repeats "
        f"(training: one epoch).\n\n"
    )
    records = [{"stage": s, "seconds": v, "all": times[s], "part_of_record": s in PARTS}
               for s, v in medians.items()]
    records.append({"stage": "total", "seconds": total, "tracking_seconds": tracking,
                    "ae_seconds": ae_seconds, "probe_size": len(probe_x),
                    "train_size": len(x_train), "device": device, "load_average": load})
    path = write_report(args.out, "plane", header, rows, records, preamble=preamble)
    print(f"wrote {path} and {path.with_suffix('.json')}")


if __name__ == "__main__":
    main()

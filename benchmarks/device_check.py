"""Seconds of the torch parts of infolens on one device: a plane epoch, FlowMI at 50+50, an autoencoder.

A short check (under 5 minutes on one GPU; it also runs on the CPU) that the ``device`` setting
does what it says, and how much it buys:

1. one epoch of the MNIST information plane (demo preset): the CNN of Butakov et al. (ICLR 2024)
   trained for one epoch with Adam at batch 128 on the training images held on the device
   (``DeviceLoader``: no host copy per batch), then one ``InformationPlaneTracker.record`` of
   L2..L5 (probe of 5,000 images run on the device; PCA to 4 dimensions, weighted KL and Ross
   on the CPU);
2. ``FlowMI`` fitted on a correlated Gaussian with 50 + 50 dimensions and I = 5 nats
   (``--flow-n`` pairs, ``--flow-epochs`` epochs, no early stop before them);
3. the convolutional autoencoder of the plane (``AutoencoderCompressor``, 4-D codes) fitted on
   ``--ae-n`` training images for ``--ae-epochs`` epochs.

Uses the offline MNIST copy ($INFOLENS_MNIST_DIR or ../shared/data/mnist); without it, random
images of the same shape (the timings do not depend on the pixels). Prints a table and, with
``--out``, writes it as JSON.

    python benchmarks/device_check.py [--device auto] [--train-size 60000] [--flow-n 20000]
                                      [--flow-epochs 10] [--ae-n 10000] [--ae-epochs 10]
                                      [--threads N] [--out results/bench/device_check.json]
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np
import torch
from _common import timed
from rich.console import Console
from rich.table import Table

from infolens.estimators.compressors import AutoencoderCompressor
from infolens.estimators.flows import FlowMI
from infolens.io import atomic_write_json
from infolens.plane.experiments import PRESETS, mnist_tensors
from infolens.plane.models import MNISTConvNet
from infolens.plane.tracker import InformationPlaneTracker
from infolens.plane.train import DeviceLoader, check_device, train_epoch
from infolens.tasks import CorrelatedGaussian

LAYERS = ["L2", "L3", "L4", "L5"]
FLOW_DIM = 50
FLOW_MI = 5.0


def load_images(train_size: int, probe_size: int) -> tuple[np.ndarray, ...]:
    """MNIST training images and a probe of test images (random images without the copy)."""
    import os

    from infolens.data.mnist import load_mnist

    here = Path(__file__).resolve().parents[1]
    root = os.environ.get("INFOLENS_MNIST_DIR") or here.parent / "shared" / "data" / "mnist"
    try:
        xtr, ytr = load_mnist(root, "train", download=False)
        xte, yte = load_mnist(root, "test", download=False)
        source = "MNIST"
    except (FileNotFoundError, ValueError):
        rng = np.random.default_rng(0)
        xtr = rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8)
        ytr = rng.integers(0, 10, 60000)
        xte, yte = xtr[:10000].copy(), ytr[:10000].copy()
        source = "random images"
    return xtr[:train_size], ytr[:train_size], xte[:probe_size], yte[:probe_size], source


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work, so that a timing includes it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def plane_epoch(device: torch.device, args: argparse.Namespace) -> list[dict]:
    preset = PRESETS["demo"]
    xtr, ytr, xpr, ypr, source = load_images(args.train_size, args.probe_size)
    x_train, y_train = mnist_tensors(xtr, ytr)
    probe_x, probe_y = mnist_tensors(xpr, ypr)
    torch.manual_seed(0)
    model = MNISTConvNet(dropout=preset.dropout, noise_std=preset.noise_std).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=preset.lr)
    loader, copy_seconds = timed(
        DeviceLoader, x_train, y_train, batch_size=preset.batch_size, shuffle=True,
        generator=torch.Generator().manual_seed(0), device=device,
    )
    tracker = InformationPlaneTracker(model, LAYERS, probe_x, probe_y, random_state=0)
    tracker.x_codes()  # once per run: not part of an epoch
    running, train_seconds = timed(train_epoch, model, loader, optimizer, device=device)
    synchronize(device)
    rows, record_seconds = timed(tracker.record, 1)
    tracker.close()
    return [
        {"stage": "data to device (once)", "seconds": copy_seconds,
         "note": f"{len(x_train):,} {source}"},
        {"stage": "plane: train 1 epoch", "seconds": train_seconds,
         "note": f"batch {preset.batch_size}, loss {running['loss']:.3f}"},
        {"stage": "plane: record L2..L5", "seconds": record_seconds,
         "note": f"probe {len(probe_x):,}, I(X;L5) {rows[-1]['i_xl']:.2f}"},
    ]


def flow_fit(device: torch.device, args: argparse.Namespace) -> dict:
    task = CorrelatedGaussian(FLOW_DIM, FLOW_DIM, mutual_information=FLOW_MI)
    x, y = task.sample(args.flow_n, seed=0)
    flow = FlowMI(max_epochs=args.flow_epochs, patience=args.flow_epochs + 1, device=device)
    _, seconds = timed(flow.fit, x, y)
    synchronize(device)
    return {"stage": f"FlowMI fit {FLOW_DIM}+{FLOW_DIM}", "seconds": seconds,
            "note": f"n {args.flow_n:,}, {flow.history_['epochs']} epochs, "
                    f"I {flow.held_out_.value:.2f} (truth {FLOW_MI:g})"}


def autoencoder_fit(device: torch.device, args: argparse.Namespace) -> dict:
    xtr, *_ = load_images(args.ae_n, 1)
    flat = xtr.reshape(len(xtr), -1).astype(np.float64) / 255.0
    ae = AutoencoderCompressor(latent_dim=4, architecture="conv", image_shape=(28, 28),
                               max_epochs=args.ae_epochs, patience=args.ae_epochs + 1,
                               device=device)
    _, seconds = timed(ae.fit, flat)
    synchronize(device)
    return {"stage": "conv autoencoder fit", "seconds": seconds,
            "note": f"n {len(flat):,}, {ae.history_['epochs']} epochs, "
                    f"val L1 {ae.history_['best_val_loss']:.3f}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1...")
    parser.add_argument("--train-size", type=int, default=60000)
    parser.add_argument("--probe-size", type=int, default=5000)
    parser.add_argument("--flow-n", type=int, default=20000)
    parser.add_argument("--flow-epochs", type=int, default=10)
    parser.add_argument("--ae-n", type=int, default=10000)
    parser.add_argument("--ae-epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--out", default=None, help="also write the table as JSON here")
    args = parser.parse_args()
    try:
        device = check_device(args.device)
    except ValueError as err:
        parser.error(str(err))
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    rows = plane_epoch(device, args) + [flow_fit(device, args), autoencoder_fit(device, args)]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    table = Table(title=f"infolens on {device} ({name or platform.machine()}, "
                        f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads)")
    for column, justify in (("stage", "left"), ("seconds", "right"), ("note", "left")):
        table.add_column(column, justify=justify)
    for row in rows:
        table.add_row(row["stage"], f"{row['seconds']:.2f}", row["note"])
    Console().print(table)
    if args.out:
        atomic_write_json(Path(args.out), {
            "device": str(device), "device_name": name, "torch": torch.__version__,
            "threads": torch.get_num_threads(), "settings": vars(args), "rows": rows,
        })


if __name__ == "__main__":
    main()

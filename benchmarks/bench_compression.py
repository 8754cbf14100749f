"""Compression + k-NN MI on images with known MI (Butakov et al., ICLR 2024), measured in one run.

Tasks: 16x16 images of Gaussian bumps (latent 2 + 2) and of rectangles (latent 4 + 4) whose
latents share a known MI (the render is injective, so the images share it too). Per row:
KSG (k = 5) on the raw pixels (on a subsample, it is slow in 512 dimensions), KSG on PCA(4)
codes, and KSG / weighted Kozachenko-Leonenko on the codes of autoencoders with the task's
latent dimension, with and without normal scores of the codes (rank -> Phi^{-1}, MI-preserving),
and the flow estimator (FlowMI, NeurIPS 2024) on the same codes.
Beside them the KSG and weighted-KL figures for Gaussians that Butakov et al. report
(ICLR 2024, arXiv:2305.08013; n = 10k).

    python benchmarks/bench_compression.py [--n 10000] [--mi 1 2 3 5 10] [--quick] [--resume]

``--resume`` reuses the rows of an interrupted run whose settings match: the arguments and the
estimators' ``params_key`` (class and ``get_params()`` as JSON).
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import torch
from _common import timed
from rich.console import Console
from rich.table import Table

from infolens.bench import ResultStore, write_report
from infolens.estimators.base import params_key
from infolens.estimators.compression import Compressed, normal_scores
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.flows import FlowMI
from infolens.estimators.knn import KSG, WeightedKL
from infolens.tasks import GaussianImages, Rectangles

K = 5
IMAGE_SIZE = 16
PCA_DIM = 4
#: The figures for Gaussians (n = 10k, dims 1-3, best k) reported by Butakov et al., arXiv:2305.08013.
AUTHORS_KSG = {1: 1.00, 2: 1.95, 3: 2.82, 4: 3.55, 5: 4.17, 10: 6.21}
AUTHORS_WKL = {1: 1.02, 2: 2.02, 3: 2.94, 4: 3.72, 5: 4.37, 10: 6.99}
TASKS = {
    "gaussian-images": lambda mi: GaussianImages(mutual_information=mi, image_size=IMAGE_SIZE),
    "rectangles": lambda mi: Rectangles(mutual_information=mi, image_size=IMAGE_SIZE),
}
#: The estimates in the table, in column order: record key -> column title.
COLUMNS = {
    "raw_ksg": "raw KSG",
    "pca_ksg": f"PCA({PCA_DIM})+KSG",
    "ae_ksg": "AE+KSG",
    "ae_ksg_ns": "AE+KSG ns",
    "ae_wkl": "AE+WKL",
    "ae_wkl_ns": "AE+WKL ns",
    "ae_flow": "AE+Flow",
}


def run_row(task_name: str, mi: float, args: argparse.Namespace) -> dict:
    """All estimates for one task and one true MI."""
    task = TASKS[task_name](mi)
    x, y = task.sample(args.n, seed=args.seed)
    record: dict = {
        "task": task.name,
        "family": task_name,
        "true_mi": task.mutual_information,
        "n": args.n,
        "seed": args.seed,
        "latent_dim": task.latent_dim,
        "authors_ksg": AUTHORS_KSG.get(int(mi)) if float(mi).is_integer() else None,
        "authors_wkl": AUTHORS_WKL.get(int(mi)) if float(mi).is_integer() else None,
    }
    ksg = KSG(k=K)
    raw_n = min(args.raw_n, args.n)
    if raw_n > K:
        record["raw_ksg"], record["raw_seconds"] = timed(ksg.estimate, x[:raw_n], y[:raw_n])
    else:
        record["raw_ksg"], record["raw_seconds"] = None, None
    record["raw_n"] = raw_n

    pca = Compressed(ksg, PCACompressor(PCA_DIM), PCACompressor(PCA_DIM))
    record["pca_ksg"], record["pca_seconds"] = timed(pca.estimate, x, y)

    ae_params = autoencoder_settings(args, task.latent_dim, task.image_shape)
    compressed = Compressed(
        ksg,
        AutoencoderCompressor(**ae_params, random_state=args.seed),
        AutoencoderCompressor(**ae_params, random_state=args.seed + 1),
    )
    _, record["ae_train_seconds"] = timed(compressed.fit, x, y)
    cx, cy = compressed.compress(x, y)
    sx, sy = normal_scores(cx), normal_scores(cy)
    wkl = WeightedKL(k=K)
    record["ae_ksg"] = ksg.estimate(cx, cy)
    record["ae_ksg_ns"] = ksg.estimate(sx, sy)
    record["ae_wkl"] = wkl.estimate(cx, cy)
    record["ae_wkl_ns"] = wkl.estimate(sx, sy)
    if args.flow:
        record["ae_flow"], record["flow_seconds"] = timed(flow_estimator(args).estimate, cx, cy)
    else:
        record["ae_flow"], record["flow_seconds"] = None, None
    record["ae_epochs_run"] = [
        c.history_["epochs"] for c in (compressed.compress_x_, compressed.compress_y_)
    ]
    record["ae_parameters"] = json.loads(params_key(compressed.compress_x_))
    return record


def autoencoder_settings(
    args: argparse.Namespace, latent_dim: int, image_shape: tuple[int, int]
) -> dict:
    """The autoencoders' settings (X's seeded ``--seed``, Y's ``--seed + 1``)."""
    return dict(
        latent_dim=latent_dim,
        architecture=args.architecture,
        image_shape=image_shape,
        max_epochs=args.max_epochs,
        loss=args.loss,
        lr=args.lr,
        standardize=args.standardize,
        num_threads=args.threads,
    )


def flow_estimator(args: argparse.Namespace) -> FlowMI:
    return FlowMI(random_state=args.seed)


def run_settings(args: argparse.Namespace) -> dict:
    """What a resumed run must share with the saved one: the arguments that change the numbers
    and the estimators' ``params_key`` (the autoencoder's for a 2-dim latent on the 16x16 bumps;
    the latent dimension and image shape follow from the task; the thread count may differ)."""
    ae_params = autoencoder_settings(args, 2, (IMAGE_SIZE, IMAGE_SIZE))
    ae = AutoencoderCompressor(**{**ae_params, "num_threads": None}, random_state=args.seed)
    return {
        "args": {k: getattr(args, k) for k in ("n", "raw_n", "seed", "flow")},
        "ksg": json.loads(params_key(KSG(k=K))),
        "weighted_kl": json.loads(params_key(WeightedKL(k=K))),
        "pca": json.loads(params_key(PCACompressor(PCA_DIM))),
        "autoencoder": json.loads(params_key(ae)),
        "flow": json.loads(params_key(flow_estimator(args))),
    }


def cell(value: float | None, truth: float) -> str:
    if value is None:
        return "-"
    return f"{value:.3f} ({100 * (value - truth) / truth:+.1f}%)"


def table(records: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = [
        "task",
        "true I",
        "authors KSG / WKL",
        *COLUMNS.values(),
        "s raw / PCA / AE fit / flow",
    ]
    rows = []
    for r in records:
        truth = r["true_mi"]
        authors = f"{r['authors_ksg']:.2f} / {r['authors_wkl']:.2f}" if r["authors_ksg"] else "-"
        seconds = " / ".join(
            "-" if r[k] is None else f"{r[k]:.1f}"
            for k in ("raw_seconds", "pca_seconds", "ae_train_seconds", "flow_seconds")
        )
        rows.append(
            [r["family"], f"{truth:g}", authors, *(cell(r[k], truth) for k in COLUMNS), seconds]
        )
    return header, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="samples per task")
    parser.add_argument("--mi", type=float, nargs="+", default=[1, 2, 3, 5, 10])
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    parser.add_argument(
        "--raw-n", type=int, default=5_000, help="subsample for KSG on raw pixels (0 skips it)"
    )
    parser.add_argument("--architecture", choices=["dense", "conv"], default="dense")
    parser.add_argument(
        "--max-epochs", "--epochs", dest="max_epochs", type=int, default=100,
        help="the autoencoders' max_epochs",
    )
    parser.add_argument("--loss", choices=["l1", "mse"], default="l1")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--standardize", choices=["auto", "feature", "global"], default="auto")
    parser.add_argument(
        "--no-flow", dest="flow", action="store_false", help="skip the flow estimator on codes"
    )
    parser.add_argument("--name", default=None, help="report name (default: compression)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="n = 2000, I in {1, 3}, raw-n 1000, 40 epochs"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reuse the rows of an interrupted run with the same settings",
    )
    parser.add_argument("--out", default="results/bench")
    args = parser.parse_args()
    if args.quick:
        args.n, args.mi, args.raw_n, args.max_epochs = 2_000, [1, 3], 1_000, 40
    torch.set_num_threads(args.threads)

    name = args.name or ("compression" if not args.quick else "compression-quick")
    store = ResultStore(Path(args.out) / f"{name}.cells.json", fresh=not args.resume)
    settings = run_settings(args)

    console = Console(width=220)
    records = []
    for task_name in args.tasks:
        for mi in args.mi:
            cell = {"task": task_name, "true_mi": float(mi)}
            previous = store.get(cell, settings)
            if previous is not None:
                records.append(previous)
                continue
            record = run_row(task_name, mi, args)
            records.append(record)
            store.put(cell, settings, record)
            console.print(
                f"{task_name} I={mi:g}: "
                + ", ".join(
                    f"{COLUMNS[k]} {record[k]:.3f}" for k in COLUMNS if record[k] is not None
                )
            )

    header, rows = table(records)
    view = Table(title=f"Compression + k-NN on {IMAGE_SIZE}x{IMAGE_SIZE} images, n = {args.n}")
    for h in header:
        view.add_column(h)
    for row in rows:
        view.add_row(*row)
    console.print(view)
    preamble = (
        f"# Compression + k-NN MI on {IMAGE_SIZE}x{IMAGE_SIZE} images\n\n"
        f"n = {args.n} (raw KSG on the first {args.raw_n}), seed {args.seed}, k = {K}; "
        f"autoencoder: {args.architecture}, latent dim = the task's (2 bumps, 4 rectangles), "
        f"loss {args.loss}, lr {args.lr:g}, standardize {args.standardize}, "
        f"up to {args.max_epochs} epochs with early stopping, {args.threads} torch thread(s); "
        "'ns' = normal scores of the codes. Cells: estimate (relative error). Authors' figures: "
        "KSG / weighted KL on Gaussians of dims 1-3, n = 10k (Butakov et al., ICLR 2024, "
        "arXiv:2305.08013).\n"
        f"Machine: {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}, torch {torch.__version__}.\n\n"
    )
    path = write_report(args.out, name, header, rows, records, preamble=preamble)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()

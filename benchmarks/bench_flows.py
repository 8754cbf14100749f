"""FlowMI (normalizing flows, Butakov et al. NeurIPS 2024) vs k-NN, compression and variational
bounds at large MI and high dimension: estimate vs truth (mean and std over seeds) and seconds.

Rows (n = 10,000 unless --n):
* gaussian-50x50: X, Y in R^50, standard normal marginals, I = 25 nats (the talk);
* the same pushed through smooth invertible maps (``--transforms``, default half_cube);
* 16x16 images of Gaussian bumps, latent dimension 2, I in {2, 5, 10}.

Estimators: FlowMI (tridiag); KSG and WeightedKL (k = 5); the compression estimator
Compressed(KSG) (PCA to 4 dims for vectors, the paper's default; a convolutional autoencoder to
2 dims for images); MINE and InfoNCE. On images FlowMI, KSG and WeightedKL run on the
autoencoder codes (one autoencoder pair per seed, shared; its training time is added to their
seconds) and MINE / InfoNCE on the raw pixels; raw-pixel KSG (512 dimensions) is left out.

Every finished (row, estimator, seed) is appended atomically to results/bench/flows.json and a
rerun skips what is there (resume). ``--quick``: one seed, n = 3000, few epochs (smoke test;
written to flows-quick.*).

    python benchmarks/bench_flows.py [--quick] [--seeds 0 1 2] [--rows gaussian transformed images]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from infolens.bench import write_report
from infolens.bench.records import run_estimator
from infolens.estimators.compression import Compressed
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.flows import FlowMI
from infolens.estimators.knn import KSG, WeightedKL
from infolens.estimators.neural import MINE, InfoNCE
from infolens.io import atomic_write_json
from infolens.tasks import CorrelatedGaussian, Transformed
from infolens.tasks.images import GaussianImages

DIM = 50
TALK_MI = 25.0
IMAGE_MIS = (2.0, 5.0, 10.0)
ESTIMATORS = ("FlowMI", "KSG", "WeightedKL", "Compressed(KSG)", "MINE", "InfoNCE")


def make_tasks(rows: list[str], transforms: list[str]) -> list[tuple[str, object]]:
    tasks: list[tuple[str, object]] = []
    base = CorrelatedGaussian(DIM, DIM, mutual_information=TALK_MI)
    if "gaussian" in rows:
        tasks.append(("gaussian-50x50", base))
    if "transformed" in rows:
        for kind in transforms:
            tasks.append((f"{kind}-gaussian-50x50", Transformed(base, kind)))
    if "images" in rows:
        for mi in IMAGE_MIS:
            tasks.append((f"gaussian-images-16x16-latent2-I{mi:g}",
                          GaussianImages(mutual_information=mi, image_size=16, latent_dim=2)))
    return tasks


def estimators_for(
    is_image: bool, seed: int, quick: bool, compressors: Callable[[], tuple]
) -> dict[str, Callable[[], object]]:
    """Factories, so that only estimators still to run get built (and AEs trained)."""
    flow_epochs, bound_epochs = (15, 15) if quick else (80, 60)
    flow = dict(max_epochs=flow_epochs, patience=8, random_state=seed)
    bound = dict(max_epochs=bound_epochs, patience=10, random_state=seed)
    if is_image:
        def on_codes(est: object) -> Callable[[], object]:
            return lambda: Compressed(est, *compressors(), refit=False)
        # 2-D codes are cheap per epoch and need long training: more epochs and patience
        image_flow = {**flow, "max_epochs": 30 if quick else 200, "patience": 15}
        return {
            "FlowMI": on_codes(FlowMI(**image_flow)),
            "KSG": on_codes(KSG(k=5, random_state=seed)),
            "WeightedKL": on_codes(WeightedKL(k=5, random_state=seed)),
            "MINE": lambda: MINE(batch_size=256, **bound),
            "InfoNCE": lambda: InfoNCE(batch_size=512, **bound),
        }
    return {
        "FlowMI": lambda: FlowMI(**flow),
        "KSG": lambda: KSG(k=5, random_state=seed),
        "WeightedKL": lambda: WeightedKL(k=5, random_state=seed),
        "Compressed(KSG)": lambda: Compressed(
            KSG(k=5, random_state=seed), PCACompressor(4), PCACompressor(4)
        ),
        "MINE": lambda: MINE(batch_size=256, **bound),
        "InfoNCE": lambda: InfoNCE(batch_size=512, **bound),
    }


def summarise(records: list[dict], tasks: list[tuple[str, object]]) -> tuple[list, list]:
    header = ["task", "true I", "estimator", "estimate (mean ± std)", "rel. error", "seeds",
              "seconds (mean)", "within 10%"]
    rows = []
    for name, task in tasks:
        for est in ESTIMATORS:
            recs = [r for r in records if r["task"] == name and r["estimator"] == est]
            if not recs:
                continue
            values = np.array([r["estimate"] for r in recs])
            truth = float(task.mutual_information)
            rel = (values.mean() - truth) / truth
            std = values.std(ddof=1) if len(values) > 1 else math.nan
            rows.append([
                name, f"{truth:g}", est, f"{values.mean():.3f} ± {std:.3f}", f"{rel:+.1%}",
                str(len(recs)), f"{np.mean([r['seconds'] for r in recs]):.1f}",
                "yes" if abs(rel) <= 0.10 else "no",
            ])
    return header, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, n=3000, few epochs")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--rows", nargs="+", default=["gaussian", "transformed", "images"],
                        choices=["gaussian", "transformed", "images"])
    parser.add_argument("--transforms", nargs="+", default=["half_cube"])
    parser.add_argument("--estimators", nargs="+", default=list(ESTIMATORS), choices=ESTIMATORS)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", default="results/bench")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    seeds = args.seeds if args.seeds is not None else ([0] if args.quick else [0, 1, 2])
    n = args.n or (3000 if args.quick else 10_000)
    name = "flows-quick" if args.quick else "flows"
    store = Path(args.out) / f"{name}.json"
    records: list[dict] = json.loads(store.read_text()) if store.exists() else []
    done = {(r["task"], r["estimator"], r["seed"], r["n"]) for r in records}
    tasks = make_tasks(args.rows, args.transforms)
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores, torch threads {args.threads}"

    def report() -> None:
        header, rows = summarise(records, tasks)
        preamble = (
            f"# FlowMI vs k-NN, compression and variational bounds\n\n"
            f"Measured with `benchmarks/bench_flows.py{' --quick' if args.quick else ''}` on "
            f"{machine}; n = {n} per sample (20% held out by the trained estimators), "
            f"seeds {seeds}. Images: FlowMI, KSG, WeightedKL on codes of a convolutional "
            f"autoencoder with latent dimension 2 (its fit time included); MINE, InfoNCE on "
            f"raw pixels. InfoNCE is capped at log(512) = {math.log(512):.2f} nats.\n\n"
        )
        atomic_write_json(store, records)
        write_report(args.out, name, header, rows, records, preamble=preamble)

    for seed in seeds:
        for task_name, task in tasks:
            is_image = task_name.startswith("gaussian-images")
            skip = {"Compressed(KSG)"} if is_image else set()  # images: KSG runs on codes
            todo = [e for e in args.estimators
                    if (task_name, e, seed, n) not in done and e not in skip]
            if not todo:
                continue
            x, y = task.sample(n, seed=seed)
            cache: dict = {}

            def compressors(seed: int = seed, x: np.ndarray = x, y: np.ndarray = y,
                            cache: dict = cache) -> tuple:
                if "pair" not in cache:
                    start = time.perf_counter()
                    ae = dict(latent_dim=2, architecture="conv", image_shape=(16, 16),
                              epochs=15 if args.quick else 60, random_state=seed)
                    cx = AutoencoderCompressor(**ae).fit(x)
                    cy = AutoencoderCompressor(**{**ae, "random_state": seed + 1000}).fit(y)
                    cache["pair"], cache["seconds"] = (cx, cy), time.perf_counter() - start
                return cache["pair"]

            factories = estimators_for(is_image, seed, args.quick, compressors)
            for est_name in todo:
                estimator = factories[est_name]()
                rec = run_estimator(estimator, x, y, task=task_name,
                                    true_mi=float(task.mutual_information), seed=seed,
                                    name=est_name, parameters={"repr": repr(estimator)})
                out = rec.as_dict()
                if is_image and est_name in ("FlowMI", "KSG", "WeightedKL"):
                    out["seconds"] += cache.get("seconds", 0.0)
                    out["parameters"]["autoencoder_seconds"] = cache.get("seconds", 0.0)
                records.append(out)
                done.add((task_name, est_name, seed, n))
                print(f"{task_name:40s} seed {seed} {est_name:16s} {out['estimate']:10.3f} "
                      f"(true {out['true_mi']:g}) {out['seconds']:7.1f} s", flush=True)
                report()
    report()
    header, rows = summarise(records, tasks)
    width = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)] if rows else []
    for line in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(line, width, strict=True)))


if __name__ == "__main__":
    main()

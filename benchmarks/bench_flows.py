"""FlowMI (normalizing flows, Butakov et al. NeurIPS 2024) vs k-NN, compression and variational
bounds at large MI and high dimension: estimate vs truth (mean and std over seeds) and seconds.

Rows (n = 10,000 unless --n):
* gaussian-50x50: X, Y in R^50, standard normal marginals, I = 25 nats (a high-MI test for the
  flow estimator of arXiv:2403.02187);
* the same pushed through smooth invertible maps (``--transforms``, default: normal_cdf, asinh,
  half_cube, random_network, applied to X and to Y);
* 16x16 images of Gaussian bumps, latent dimension 2, I in {2, 5, 10}.

Estimators: FlowMI (tridiag); KSG and WeightedKL (k = 5); the compression estimator
Compressed(KSG) (PCA to 4 dims for vectors, the paper's default; a convolutional autoencoder with
a linear 2-dim bottleneck and no latent noise for images); MINE and InfoNCE. On images FlowMI,
KSG and WeightedKL run on the autoencoder codes (one autoencoder pair per seed, shared; its
training time is added to their seconds) and MINE / InfoNCE on the raw pixels; raw-pixel KSG
(512 dimensions) is left out.

Every finished (row, estimator, seed) is appended atomically to results/bench/flows.json and a
rerun skips what is there with the same settings (resume; a record whose estimator settings
differ, by ``params_key``: the class and ``get_params()`` as JSON, autoencoders included, is
recomputed and replaced). ``--quick``: one seed, n = 3000, few epochs (smoke
test; written to flows-quick.*).

    python benchmarks/bench_flows.py [--quick] [--seeds 0 1 2] [--rows gaussian transformed images]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from _common import timed

from infolens.bench import ResultStore, write_report
from infolens.bench.records import run_estimator
from infolens.estimators.base import params_key
from infolens.estimators.compression import Compressed
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.flows import FlowMI
from infolens.estimators.knn import KSG, WeightedKL
from infolens.estimators.neural import MINE, InfoNCE
from infolens.tasks import CorrelatedGaussian, Transformed
from infolens.tasks.images import GaussianImages
from infolens.tasks.transforms import TRANSFORM_KINDS

DIM = 50
TALK_MI = 25.0
IMAGE_MIS = (2.0, 5.0, 10.0)
TRANSFORMS = tuple(k for k in TRANSFORM_KINDS if k != "identity")
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


def autoencoder_settings(seed: int, quick: bool) -> dict:
    """The image rows' autoencoder (one per variable; Y's is seeded ``seed + 1000``)."""
    # linear, noise-free bottleneck: the default sigmoid codes with latent noise 0.05 cap what
    # any estimator can read from them (I = 10, seed 0: FlowMI 3.6 nats on those, 9.3 on these)
    return dict(latent_dim=2, architecture="conv", image_shape=(16, 16), bottleneck="linear",
                noise_std=0.0, patience=20, max_epochs=15 if quick else 150, random_state=seed)


def autoencoders(seed: int, quick: bool) -> tuple[AutoencoderCompressor, AutoencoderCompressor]:
    """The image rows' unfitted autoencoder pair (X's seeded ``seed``, Y's ``seed + 1000``)."""
    ae = autoencoder_settings(seed, quick)
    return AutoencoderCompressor(**ae), AutoencoderCompressor(**{**ae, "random_state": seed + 1000})


def estimators_for(
    is_image: bool, seed: int, quick: bool, compressors: Callable[[], tuple]
) -> dict[str, tuple[str, Callable[[], object]]]:
    """name -> (settings key, factory). Factories, so that only estimators still to run get
    built (and autoencoders trained); the key (``params_key`` of what runs: on images the
    estimator composed with the autoencoders) makes a rerun with changed settings recompute
    instead of resuming stale records."""
    flow_epochs, bound_epochs = (15, 15) if quick else (80, 60)
    flow = dict(max_epochs=flow_epochs, patience=8, random_state=seed)
    bound = dict(max_epochs=bound_epochs, patience=10, random_state=seed)
    mine = MINE(batch_size=256, **bound)
    infonce = InfoNCE(batch_size=512, **bound)
    bounds = {
        "MINE": (params_key(mine), lambda: mine),
        "InfoNCE": (params_key(infonce), lambda: infonce),
    }
    if is_image:
        def on_codes(est: object) -> tuple[str, Callable[[], object]]:
            key = params_key(Compressed(est, *autoencoders(seed, quick), refit=False))
            return key, lambda: Compressed(est, *compressors(), refit=False)
        # 2-D codes are cheap per epoch and need long training: bigger batches, a larger rate
        # halved on plateaus, more epochs and patience (seed 0, I = 10 on the same codes:
        # 80 epochs at lr 1e-3 stopped at 8.7 nats; this setting reaches 9.3)
        image_flow = {**flow, "max_epochs": 30 if quick else 400, "patience": 30,
                      "batch_size": 512, "lr": 3e-3, "lr_schedule": "plateau"}
        return {
            "FlowMI": on_codes(FlowMI(**image_flow)),
            "KSG": on_codes(KSG(k=5, random_state=seed)),
            "WeightedKL": on_codes(WeightedKL(k=5, random_state=seed)),
            **bounds,
        }
    plain = {
        "FlowMI": FlowMI(**flow),
        "KSG": KSG(k=5, random_state=seed),
        "WeightedKL": WeightedKL(k=5, random_state=seed),
        "Compressed(KSG)": Compressed(KSG(k=5, random_state=seed), PCACompressor(4), PCACompressor(4)),
    }
    return {name: (params_key(est), lambda est=est: est) for name, est in plain.items()} | bounds


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
    parser.add_argument("--transforms", nargs="+", default=list(TRANSFORMS), choices=TRANSFORMS)
    parser.add_argument("--estimators", nargs="+", default=list(ESTIMATORS), choices=ESTIMATORS)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", default="results/bench")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    seeds = args.seeds if args.seeds is not None else ([0] if args.quick else [0, 1, 2])
    n = args.n or (3000 if args.quick else 10_000)
    name = "flows-quick" if args.quick else "flows"
    store = ResultStore(Path(args.out) / f"{name}.cells.json")
    tasks = make_tasks(args.rows, args.transforms)
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores, torch threads {args.threads}"

    def report() -> None:
        records = store.records()
        header, rows = summarise(records, tasks)
        preamble = (
            f"# FlowMI vs k-NN, compression and variational bounds\n\n"
            f"Measured with `benchmarks/bench_flows.py{' --quick' if args.quick else ''}` on "
            f"{machine}; n = {n} per sample (20% held out by the trained estimators), "
            f"seeds {seeds}. Images: FlowMI, KSG, WeightedKL on codes of a convolutional "
            f"autoencoder with a linear 2-dim bottleneck (its fit time included); MINE, InfoNCE on "
            f"raw pixels. InfoNCE is capped at log(512) = {math.log(512):.2f} nats.\n\n"
        )
        write_report(args.out, name, header, rows, records, preamble=preamble)

    for seed in seeds:
        for task_name, task in tasks:
            is_image = task_name.startswith("gaussian-images")
            skip = {"Compressed(KSG)"} if is_image else set()  # images: KSG runs on codes
            x, y = task.sample(n, seed=seed)
            cache: dict = {}

            def compressors(seed: int = seed, x: np.ndarray = x, y: np.ndarray = y,
                            cache: dict = cache) -> tuple:
                if "pair" not in cache:
                    ae_x, ae_y = autoencoders(seed, args.quick)
                    cache["pair"], cache["seconds"] = timed(
                        lambda: (ae_x.fit(x), ae_y.fit(y))
                    )
                return cache["pair"]

            factories = estimators_for(is_image, seed, args.quick, compressors)
            for est_name in [e for e in args.estimators if e not in skip]:
                settings, factory = factories[est_name]
                cell = {"task": task_name, "estimator": est_name, "seed": seed, "n": n}
                if store.get(cell, settings) is not None:
                    continue  # done with these settings (another setting is recomputed)
                estimator = factory()
                rec = run_estimator(estimator, x, y, task=task_name,
                                    true_mi=float(task.mutual_information), seed=seed,
                                    name=est_name, parameters=json.loads(settings))
                out = rec.as_dict() | {"settings": settings}
                if is_image and est_name in ("FlowMI", "KSG", "WeightedKL"):
                    out["seconds"] += cache.get("seconds", 0.0)
                    out["parameters"]["autoencoder_seconds"] = cache.get("seconds", 0.0)
                store.put(cell, settings, out)
                print(f"{task_name:40s} seed {seed} {est_name:16s} {out['estimate']:10.3f} "
                      f"(true {out['true_mi']:g}) {out['seconds']:7.1f} s", flush=True)
                report()
    report()
    header, rows = summarise(store.records(), tasks)
    width = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)] if rows else []
    for line in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(line, width, strict=True)))


if __name__ == "__main__":
    main()

"""The ``infolens`` command line: a thin layer over the Python API.

Errors in the input (missing file, bad shape, NaN, unknown method...) print one line
``error: ...`` on stderr and exit with code 2.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from infolens._cli import check_output_dir, options_named, print_warning, run_app, stderr
from infolens.bench.cli import bench_app
from infolens.estimators.registry import LABEL_ESTIMATOR_NAMES, describe_estimators, make_estimator
from infolens.estimators.result import EstimatorWarning
from infolens.plane.cli import plane_app
from infolens.units import convert

__all__ = ["app", "main"]

app = typer.Typer(
    help="Information-theoretic analysis of neural networks: MI estimation, information planes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
tasks_app = typer.Typer(help="Synthetic tasks with known mutual information.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
app.add_typer(plane_app, name="plane")
app.add_typer(bench_app, name="bench")

stdout = Console()


METHOD_HELP = "estimator: " + describe_estimators()


#: a task's samples take n * (dim_x + dim_y) * 8 bytes; sampling needs a few such arrays at once
SAMPLING_MEMORY_FACTOR = 4


def _available_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not a POSIX system that reports it
        return None


def _check_fits_in_memory(n_bytes: int, option: str, value: object) -> None:
    available = _available_memory_bytes()
    if available is not None and n_bytes > available:
        raise ValueError(
            f"{option}: {value} needs about {n_bytes / 2**30:.1f} GiB of memory, "
            f"{available / 2**30:.1f} GiB are available"
        )



@app.command()
def estimate(
    x: Annotated[Path, typer.Argument(help="samples of X: .npy, .npz[:key], .csv, .tsv or .txt")],
    y: Annotated[Path, typer.Argument(help="samples of Y (class labels for ross/labels-* methods)")],
    method: Annotated[str, typer.Option(help=METHOD_HELP)] = "auto",
    k: Annotated[int, typer.Option(min=1, help="number of neighbours")] = 5,
    seed: Annotated[int, typer.Option(min=0, help="seed of the tie-breaking jitter and of training")] = 0,
    latent_dim: Annotated[
        int | None, typer.Option(min=1, help="pca-ksg: PCA dimension of each variable [default: min(4, d)]")
    ] = None,
    device: Annotated[
        str, typer.Option(help="torch device of neural estimators: auto (CUDA when present), cpu, cuda")
    ] = "cpu",
    bits: Annotated[bool, typer.Option("--bits", help="report bits instead of nats")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Estimate I(X;Y) from paired samples in two files."""
    from infolens._validation import as_labels, as_paired_samples, as_samples, is_label_vector
    from infolens.io import load_array

    with options_named({"method": "--method", "latent_dim": "--latent-dim", "k": "--k",
                        "device": "--device"}):
        estimator = make_estimator(method, k=k, random_state=seed, latent_dim=latent_dim)
        if device != "cpu":  # torch is needed only off the CPU default
            from infolens._validation import resolve_device

            resolve_device(device)
        if "device" in estimator.get_params():
            estimator.set_params(device=device)
    xa, ya = load_array(x, "X"), load_array(y, "Y")
    if method in LABEL_ESTIMATOR_NAMES or (method == "auto" and is_label_vector(ya)):
        xa = as_samples(xa, "X")
        ya = as_labels(ya, "Y", n=len(xa))
    else:
        xa, ya = as_paired_samples(xa, ya, names=("X", "Y"))
    start = time.perf_counter()
    if as_json:
        result = estimator.estimate_with_error(xa, ya)
    else:
        with stderr.status(f"{method}: estimating on {len(xa)} samples..."):
            result = estimator.estimate_with_error(xa, ya)
    seconds = time.perf_counter() - start
    unit = "bits" if bits else "nats"
    value, err = convert(result.value, unit), convert(result.stderr, unit)
    if as_json:
        record = {
            "method": method,
            "estimate": value,
            "stderr": err,
            "unit": unit,
            "n": result.n,
            "k": k,
            "seed": seed,
            "seconds": seconds,
            "x": str(x),
            "y": str(y),
            "warnings": list(result.warnings),
        }
        if "chosen" in result.details:  # auto: what it used and why
            record["chosen"] = result.details["chosen"]
            record["reason"] = result.details["reason"]
            record["candidates"] = result.details.get("candidates", {})
        typer.echo(json.dumps(record))
    else:
        typer.echo(f"I(X;Y) = {value:.4f} ± {err:.4f} {unit}  ({method}, n={result.n}, {seconds:.2f} s)")
        if "chosen" in result.details:
            typer.echo(f"{method} used {result.details['chosen']}: {result.details['reason']}")
    for message in result.warnings:
        print_warning(message)


@tasks_app.command("list")
def tasks_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the built-in tasks with their dimensions and true MI."""
    from infolens.tasks import get_task, list_tasks

    rows = []
    for name in list_tasks():
        task = get_task(name)
        rows.append({"name": name, "dim_x": task.dim_x, "dim_y": task.dim_y,
                     "mutual_information": task.mutual_information})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("task", "dim x", "dim y", "I(X;Y) [nats]")
    for r in rows:
        table.add_row(r["name"], str(r["dim_x"]), str(r["dim_y"]), f"{r['mutual_information']:.4f}")
    stdout.print(table)


@tasks_app.command("sample")
def tasks_sample(
    name: Annotated[str, typer.Argument(help="task name (see `infolens tasks list`)")],
    n: Annotated[int, typer.Option(min=1, help="number of samples")] = 10_000,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("samples"),
) -> None:
    """Draw samples of a task: writes OUT/x.npy, OUT/y.npy and OUT/task.json (with the true MI)."""
    from infolens.io import atomic_save_npy, atomic_write_json
    from infolens.tasks import get_task

    task = get_task(name)
    _check_fits_in_memory(n * (task.dim_x + task.dim_y) * 8 * SAMPLING_MEMORY_FACTOR, "--n", n)
    check_output_dir(out, "--out")
    x, y = task.sample(n, seed=seed)
    meta = {"task": name, "n": n, "seed": seed, "dim_x": task.dim_x, "dim_y": task.dim_y,
            "mutual_information": task.mutual_information, "unit": "nats"}
    try:
        atomic_save_npy(out / "x.npy", x)
        atomic_save_npy(out / "y.npy", y)
        atomic_write_json(out / "task.json", meta)
    except OSError as err:
        raise ValueError(f"--out: cannot write to {out}: {err.strerror or err}") from None
    typer.echo(f"wrote {out}/x.npy {x.shape}, y.npy {y.shape}; I(X;Y) = {task.mutual_information:.4f} nats")


suite_app = typer.Typer(help="The benchmark suite: tasks with known MI, by family.", no_args_is_help=True)
app.add_typer(suite_app, name="suite")


@suite_app.command("list")
def suite_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the suite's tasks, family by family, with their dimensions and true MI."""
    from infolens.tasks.suite import describe_suite

    records = describe_suite()
    if as_json:
        typer.echo(json.dumps(records, indent=2))
        return
    table = Table("family", "task", "dim x", "dim y", "I(X;Y) [nats]")
    previous = None
    for r in records:
        family = r["family"] if r["family"] != previous else ""
        if family and previous is not None:
            table.add_section()
        previous = r["family"]
        table.add_row(family, r["name"], str(r["dim_x"]), str(r["dim_y"]),
                      f"{r['mutual_information']:.4f}")
    stdout.print(table)
    typer.echo(f"{len(records)} tasks in {len({r['family'] for r in records})} families")


@app.command()
def showcase(
    n: Annotated[int, typer.Option(min=10, help="samples per task")] = 5_000,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
) -> None:
    """Estimate MI on a few built-in tasks and print estimate vs truth (seconds)."""
    from infolens.bench.showcase import run_showcase

    run_showcase(n=n, seed=seed, console=stdout)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="output directory")] = Path("results/mnist"),
    resume: Annotated[bool, typer.Option("--resume", help="continue an interrupted run")] = False,
) -> None:
    """The main job on its built-in default: the MNIST information plane (demo preset)."""
    from infolens.plane.experiments import run_mnist_plane

    result_dir = run_mnist_plane(preset="demo", out_dir=out, resume=resume)
    typer.echo(f"results: {result_dir}/table.csv, table.json, run.json; figures: "
               f"{result_dir}/information_plane.png, mi_vs_epoch.png, training_curves.png (+ .svg)")


def main() -> None:
    """Console-script entry point (error path: :mod:`infolens._cli`); estimator warnings are
    printed by the commands from the result (``MIEstimate.warnings``)."""
    run_app(app, printed_by_commands=(EstimatorWarning,))


if __name__ == "__main__":
    main()

"""The ``infolens`` command line: a thin layer over the Python API.

Errors in the input (missing file, bad shape, NaN, unknown method...) print one line
``error: ...`` on stderr and exit with code 2.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

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

stdout = Console()
stderr = Console(stderr=True)


METHOD_HELP = (
    "ksg, ksg2, kl, weighted-kl, pca-ksg, flow; for class labels y: ross, labels-kl, labels-weighted-kl"
)


class UsageError(ValueError):
    """Bad input from the user: reported in one line, exit code 2."""


@app.command()
def estimate(
    x: Annotated[Path, typer.Argument(help="samples of X: .npy, .npz[:key], .csv, .tsv or .txt")],
    y: Annotated[Path, typer.Argument(help="samples of Y (class labels for ross/labels-* methods)")],
    method: Annotated[str, typer.Option(help=METHOD_HELP)] = "ksg",
    k: Annotated[int, typer.Option(help="number of neighbours")] = 5,
    seed: Annotated[int, typer.Option(help="seed of the tie-breaking jitter and of training")] = 0,
    bits: Annotated[bool, typer.Option("--bits", help="report bits instead of nats")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Estimate I(X;Y) from paired samples in two files."""
    from infolens.estimators.registry import make_estimator
    from infolens.io import load_array

    estimator = make_estimator(method, k=k, seed=seed)
    xa, ya = load_array(x, "X"), load_array(y, "Y")
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
        }
        typer.echo(json.dumps(record))
    else:
        typer.echo(f"I(X;Y) = {value:.4f} ± {err:.4f} {unit}  ({method}, n={result.n}, {seconds:.2f} s)")


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
    n: Annotated[int, typer.Option(help="number of samples")] = 10_000,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("samples"),
) -> None:
    """Draw samples of a task: writes OUT/x.npy, OUT/y.npy and OUT/task.json (with the true MI)."""
    from infolens.io import atomic_save_npy, atomic_write_json
    from infolens.tasks import get_task

    task = get_task(name)
    if n < 1:
        raise UsageError(f"n: must be >= 1, got {n}")
    x, y = task.sample(n, seed=seed)
    atomic_save_npy(out / "x.npy", x)
    atomic_save_npy(out / "y.npy", y)
    meta = {"task": name, "n": n, "seed": seed, "dim_x": task.dim_x, "dim_y": task.dim_y,
            "mutual_information": task.mutual_information, "unit": "nats"}
    atomic_write_json(out / "task.json", meta)
    typer.echo(f"wrote {out}/x.npy {x.shape}, y.npy {y.shape}; I(X;Y) = {task.mutual_information:.4f} nats")


@app.command()
def showcase(
    n: Annotated[int, typer.Option(help="samples per task")] = 5_000,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
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
    try:
        from infolens.plane.experiments import run_mnist_plane
    except ImportError:  # the information plane is not installed: fall back to the showcase
        showcase(n=5_000, seed=0)
        return
    result_dir = run_mnist_plane(preset="demo", out_dir=out, resume=resume)
    typer.echo(f"results: {result_dir}/table.csv, table.json, run.json; figures: "
               f"{result_dir}/information_plane.png, mi_vs_epoch.png, training_curves.png (+ .svg)")


def main() -> None:
    """Console-script entry point: user errors become one line on stderr and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except (ValueError, FileNotFoundError) as err:
        stderr.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Abort:
        sys.exit(130)
    except Exception as err:  # click's own usage errors
        import click

        if isinstance(err, click.ClickException):
            err.show()
            sys.exit(2 if isinstance(err, click.UsageError) else err.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()

"""``infolens plane ...``: the information-plane commands (registered by ``infolens.cli``).

Errors in the input print one line ``error: ...`` on stderr, naming the option as typed
(``--probe-size``; ``--seed`` for ``random_state``), and exit with code 2. Rows that an
estimator flagged (the table's ``warnings`` column) are printed as one line ``warning: ...``
each on stderr.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from infolens._cli import (
    AddressOption,
    BackendOption,
    FreshOption,
    NumCpusOption,
    NumGpusOption,
    ProgressOption,
    WorkersOption,
    options_named,
    print_warning,
    report_interrupted,
)

__all__ = ["plane_app"]

#: At most this many flagged rows are printed; the table has them all.
MAX_WARNING_LINES = 20

plane_app = typer.Typer(
    help="Information planes: I(X;L) and I(L;Y) per layer during training.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


def _print_flagged(rows: Sequence[dict], table: Path) -> None:
    """One line ``warning: epoch E, layer L: <warnings>`` per flagged row, on stderr."""
    flagged = [r for r in rows if r.get("warnings")]
    lines = [f"epoch {r['epoch']}, layer {r['layer']}: {r['warnings']}"
             for r in flagged[:MAX_WARNING_LINES]]
    if len(flagged) > MAX_WARNING_LINES:
        lines.append(
            f"{len(flagged) - MAX_WARNING_LINES} more flagged rows: see the warnings column "
            f"of {table}"
        )
    for line in lines:
        print_warning(line)


def _parse_layers(text: str) -> list[str]:
    layers = [part.strip() for part in text.split(",") if part.strip()]
    if not layers:
        raise ValueError(f"--layers: expected comma-separated layer names, got {text!r}")
    return layers


def _summary(rows: Sequence[dict], out: Path) -> str:
    last = max(r["epoch"] for r in rows)
    final = [r for r in rows if r["epoch"] == last]
    head = (
        f"epoch {last}: test accuracy {final[0].get('test_acc', float('nan')):.4f}, "
        f"test loss {final[0].get('test_loss', float('nan')):.4f}"
    )
    lines = [head, "layer  I(X;L) nats        I(L;Y) nats"]
    for r in final:
        lines.append(
            f"{r['layer']:<6} {r['i_xl']:6.3f} ± {r['i_xl_err']:.3f}    "
            f"{r['i_ly']:6.3f} ± {r['i_ly_err']:.3f}"
            + ("    flagged (see warnings)" if r.get("warnings") else "")
        )
    lines.append(f"table: {out / 'table.csv'}  plots: {out / 'information_plane.png'}")
    return "\n".join(lines)


@plane_app.command()
def mnist(
    preset: Annotated[
        str,
        typer.Option(help="demo (~10 min on 2 cores) or paper (authors')"),
    ] = "demo",
    epochs: Annotated[
        int | None,
        typer.Option(help="training epochs, exactly (overrides the preset)"),
    ] = None,
    layers: Annotated[
        str,
        typer.Option(help="comma-separated layers among L1..L5"),
    ] = "L2,L3,L4,L5",
    probe_size: Annotated[int | None, typer.Option(help="test images used as probe")] = None,
    train_size: Annotated[
        int | None,
        typer.Option(help="training images used (default all)"),
    ] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("results/mnist"),
    resume: Annotated[bool, typer.Option("--resume", help="continue an interrupted run")] = False,
    random_state: Annotated[
        int,
        typer.Option("--seed", help="seed of data order, init, noise, compressors (random_state)"),
    ] = 0,
    mnist_dir: Annotated[
        Path | None,
        typer.Option(
            help="directory of the MNIST IDX files "
            "(default $INFOLENS_MNIST_DIR, else ~/.cache/infolens/mnist)"
        ),
    ] = None,
    noise_std: Annotated[
        float | None,
        typer.Option(help="std of the relative Gaussian noise before each layer"),
    ] = None,
    device: Annotated[
        str,
        typer.Option(help="torch device: auto (CUDA when present), cpu, cuda, cuda:1, mps "
                     "(a setting of the run)"),
    ] = "auto",
    lr: Annotated[float | None, typer.Option(help="Adam learning rate")] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="training batch size (overrides the preset)")
    ] = None,
    x_compressor: Annotated[str | None, typer.Option(help="conv-ae or pca (for X)")] = None,
    layer_compressor: Annotated[
        str | None, typer.Option(help="pca or ae (for each layer, every tracked epoch)")
    ] = None,
    every: Annotated[int | None, typer.Option(help="track every k epochs")] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar per epoch")] = True,
    download: Annotated[
        bool,
        typer.Option(help="download MNIST from the public mirrors when missing"),
    ] = True,
) -> None:
    """Train the MNIST CNN of Butakov et al. (ICLR 2024) and track its information plane."""
    import inspect

    from infolens.estimators.result import EstimatorWarning
    from infolens.plane.experiments import run_mnist_plane
    from infolens.plane.tracker import read_table

    def action() -> Path:
        with warnings.catch_warnings():
            # printed below from the table's warnings column, one line per flagged row
            warnings.simplefilter("ignore", EstimatorWarning)
            return run_mnist_plane(
                preset=preset,
                out_dir=out,
                layers=_parse_layers(layers),
                epochs=epochs,
                probe_size=probe_size,
                resume=resume,
                random_state=random_state,
                mnist_dir=mnist_dir,
                device=device,
                train_size=train_size,
                noise_std=noise_std,
                lr=lr,
                batch_size=batch_size,
                x_compressor=x_compressor,
                layer_compressor=layer_compressor,
                every=every,
                progress=progress,
                download=download,
            )

    arguments = {a: "--" + a.replace("_", "-") for a in inspect.signature(run_mnist_plane).parameters}
    with options_named({**arguments, "out_dir": "--out", "random_state": "--seed"}):
        result = action()
    rows = read_table(result)
    _print_flagged(rows, result / "table.csv")
    typer.echo(_summary(rows, result))


@plane_app.command()
def plot(
    results_dir: Annotated[Path, typer.Argument(help="directory holding table.json of a run")],
    out: Annotated[
        Path | None, typer.Option(help="where to write the figures (default: results_dir)")
    ] = None,
) -> None:
    """Redraw the figures (information plane, MI vs epoch, training curves) of a run."""
    from infolens.plane.plots import plot_all
    from infolens.plane.tracker import read_table

    rows = read_table(results_dir)
    _print_flagged(rows, results_dir / "table.csv")
    paths = plot_all(rows, out or results_dir)
    for path in paths:
        typer.echo(str(path))


@plane_app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="the sweep (YAML): settings, grid, aggregate_over")],
    out: Annotated[Path | None, typer.Option(help="output directory [default: the file's out]")] = None,
    backend: BackendOption = "local",
    workers: WorkersOption = None,
    address: AddressOption = None,
    num_cpus: NumCpusOption = 1,
    num_gpus: NumGpusOption = 0,
    mnist_dir: Annotated[
        Path | None, typer.Option(help="directory of the MNIST IDX files [default: as plane mnist]")
    ] = None,
    download: Annotated[bool, typer.Option(help="download MNIST when missing")] = False,
    fresh: FreshOption = False,
    progress: ProgressOption = True,
) -> None:
    """Run a grid of MNIST plane runs (seeds x noise levels x ...), then aggregate over seeds."""
    from infolens.grid import GridInterrupted
    from infolens.plane.sweep import load_sweep, run_sweep

    spec = load_sweep(sweep_file)
    out_dir = out or Path(spec.out or "results/sweep")
    options = {"backend": "--backend", "workers": "--workers", "num_cpus": "--num-cpus",
               "num_gpus": "--num-gpus"}
    try:
        with options_named(options):
            result, aggregates = run_sweep(
                spec, out_dir, backend=backend, workers=workers, address=address,
                num_cpus=num_cpus, num_gpus=num_gpus, mnist_dir=mnist_dir, download=download,
                fresh=fresh, progress=progress,
            )
    except GridInterrupted as err:
        report_interrupted(err)
    for row in result.rows:
        if row["status"] != "ok":
            print_warning(f"run {row['run']} failed after {row['attempts']} attempts: {row['cell_error']}")
    typer.echo(f"{result.finished} of {result.total} runs finished ({result.done} now, "
               f"{result.skipped} done before, {result.failed} failed) in {result.seconds:.0f} s; "
               f"table: {result.table}")
    for group, path in aggregates.items():
        typer.echo(f"aggregate {group}: {path / 'aggregate_information_plane.png'}")


@plane_app.command()
def aggregate(
    run_dirs: Annotated[list[Path], typer.Argument(help="run directories (each with table.json)")],
    out: Annotated[Path, typer.Option(help="output directory")] = Path("results/aggregate"),
    title: Annotated[str | None, typer.Option(help="figure title")] = None,
) -> None:
    """The information plane of several runs (seeds) in one figure: mean and s.d. per layer, epoch."""
    from infolens.plane.aggregate import AGGREGATE_STEM, aggregate_runs

    with options_named({"run_dirs": "RUN_DIRS", "out_dir": "--out"}):
        path = aggregate_runs(run_dirs, out, title=title)
    for suffix in (".csv", ".json", "_information_plane.png", "_mi_vs_epoch.png"):
        typer.echo(str(path / f"{AGGREGATE_STEM}{suffix}"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(plane_app())

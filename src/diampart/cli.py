"""Command line: ``diampart search|check|lower|plot`` (thin wrapper around the library).

Bad input (missing file, m < 1, unknown shape, malformed certificate) prints one line
``error: ...`` and exits with code 2; a certificate that is read but fails the check exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    help="diampart: partitions of compact sets into parts of small diameter, with exact "
    "certificates (upper bounds) and point-set/SAT lower bounds.",
    no_args_is_help=True,
    add_completion=False,
)


def _die(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _check_parts(parts: int) -> None:
    if parts < 1:
        _die(f"parts: expected an integer >= 1, got {parts}")


@app.command()
def search(
    shape: str = typer.Argument(..., help="disk, square, triangle, torus or ngon<N>"),
    parts: int = typer.Option(..., "--parts", "-m", help="number of cells m"),
    restarts: int = typer.Option(16, help="seeded restarts"),
    seed: int = typer.Option(0, help="random seed"),
    time_limit: float = typer.Option(None, help="stop starting restarts after this many seconds"),
    out: Path = typer.Option(None, help="certificate JSON (default results/diampart/...)"),
    plot: Path = typer.Option(None, help="also draw the partition into this PNG"),
    method: str = typer.Option("voronoi", help="voronoi (Voronoi + SLSQP) or grid-sat "
                               "(SAT colouring of a triangulated grid; torus and square)"),
    resolution: int = typer.Option(8, help="grid-sat: squares per side (4 triangles each)"),
) -> None:
    """Search a partition, write its certificate, and print the checked bound."""
    from diampart.certificate import save_certificate
    from diampart.gridsat import grid_sat_partition
    from diampart.search import search_partition
    from diampart.shapes import get_shape

    _check_parts(parts)
    try:
        shp = get_shape(shape)
        if method == "voronoi":
            if restarts < 1:
                raise ValueError(f"restarts: expected an integer >= 1, got {restarts}")
            res = search_partition(shp, parts, restarts=restarts, seed=seed, time_limit=time_limit)
        elif method == "grid-sat":
            res = grid_sat_partition(shp, parts, resolution=resolution, time_limit=time_limit)
            if res is None:
                raise ValueError(f"resolution: no {parts}-colouring of the {resolution} x "
                                 f"{resolution} grid found within the solver budget")
        else:
            raise ValueError(f"method: expected 'voronoi' or 'grid-sat', got {method!r}")
    except ValueError as err:
        _die(str(err))
    path = out or Path("results/diampart") / f"{shp.name}_m{parts}.json"
    save_certificate(res.certificate, path)
    typer.echo(
        f"{shp.name} m={parts}: checked upper bound {res.diameter:.9f} "
        f"(bound^2 = {res.certificate.bound_squared}); float optimum {res.float_diameter:.9f} "
        f"[numerical]; {res.seconds:.1f} s; certificate {path}"
    )
    if plot is not None:
        from diampart.plot import plot_certificate

        plot_certificate(res.certificate, plot)


@app.command()
def check(file: Path = typer.Argument(..., help="certificate JSON")) -> None:
    """Check a certificate exactly (rational arithmetic); exit 0 if valid, 1 if not."""
    from diampart.certificate import check_certificate, load_certificate

    try:
        report = check_certificate(load_certificate(file))
    except ValueError as err:
        _die(str(err))
    status = "VALID" if report.ok else f"INVALID ({report.failed})"
    typer.echo(f"{status}: {report.message}")
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def lower(
    shape: str = typer.Argument(..., help="disk, square, triangle, torus or ngon<N>"),
    parts: int = typer.Option(..., "--parts", "-m", help="number of cells m"),
    method: str = typer.Option("both", help="points, sat or both"),
    resolution: int = typer.Option(8, help="grid resolution for SAT"),
    circle_points: int = typer.Option(0, help="extra rational points on the circle (disk)"),
    seed: int = typer.Option(0, help="random seed for the point search"),
    out: Path = typer.Option(None, help="write the witnesses as JSON"),
) -> None:
    """Lower bounds: m+1 points pairwise >= tau (exact), and SAT non-colourability on a grid."""
    from diampart.lower import point_lower_bound, sat_lower_bound
    from diampart.shapes import get_shape

    _check_parts(parts)
    if method not in ("points", "sat", "both"):
        _die(f"method: expected points, sat or both, got {method!r}")
    try:
        shp = get_shape(shape)
        results = []
        if method in ("points", "both"):
            results.append(point_lower_bound(shp, parts, seed=seed))
        if method in ("sat", "both"):
            results.append(
                sat_lower_bound(shp, parts, resolution=resolution, circle_points=circle_points)
            )
    except ValueError as err:
        _die(str(err))
    for lb in results:
        typer.echo(
            f"{shp.name} m={parts}: d_m >= {lb.value:.9f} (tau^2 = {lb.tau_squared}) "
            f"by {lb.method}, {len(lb.points)} points, confirmed by {lb.confirmed_by or 'nobody'}, "
            f"{lb.seconds:.1f} s"
        )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps([lb.as_dict() for lb in results], indent=1))


@app.command()
def plot(
    file: Path = typer.Argument(..., help="certificate JSON"),
    out: Path = typer.Option(None, help="PNG path (default: FILE with .png)"),
) -> None:
    """Draw a certificate: cells coloured, the longest chord of each."""
    from diampart.certificate import load_certificate
    from diampart.plot import plot_certificate

    try:
        cert = load_certificate(file)
    except ValueError as err:
        _die(str(err))
    target = out or file.with_suffix(".png")
    plot_certificate(cert, target)
    typer.echo(f"wrote {target}")


def main() -> None:
    """Console-script entry point."""
    app()

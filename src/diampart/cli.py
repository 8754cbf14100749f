"""Command line: ``diampart search|check|lower|plot|table`` (thin wrapper around the library).

The error path is infolens' (:mod:`infolens._cli`): usage errors are typer's usage message and
exit 2; bad input (missing file, m < 1, unknown shape, malformed certificate) is one line
``error: ...`` and exit 2; a certificate that is read but fails the check exits 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infolens._cli import run_app

__all__ = ["app", "main"]

app = typer.Typer(
    help="diampart: partitions of compact sets into parts of small diameter, with exact "
    "certificates (upper bounds) and point-set/SAT lower bounds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Shape = Annotated[str, typer.Argument(help="disk, square, triangle, torus or ngon<N>")]
Parts = Annotated[int, typer.Option("--parts", "-m", help="number of cells m (>= 1)")]
CertificateFile = Annotated[Path, typer.Argument(help="certificate JSON")]


def _check_parts(parts: int) -> None:
    if parts < 1:
        raise ValueError(f"--parts: expected an integer >= 1, got {parts}")


@app.command()
def search(
    shape: Shape,
    parts: Parts,
    restarts: Annotated[int, typer.Option(min=1, help="seeded restarts")] = 16,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
    time_limit: Annotated[
        float | None, typer.Option(help="stop starting restarts after this many seconds")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="certificate JSON (default results/diampart/...)")
    ] = None,
    plot: Annotated[Path | None, typer.Option(help="also draw the partition into this PNG")] = None,
    method: Annotated[
        str,
        typer.Option(help="voronoi (Voronoi + SLSQP) or grid-sat (SAT colouring of a "
                          "triangulated grid; torus and square)"),
    ] = "voronoi",
    resolution: Annotated[
        int, typer.Option(min=1, help="grid-sat: squares per side (4 triangles each)")
    ] = 8,
    perturb_steps: Annotated[
        int, typer.Option(min=0, help="voronoi, torus: perturbation steps after the restarts "
                                      "(move the best layouts' cell centroids, rebuild, re-optimise)")
    ] = 0,
    perturb_time: Annotated[
        float | None, typer.Option(help="stop starting perturbation steps after this many seconds")
    ] = None,
) -> None:
    """Search a partition, write its certificate, and print the checked bound."""
    from diampart.certificate import save_certificate
    from diampart.gridsat import grid_sat_partition
    from diampart.search import search_partition
    from diampart.shapes import get_shape

    _check_parts(parts)
    shp = get_shape(shape)
    if method == "voronoi":
        res = search_partition(shp, parts, restarts=restarts, seed=seed, time_limit=time_limit,
                               perturb_steps=perturb_steps, perturb_time=perturb_time)
    elif method == "grid-sat":
        res = grid_sat_partition(shp, parts, resolution=resolution, time_limit=time_limit)
        if res is None:
            raise ValueError(f"--resolution: no {parts}-colouring of the {resolution} x "
                             f"{resolution} grid found within the solver budget")
    else:
        raise ValueError(f"--method: expected 'voronoi' or 'grid-sat', got {method!r}")
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
def check(file: CertificateFile) -> None:
    """Check a certificate exactly (rational arithmetic); exit 0 if valid, 1 if not."""
    from diampart.certificate import check_certificate, load_certificate

    report = check_certificate(load_certificate(file))
    status = "VALID" if report.ok else f"INVALID ({report.failed})"
    typer.echo(f"{status}: {report.message}")
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def lower(
    shape: Shape,
    parts: Parts,
    method: Annotated[str, typer.Option(help="points, sat or both")] = "both",
    resolution: Annotated[int, typer.Option(min=1, help="grid resolution for SAT")] = 8,
    circle_points: Annotated[
        int, typer.Option(min=0, help="extra rational points on the circle (disk)")
    ] = 0,
    seed: Annotated[int, typer.Option(min=0, help="random seed for the point search")] = 0,
    out: Annotated[Path | None, typer.Option(help="write the witnesses as JSON")] = None,
) -> None:
    """Lower bounds: m+1 points pairwise >= tau (exact), and SAT non-colourability on a grid."""
    from diampart.lower import point_lower_bound, sat_lower_bound
    from diampart.shapes import get_shape

    _check_parts(parts)
    if method not in ("points", "sat", "both"):
        raise ValueError(f"--method: expected points, sat or both, got {method!r}")
    shp = get_shape(shape)
    results = []
    if method in ("points", "both"):
        results.append(point_lower_bound(shp, parts, seed=seed))
    if method in ("sat", "both"):
        results.append(
            sat_lower_bound(shp, parts, resolution=resolution, circle_points=circle_points)
        )
    for lb in results:
        typer.echo(
            f"{shp.name} m={parts}: d_m >= {lb.value:.9f} (tau^2 = {lb.tau_squared}) "
            f"by {lb.method}, {len(lb.points)} points, confirmed by {lb.confirmed_by or 'nobody'}, "
            f"{lb.seconds:.1f} s"
        )
    if out is not None:
        from infolens.io import atomic_write_json

        atomic_write_json(out, [lb.as_dict() for lb in results])


@app.command()
def plot(
    file: CertificateFile,
    out: Annotated[Path | None, typer.Option(help="PNG path (default: FILE with .png)")] = None,
) -> None:
    """Draw a certificate: cells coloured, the longest chord of each."""
    from diampart.certificate import load_certificate
    from diampart.plot import plot_certificate

    cert = load_certificate(file)
    target = out or file.with_suffix(".png")
    plot_certificate(cert, target)
    typer.echo(f"wrote {target}")


@app.command()
def table(
    shape: Annotated[str, typer.Argument(help="torus (the only shape with a table)")],
    parts: Annotated[str, typer.Option("--parts", "-m", help="m values: 8, 2..25 or 2,5..9")] = "2..25",
    budget: Annotated[
        float, typer.Option(min=0, help="seconds per row for the upper-bound searches")
    ] = 60.0,
    lower_budget: Annotated[
        float, typer.Option(min=0, help="seconds per row for the computed lower bounds")
    ] = 15.0,
    seed: Annotated[int, typer.Option(min=0, help="seed of the Voronoi restarts")] = 0,
    restarts: Annotated[
        int | None, typer.Option(min=1, help="most Voronoi restarts per row [default: 10,000; "
                                             "the budget stops them first]")
    ] = None,
    perturb_steps: Annotated[
        int | None, typer.Option(min=0, help="most perturbation steps per row, 0: none "
                                             "[default: 10,000; the budget stops them first]")
    ] = None,
    methods: Annotated[
        str, typer.Option(help="upper-bound methods, comma-separated: strips, hexagonal, "
                               "voronoi, grid-sat")
    ] = "strips,hexagonal,voronoi,grid-sat",
    out: Annotated[
        Path, typer.Option(help="folder for the table (JSON, Markdown), certificates, pictures")
    ] = Path("results/diampart/torus_table"),
    lower_cache: Annotated[
        Path | None, typer.Option(help="cache of the lower bounds' certificates and proof-check "
                                       "records (default: OUT/lower); a proof checked once is reused")
    ] = None,
) -> None:
    """Table of d_m bounds: best checked upper bound and its method, our lower bound, the strip
    and area bounds, the ratio to the area bound, seconds per row; pictures of the partitions."""
    from diampart.table import (
        PERTURB_STEPS,
        VORONOI_RESTARTS,
        format_torus_table,
        parse_parts,
        torus_table,
    )
    from infolens.io import atomic_write_json, atomic_write_text

    if shape != "torus":
        raise ValueError(f"shape: the table exists for 'torus' only, got {shape!r}")
    values = parse_parts(parts)
    restarts = VORONOI_RESTARTS if restarts is None else restarts
    perturb_steps = PERTURB_STEPS if perturb_steps is None else perturb_steps
    chosen = tuple(m.strip() for m in methods.split(",") if m.strip())
    settings = {"parts": values, "budget_s": budget, "lower_budget_s": lower_budget,
                "seed": seed, "restarts": restarts, "perturb_steps": perturb_steps,
                "methods": list(chosen)}
    rows = []
    for m in values:  # the files are rewritten after every row, so an interrupted run keeps its rows
        rows += torus_table([m], budget_s=budget, lower_budget_s=lower_budget, seed=seed,
                            methods=chosen, restarts=restarts, perturb_steps=perturb_steps,
                            out_dir=out, progress=True,
                            lower_cache_dir=lower_cache)
        text = format_torus_table(rows)
        atomic_write_json(out / "torus_table.json",
                          {**settings, "rows": [r.as_dict() for r in rows]})
        atomic_write_text(out / "torus_table.md", "# d_m of the flat torus\n\n" + text + "\n")
    typer.echo(text)
    typer.echo(f"wrote {out / 'torus_table.md'}, certificates and pictures in {out}")


def main() -> None:
    """Console-script entry point (error path: :mod:`infolens._cli`)."""
    run_app(app)

"""The searcher reaches known optimal values from seeds (fixed seed); results are checked."""

import math

import numpy as np
import pytest

from diampart.certificate import check_certificate
from diampart.search import search_partition, triangulate
from diampart.shapes import FlatTorus, square
from diampart.voronoi import build_layout, well_spread_seeds


def test_square_four_parts_within_1e3():
    res = search_partition("square", 4, restarts=2, seed=0)
    assert res.report.ok
    assert abs(res.diameter - math.sqrt(2) / 2) < 1e-3
    assert check_certificate(res.certificate).ok  # independent re-check


def test_disk_three_parts_within_1e3():
    res = search_partition("disk", 3, restarts=2, seed=0, keep=1)
    assert res.report.ok
    assert math.sqrt(3) / 2 - 1e-9 <= res.diameter < math.sqrt(3) / 2 + 1e-3


def test_torus_four_parts_reaches_published_upper_bound():
    res = search_partition("torus", 4, restarts=3, seed=0)
    assert res.diameter <= 0.559017 + 1e-6
    assert res.diameter >= 0.556799  # cannot beat the published SAT lower bound


def test_seeds_are_reproducible_and_inside():
    a = well_spread_seeds(square(), 5, np.random.default_rng(3))
    b = well_spread_seeds(square(), 5, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert (a > -1e-3).all() and (a < 1 + 1e-3).all()


def test_periodic_voronoi_cells_tile_the_torus():
    seeds = well_spread_seeds(FlatTorus(), 4, np.random.default_rng(0), method="lloyd")
    layout = build_layout(FlatTorus(), seeds)
    area = 0.0
    for p in layout.cell_polygons():
        area += 0.5 * np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1])
    assert area == pytest.approx(1.0, abs=1e-9)


def test_triangulate_nonconvex_polygon_exactly():
    from fractions import Fraction as F

    dart = [(F(0), F(0)), (F(2), F(1)), (F(0), F(2)), (F(1), F(1))]
    pieces = triangulate(dart)
    assert len(pieces) == 2


def test_bad_parts_raise():
    with pytest.raises(ValueError, match="parts"):
        search_partition("square", 0)
    with pytest.raises(ValueError, match="shape"):
        search_partition("hexagonz", 2)


def test_disk_interior_cell_is_kept():
    # 7 parts: one cell lies strictly inside the disk (the central hexagon of the optimum)
    res = search_partition("disk", 7, restarts=2, seed=0, keep=1)
    assert 0.5 - 1e-9 <= res.diameter < 0.5 + 1e-4


def test_hexgrid_and_motif_seeds_are_m_torus_points():
    from diampart.voronoi import hexgrid_points, motif_points

    rng = np.random.default_rng(5)
    for m in (1, 7, 12, 25):
        for pts in (hexgrid_points(m, rng), motif_points(m, rng)):
            assert pts.shape == (m, 2)
            assert (pts >= 0).all() and (pts < 1).all()
    # a motif of r points repeated by a lattice of index m / r: every difference of two points
    # of one orbit is a lattice vector, so some translate of the set maps it onto itself
    pts = motif_points(12, np.random.default_rng(0))
    z = pts[1:] - pts[0]
    moved = [(pts + d) % 1.0 for d in z]
    assert any(np.allclose(np.sort(np.round(q, 9), axis=0), np.sort(np.round(pts, 9), axis=0))
               for q in moved)


def test_layout_from_polygons_and_ridge_free_optimum_is_the_true_value():
    from diampart.optimize import layout_diameter, optimise_layout, plane_diameter, smooth_layout
    from diampart.voronoi import torus_layout_from_polygons

    seeds = well_spread_seeds(FlatTorus(), 9, np.random.default_rng(1), method="hexgrid")
    layout = build_layout(FlatTorus(), seeds)
    polygons = layout.cell_polygons()
    again = torus_layout_from_polygons(polygons)
    assert again.n_vertices == layout.n_vertices
    assert layout_diameter(again) == pytest.approx(layout_diameter(layout))
    opt, value = optimise_layout(again)
    assert plane_diameter(opt) < 0.45  # narrow cells, measured on their plane lifts ...
    assert layout_diameter(opt) == pytest.approx(value, abs=1e-12)  # ... and did not matter
    smoothed = smooth_layout(again)
    assert layout_diameter(smoothed) < layout_diameter(again)
    with pytest.raises(ValueError, match="sharpness"):
        smooth_layout(again, sharpness=(0.0,))


@pytest.mark.parametrize("noise_seed", [5, 6, 7, 8, 11])
def test_torus_optimum_from_a_perturbed_lattice_is_measured_on_plane_lifts(noise_seed):
    """From these starts the torus distance without the ridge constraints let cells grow wider
    than 1/2 (SLSQP stopped at 0.51-0.55); plane lifts keep them at the lattice's scale."""
    from diampart.optimize import layout_diameter, optimise_layout, plane_diameter

    rng = np.random.default_rng(noise_seed)
    lattice = np.outer(np.arange(11), [1 / 11, 3 / 11])  # the hexagonal-like m = 11 lattice
    seeds = (lattice + 0.09 * rng.standard_normal((11, 2))) % 1.0
    opt, value = optimise_layout(build_layout(FlatTorus(), seeds))
    assert value == pytest.approx(plane_diameter(opt), abs=1e-12)
    assert layout_diameter(opt) <= value + 1e-12  # an upper bound of the torus diameter
    assert value < 0.42  # lattice tilings give 0.3885; the wrapped count stopped above 0.5


def test_seed_methods_are_validated():
    with pytest.raises(ValueError, match="seed_methods"):
        search_partition("square", 2, seed_methods=("hexgrid",))
    with pytest.raises(ValueError, match="seed_methods"):
        search_partition("torus", 2, seed_methods=())


def test_cell_centroids_of_a_lattice_voronoi_layout_are_its_seeds():
    from diampart.voronoi import cell_centroids

    seeds = (np.array([0.13, 0.29]) + np.outer(np.arange(7), [1 / 7, 3 / 7])) % 1.0
    layout = build_layout(FlatTorus(), seeds)  # congruent centrally symmetric cells
    got = cell_centroids(layout)
    z = got[:, None, :] - seeds[None, :, :]
    z -= np.round(z)
    assert np.abs(z).sum(-1).min(axis=1).max() < 1e-9
    assert got.min() >= 0.0 and got.max() < 1.0


def test_perturbation_steps_only_improve_and_keep_the_pool_order():
    from diampart.optimize import optimise_layout
    from diampart.search import perturb_layouts

    pool = []
    for s in (0, 1):
        seeds = well_spread_seeds(FlatTorus(), 12, np.random.default_rng(s), method="uniform")
        pool.append(optimise_layout(build_layout(FlatTorus(), seeds))[::-1])
    out, run = perturb_layouts(pool, np.random.default_rng(0), steps=24)
    assert run == 24 and len(out) == 2
    for (v0, _), (v1, lay, improved) in zip(pool, out, strict=True):
        assert v1 <= v0 and len(lay.cells) == 12
        assert (improved > 0) == (v1 < v0)
    assert min(v for v, _, _ in out) < min(v for v, _ in pool) - 1e-3  # poor starts get better
    same, run = perturb_layouts(pool, np.random.default_rng(0), steps=0)
    assert run == 0 and [v for v, _, _ in same] == [v for v, _ in pool]


def test_search_with_perturbation_steps_returns_a_checked_torus_partition():
    res = search_partition("torus", 9, restarts=2, seed=0, perturb_steps=6, keep=2)
    assert res.report.ok and res.certificate.meta["perturb_steps"] == 6
    assert res.certificate.meta["restarts_run"] == 2
    plain = search_partition("torus", 9, restarts=2, seed=0, keep=2)
    assert res.diameter <= plain.diameter + 1e-12  # the restarts are the same; steps only improve
    with pytest.raises(ValueError, match="perturb_steps"):
        search_partition("torus", 9, restarts=1, perturb_steps=-1)
    with pytest.raises(ValueError, match="torus only"):
        search_partition("square", 3, restarts=1, perturb_steps=2)

"""Periodic hexagonal tilings of the torus: lattices, exact optimal tiles, checked certificates."""

import itertools
import math
from fractions import Fraction as F

import numpy as np
import pytest

from diampart.certificate import check_certificate
from diampart.geometry import max_squared_distance, polygon_area
from diampart.hexagonal import (
    REGULAR_HEXAGON_RATIO,
    HexagonalTiling,
    area_ratio,
    best_hexagon,
    best_hexagonal_tiling,
    gauss_reduce,
    hexagonal_partition,
    lattice_tilings,
    smallest_enclosing_circle,
    strip_bound,
    strip_partition,
    superlattices,
    tiling_certificate,
)


def sigma(m: int) -> int:
    return sum(d for d in range(1, m + 1) if m % d == 0)


@pytest.mark.parametrize("m", [1, 4, 6, 12, 13])
def test_superlattices_contain_z2_with_index_m(m):
    lattices = superlattices(m)
    assert len(lattices) == sigma(m)
    grams = set()
    for u, v in lattices:
        det = u[0] * v[1] - u[1] * v[0]
        assert abs(det) == F(1, m)
        for e in ((1, 0), (0, 1)):  # e = a u + b v with integer a, b
            a = (e[0] * v[1] - e[1] * v[0]) / det
            b = (u[0] * e[1] - u[1] * e[0]) / det
            assert a.denominator == 1 and b.denominator == 1
        grams.add((u, v))
    assert len(grams) == len(lattices)  # no lattice twice


def test_gauss_reduce_gives_a_shortest_vector_of_the_same_lattice():
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b, c, d = (int(x) for x in rng.integers(-9, 10, size=4))
        if a * d - b * c == 0:
            continue
        u, v = (F(a, 7), F(b, 7)), (F(c, 7), F(d, 7))
        ru, rv = gauss_reduce(u, v)
        assert abs(ru[0] * rv[1] - ru[1] * rv[0]) == abs(u[0] * v[1] - u[1] * v[0])
        n2 = ru[0] ** 2 + ru[1] ** 2
        assert n2 <= rv[0] ** 2 + rv[1] ** 2
        assert 2 * abs(ru[0] * rv[0] + ru[1] * rv[1]) <= n2
        # no lattice vector i u + j v (small i, j) is shorter than the reduced u
        for i, j in itertools.product(range(-4, 5), repeat=2):
            if (i, j) != (0, 0):
                w = (i * u[0] + j * v[0], i * u[1] + j * v[1])
                assert w[0] ** 2 + w[1] ** 2 >= n2
    with pytest.raises(ValueError, match="dependent"):
        gauss_reduce((F(1), F(2)), (F(2), F(4)))


def test_smallest_enclosing_circle_is_enclosing_and_smallest():
    rng = np.random.default_rng(1)
    for _ in range(30):
        pts = [(F(int(x)), F(int(y))) for x, y in rng.integers(-20, 21, size=(6, 2))]
        centre, r2 = smallest_enclosing_circle(pts)
        assert all((p[0] - centre[0]) ** 2 + (p[1] - centre[1]) ** 2 <= r2 for p in pts)
        # no centre on a fine grid around it does better (the optimum is unique)
        c = np.array([float(centre[0]), float(centre[1])])
        xy = np.array([[float(x), float(y)] for x, y in pts])
        for dx, dy in itertools.product((-1e-3, 0, 1e-3), repeat=2):
            if (dx, dy) != (0, 0):
                assert ((xy - c - [dx, dy]) ** 2).sum(1).max() > float(r2) - 1e-12
    with pytest.raises(ValueError, match="points"):
        smallest_enclosing_circle([])


def test_best_hexagon_tiles_with_its_claimed_diameter_and_is_locally_optimal():
    rng = np.random.default_rng(2)
    for t1, t2 in [((F(1), F(0)), (F(1, 2), F(1))), ((F(3, 13), F(1, 13)), (F(-1, 13), F(4, 13))),
                   ((F(1, 5), F(0)), (F(2, 5), F(1)))]:
        hexagon, d2 = best_hexagon(t1, t2)
        assert max_squared_distance(list(hexagon)) == d2
        assert polygon_area(list(hexagon)) == abs(t1[0] * t2[1] - t1[1] * t2[0])
        w = np.array([float(hexagon[1][0]), float(hexagon[1][1])])
        a, b = np.array(t1, float), np.array(t2, float)
        for _ in range(100):  # moving the free vertex w never lowers the diameter
            x = w + 1e-3 * rng.standard_normal(2)
            pts = np.array([a - x, x, b - x, x - a, -x, x - b])
            z = pts[:, None] - pts[None]
            assert (z * z).sum(-1).max() >= float(d2) - 1e-12


def test_square_lattice_and_regular_ratio():
    _, d2 = best_hexagon((F(1), F(0)), (F(0), F(1)))
    assert d2 == 2  # the unit square
    assert REGULAR_HEXAGON_RATIO == pytest.approx(1.0996, abs=1e-4)
    assert area_ratio(4, 0.5) == pytest.approx(0.5 * math.sqrt(4 * math.pi) / 2)


def test_non_convex_tile_is_ear_clipped_and_still_tiles():
    # a simple but non-convex centrally symmetric hexagon with neighbours at +-t1, +-t2, +-(t2 - t1)
    t1, t2 = (F(1), F(0)), (F(0), F(1))
    w = (F(3, 5), F(1, 5))
    hexagon = ((t1[0] - w[0], t1[1] - w[1]), w, (t2[0] - w[0], t2[1] - w[1]),
               (w[0] - t1[0], w[1] - t1[1]), (-w[0], -w[1]), (w[0] - t2[0], w[1] - t2[1]))
    tiling = HexagonalTiling(1, (t1, t2), (t1, t2), hexagon, max_squared_distance(list(hexagon)))
    cert = tiling_certificate(tiling)
    assert len(cert.cells[0]) > 1  # ear-clipped
    report = check_certificate(cert)
    assert report.ok, report.message


def test_lattice_tilings_sorted_and_one_per_lattice():
    tilings = lattice_tilings(12)
    assert len(tilings) == sigma(12)
    values = [t.squared_diameter for t in tilings]
    assert values == sorted(values)
    assert tilings[0].diameter == pytest.approx(0.361111, abs=1e-6)  # 13/36
    with pytest.raises(ValueError, match="reach"):
        lattice_tilings(5, reach=0)


def test_torus_eight_parts_hexagonal_certificate_passes_check():
    res = hexagonal_partition(8)
    report = check_certificate(res.certificate)
    assert report.ok, report.message
    assert len(res.certificate.cells) == 8
    assert res.certificate.bound_squared == F(25, 128)  # 0.441942
    assert res.diameter <= strip_bound(8)


def test_hexagonal_reaches_near_regular_ratio_where_a_lattice_fits():
    # m = 15 and 23: a lattice containing Z^2 close to the hexagonal one
    assert area_ratio(15, hexagonal_partition(15).diameter) < 1.101
    assert area_ratio(23, hexagonal_partition(23).diameter) < 1.104


def test_strips_match_theorem_one():
    for m in (2, 5, 9):
        res = strip_partition(m)
        assert res.report.ok
        assert res.certificate.bound_squared == F(1, 4) + F(1, m * m)
    # one part: the whole square, whose torus diameter is sqrt(2)/2, below the theorem's value
    assert strip_partition(1).certificate.bound_squared == F(1, 2)


@pytest.mark.parametrize("bad", [0, -2, 2.5, True])
def test_bad_parts_raise(bad):
    with pytest.raises(ValueError, match="parts"):
        hexagonal_partition(bad)
    with pytest.raises(ValueError, match="parts"):
        superlattices(bad)


def test_best_lattice_tiling_ratios_m6_to_25_as_documented():
    """The module docstring's list: which m a hexagonal lattice containing Z^2 gets close for."""
    documented = {6: 1.144, 7: 1.220, 8: 1.108, 9: 1.123, 10: 1.178, 11: 1.142, 12: 1.109,
                  13: 1.233, 14: 1.125, 15: 1.100, 16: 1.108, 17: 1.162, 18: 1.123, 19: 1.125,
                  20: 1.108, 21: 1.133, 22: 1.142, 23: 1.103, 24: 1.109, 25: 1.113}
    got = {m: round(best_hexagonal_tiling(m).ratio, 3) for m in documented}
    assert got == documented

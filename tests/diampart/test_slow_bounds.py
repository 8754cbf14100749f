"""Longer accuracy checks (pytest -m slow): the benchmark's torus and disk targets."""

import math

import pytest

from diampart.certificate import check_certificate
from diampart.known import known_value
from diampart.search import search_partition

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("m", [3, 4, 5, 7])
def test_torus_upper_bounds_reach_published_values(m):
    res = search_partition("torus", m, restarts=36, seed=0)
    lower, upper = known_value("torus", m)
    assert check_certificate(res.certificate).ok
    assert lower - 1e-9 <= res.diameter <= upper + 1e-6  # published values have 6 decimals


@pytest.mark.parametrize("m", [4, 5, 6, 7])
def test_disk_proven_values_within_1e4(m):
    res = search_partition("disk", m, restarts=6, seed=0)
    value = known_value("disk", m)[1]
    assert value - 1e-9 <= res.diameter <= value + 1e-4


@pytest.mark.parametrize(("shape", "m"), [("square", 3), ("triangle", 3), ("triangle", 5)])
def test_polygon_proven_values_within_1e6(shape, m):
    res = search_partition(shape, m, restarts=10, seed=0)
    value = known_value(shape, m)[1]
    assert value - 1e-9 <= res.diameter <= value + 1e-6


def test_regular_hexagon_three_parts():
    # three rhombi through the centre: diameter sqrt(3)/2 * 2 * R = sqrt(3)/2 for R = 1/2
    res = search_partition("ngon6", 3, restarts=6, seed=0)
    assert res.diameter <= math.sqrt(3) / 2 + 1e-6


def test_torus_m19_perturbation_steps_beat_the_restarts_they_start_from():
    """Fixed counts, no time limit, so the run is the same on any machine (about 50 s)."""
    from diampart.hexagonal import area_ratio
    from diampart.table import TORUS_SEEDS

    res = search_partition("torus", 19, restarts=84, seed=0, seed_methods=TORUS_SEEDS,
                           perturb_steps=94)
    assert check_certificate(res.certificate).ok
    assert min(res.history) > 0.2897  # the restarts alone: 0.289760, ratio 1.1193
    assert res.diameter < 0.28882 and area_ratio(19, res.diameter) < 1.116  # 0.288813, 1.1157
    assert res.certificate.meta["method"] == "voronoi+slsqp+perturbed"

"""Grid SAT upper bounds: colourings of a triangulated grid become checked certificates."""

import math
from fractions import Fraction

import numpy as np
import pytest

from diampart.certificate import check_certificate, torus_sup_squared
from diampart.gridsat import GridPieces, colour_pieces, grid_sat_partition, pair_squared_sups
from diampart.shapes import FlatTorus

PUBLISHED_TORUS_6 = 0.515388  # arXiv 2402.03997, printed with 6 decimals


def test_torus_pair_values_match_exact_sup():
    pieces = GridPieces(4)
    sups = pair_squared_sups(FlatTorus(), pieces)
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, len(pieces), size=(300, 2)):
        exact = torus_sup_squared(pieces.exact[i], pieces.exact[j]) * pieces.unit**2
        assert sups[i, j] == pytest.approx(float(exact), abs=1e-9)


def test_torus_six_parts_reaches_published_bound_on_eighth_grid():
    res = grid_sat_partition("torus", 6, resolution=8)
    assert res is not None
    assert res.certificate.bound_squared == Fraction(17, 64)  # |(1/8, 1/2)|^2
    assert round(res.diameter, 6) == PUBLISHED_TORUS_6
    report = check_certificate(res.certificate)  # independent re-check
    assert report.ok and len(res.certificate.cells) == 6


def test_square_three_parts_is_optimal_on_eighth_grid():
    res = grid_sat_partition("square", 3, resolution=8)
    assert res.certificate.bound_squared == Fraction(65, 64)  # d_3 = sqrt(65)/8, proven optimal
    assert check_certificate(res.certificate).ok


def test_fewer_colours_needed_than_parts_still_gives_m_cells():
    res = grid_sat_partition("torus", 2, resolution=2)
    assert res.diameter == pytest.approx(math.sqrt(2) / 2)
    assert len(res.certificate.cells) == 2 and res.report.ok


def test_below_the_grid_optimum_there_is_no_colouring():
    pieces = GridPieces(8)
    sups = pair_squared_sups(FlatTorus(), pieces)
    units = pieces.unit**2
    assert colour_pieces(sups, 6, 65 / 256 * units) is False
    assert isinstance(colour_pieces(sups, 6, 17 / 64 * units + 1e-6), list)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="shape"):
        grid_sat_partition("disk", 3)
    with pytest.raises(ValueError, match="resolution"):
        grid_sat_partition("torus", 3, resolution=0)
    with pytest.raises(ValueError, match="parts"):
        grid_sat_partition("torus", 0)


def test_torus_eight_parts_grid_certificate_passes_check():
    res = grid_sat_partition("torus", 8, resolution=4, time_limit=20)
    assert res is not None
    report = check_certificate(res.certificate)
    assert report.ok, report.message
    assert len(res.certificate.cells) == 8
    assert res.diameter <= math.sqrt(0.25 + 1 / 64)  # at most the strips (a 4-grid colouring)

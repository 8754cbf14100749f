"""Lower bounds: exact point sets and SAT non-colourability on small grids."""

import dataclasses
import math
from fractions import Fraction as F

import pytest

from diampart.lower import (
    colouring_cnf,
    confirm_lower_bound,
    confirm_not_colourable,
    grid_points,
    in_true_shape,
    is_colourable,
    point_lower_bound,
    sat_lower_bound,
)
from diampart.shapes import equilateral_triangle


def test_sat_on_torus_grid_proves_d1():
    # 4 points of the 2x2 grid: every pair is >= 1/2 apart, the farthest sqrt(2)/2
    lb = sat_lower_bound("torus", 1, resolution=2)
    assert lb.tau_squared == F(1, 2)  # equals the known d_1 = sqrt(2)/2


def test_sat_on_circle_points_for_disk_three_parts():
    # 12 points at 30 degree steps: sets with all angles < 90 deg hold 3 consecutive points,
    # so 3 colours cannot cover 12 points at tau = chord(90 deg) = sqrt(2)/2; at 120 deg they can
    lb = sat_lower_bound("disk", 3, resolution=1, circle_points=12)
    assert abs(lb.value - math.sqrt(2) / 2) < 1e-6
    assert lb.value <= math.sqrt(3) / 2


def test_sat_square_lower_bound_is_sound_on_a_grid():
    lb = sat_lower_bound("square", 2, resolution=4)
    assert 1.0 <= lb.value <= math.sqrt(5) / 2 + 1e-12


def test_colouring_encoding_small_graphs():
    triangle = [(0, 1), (1, 2), (0, 2)]
    assert is_colourable(3, triangle, 2) is False
    assert is_colourable(3, triangle, 3) is True
    five_cycle = [(i, (i + 1) % 5) for i in range(5)]
    assert is_colourable(5, five_cycle, 2) is False
    assert len(colouring_cnf(3, triangle, 3, [0]).clauses) == 3 + 9 + 1


def test_point_lower_bound_square_one_part_is_the_diagonal():
    lb = point_lower_bound("square", 1, restarts=3, seed=0)
    assert abs(lb.value - math.sqrt(2)) < 1e-6
    assert lb.tau_squared <= 2


def test_triangle_points_lie_in_the_true_triangle():
    tri = equilateral_triangle()
    assert not in_true_shape(tri, tri.vertices[2])  # the rational apex is just outside
    assert all(in_true_shape(tri, p) for p in grid_points(tri, 6))
    lb = point_lower_bound(tri, 2, restarts=3)
    assert 1 - 1e-6 < lb.value <= 1.0


def test_bad_parts_raise():
    with pytest.raises(ValueError, match="parts"):
        sat_lower_bound("square", 0)


def test_second_solver_confirms_the_unsat_answer():
    # square, 3 parts, 1/8 grid: CaDiCaL's bound sqrt(65)/8 is re-proved by Glucose 4
    lb = sat_lower_bound("square", 3, resolution=8)
    assert lb.tau_squared == F(65, 64)
    assert lb.confirmed_by == "glucose4"
    assert confirm_lower_bound(lb, solver="minisat22") == "minisat22"


def test_confirmation_rejects_a_colourable_graph():
    # a 4-cycle is 2-colourable: a solver that finds the colouring contradicts the claim
    square_cycle = [(0, 1), (1, 2), (2, 3), (3, 0)]
    with pytest.raises(RuntimeError, match="disagree"):
        confirm_not_colourable(4, square_cycle, 2)
    assert confirm_not_colourable(3, [(0, 1), (1, 2), (0, 2)], 2) == "clique"


def test_point_bounds_are_confirmed_by_their_clique():
    lb = point_lower_bound("square", 2, restarts=2, seed=0)
    assert lb.confirmed_by == "clique"
    assert lb.as_dict()["confirmed_by"] == "clique"


def test_proof_check_replaces_the_second_solver():
    # square, 3 parts, 1/8 grid: sqrt(65)/8 with a DRUP proof that the RUP checker accepts
    from diampart.lower import proof_check_lower_bound

    lb = sat_lower_bound("square", 3, resolution=8, confirm_solver=None)
    assert lb.confirmed_by is None
    report = proof_check_lower_bound(lb)
    assert report.ok and lb.confirmed_by == "DRUP proof" and report.proof.ok
    wrong = dataclasses.replace(lb, tau_squared=lb.tau_squared + F(1, 64), confirmed_by=None)
    assert not proof_check_lower_bound(wrong).ok and wrong.confirmed_by is None

"""Torus lower bounds: theorems, exact comparisons, grid SAT certificates with checked proofs."""

import json
import math
import pathlib
from fractions import Fraction as F

import pytest

from diampart.embedding import check_embedding, load_embedding
from diampart.known import known_value
from diampart.lower import exact_squared_distance
from diampart.shapes import get_shape
from diampart.torus_lower import (
    RECIPES,
    TorusLowerBound,
    area_bound,
    computed_torus_bounds,
    exceeds_area_bound,
    grid_certificate,
    grid_graph,
    grid_squared_distance,
    grid_values,
    hexagonal_k_bound,
    largest_unsat_value,
    sqrt_expression,
    theorem_bounds,
    theorem_lower_bound,
    torus_lower_bound,
)


def test_theorem_bounds_are_sound_against_the_known_brackets():
    for m in range(1, 8):
        lower, upper = known_value("torus", m)
        assert theorem_lower_bound(m).value <= lower + 1e-6  # never above a proven value
    assert theorem_lower_bound(1).value <= math.sqrt(2) / 2  # k starts at 2: no d_1 >= 1
    values = [theorem_lower_bound(m).value for m in range(1, 40)]
    assert all(a >= b - 1e-15 for a, b in zip(values, values[1:], strict=False))  # monotone


def test_theorem_values_and_methods():
    assert theorem_lower_bound(5).exact == "1/2" and "k = 2" in theorem_lower_bound(5).method
    lb = theorem_lower_bound(8)
    assert lb.method == "area" and lb.value < 2 / math.sqrt(8 * math.pi)
    assert lb.value > 2 / math.sqrt(8 * math.pi) - 1e-12
    assert area_bound(5) is None and hexagonal_k_bound(11) == (3, F(1, 9))
    assert hexagonal_k_bound(12) == (4, F(1, 16))
    assert all(b.checked and b.proof_checked and not b.beats_theorems for b in theorem_bounds(6))
    with pytest.raises(ValueError, match="parts"):
        theorem_lower_bound(0)


def test_sqrt_expression_and_exact_area_comparison():
    assert sqrt_expression(F(73, 324)) == "sqrt(73)/18"
    assert sqrt_expression(F(16, 81)) == "4/9"
    assert sqrt_expression(F(8)) == "2*sqrt(2)"
    assert sqrt_expression(F(12, 25)) == "2*sqrt(3)/5"
    # 5/14 = 0.357142... > 2/sqrt(10 pi) = 0.356825...; 0.3568 is below it
    assert exceeds_area_bound(F(25, 196), 10)
    assert not exceeds_area_bound(F(3568, 10000) ** 2, 10)
    with pytest.raises(ValueError, match="x"):
        sqrt_expression(F(-1))


def test_grid_distances_are_exact_torus_distances():
    s, torus = 9, get_shape("torus")
    for a in [(0, 0), (3, 7), (8, 1)]:
        for b in [(4, 4), (0, 8), (8, 1)]:
            exact = exact_squared_distance(torus, (F(a[0], s), F(a[1], s)), (F(b[0], s), F(b[1], s)))
            assert F(grid_squared_distance(s, a, b), s * s) == exact
    assert grid_values(4) == [1, 2, 4, 5, 8]
    pts, edges = grid_graph(2, 1)
    assert len(pts) == 4 and len(edges) == 6  # every pair of the 2x2 grid is >= 1/2 apart


def test_largest_unsat_value_matches_small_known_grids():
    # m = 1 on the 2x2 grid: the far pair (1/2, 1/2) gives d_1 >= sqrt(2)/2
    assert largest_unsat_value(1, 2) == 2
    assert largest_unsat_value(4, 12) == 40  # the recipe of m = 4
    assert (12, 40) in RECIPES[4]


def test_grid_certificate_points_are_the_grid_and_check(tmp_path):
    cert = grid_certificate(4, 12, 40)
    assert cert.tau_squared == F(40, 144)
    assert all(p[0].denominator in (1, 2, 3, 4, 6, 12) for p in cert.points)
    report = check_embedding(cert)
    assert report.ok and report.reason == "DRUP proof"
    assert grid_certificate(4, 12, 41) is None  # the next value is colourable


def test_computed_bounds_are_cached_and_rechecked(tmp_path):
    first = computed_torus_bounds(5, budget_s=60, cache_dir=tmp_path, recipes=[(12, 37)])
    assert len(first) == 1 and first[0].checked and first[0].proof_checked
    assert first[0].exact == "sqrt(37)/12" and first[0].beats_theorems
    path = pathlib.Path(first[0].certificate)
    record = path.with_name(path.stem + ".checked.json")
    assert record.is_file() and json.loads(record.read_text())["report"]["ok"]
    again = computed_torus_bounds(5, budget_s=60, cache_dir=tmp_path, recipes=[(12, 37)])
    assert again[0].tau_squared == first[0].tau_squared and again[0].seconds < first[0].seconds
    # a tampered proof no longer matches the record: it is re-checked, and rejected
    proof = path.with_name(path.stem + ".drup.gz")
    cert = load_embedding(path)
    cert.proof = cert.proof[: len(cert.proof) // 3]
    from diampart.proof import write_proof

    write_proof(cert.proof, proof)
    assert computed_torus_bounds(5, budget_s=60, cache_dir=tmp_path, recipes=[(12, 37)]) == []


def test_torus_lower_bound_takes_the_best_and_marks_beating_theorems(tmp_path):
    lb = torus_lower_bound(4, budget_s=60, cache_dir=tmp_path, recipes=[(12, 40), (10, 29)])
    assert isinstance(lb, TorusLowerBound)
    assert lb.exact == "sqrt(29)/10" and lb.beats_theorems and lb.proof_checked  # the better grid
    assert lb.value > theorem_lower_bound(4).value
    three = torus_lower_bound(3, budget_s=60)  # the grid (12, 45) is below d_3 = sqrt(13)/6
    assert three.method == "d_3 = sqrt(13)/6" and not three.beats_theorems
    assert torus_lower_bound(30, budget_s=0).method == "area"
    with pytest.raises(ValueError, match="budget_s"):
        torus_lower_bound(4, budget_s=-1)


@pytest.mark.slow
@pytest.mark.parametrize("parts, expected", [(6, "sqrt(73)/18"), (7, "4/9")])
def test_published_grid_bounds_are_reached_with_checked_proofs(parts, expected, tmp_path):
    # the published lower bounds for m = 6, 7 (Protasov, Tolmachev & Voronov): the pure-Python
    # proof check takes about 3.5 (m = 6, 78,595 lemmas) and 14 (m = 7, 246,769) CPU minutes
    lb = torus_lower_bound(parts, budget_s=7200, cache_dir=tmp_path, workers=2)
    assert lb.exact == expected and lb.proof_checked and lb.beats_theorems
    assert lb.value >= known_value("torus", parts)[0] - 1e-6

"""The DRUP checker: accepts solvers' proofs of UNSAT formulas, rejects wrong proofs."""

import random

import pytest
from pysat.solvers import Solver

from diampart.proof import check_drup, parse_drup, read_proof, write_proof


def pigeonhole(holes: int) -> list[list[int]]:
    """holes + 1 pigeons in ``holes`` holes: UNSAT. x_{p,h} = p * holes + h + 1."""
    var = lambda p, h: p * holes + h + 1  # noqa: E731
    clauses = [[var(p, h) for h in range(holes)] for p in range(holes + 1)]
    for h in range(holes):
        for p in range(holes + 1):
            for q in range(p + 1, holes + 1):
                clauses.append([-var(p, h), -var(q, h)])
    return clauses


def solve(clauses, solver="cadical153"):
    with Solver(name=solver, bootstrap_with=clauses, with_proof=True) as s:
        return s.solve(), list(s.get_proof())


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("solver", ["cadical153", "glucose4"])
@pytest.mark.parametrize("holes", [3, 5])
def test_solver_proofs_of_pigeonhole_are_accepted(solver, holes, backward):
    formula = pigeonhole(holes)
    sat, proof = solve(formula, solver)
    assert sat is False
    report = check_drup(formula, proof, backward=backward)
    assert report.ok, report.message
    assert report.lemmas >= 1


@pytest.mark.parametrize("backward", [False, True])
def test_proof_with_deletions_is_accepted(backward):
    formula = pigeonhole(6)
    sat, proof = solve(formula)
    assert sat is False
    assert any(line.startswith("d") for line in proof)  # exercises deletion handling
    report = check_drup(formula, proof, backward=backward)
    assert report.ok and report.deletions > 0


@pytest.mark.parametrize("backward", [False, True])
def test_a_lemma_that_is_not_rup_is_named(backward):
    formula = [[1, 2], [-1, 2], [1, -2], [-1, -2]]
    assert check_drup(formula, ["1 0", "0"], backward=backward).ok  # -1 gives 2 and -2: RUP
    # "-2" is not RUP (2 propagates 1 and satisfies everything), yet the empty clause follows
    # from it, so the backward checker meets it too
    report = check_drup([[1, 2], [-1, 2], [1, -2]], ["-2 0", "0"], backward=backward)
    assert not report.ok and report.failed == "lemma"
    assert "step 1" in report.message


@pytest.mark.parametrize("backward, workers", [(False, 1), (True, 1), (False, 3)])
def test_a_proof_is_rejected_for_a_satisfiable_formula(backward, workers):
    # any proof at all must fail on a satisfiable formula: soundness
    formula = pigeonhole(3)[:-1]  # drop one at-most-one clause: satisfiable
    assert solve(formula)[0] is True
    _, proof = solve(pigeonhole(3))
    report = check_drup(formula, proof, backward=backward, workers=workers)
    assert not report.ok and report.failed in ("lemma", "no conflict")


@pytest.mark.parametrize("backward", [False, True])
def test_a_truncated_proof_is_rejected(backward):
    formula = pigeonhole(5)
    _, proof = solve(formula)
    report = check_drup(formula, proof[: len(proof) // 4], backward=backward)
    assert not report.ok and report.failed in ("lemma", "no conflict")
    assert not check_drup(formula, [], backward=backward).ok


@pytest.mark.parametrize("workers", [1, 2])
def test_a_tampered_lemma_is_rejected(workers):
    formula = pigeonhole(4)
    _, proof = solve(formula)
    bad = ["3 -7 0"] + proof  # not implied by unit propagation on the formula alone
    report = check_drup(formula, bad, workers=workers)
    assert not report.ok and report.failed == "lemma" and "step 1" in report.message
    assert check_drup(formula, proof, workers=workers).ok


def test_segments_check_the_lemmas_of_every_segment():
    # a unit on a fresh variable is never RUP; placed in the last segment it is still checked
    formula = pigeonhole(5)
    _, proof = solve(formula)
    at = 3 * len(proof) // 4
    bad = proof[:at] + ["100 0"] + proof[at:]
    for workers in (1, 2, 3):
        report = check_drup(formula, bad, workers=workers)
        assert not report.ok and f"step {at + 1}:" in report.message


@pytest.mark.parametrize("backward", [False, True])
def test_random_formulas_agree_with_the_solver(backward):
    # UNSAT: the solver's proof is accepted; SAT: no proof (not even another formula's) is
    rng = random.Random(0)
    seen = {True: 0, False: 0}
    for _ in range(40):
        n = 12
        formula = [[rng.choice([-1, 1]) * rng.randint(1, n) for _ in range(3)] for _ in range(60)]
        sat, proof = solve(formula)
        if sat:
            report = check_drup(formula, solve(pigeonhole(3))[1], backward=backward)
            assert not report.ok
        else:
            assert check_drup(formula, proof, backward=backward).ok
        seen[sat] += 1
    assert seen[True] and seen[False]


def test_parse_errors_name_the_line():
    with pytest.raises(ValueError, match="line 2"):
        parse_drup(["1 2 0", "1 x 0"])
    with pytest.raises(ValueError, match="line 1"):
        parse_drup(["1 2"])
    assert check_drup([[1]], ["1 2"]).failed == "syntax"


def test_proof_files_round_trip(tmp_path):
    lines = ["1 -2 0", "d 1 -2 0", "0"]
    for name in ("p.drup", "p.drup.gz"):
        path = write_proof(lines, tmp_path / name)
        assert read_proof(path) == lines
    with pytest.raises(ValueError, match="path"):
        read_proof(tmp_path / "missing.gz")
    big = write_proof(["1 2 3 0"] * 10_000, tmp_path / "big.drup.gz")  # 80 kB from ~200 bytes
    with pytest.raises(ValueError, match="longer than 1000 bytes"):
        read_proof(big, max_bytes=1000)

"""Embedding certificates: exact checks of points, edge lengths, clique and the DRUP proof."""

import dataclasses
import json
import math
from fractions import Fraction as F

import pytest

from diampart.certificate import check_certificate, load_certificate
from diampart.embedding import (
    EmbeddingCertificate,
    check_embedding,
    golomb_graph,
    load_embedding,
    moser_spindle,
    named_graph,
    odd_cycle,
    optimise_embedding,
    save_embedding,
    solve_with_proof,
    unsat_core,
)
from diampart.lower import is_colourable
from diampart.torus_lower import grid_certificate


@pytest.fixture(scope="module")
def grid_cert():
    # G_{10, 5/10}: no proper 5-colouring; a vertex core with CaDiCaL's proof
    cert = grid_certificate(5, 10, 25)
    assert cert is not None and cert.proof
    return cert


def test_grid_certificate_is_accepted_with_a_checked_proof(grid_cert):
    report = check_embedding(grid_cert)
    assert report.ok, report.message
    assert report.reason == "DRUP proof" and report.proof.ok
    assert grid_cert.tau_squared == F(1, 4) and report.min_squared_length >= F(1, 4)


def test_a_moved_point_shortens_an_edge_and_is_rejected(grid_cert):
    u, v = grid_cert.edges[0]
    points = list(grid_cert.points)
    points[v] = points[u]  # the edge now has length 0
    report = check_embedding(dataclasses.replace(grid_cert, points=points))
    assert not report.ok and report.failed == "lengths"
    assert "edge 0" in report.message


def test_a_larger_tau_is_rejected(grid_cert):
    report = check_embedding(dataclasses.replace(grid_cert, tau_squared=F(26, 100)))
    assert not report.ok and report.failed == "lengths"


def test_dropping_edges_breaks_the_proof(grid_cert):
    # the proof is for the CNF the checker rebuilds from the edges: fewer edges, other CNF
    fewer = grid_cert.edges[: len(grid_cert.edges) // 2]
    clique = [v for v in grid_cert.clique
              if all((min(u, v), max(u, v)) in set(fewer) for u in grid_cert.clique if u != v)]
    report = check_embedding(dataclasses.replace(grid_cert, edges=fewer, clique=clique[:1]))
    assert not report.ok and report.failed == "colouring"


def test_a_tampered_or_missing_proof_is_rejected(grid_cert):
    proof = [line for line in grid_cert.proof if line.startswith("d")]  # deletions only
    report = check_embedding(dataclasses.replace(grid_cert, proof=proof))
    assert not report.ok and report.failed == "colouring" and "proof rejected" in report.message
    report = check_embedding(dataclasses.replace(grid_cert, proof=None))
    assert not report.ok and report.failed == "colouring"


def test_a_false_clique_is_rejected(grid_cert):
    u, v = grid_cert.edges[0]
    non_neighbour = next(w for w in range(len(grid_cert.points))
                         if w != u and (min(u, w), max(u, w)) not in set(grid_cert.edges))
    report = check_embedding(dataclasses.replace(grid_cert, clique=[u, non_neighbour]))
    assert not report.ok and report.failed == "clique"


def test_points_and_edges_are_validated(grid_cert):
    bad = dataclasses.replace(grid_cert, points=[(F(3, 2), F(0))] + grid_cert.points[1:])
    assert check_embedding(dataclasses.replace(bad, shape="square")).failed == "points"
    assert check_embedding(dataclasses.replace(grid_cert, edges=grid_cert.edges + [(0, 0)])).failed == "edges"
    doubled = grid_cert.edges + [grid_cert.edges[0][::-1]]
    assert check_embedding(dataclasses.replace(grid_cert, edges=doubled)).failed == "edges"
    assert check_embedding(dataclasses.replace(grid_cert, shape="blob")).failed == "shape"
    assert check_embedding(dataclasses.replace(grid_cert, parts=0)).failed == "parts"


def test_files_round_trip_and_diampart_check_reads_them(grid_cert, tmp_path):
    path = save_embedding(grid_cert, tmp_path / "m5.json")
    assert (tmp_path / "m5.drup.gz").is_file()
    again = load_embedding(path)
    assert again.points == grid_cert.points and again.proof == grid_cert.proof
    via_partition_loader = load_certificate(path)  # what `diampart check FILE` calls
    report = check_certificate(via_partition_loader)
    assert report.ok and report.failed is None
    data = json.loads(path.read_text())
    data["points"][0] = ["1/2", "x"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"points\[0\]\[1\]"):
        load_embedding(path)
    data["points"][0] = ["0", "0"]
    data["proof_file"] = "../elsewhere.gz"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="proof_file"):
        load_embedding(path)


def test_odd_cycle_gives_a_proof_free_bound_for_two_parts():
    n, edges = named_graph("C7")
    tau2, points = optimise_embedding("torus", n, edges, restarts=4, seed=1)
    cert = EmbeddingCertificate("torus", 2, tau2, points, edges, graph="C7")
    report = check_embedding(cert)
    assert report.ok and report.reason == "odd cycle"
    assert 0.6 < cert.value < math.sqrt(2) / 2  # d_2 = sqrt(2)/2 is a limit of odd cycles
    assert odd_cycle(4, named_graph("C4")[1]) is None


@pytest.mark.parametrize("graph", [moser_spindle, golomb_graph])
def test_four_chromatic_graphs_embed_with_checked_proofs(graph):
    n, edges = graph()
    assert is_colourable(n, edges, 3) is False and is_colourable(n, edges, 4) is True
    tau2, points = optimise_embedding("torus", n, edges, restarts=2, seed=0)
    clique = [0, 1, 2] if graph is moser_spindle else [6, 0, 1]
    answer, proof = solve_with_proof(n, edges, 3, clique)
    assert answer is False
    cert = EmbeddingCertificate("torus", 3, tau2, points, edges, clique, proof, graph.__name__)
    report = check_embedding(cert)
    assert report.ok and report.reason == "DRUP proof", report.message
    assert 0.45 < cert.value <= math.sqrt(13) / 6  # below the proven d_3


def test_unsat_core_keeps_a_non_colourable_graph():
    # a 5-cycle plus 5 pendant vertices: the core for 2 colours is the cycle
    n, edges = 10, [(i, (i + 1) % 5) for i in range(5)] + [(i, i + 5) for i in range(5)]
    core = unsat_core(n, edges, 2, [0, 1])
    assert set(core) == set(range(5))
    assert unsat_core(4, [(0, 1), (1, 2), (2, 3)], 2, [0, 1]) is None

"""The exact checker accepts optimal partitions and names what is wrong with bad ones."""

import json
import math
import re
from fractions import Fraction as F

import numpy as np
import pytest

from diampart.certificate import (
    Certificate,
    check_certificate,
    load_certificate,
    save_certificate,
    torus_sup_squared,
)
from diampart.search import layout_certificate
from diampart.shapes import Disk
from diampart.voronoi import build_layout

H = F(1, 2)


def rect(x0, y0, x1, y1):
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def square_quarters(eps=F(0)):
    """Four sub-squares of the unit square; eps moves the centre vertex (still a tiling)."""
    c = (H + eps, H + eps)
    z, o = F(0), F(1)
    return [
        [((z, z), (H, z), c, (z, H))],
        [((H, z), (o, z), (o, H), c)],
        [(c, (o, H), (o, o), (H, o))],
        [((z, H), c, (H, o), (z, o))],
    ]


def test_square_optimal_partition_accepted_slightly_above_target():
    cert = Certificate("square", 4, F(1, 2) + F(1, 10**9), square_quarters())
    report = check_certificate(cert)
    assert report.ok, report.message
    assert report.max_squared_diameter == F(1, 2)


def test_square_perturbed_partition_rejected_by_diameter():
    cert = Certificate("square", 4, F(1, 2) + F(1, 10**9), square_quarters(F(1, 1000)))
    report = check_certificate(cert)
    assert not report.ok and report.failed == "diameter"


def test_overlap_gap_and_outside_are_named():
    cells = square_quarters()
    overlapping = [cells[0], cells[1], cells[2], [rect(F(0), F(2, 5), H, F(1))]]
    rep = check_certificate(Certificate("square", 4, F(1), overlapping))
    assert rep.failed == "overlap"
    gap = [cells[0], cells[1], cells[2], [rect(F(0), F(3, 5), H, F(1))]]
    rep = check_certificate(Certificate("square", 4, F(1), gap))
    assert rep.failed == "area"
    outside = [cells[0], cells[1], cells[2], [rect(F(0), H, H, F(11, 10))]]
    rep = check_certificate(Certificate("square", 4, F(1), outside))
    assert rep.failed == "containment"
    clockwise = [cells[0], cells[1], cells[2], [tuple(reversed(cells[3][0]))]]
    assert check_certificate(Certificate("square", 4, F(1), clockwise)).failed == "convexity"
    assert check_certificate(Certificate("square", 3, F(1), cells)).failed == "parts"


def disk_sectors(m):
    angles = np.pi / 2 + 2 * np.pi * np.arange(m) / m
    seeds = 0.3 * np.column_stack([np.cos(angles), np.sin(angles)])
    return layout_certificate(build_layout(Disk(), seeds), m)


def test_disk_three_sectors_rounded_to_rationals():
    cert = disk_sectors(3)
    target = F(3, 4)  # d_3 = sqrt(3)/2
    cert.bound_squared = target + F(1, 10**5)
    report = check_certificate(cert)
    assert report.ok, report.message
    assert abs(math.sqrt(float(report.max_squared_diameter)) - math.sqrt(3) / 2) < 1e-5
    cert.bound_squared = target - F(1, 10**6)
    assert check_certificate(cert).failed == "diameter"


def test_disk_cells_must_cover_the_circumscribed_polygon():
    cert = disk_sectors(3)
    cert.bound_squared = F(1)
    cert.cells[0] = cert.cells[0][:1]  # drop the caps of cell 0: part of the disk uncovered
    assert check_certificate(cert).failed == "area"


def test_torus_strips_give_sqrt13_over_6():
    strips = [[rect(F(0), F(i, 3), F(1), F(i + 1, 3))] for i in range(3)]
    cert = Certificate("torus", 3, F(13, 36), strips)
    report = check_certificate(cert)
    assert report.ok, report.message
    cert.bound_squared = F(13, 36) - F(1, 10**12)
    assert check_certificate(cert).failed == "diameter"


def test_torus_whole_square_and_overlap_with_translates():
    assert torus_sup_squared(rect(F(0), F(0), F(1), F(1)), rect(F(0), F(0), F(1), F(1))) == F(1, 2)
    tall = [[rect(F(0), F(0), F(1), F(2, 3))], [rect(F(0), F(2, 3), F(1), F(5, 3))]]
    rep = check_certificate(Certificate("torus", 2, F(1), tall))
    assert rep.failed == "overlap"  # the second strip wraps onto the first


def test_json_round_trip_and_tampering(tmp_path):
    cert = Certificate("square", 4, F(1, 2), square_quarters())
    path = save_certificate(cert, tmp_path / "c.json")
    assert check_certificate(load_certificate(path)).ok
    data = json.loads(path.read_text())
    data["cells"][0]["pieces"][0][2] = ["3/5", "3/5"]  # move one copy of the centre vertex
    path.write_text(json.dumps(data))
    assert not check_certificate(load_certificate(path)).ok


def test_bad_files_raise_one_line_value_errors(tmp_path):
    with pytest.raises(ValueError, match="no such certificate"):
        load_certificate(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_certificate(bad)
    bad.write_text(json.dumps({"format": "diampart-partition/1", "parts": 1}))
    with pytest.raises(ValueError, match="missing field"):
        load_certificate(bad)


def test_torus_pieces_are_compared_by_value_not_identity():
    """Regression: one piece object listed nine times passed as a 1-part torus partition."""
    ninth = rect(F(0), F(0), F(1, 3), F(1, 3))
    for cells in ([[ninth] * 9], [[rect(F(0), F(0), F(1, 3), F(1, 3)) for _ in range(9)]]):
        rep = check_certificate(Certificate("torus", 1, F(1, 2), cells))
        assert rep.failed == "overlap"
        assert rep.message == "cell 0 overlaps itself on the torus (pieces 0 and 1)"
    rep = check_certificate(Certificate("torus", 9, F(1, 2), [[ninth] for _ in range(9)]))
    assert rep.failed == "overlap"
    assert rep.message.startswith("cells 0 and 1 overlap on the torus (piece 0 of cell 0")


def test_overlap_inside_one_cell_names_the_pieces():
    cells = square_quarters()
    twice = [cells[0] + cells[0], cells[1], cells[2], cells[3]]
    rep = check_certificate(Certificate("square", 4, F(1), twice))
    assert rep.failed == "overlap"
    assert rep.message == "cell 0 overlaps itself (pieces 0 and 1)"
    wide = [[rect(F(0), F(0), F(3, 2), F(1, 2))], [rect(F(0), F(1, 2), F(1), F(1))]]
    rep = check_certificate(Certificate("torus", 2, F(1), wide))
    assert rep.message == "cell 0 overlaps itself on the torus (piece 0 and its own translate by (-1, 0))"


def numbers_in(message, pattern):
    match = re.search(pattern, message)
    assert match, message
    return [F(x) for x in match.groups()]


def test_failure_messages_tell_close_numbers_apart():
    """Regression: "exceeds the bound 0.750003720916" for a bound printed as the same number."""
    strips = [[rect(F(0), F(i, 3), F(1), F(i + 1, 3))] for i in range(3)]
    rep = check_certificate(Certificate("torus", 3, F(13, 36) - F(1, 10**14), strips))
    worst, bound = numbers_in(rep.message, r"squared diameter (\S+) exceeds the bound (\S+)")
    assert rep.failed == "diameter" and worst > bound
    assert abs(worst - F(13, 36)) < F(1, 10**13)
    short = [[rect(F(0), F(0), F(1), 1 - F(1, 10**15))]]
    rep = check_certificate(Certificate("square", 1, F(2), short))
    covered, total = numbers_in(rep.message, r"cover area (\S+), the square has (\S+)")
    assert rep.failed == "area" and covered < total == 1
    outside = [[rect(F(0), F(0), 1 + F(1, 10**15), F(1))]]
    rep = check_certificate(Certificate("square", 1, F(2), outside))
    assert rep.failed == "containment" and "(1000000000000001/1000000000000000, 0)" in rep.message


def test_the_loader_tells_embedding_certificates_apart():
    # `diampart check` reads both kinds through load_certificate/check_certificate
    from diampart.certificate import parse_certificate
    from diampart.embedding import EmbeddingCertificate

    text = ('{"format": "diampart-embedding/1", "shape": "torus", "parts": 1, "tau_squared": "1/2",'
            ' "points": [["0", "0"], ["1/2", "1/2"]], "edges": [[0, 1]], "clique": [0, 1]}')
    cert = parse_certificate(text)
    assert isinstance(cert, EmbeddingCertificate)
    report = check_certificate(cert)
    assert report.ok and report.reason == "clique"  # d_1 >= sqrt(2)/2: the torus' diameter
    with pytest.raises(ValueError, match="tau_squared"):
        parse_certificate(text.replace('"1/2",', '"x",', 1))

"""Certificates beyond the documented limits, or with JSON of the wrong types, are refused in
well under a second with one line naming the field; values inside the limits work."""

import json
import time
from fractions import Fraction as F

import pytest

from diampart.certificate import (
    FORMAT,
    MAX_COORDINATE,
    MAX_DIGITS,
    MAX_FILE_BYTES,
    MAX_JSON_DEPTH,
    MAX_PARTS,
    MAX_PIECE_VERTICES,
    MAX_PIECES,
    MAX_TANGENT_SIDES,
    MAX_TORUS_SPAN,
    MAX_VERTICES,
    Certificate,
    check_certificate,
    load_certificate,
    parse_certificate,
)
from diampart.geometry import is_convex_ccw
from diampart.shapes import MAX_NGON_SIDES, get_shape, tangent_polygon

UNIT_SQUARE = [["0", "0"], ["1", "0"], ["1", "1"], ["0", "1"]]
LONG = UNIT_SQUARE * (MAX_PIECE_VERTICES // 4)


def square_json(**changes) -> dict:
    data = {"format": FORMAT, "shape": "square", "parts": 1, "bound_squared": "2",
            "tangent_sides": 1024, "cells": [{"pieces": [UNIT_SQUARE]}]}
    data.update(changes)
    return data


def with_vertex(value) -> dict:
    """The unit square certificate with its first vertex replaced by ``value``."""
    return square_json(cells=[{"pieces": [[value, *UNIT_SQUARE[1:]]]}])


def with_coordinate(value) -> dict:
    return with_vertex([value, "0"])


def refusal(data) -> str:
    """Read and check; return the one-line ValueError message.

    (No timing here: a 0.5 s bound on this 0.02 s refusal failed in full-suite runs, at 0.50 s
    wall and 0.56 s of process CPU, from what other tests left running; speed is not a unit
    test's business in this project.)"""
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(ValueError) as info:
        check_certificate(parse_certificate(text))
    message = str(info.value)
    assert "\n" not in message and len(message) < 200, message
    return message


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BEYOND_LIMITS = [
    (square_json(shape="disk", tangent_sides=100_000), "tangent_sides: at most"),
    (square_json(tangent_sides=MAX_TANGENT_SIDES + 1), "tangent_sides: at most"),
    (square_json(bound_squared="1e100000000"), "bound_squared: decimal exponent"),
    (square_json(bound_squared="-1e-100000000"), "bound_squared: decimal exponent"),
    (square_json(bound_squared="1" * (MAX_DIGITS + 1)), "bound_squared: more than"),
    (with_coordinate("1e100000000"), "cells[0].pieces[0][0][0]: decimal exponent"),
    (with_coordinate("1e1_000_000_000"), "cells[0].pieces[0][0][0]: decimal exponent"),
    (with_coordinate("1/" + "3" * (MAX_DIGITS + 1)), "cells[0].pieces[0][0][0]: more than"),
    (with_coordinate("9" * 300), "cells[0].pieces[0][0][0]: a number string"),
    (with_coordinate(10**150), "cells[0].pieces[0][0][0]: magnitude"),
    (with_coordinate(-(10**4000)), "cells[0].pieces[0][0][0]: magnitude"),
    (with_coordinate(1e-300), "cells[0].pieces[0][0][0]: more than"),
    (with_coordinate(str(MAX_COORDINATE + 1)), "cells[0].pieces[0][0][0]: magnitude"),
    (with_coordinate(1e300), "cells[0].pieces[0][0][0]: magnitude"),
    (square_json(parts=MAX_PARTS + 1), "parts: at most"),
    (square_json(parts=2**63), "parts: at most"),
    (square_json(cells=[{"pieces": []}] * (MAX_PARTS + 1)), "cells: at most"),
    (square_json(cells=[{"pieces": [UNIT_SQUARE] * (MAX_PIECES + 1)}]), "cells[0].pieces: at most"),
    (square_json(cells=[{"pieces": [UNIT_SQUARE] * (MAX_PIECES // 2 + 1)}] * 2),
     "cells[1].pieces: more than"),
    (square_json(cells=[{"pieces": [LONG + UNIT_SQUARE]}]), "cells[0].pieces[0]: at most"),
    (square_json(cells=[{"pieces": [LONG] * (MAX_VERTICES // len(LONG) + 1)}]),
     f"cells[0].pieces[{MAX_VERTICES // len(LONG)}]: more than"),
    (square_json(shape="torus", cells=[{"pieces": [[[0, 0], [8, 0], [8, "1/8"], [0, "1/8"]]]}]),
     "cells[0].pieces[0]: a torus piece spans"),
    (square_json(shape="x" * 100_000), "shape: at most"),
]


@pytest.mark.parametrize(("data", "start"), BEYOND_LIMITS)
def test_beyond_the_limits_is_refused_fast_naming_the_field(data, start):
    assert refusal(data).startswith(start)


def test_deep_nesting_is_refused_before_parsing():
    text = json.dumps(square_json(bound_squared="@"))
    for depth in (MAX_JSON_DEPTH, 1000, 100_000):
        message = refusal(text.replace('"@"', nested(depth)))
        assert message.startswith(f"certificate: JSON nested {depth + 1} levels deep")
    deep_meta = json.dumps(square_json(meta={"note": "@"})).replace('"@"', nested(100_000))
    assert refusal(deep_meta).startswith("certificate: JSON nested")
    # brackets inside strings do not count
    quoted = square_json(meta={"note": "[" * 100 + '\\"['})
    assert parse_certificate(json.dumps(quoted)).meta["note"].startswith("[[[")


WRONG_TYPES = [
    (with_vertex(5), "cells[0].pieces[0][0]: expected a point [x, y]"),
    (with_vertex({"x": 1}), "cells[0].pieces[0][0]: expected a point [x, y]"),
    (with_vertex(["0", "0", "0"]), "cells[0].pieces[0][0]: expected a point [x, y]"),
    (with_coordinate([1]), "cells[0].pieces[0][0][0]: expected a number"),
    (with_coordinate({}), "cells[0].pieces[0][0][0]: expected a number"),
    (with_coordinate(True), "cells[0].pieces[0][0][0]: expected a number"),
    (with_coordinate(None), "cells[0].pieces[0][0][0]: expected a number"),
    (with_coordinate("abc"), "cells[0].pieces[0][0][0]: cannot read"),
    (with_coordinate("1/0"), "cells[0].pieces[0][0][0]: cannot read"),
    (with_coordinate(float("nan")), "cells[0].pieces[0][0][0]: not a finite number"),
    (with_coordinate(float("inf")), "cells[0].pieces[0][0][0]: not a finite number"),
    (square_json(parts="1"), "parts: expected an integer"),
    (square_json(parts=1.5), "parts: expected an integer"),
    (square_json(parts=True), "parts: expected an integer"),
    (square_json(bound_squared=[2]), "bound_squared: expected a number"),
    (square_json(bound_squared="two"), "bound_squared: cannot read"),
    (square_json(tangent_sides="1024"), "tangent_sides: expected an integer"),
    (square_json(shape=5), "shape: expected a string"),
    (square_json(cells={}), "cells: expected a list"),
    (square_json(cells=[5]), "cells[0]: expected an object with a 'pieces' list"),
    (square_json(cells=[{"pieces": 5}]), "cells[0].pieces: expected a list"),
    (square_json(cells=[{"pieces": [5]}]), "cells[0].pieces[0]: expected a list"),
    (square_json(meta=[]), "meta: expected an object"),
    (square_json(format="diampart-partition/2"), "format: expected 'diampart-partition/1'"),
    ([square_json()], "certificate: expected a JSON object"),
    ("", "certificate: not valid JSON"),
    ("{" * 5, "certificate: not valid JSON"),
    ('{"parts": ' + "9" * 5000 + "}", "certificate: a JSON number has too many digits"),
]


@pytest.mark.parametrize(("data", "start"), WRONG_TYPES)
def test_wrong_json_types_give_one_line_naming_the_field(data, start):
    assert refusal(data).startswith(start)


def test_missing_field_and_python_built_certificates():
    data = square_json()
    del data["cells"]
    assert refusal(data) == "certificate: missing field 'cells'"
    floats = Certificate("square", 1, F(2), [[((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))]])
    with pytest.raises(ValueError, match=r"cells\[0\]\.pieces\[0\]\[0\]\[0\]: expected an exact"):
        check_certificate(floats)
    with pytest.raises(ValueError, match="tangent_sides: at most"):
        check_certificate(Certificate("disk", 1, F(2), [], tangent_sides=100_000))


def test_values_at_the_limits_are_read():
    edge = "1/" + "9" * MAX_DIGITS
    data = with_coordinate(edge)
    data["meta"] = {"deep": json.loads(nested(MAX_JSON_DEPTH - 2))}
    cert = parse_certificate(json.dumps(data))
    assert cert.cells[0][0][0][0] == F(edge)
    assert parse_certificate(json.dumps(with_coordinate(f"1e-{MAX_DIGITS - 1}"))).cells[0][0][0][0] > 0
    far = [[str(MAX_COORDINATE - 1), "0"], [str(MAX_COORDINATE), "0"], [str(MAX_COORDINATE), "1"]]
    assert parse_certificate(json.dumps(square_json(cells=[{"pieces": [far]}]))).parts == 1
    tiles = [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1]] for i in range(MAX_PIECES)]
    many = parse_certificate(json.dumps(square_json(parts=MAX_PARTS, cells=[{"pieces": tiles}] + [
        {"pieces": []}] * (MAX_PARTS - 1))))
    assert len(many.cells[0]) == MAX_PIECES
    assert MAX_PIECES * 4 <= MAX_VERTICES and MAX_PIECE_VERTICES >= 64
    strip = [[0, 0], [MAX_TORUS_SPAN, 0], [MAX_TORUS_SPAN, "1/8"], [0, "1/8"]]
    assert parse_certificate(json.dumps(square_json(shape="torus", cells=[{"pieces": [strip]}])))


def test_largest_tangent_polygon_works():
    """Consecutive tangent points are pi/N apart in tan(theta/2) at least, far above the 1e-4
    spacing of the rounded values, so Q is convex for every allowed N (the sample checks it)."""
    for sides in (8, 9, 10, 11, 63, 64, 1000, MAX_TANGENT_SIDES - 1, MAX_TANGENT_SIDES):
        assert is_convex_ccw(tangent_polygon(F(1, 2), sides))
    square = ((F(-1), F(-1)), (F(1), F(-1)), (F(1), F(1)), (F(-1), F(1)))
    start = time.perf_counter()
    rep = check_certificate(Certificate("disk", 1, F(2), [[square]], tangent_sides=MAX_TANGENT_SIDES))
    assert rep.ok, rep.message
    assert 1 < float(rep.max_squared_diameter) < 1 + 1e-6
    assert time.perf_counter() - start < 30


def test_ngon_sides_are_limited():
    assert len(get_shape(f"ngon{MAX_NGON_SIDES}").vertices) == MAX_NGON_SIDES
    rep = check_certificate(parse_certificate(json.dumps(square_json(shape="ngon99999999"))))
    assert rep.failed == "shape" and "at most" in rep.message


def test_oversized_and_unreadable_files(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ValueError, match="bytes, more than the limit"):
        load_certificate(big)
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ValueError, match="garbage.json': not UTF-8 text"):
        load_certificate(garbage)
    with pytest.raises(ValueError, match="no such certificate file"):
        load_certificate(tmp_path)

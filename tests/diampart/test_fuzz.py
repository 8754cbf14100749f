"""Fuzzing ``diampart check`` (load + exact check) with mutated certificates (hypothesis).

Valid certificates of the disk, square, triangle and torus are mutated once each. The verdict
expected of a mutation is decided here, without the checker:

- REFUSE (an error or an INVALID report): the claimed bound is below the squared distance of two
  points of one real cell (vertices inside the shape; torus distance on the torus); a piece whose
  vertex average lies inside the open shape is dropped, so the rest (interior-disjoint from it)
  leave a hole; a piece or cell is listed twice (the copies overlap); a piece is reversed or
  mirrored (clockwise); m no longer matches the cells; a vertex of a polygon shape is moved out.
- ERROR (ValueError): wrong JSON types, missing fields, numbers or nesting beyond the limits,
  truncated text, random bytes.
- PASS: permuting cells or pieces, rotating a piece's vertex list, shifting a torus piece by an
  integer vector, raising the bound, writing a number in another exact form.
- ANY: everything else (moved vertices, another shape or tangent_sides, an empty extra cell):
  only the contract below is checked.

In every case the checker raises nothing but ValueError, its message is one line, and it
answers within a second.
"""

import copy
import json
import math
import tempfile
import time
from decimal import Decimal, localcontext
from fractions import Fraction as F
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diampart.certificate import (
    MAX_JSON_DEPTH,
    MAX_TANGENT_SIDES,
    Certificate,
    check_certificate,
    load_certificate,
)
from diampart.search import layout_certificate
from diampart.shapes import Disk, equilateral_triangle, get_shape
from diampart.voronoi import build_layout

PASS, REFUSE, ERROR, ANY = "pass", "refuse", "error", "any"
SECONDS = 1.0
"""Every mutated certificate is answered within this many seconds (measured: under 0.2)."""


def rect(x0, y0, x1, y1):
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def triangle_quarters():
    a, b, c = equilateral_triangle().vertices
    ab, bc, ca = (((p[0] + q[0]) / 2, (p[1] + q[1]) / 2) for p, q in ((a, b), (b, c), (c, a)))
    return [[(a, ab, ca)], [(ab, b, bc)], [(ca, bc, c)], [(ab, bc, ca)]]


def disk_sectors(m: int) -> Certificate:
    angles = np.pi / 2 + 2 * np.pi * np.arange(m) / m
    seeds = 0.3 * np.column_stack([np.cos(angles), np.sin(angles)])
    return layout_certificate(build_layout(Disk(), seeds), m, tangent_sides=64)


def squared_distance(p, q, torus: bool) -> F:
    dx, dy = p[0] - q[0], p[1] - q[1]
    if torus:  # dist(z, Z^2)^2 separates into the two coordinates
        dx = min(abs(dx - math.floor(dx)), abs(dx - math.ceil(dx)))
        dy = min(abs(dy - math.floor(dy)), abs(dy - math.ceil(dy)))
    return dx * dx + dy * dy


def own_bound(shape: str, cells) -> F:
    """Largest squared distance between two vertices of one cell that lie in the shape: a lower
    bound on the true largest cell diameter, and equal to it for polygon cells."""
    torus = shape == "torus"
    region = get_shape(shape)
    best = F(0)
    for cell in cells:
        points = [p for piece in cell for p in piece if torus or region.contains(p)]
        for p, q in combinations(points, 2):
            best = max(best, squared_distance(p, q, torus))
    return best


def base_certificates() -> dict[str, dict]:
    h, z, o = F(1, 2), F(0), F(1)
    quarters = [[rect(x, y, x + h, y + h)] for y in (z, h) for x in (z, h)]
    lifted = [[rect(x + F(1, 4), y - F(1, 8), x + F(3, 4), y + F(3, 8))] for y in (z, h) for x in (z, h)]
    strips = [[rect(z, F(i, 3), o, F(i + 1, 3))] for i in range(3)]
    certs = [
        Certificate("square", 4, own_bound("square", quarters), quarters),
        Certificate("square", 2, F(5, 4), [[rect(z, z, o, h)], [rect(z, h, o, o)]]),
        Certificate("triangle", 4, own_bound("triangle", triangle_quarters()), triangle_quarters()),
        Certificate("torus", 3, F(13, 36), strips),
        Certificate("torus", 4, F(1, 2), lifted),
        disk_sectors(3),
    ]
    return {f"{c.shape}{c.parts}": c.to_json() for c in certs}


BASES = base_certificates()


def exact_cells(data: dict):
    return [[[(F(x), F(y)) for x, y in piece] for piece in cell["pieces"]] for cell in data["cells"]]


def some_piece(draw, data: dict) -> tuple[int, int]:
    spots = [(i, j) for i, cell in enumerate(data["cells"]) for j in range(len(cell["pieces"]))]
    return draw(st.sampled_from(spots))


# mutations: (draw, certificate JSON) -> (JSON, bytes or text to check, expected verdict)


def shrink_bound(draw, data):
    low = own_bound(data["shape"], exact_cells(data))
    scale = 10 ** draw(st.integers(1, 30))
    data["bound_squared"] = str(F(math.floor(low * scale) - 1, scale))
    return data, REFUSE


def raise_bound(draw, data):
    data["bound_squared"] = str(F(data["bound_squared"]) + F(1, 10 ** draw(st.integers(0, 30))))
    return data, PASS


def drop_piece(draw, data):
    def inside(piece) -> bool:
        cx = sum(F(x) for x, _ in piece) / len(piece)
        cy = sum(F(y) for _, y in piece) / len(piece)
        return data["shape"] != "disk" or cx * cx + cy * cy < F(1, 4)

    spots = [(i, j) for i, cell in enumerate(data["cells"])
             for j, piece in enumerate(cell["pieces"]) if inside(piece)]
    i, j = draw(st.sampled_from(spots))
    del data["cells"][i]["pieces"][j]
    return data, REFUSE


def duplicate_piece(draw, data):
    i, j = some_piece(draw, data)
    target = data["cells"][draw(st.integers(0, len(data["cells"]) - 1))]["pieces"]
    target.insert(draw(st.integers(0, len(target))), copy.deepcopy(data["cells"][i]["pieces"][j]))
    return data, REFUSE


def duplicate_cell(draw, data):
    data["cells"].append(copy.deepcopy(draw(st.sampled_from(data["cells"]))))
    data["parts"] += 1
    return data, REFUSE


def reverse_or_mirror_piece(draw, data):
    i, j = some_piece(draw, data)
    piece = data["cells"][i]["pieces"][j]
    data["cells"][i]["pieces"][j] = piece[::-1] if draw(st.booleans()) else [[y, x] for x, y in piece]
    return data, REFUSE


def change_parts(draw, data):
    data["parts"] += draw(st.sampled_from([-3, -2, -1, 1, 2, 3]))
    return data, REFUSE


def vertex_outside(draw, data):
    if data["shape"] in ("disk", "torus"):
        return data, ANY
    i, j = some_piece(draw, data)
    piece = data["cells"][i]["pieces"][j]
    piece[draw(st.integers(0, len(piece) - 1))] = draw(st.sampled_from([["2", "2"], ["-1/1000", "0"]]))
    return data, REFUSE


def permute(draw, data):
    data["cells"] = draw(st.permutations(data["cells"]))
    for cell in data["cells"]:
        cell["pieces"] = draw(st.permutations(cell["pieces"]))
    return data, PASS


def rotate_piece(draw, data):
    i, j = some_piece(draw, data)
    piece = data["cells"][i]["pieces"][j]
    k = draw(st.integers(0, len(piece) - 1))
    data["cells"][i]["pieces"][j] = piece[k:] + piece[:k]
    return data, PASS


def shift_torus_piece(draw, data):
    if data["shape"] != "torus":
        return data, ANY
    i, j = some_piece(draw, data)
    kx, ky = draw(st.integers(-2, 2)), draw(st.integers(-2, 2))
    piece = data["cells"][i]["pieces"][j]
    data["cells"][i]["pieces"][j] = [[str(F(x) + kx), str(F(y) + ky)] for x, y in piece]
    return data, PASS


def rewrite_number(draw, data):
    """One coordinate in another exact form: padded, unreduced, decimal, integer or float."""
    i, j = some_piece(draw, data)
    piece = data["cells"][i]["pieces"][j]
    k, axis = draw(st.integers(0, len(piece) - 1)), draw(st.integers(0, 1))
    x = F(piece[k][axis])
    forms = [f" {x} ", f"{3 * x.numerator}/{3 * x.denominator}"]
    if x.denominator == 1:
        forms.append(int(x))
    if 10**40 % x.denominator == 0:
        with localcontext() as ctx:
            ctx.prec = 200
            forms.append(str(Decimal(x.numerator) / Decimal(x.denominator)))
    if x.denominator & (x.denominator - 1) == 0 and x.denominator <= 2**40:
        forms.append(float(x))
    piece[k][axis] = draw(st.sampled_from(forms))
    return data, PASS


def move_vertex(draw, data):
    i, j = some_piece(draw, data)
    piece = data["cells"][i]["pieces"][j]
    k = draw(st.integers(0, len(piece) - 1))
    step = st.fractions(min_value=-1, max_value=1, max_denominator=1000)
    piece[k] = [str(F(piece[k][0]) + draw(step)), str(F(piece[k][1]) + draw(step))]
    return data, ANY


def add_empty_cell(draw, data):
    data["cells"].insert(draw(st.integers(0, len(data["cells"]))), {"pieces": []})
    data["parts"] += 1
    return data, ANY


def change_shape(draw, data):
    data["shape"] = draw(st.sampled_from(
        ["disk", "square", "triangle", "torus", "ngon5", "TORUS ", "blob", "ngon2", "ngon99999999", ""]))
    known = data["shape"].strip().lower() in ("disk", "square", "triangle", "torus", "ngon5")
    return data, ANY if known else REFUSE


def change_tangent_sides(draw, data):
    sides = draw(st.sampled_from([-1, 0, 7, 8, 9, 16, 100, 256]))
    data["tangent_sides"] = sides
    return data, REFUSE if data["shape"] == "disk" and sides < 8 else ANY


WRONG_TYPES = {
    ("cells", 0, "pieces", 0, 0, 0): [[1], {}, True, None, "abc", "1/0", "", "1/2/3"],
    ("cells", 0, "pieces", 0, 0): [5, "1/2", {}, [1], ["0", "0", "0"], None, []],
    ("cells", 0, "pieces", 0): [5, "x", {}, None, [5], [[]]],
    ("cells", 0, "pieces"): [5, "x", {}, None],
    ("cells", 0): [5, [], "x", None, {"piece": []}],
    ("cells",): [5, {}, "x", None],
    ("parts",): ["3", 2.5, True, None, [1]],
    ("bound_squared",): [[1], {}, True, None, "x", "1/0", "0x10"],
    ("tangent_sides",): ["1024", 1024.5, False, None],
    ("shape",): [5, None, ["torus"]],
    ("meta",): [5, "x", []],
    ("format",): [None, "diampart-partition/2"],
}
HUGE_NUMBERS = ["1e100000000", "-1e100000000", "1e-100000000", "1E+99999999999", "9" * 5000,
                "1/" + "7" * 150, "1" * 101, 10**150, -(10**4000), 1e300, float("nan"),
                float("inf"), "1e1_000_000"]


def put(data, path, value):
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def wrong_type(draw, data):
    path = draw(st.sampled_from(sorted(WRONG_TYPES, key=str)))
    put(data, path, draw(st.sampled_from(WRONG_TYPES[path])))
    return data, ERROR


def drop_field(draw, data):
    del data[draw(st.sampled_from(["format", "shape", "parts", "bound_squared", "cells"]))]
    return data, ERROR


def huge_number(draw, data):
    i, j = some_piece(draw, data)
    spot = draw(st.sampled_from([("bound_squared",), ("cells", i, "pieces", j, 0, 0),
                                 ("cells", i, "pieces", j, 0, 1), ("tangent_sides",), ("parts",)]))
    if spot[0] in ("tangent_sides", "parts"):
        value = draw(st.sampled_from([MAX_TANGENT_SIDES + 1, 100_000, 10**9, 2**63, 10**30]))
    else:
        value = draw(st.sampled_from(HUGE_NUMBERS))
    put(data, spot, value)
    return data, ERROR


def deep_nesting(draw, data):
    depth = draw(st.sampled_from([MAX_JSON_DEPTH, 1000, 100_000]))
    if draw(st.booleans()):
        data["bound_squared"] = "@@"
    else:
        data["meta"] = {"note": "@@"}
    return json.dumps(data).replace('"@@"', "[" * depth + "]" * depth), ERROR


def truncate(draw, data):
    text = json.dumps(data)
    return text[: draw(st.integers(0, len(text) - 1))], ERROR


def random_bytes(draw, data):
    return draw(st.binary(max_size=200)), ERROR


def splice_bytes(draw, data):
    text = json.dumps(data).encode()
    k = draw(st.integers(0, len(text)))
    return text[:k] + draw(st.binary(min_size=1, max_size=20)) + text[k:], ANY


MUTATIONS = [shrink_bound, raise_bound, drop_piece, duplicate_piece, duplicate_cell,
             reverse_or_mirror_piece, change_parts, vertex_outside, permute, rotate_piece,
             shift_torus_piece, rewrite_number, move_vertex, add_empty_cell, change_shape,
             change_tangent_sides, wrong_type, drop_field, huge_number, deep_nesting, truncate,
             random_bytes, splice_bytes]


def check_file(payload) -> tuple[str, str, float]:
    """What ``diampart check FILE`` decides: (verdict, message, seconds for load + check)."""
    if isinstance(payload, dict):
        payload = json.dumps(payload)
    raw = payload.encode() if isinstance(payload, str) else payload
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "certificate.json"
        path.write_bytes(raw)
        start = time.perf_counter()
        try:
            report = check_certificate(load_certificate(path))
            verdict, message = ("valid" if report.ok else "invalid"), report.message
        except ValueError as err:
            verdict, message = "error", str(err)
        return verdict, message, time.perf_counter() - start


def test_base_certificates_are_valid():
    for name, data in BASES.items():
        verdict, message, seconds = check_file(data)
        assert verdict == "valid", (name, message)
        assert seconds < SECONDS / 4, (name, seconds)
        assert F(data["bound_squared"]) >= own_bound(data["shape"], exact_cells(data))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda mutation: mutation.__name__)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzz=st.data())
def test_check_on_mutated_certificates(mutation, fuzz):
    """12 examples per mutation (276 in all, a few seconds), each on a drawn base certificate."""
    name = fuzz.draw(st.sampled_from(sorted(BASES)), label="base")
    payload, expected = mutation(fuzz.draw, copy.deepcopy(BASES[name]))
    verdict, message, seconds = check_file(payload)
    assert seconds < SECONDS, (mutation.__name__, seconds)
    assert "\n" not in message and len(message) < 400, message
    if expected == ERROR:
        assert verdict == "error", (mutation.__name__, message)
    elif expected == REFUSE:
        assert verdict in ("error", "invalid"), (mutation.__name__, message)
    elif expected == PASS:
        assert verdict == "valid", (mutation.__name__, message)

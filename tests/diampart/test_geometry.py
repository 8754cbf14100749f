"""Exact geometry: areas, convexity, clipping, disjointness, diameters."""

from fractions import Fraction as F

from diampart.geometry import (
    clip_by_halfplanes,
    clip_convex,
    convex_hull,
    interiors_disjoint,
    intersection_area,
    is_convex_ccw,
    max_squared_distance,
    polygon_area,
    signed_area,
)

UNIT = ((F(0), F(0)), (F(1), F(0)), (F(1), F(1)), (F(0), F(1)))


def shifted(poly, dx, dy):
    return tuple((x + dx, y + dy) for x, y in poly)


def test_shoelace_area_and_orientation():
    assert polygon_area(UNIT) == 1
    assert signed_area(tuple(reversed(UNIT))) == -1
    tri = ((F(0), F(0)), (F(1), F(0)), (F(0), F(1, 3)))
    assert polygon_area(tri) == F(1, 6)


def test_convexity_rejects_reflex_clockwise_and_double_winding():
    assert is_convex_ccw(UNIT)
    assert not is_convex_ccw(tuple(reversed(UNIT)))
    dart = ((F(0), F(0)), (F(2), F(1)), (F(0), F(2)), (F(1), F(1)))
    assert not is_convex_ccw(dart)
    # pentagram vertices in star order: every turn is left but it winds twice
    import math

    star = tuple(
        (F(math.cos(2 * math.pi * 2 * k / 5)).limit_denominator(1000),
         F(math.sin(2 * math.pi * 2 * k / 5)).limit_denominator(1000))
        for k in range(5)
    )
    assert not is_convex_ccw(star)
    collinear = ((F(0), F(0)), (F(1, 2), F(0)), (F(1), F(0)), (F(1), F(1)), (F(0), F(1)))
    assert is_convex_ccw(collinear)


def test_clipping_and_intersection_area_are_exact():
    half = shifted(UNIT, F(1, 2), F(1, 3))
    assert intersection_area(UNIT, half) == F(1, 2) * F(2, 3)
    assert polygon_area(clip_convex(UNIT, half)) == F(1, 3)
    # half-plane form: x + y <= 1 cuts the unit square in half
    assert polygon_area(clip_by_halfplanes(UNIT, [((F(1), F(1)), F(1))])) == F(1, 2)


def test_disjoint_interiors_allow_shared_edges_only():
    assert interiors_disjoint(UNIT, shifted(UNIT, 1, 0))
    assert interiors_disjoint(UNIT, shifted(UNIT, 1, 1))
    assert not interiors_disjoint(UNIT, shifted(UNIT, F(1, 10**9), 0))


def test_diameter_of_point_set_and_hull():
    pts = [(F(0), F(0)), (F(3), F(0)), (F(1), F(1)), (F(0), F(4))]
    assert max_squared_distance(pts) == 25
    assert len(convex_hull(pts)) == 3

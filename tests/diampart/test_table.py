"""The torus table: best checked upper bound per m, lower and simple bounds, files written."""

import math

import pytest

from diampart.certificate import check_certificate, load_certificate
from diampart.search import search_partition
from diampart.table import format_torus_table, parse_parts, torus_row, torus_upper_bound
from diampart.torus_lower import theorem_lower_bound


def test_parse_parts():
    assert parse_parts("2..5") == [2, 3, 4, 5]
    assert parse_parts("8, 3..4,8") == [8, 3, 4]
    for bad in ("0..3", "5..2", "x", "2..", ""):
        with pytest.raises(ValueError, match="parts"):
            parse_parts(bad)


def test_row_writes_checked_certificate_and_picture(tmp_path):
    row = torus_row(9, budget_s=0.0, lower_budget_s=0.0, methods=("strips", "hexagonal"),
                    out_dir=tmp_path)
    assert row.upper_method == "hexagonal"
    assert set(row.by_method) == {"strips", "hexagonal"}
    assert row.upper == min(row.by_method.values())
    assert row.strips == pytest.approx(math.sqrt(0.25 + 1 / 81))
    assert row.area == pytest.approx(2 / math.sqrt(9 * math.pi))
    assert row.ratio == pytest.approx(row.upper / (2 / math.sqrt(9 * math.pi)))
    assert row.lower <= row.upper
    assert row.lower == pytest.approx(theorem_lower_bound(9).value)
    cert = load_certificate(row.certificate)
    assert check_certificate(cert).ok
    assert str(cert.bound_squared) == row.upper_squared
    assert (tmp_path / "torus_m9.png").stat().st_size > 1000
    text = format_torus_table([row])
    assert "| 9 | 0.422287 | hexagonal |" in text and "m >= 8 here: mean 1.1227" in text


def test_small_m_rows_have_no_area_ratio():
    row = torus_row(3, budget_s=0.0, lower_budget_s=0.0, methods=("strips", "hexagonal"))
    assert row.area is None and row.ratio is None
    assert row.upper == pytest.approx(math.sqrt(13) / 6)  # d_3, reached by a hexagonal tiling
    assert "| 3 | 0.600925 |" in format_torus_table([row])


def test_torus_eight_parts_voronoi_certificate_passes_check():
    res = search_partition("torus", 8, restarts=1, seed=0, keep=1, refine=False,
                           seed_methods=("hexgrid",))
    report = check_certificate(res.certificate)
    assert report.ok, report.message
    assert len(res.certificate.cells) == 8
    assert res.diameter < math.sqrt(0.25 + 1 / 64)  # below the strips


def test_upper_bound_keeps_the_best_method():
    up = torus_upper_bound(5, budget_s=0.0, methods=("hexagonal", "strips"))
    assert up.method == "strips"  # sqrt(1/4 + 1/25) = 0.538516 < sqrt(5)/4 = 0.559017
    assert up.by_method["hexagonal"] == pytest.approx(math.sqrt(5) / 4)
    assert up.result.diameter == min(up.by_method.values())
    assert up.seconds_by_method.keys() == {"hexagonal", "strips"}


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="methods"):
        torus_upper_bound(8, methods=("magic",))
    with pytest.raises(ValueError, match="budget_s"):
        torus_upper_bound(8, budget_s=-1.0)
    with pytest.raises(ValueError, match="parts"):
        torus_upper_bound(0)


def test_row_keeps_lower_bound_certificates_in_the_given_cache(tmp_path):
    cache = tmp_path / "cache"
    row = torus_row(2, budget_s=0.0, lower_budget_s=60.0, methods=("strips",),
                    out_dir=tmp_path / "out", lower_cache_dir=cache)
    assert row.lower == pytest.approx(math.sqrt(2) / 2)
    assert {p.name for p in cache.iterdir()} >= {"torus_m2_s11_t50.json",
                                                 "torus_m2_s11_t50.checked.json"}
    assert not (tmp_path / "out" / "lower").exists()

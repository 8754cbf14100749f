"""The injective maps of ``injective_maps``: monotone where claimed, inverted to rounding, seeded,
the formulas they state (expm rotation, mixture CDF, singular values), and clear input errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.special import log_ndtr
from scipy.stats import kstest, norm

from infolens.tasks import CorrelatedGaussian, Transformed
from infolens.tasks.injective_maps import (
    BIMODAL_MEANS,
    BIMODAL_SCALES,
    BIMODAL_WEIGHTS,
    BimodalMarginal,
    LinearMix,
    Spiral,
    SwissRoll,
    Wiggly,
    so_generator,
    solve_increasing,
)
from infolens.tasks.transforms import TRANSFORM_KINDS, make_transform, transform_output_dim

GRID = np.linspace(-8.0, 8.0, 40_001)
ROUNDTRIP_ATOL = 1e-10  # Newton stops at 1e-14 (1 + |x|); a margin for the map's own rounding


# --- solve_increasing -------------------------------------------------------------------------


def test_solve_increasing_finds_roots_even_from_a_bad_start() -> None:
    targets = np.array([-50.0, -1.0, 0.0, 0.5, 1e3])
    roots = solve_increasing(
        lambda x, index: (np.sinh(x) - targets[index], np.cosh(x)),
        np.full(5, -20.0), np.full(5, 20.0), start=np.full(5, 19.0),
    )
    assert np.allclose(roots, np.arcsinh(targets), rtol=1e-14, atol=1e-14)


# --- wiggly -----------------------------------------------------------------------------------


def test_wiggly_defaults_are_the_beyond_normal_x_map() -> None:
    t = np.linspace(-3.0, 3.0, 7)
    expected = t + 0.4 * np.sin(t) + 0.2 * np.sin(1.7 * t + 1) + 0.03 * np.sin(3.3 * t - 2.5)
    assert np.allclose(Wiggly()(t), expected, rtol=0, atol=1e-15)
    assert Wiggly().slope_bound == pytest.approx(0.839)


def test_wiggly_is_strictly_increasing_with_the_stated_slope_and_inverse() -> None:
    w = Wiggly()
    values = w(GRID)
    assert np.all(np.diff(values) > 0)
    slope = w.derivative(GRID)
    assert np.all(slope >= 1 - w.slope_bound - 1e-12)
    central = (w(GRID + 1e-6) - w(GRID - 1e-6)) / 2e-6
    assert np.allclose(slope, central, atol=1e-8)
    assert np.max(np.abs(w.inverse(values) - GRID)) < ROUNDTRIP_ATOL
    far = np.array([-1e6, -123.4, 5e5])
    assert np.allclose(w.inverse(w(far)), far, rtol=1e-14)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=4),
    st.floats(0.05, 0.99),
    st.integers(0, 2**31 - 1),
)
def test_wiggly_any_parameters_under_the_bound_give_a_bijection(raw, bound, seed) -> None:
    rng = np.random.default_rng(seed)
    frequencies = rng.uniform(0.1, 5.0, size=len(raw))
    amplitudes = np.asarray(raw) + 1e-3
    amplitudes *= bound / np.sum(np.abs(amplitudes * frequencies))
    w = Wiggly(amplitudes, frequencies, rng.uniform(-np.pi, np.pi, size=len(raw)))
    t = np.sort(rng.normal(0.0, 10.0, size=200))
    values = w(t)
    assert np.all(np.diff(values) > 0) or np.any(np.diff(t) == 0)
    assert np.max(np.abs(w.inverse(values) - t)) < 1e-9


def test_wiggly_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="^amplitudes: sum"):
        Wiggly([0.5, 0.5], [1.0, 1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="^frequencies: expected 3"):
        Wiggly((0.1, 0.1, 0.1), (1.0, 1.0), (0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="^phases: every value must be finite"):
        Wiggly((0.1,), (1.0,), (np.nan,))
    with pytest.raises(ValueError, match="^amplitudes: expected a non-empty"):
        Wiggly((), (), ())
    with pytest.raises(ValueError, match="^t: contains NaN"):
        Wiggly()(np.array([np.inf]))


# --- bimodal ----------------------------------------------------------------------------------


def _mixture_cdf(x: np.ndarray) -> np.ndarray:
    return sum(
        w * norm.cdf(x, m, s)
        for w, m, s in zip(BIMODAL_WEIGHTS, BIMODAL_MEANS, BIMODAL_SCALES, strict=True)
    )


def test_bimodal_solves_the_mixture_cdf_equation_in_the_tails_too() -> None:
    b = BimodalMarginal()
    t = np.linspace(-35.0, 35.0, 14_001)
    x = b(t)
    assert np.all(np.diff(x) > 0)
    # F_mix(b(t)) = Phi(t), compared in log space on each side so the tails keep their digits
    left = t <= 0
    assert np.allclose(b.log_cdf(x[left]), log_ndtr(t[left]), rtol=1e-12, atol=1e-13)
    assert np.allclose(b.log_survival(x[~left]), log_ndtr(-t[~left]), rtol=1e-12, atol=1e-13)
    assert np.allclose(_mixture_cdf(x[np.abs(t) < 5]), norm.cdf(t[np.abs(t) < 5]), atol=1e-14)
    assert np.max(np.abs(b.inverse(x) - t)) < ROUNDTRIP_ATOL


def test_bimodal_turns_a_standard_normal_into_the_mixture() -> None:
    """Inverse-CDF sampling: a KS test against F_mix, and the change of variables
    phi(t) / b'(t) = f_mix(b(t)) with b' by central differences."""
    b = BimodalMarginal()
    x = b(np.random.default_rng(0).standard_normal(20_000))
    assert kstest(x, _mixture_cdf).pvalue > 1e-3
    t = np.linspace(-4.0, 4.0, 81)
    slope = (b(t + 1e-5) - b(t - 1e-5)) / 2e-5
    assert np.allclose(norm.pdf(t) / slope, np.exp(b.log_pdf(b(t))), rtol=1e-6)
    near = [np.count_nonzero(np.abs(x - centre) < 0.5) for centre in (0.0, 2.5, 5.0)]
    assert near[0] > 3 * near[1] and near[2] > 3 * near[1]  # two bumps, a valley between


def test_bimodal_keeps_shape_for_scalars_and_matrices() -> None:
    b = BimodalMarginal()
    assert b(0.3).shape == ()
    t = np.random.default_rng(1).standard_normal((50, 4))
    assert b(t).shape == (50, 4)
    assert np.array_equal(b(t)[7], b(t[7]))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_bimodal_any_mixture_gives_a_bijection(n_components, seed) -> None:
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(n_components)) * 0.98 + 0.02 / n_components
    b = BimodalMarginal(weights, rng.uniform(-10, 10, n_components), rng.uniform(0.05, 5, n_components))
    t = np.sort(rng.normal(0.0, 4.0, size=300))
    x = b(t)
    assert np.all(np.diff(x) >= 0)
    assert np.max(np.abs(b.inverse(x) - t)) < 1e-8


def test_bimodal_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="^weights: must be > 0 and sum to 1"):
        BimodalMarginal([0.5, 0.6], [0, 1], [1, 1])
    with pytest.raises(ValueError, match="^weights: must be > 0"):
        BimodalMarginal([1.5, -0.5], [0, 1], [1, 1])
    with pytest.raises(ValueError, match="^scales: must be > 0"):
        BimodalMarginal([0.5, 0.5], [0, 1], [1, 0])
    with pytest.raises(ValueError, match="^means: expected 2"):
        BimodalMarginal([0.5, 0.5], [0, 1, 2], [1, 1])
    with pytest.raises(ValueError, match="^weights: expected a sequence"):
        BimodalMarginal("ab", [0], [1])


# --- spiral -----------------------------------------------------------------------------------


def _skew(dim: int, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal((dim, dim))
    return a - a.T


@pytest.mark.parametrize(("dim", "generator"), [(2, None), (5, None), (4, _skew(4, 0))])
def test_spiral_is_the_matrix_exponential_rotation_and_inverts(dim, generator) -> None:
    spiral = Spiral(dim, speed=0.7, generator=generator)
    a = so_generator(dim) if generator is None else generator
    x = np.random.default_rng(dim).standard_normal((200, dim))
    y = spiral(x)
    expected = np.stack([expm(0.7 * (row @ row) * a) @ row for row in x[:20]])
    assert np.allclose(y[:20], expected, atol=1e-12)
    assert np.allclose(np.linalg.norm(y, axis=1), np.linalg.norm(x, axis=1), rtol=1e-14)
    assert np.max(np.abs(spiral.inverse(y) - x)) < 1e-12
    assert not np.allclose(y, x)
    assert np.allclose(Spiral(dim, speed=0.0, generator=generator)(x), x, rtol=0, atol=1e-14)


def test_spiral_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="^dim: must be >= 2"):
        Spiral(1)
    with pytest.raises(ValueError, match="^speed: must be finite"):
        Spiral(2, speed=np.inf)
    with pytest.raises(ValueError, match="^generator: must be a finite skew-symmetric"):
        Spiral(2, generator=np.eye(2))
    with pytest.raises(ValueError, match=r"^generator: expected shape \(3, 3\)"):
        Spiral(3, generator=so_generator(2))
    with pytest.raises(ValueError, match="^i, j:"):
        so_generator(3, 2, 1)
    with pytest.raises(ValueError, match=r"^x: expected shape \(n, 2\)"):
        Spiral(2)(np.zeros((3, 3)))


# --- swiss roll -------------------------------------------------------------------------------


def test_swiss_roll_embeds_each_coordinate_on_an_injective_curve() -> None:
    roll = SwissRoll()
    t = np.random.default_rng(0).standard_normal((1000, 2))
    s = roll(t)
    assert s.shape == (1000, 6)
    assert np.max(np.abs(roll.inverse(s) - t)) < 1e-9
    # the flat roll (c1, c2) alone is injective too: its radius grows strictly with t
    grid = GRID[np.abs(GRID) < 6][:, None]
    points = roll(grid)
    assert np.all(np.diff(np.hypot(points[:, 0], points[:, 1])) > 0)
    assert np.all(np.diff(points[:, 2]) > 0)
    # it winds 1.5 turns: the angle runs from 3 pi / 2 to 9 pi / 2
    angle = np.unwrap(np.arctan2(points[:, 1], points[:, 0]))
    assert angle[-1] - angle[0] == pytest.approx(3 * np.pi, rel=1e-3)


def test_swiss_roll_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"^t: expected shape \(n, d\)"):
        SwissRoll()(np.zeros(3))
    with pytest.raises(ValueError, match=r"^s: expected shape \(n, 3 d\)"):
        SwissRoll().inverse(np.zeros((3, 4)))


# --- linear mix -------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2, 7, 50])
def test_linear_mix_is_seeded_well_conditioned_and_inverts(dim: int) -> None:
    mix = LinearMix(dim, seed=3)
    assert np.linalg.cond(mix.matrix) == pytest.approx(1.0 if dim == 1 else 4.0, rel=1e-10)
    assert abs(np.linalg.det(mix.matrix)) == pytest.approx(1.0, rel=1e-10)
    x = np.random.default_rng(0).standard_normal((100, dim))
    assert np.allclose(mix.inverse(mix(x)), x, atol=1e-12)
    assert np.array_equal(LinearMix(dim, seed=3).matrix, mix.matrix)
    if dim > 1:
        assert not np.allclose(LinearMix(dim, seed=4).matrix, mix.matrix)
        off_diagonal = mix.matrix @ mix.matrix.T - np.diag(np.diag(mix.matrix @ mix.matrix.T))
        assert np.count_nonzero(np.abs(off_diagonal) > 1e-6) == dim * (dim - 1)  # dense


def test_linear_mix_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="^condition_number: must be >= 1"):
        LinearMix(3, condition_number=0.5)
    with pytest.raises(ValueError, match="^seed:"):
        LinearMix(3, seed=-1)
    with pytest.raises(ValueError, match="^dim:"):
        LinearMix(0)


# --- as transform kinds -----------------------------------------------------------------------

NEW_KINDS = ["wiggly", "bimodal", "spiral", "swiss_roll", "linear_mix"]


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_new_kinds_are_registered_and_invertible_on_a_task(kind: str) -> None:
    assert kind in TRANSFORM_KINDS
    base = CorrelatedGaussian(2, 3, mutual_information=1.0)
    task = Transformed(base, kind, seed=5)
    factor = 3 if kind == "swiss_roll" else 1
    assert (task.dim_x, task.dim_y) == (2 * factor, 3 * factor)
    assert (task.dim_x, task.dim_y) == (transform_output_dim(kind, 2), transform_output_dim(kind, 3))
    x, y = task.sample(400, seed=1)
    assert x.shape == (400, task.dim_x) and y.shape == (400, task.dim_y)
    bx, by = base.sample(400, seed=1)
    assert np.allclose(task.transform_x.inverse(x), bx, atol=1e-9)
    assert np.allclose(task.transform_y.inverse(y), by, atol=1e-9)
    assert task.mutual_information == 1.0
    assert task.name == f"{kind}-gaussian-2x3-i1"


def test_swiss_roll_on_one_side_only_and_spiral_needs_two_dimensions() -> None:
    task = Transformed(CorrelatedGaussian(1, mutual_information=1.0), "swiss_roll",
                       transform_y="identity")
    assert (task.dim_x, task.dim_y) == (3, 1)
    with pytest.raises(ValueError, match="^dim: must be >= 2"):
        Transformed(CorrelatedGaussian(1, mutual_information=1.0), "spiral")
    with pytest.raises(ValueError, match="^transform: unknown kind 'roll'"):
        transform_output_dim("roll", 2)


def test_linear_mix_kind_uses_the_seed() -> None:
    a, b = make_transform("linear_mix", 3, seed=1), make_transform("linear_mix", 3, seed=2)
    assert not np.allclose(a.matrix, b.matrix)
    task = Transformed(CorrelatedGaussian(3, mutual_information=1.0), "linear_mix", seed=0)
    assert not np.allclose(task.transform_x.matrix, task.transform_y.matrix)

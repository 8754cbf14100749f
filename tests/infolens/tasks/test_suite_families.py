"""The benchmark suite: its interface, its shape (families, dimensions, spread of MI), reproducible
sampling, and every task's MI checked by a computation independent of the one that states it:

* Gaussian families: 1/2 log(det S_xx det S_yy / det S) of the covariance (after the
  ``linear_mix`` matrices, for the dense ones), to 1e-9;
* Student-t: a Monte Carlo mean of log p(x, y) - log p(x) - log p(y) with
  ``scipy.stats.multivariate_t`` and the (mixed) dispersion, to 5 standard errors;
* uniform noise: a Monte Carlo mean of log p(y | x) - log p(y), to 5 standard errors;
* transformed tasks: the samples, mapped back by the inverse maps, are the base task's samples
  (so the maps are injective on the data and MI is the base's), plus KSG on two 1 + 1 cases;
* images: the latents recovered from the pictures are the latents drawn.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_t
from sklearn.feature_selection import mutual_info_regression

from infolens.tasks import (
    BUILTIN_TASKS,
    SUITE_FAMILIES,
    AdditiveUniformNoise,
    CorrelatedGaussian,
    MultivariateStudentT,
    Transformed,
    describe_suite,
    get_task,
    suite_task_names,
    task_family,
)
from infolens.tasks.images import _LatentImageTask
from infolens.tasks.transforms import (
    asinh_inverse,
    half_cube_inverse,
    normal_cdf_inverse,
)
from infolens.tasks.uniform_noise import uniform_noise_density

SUITE = suite_task_names()
FAMILIES = {"gaussian", "sparse", "dense", "high-mi", "student", "uniform-noise", "transformed",
            "images"}
MC_STANDARD_ERRORS = 5.0  # a correct MI fails this with probability ~ 6e-7 per task
CLOSED_FORM_RTOL = 1e-9


def _tasks_of(kind: type) -> list[str]:
    """Suite tasks of type ``kind``, plain or under ``linear_mix`` on both sides."""
    names = []
    for name in SUITE:
        task = get_task(name)
        if isinstance(task, Transformed) and task.transform_x_name == task.transform_y_name == (
            "linear_mix"
        ):
            task = task.base
        if isinstance(task, kind):
            names.append(name)
    return names


# --- the interface ----------------------------------------------------------------------------


def test_families_and_names_form_the_stated_interface() -> None:
    assert set(SUITE_FAMILIES) == FAMILIES
    assert all(isinstance(names, tuple) and names for names in SUITE_FAMILIES.values())
    assert SUITE == [name for names in SUITE_FAMILIES.values() for name in names]
    assert len(SUITE) == len(set(SUITE))
    for family, names in SUITE_FAMILIES.items():
        for name in names:
            assert name in BUILTIN_TASKS
            assert task_family(name) == family


def test_unknown_or_non_suite_names_raise_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="^name: 'nope' is not a suite task"):
        task_family("nope")
    with pytest.raises(ValueError, match="^name: 'labels-10-d2' is not a suite task"):
        task_family("labels-10-d2")


def test_describe_suite_lists_every_task_in_order() -> None:
    records = describe_suite()
    assert [r["name"] for r in records] == SUITE
    for r in records:
        task = get_task(r["name"])
        assert r["family"] == task_family(r["name"])
        assert (r["dim_x"], r["dim_y"]) == (task.dim_x, task.dim_y)
        assert r["mutual_information"] == task.mutual_information


def test_suite_size_dimensions_and_spread_of_mi() -> None:
    records = describe_suite()
    mi = np.array([r["mutual_information"] for r in records])
    assert 45 <= len(records) <= 60
    assert np.count_nonzero(mi <= 2.0) >= len(records) / 2
    assert np.count_nonzero(mi >= 5.0) >= 8
    assert np.all(mi > 0)
    for r in records:
        if r["family"] != "images":
            assert r["dim_x"] <= 50 and r["dim_y"] <= 50, r["name"]
    assert {r["dim_x"] for r in records if r["family"] == "sparse"} >= {5, 25}
    assert {r["dim_x"] for r in records if r["family"] == "dense"} >= {2, 50}
    assert {get_task(n).dof for n in SUITE_FAMILIES["student"] if n.startswith("student")} >= {
        1.0, 2.0, 3.0, 4.0, 5.0}


@pytest.mark.parametrize("name", SUITE)
def test_sampling_is_reproducible_and_continuous(name: str) -> None:
    task = get_task(name)
    x, y = task.sample(64, seed=3)
    x2, y2 = task.sample(64, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert x.shape == (64, task.dim_x) and y.shape == (64, task.dim_y)  # Y is never labels
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    x3, _ = task.sample(64, seed=4)
    assert not np.array_equal(x, x3)


# --- Gaussian families: the closed form from the covariance -----------------------------------


def _mi_from_covariance(cov: np.ndarray, dim_x: int) -> float:
    """I = 1/2 log(det S_xx det S_yy / det S) (Cover & Thomas 2006, eq. 8.56 in matrix form)."""
    logdet = lambda a: np.linalg.slogdet(a)[1]  # noqa: E731
    return 0.5 * (logdet(cov[:dim_x, :dim_x]) + logdet(cov[dim_x:, dim_x:]) - logdet(cov))


def _block_diagonal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros((len(a) + len(b), len(a) + len(b)))
    out[: len(a), : len(a)], out[len(a) :, len(a) :] = a, b
    return out


def _linear_parts(task: Transformed) -> np.ndarray:
    return _block_diagonal(task.transform_x.matrix, task.transform_y.matrix)


GAUSSIAN_TASKS = [n for n in _tasks_of(CorrelatedGaussian) if task_family(n) != "images"]


@pytest.mark.parametrize("name", GAUSSIAN_TASKS)
def test_gaussian_mi_matches_the_covariance_determinants(name: str) -> None:
    task = get_task(name)
    if isinstance(task, Transformed):
        m = _linear_parts(task)
        cov = m @ task.base.covariance() @ m.T
    else:
        cov = task.covariance()
    assert _mi_from_covariance(cov, task.dim_x) == pytest.approx(
        task.mutual_information, rel=CLOSED_FORM_RTOL)


@pytest.mark.parametrize("name", SUITE_FAMILIES["sparse"])
def test_sparse_tasks_correlate_only_the_first_pairs(name: str) -> None:
    task = get_task(name)
    k = int(name.split("-p")[1].split("-")[0])
    assert len(task.rho) == k and np.all(task.rho > 0)
    cross = task.covariance()[: task.dim_x, task.dim_x :]
    assert np.count_nonzero(cross) == k


@pytest.mark.parametrize("name", ["dense-gaussian-5x5-i1", "dense-gaussian-25x25-i2"])
def test_dense_tasks_sample_the_mixed_covariance(name: str) -> None:
    """The sample covariance is the dense M S M^T (and every cross entry is non-zero)."""
    task = get_task(name)
    m = _linear_parts(task)
    cov = m @ task.base.covariance() @ m.T
    x, y = task.sample(40_000, seed=0)
    sample_cov = np.cov(np.hstack([x, y]), rowvar=False)
    assert np.max(np.abs(sample_cov - cov)) < 0.1
    assert np.all(np.abs(cov[: task.dim_x, task.dim_x :]) > 1e-8)


# --- Student-t: Monte Carlo of the log-density ratio ------------------------------------------

STUDENT_TASKS = _tasks_of(MultivariateStudentT)


def _student_dispersion(task: object) -> tuple[MultivariateStudentT, np.ndarray]:
    if isinstance(task, Transformed):
        m = _linear_parts(task)
        return task.base, m @ task.base.dispersion() @ m.T
    return task, task.dispersion()


@pytest.mark.parametrize("name", STUDENT_TASKS)
def test_student_mi_matches_monte_carlo_of_log_density_ratio(name: str) -> None:
    task = get_task(name)
    base, s = _student_dispersion(task)
    dx, dy = task.dim_x, task.dim_y
    n = 40_000
    x, y = task.sample(n, seed=2)
    ratio = (
        multivariate_t(np.zeros(dx + dy), s, df=base.dof).logpdf(np.hstack([x, y]))
        - multivariate_t(np.zeros(dx), s[:dx, :dx], df=base.dof).logpdf(x)
        - multivariate_t(np.zeros(dy), s[dx:, dx:], df=base.dof).logpdf(y)
    )
    standard_error = ratio.std(ddof=1) / np.sqrt(n)
    assert abs(ratio.mean() - task.mutual_information) < MC_STANDARD_ERRORS * standard_error


# --- uniform noise: Monte Carlo of log p(y | x) - log p(y) ------------------------------------


@pytest.mark.parametrize("name", SUITE_FAMILIES["uniform-noise"])
def test_uniform_noise_mi_matches_monte_carlo(name: str) -> None:
    task = get_task(name)
    assert isinstance(task, AdditiveUniformNoise)
    n = 200_000
    x, y = task.sample(n, seed=1)
    assert np.all(np.abs(y - x) <= task.epsilon)
    ratio = -np.log(2 * task.epsilon) - np.log(uniform_noise_density(y[:, 0], task.epsilon))
    standard_error = ratio.std(ddof=1) / np.sqrt(n)
    assert abs(ratio.mean() - task.mutual_information) < MC_STANDARD_ERRORS * standard_error + 1e-12


# --- transformed tasks: the inverse maps give back the base samples ---------------------------

_ELEMENTWISE_INVERSES = {
    "normal_cdf": normal_cdf_inverse,
    "asinh": asinh_inverse,
    "half_cube": half_cube_inverse,
}


def _inverse(task: Transformed, side: str):
    name = task.transform_x_name if side == "x" else task.transform_y_name
    transform = task.transform_x if side == "x" else task.transform_y
    return _ELEMENTWISE_INVERSES.get(name) or transform.inverse


TRANSFORMED_TASKS = [n for n in SUITE if isinstance(get_task(n), Transformed)]


@pytest.mark.parametrize("name", TRANSFORMED_TASKS)
def test_transformed_tasks_invert_to_their_base_samples(name: str) -> None:
    """Injective maps on each side: MI is the base task's (Cover & Thomas 2006, data processing
    both ways); a Gaussian base is checked by its covariance here, a Student-t base is a suite
    task checked by Monte Carlo above."""
    task = get_task(name)
    assert task.mutual_information == task.base.mutual_information
    if isinstance(task.base, CorrelatedGaussian):
        assert _mi_from_covariance(task.base.covariance(), task.base.dim_x) == pytest.approx(
            task.mutual_information, rel=CLOSED_FORM_RTOL)
    elif name not in STUDENT_TASKS:  # the law of the suite task named without the prefix
        plain = name.split("-", 1)[1]
        assert plain in STUDENT_TASKS
        assert task.base.parameters() == get_task(plain).parameters()
    x, y = task.sample(2_000, seed=7)
    bx, by = task.base.sample(2_000, seed=7)
    # normal_cdf keeps ~1e-8 absolute near |t| = 5 (Phi' is small there); a spiral on Student-t
    # tails turns by angles ~ |x|^2, so relative rounding ~ 1e-16 |x|^2
    assert np.allclose(_inverse(task, "x")(x), bx, rtol=1e-7, atol=1e-6)
    assert np.allclose(_inverse(task, "y")(y), by, rtol=1e-7, atol=1e-6)
    assert not np.allclose(x[:, : bx.shape[1]], bx)


def test_swiss_roll_task_is_singular_but_keeps_the_base_mi() -> None:
    task = get_task("swiss_roll-gaussian-1x1-i1")
    assert (task.dim_x, task.dim_y) == (3, 3)
    x, _ = task.sample(2_000, seed=0)
    # every point lies on the one curve: the radius is an affine function of the height
    theta_start, theta_end = 1.5 * np.pi, 4.5 * np.pi
    radius = np.hypot(x[:, 0], x[:, 1])
    assert np.allclose(radius, (theta_start + (theta_end - theta_start) * x[:, 2]) / theta_end)
    assert task.mutual_information == 1.0


@pytest.mark.parametrize("name", ["wiggly-gaussian-1x1-i1", "bimodal-gaussian-1x1-i1"])
def test_ksg_sees_the_base_mi_through_one_dimensional_maps(name: str) -> None:
    """scikit-learn's KSG (k = 3), 4000 samples: within 0.08 nats of I = 1."""
    x, y = get_task(name).sample(4_000, seed=0)
    estimate = mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0]
    assert estimate == pytest.approx(1.0, abs=0.08)


# --- images: the pictures give back their latents ---------------------------------------------


@pytest.mark.parametrize("name", SUITE_FAMILIES["images"])
def test_image_tasks_recover_their_latents(name: str) -> None:
    task = get_task(name)
    assert isinstance(task, _LatentImageTask)
    x, y = task.sample(200, seed=5)
    zx, zy = task.sample_latent(200, seed=5)
    assert np.allclose(task.recover_latents(x), zx, atol=1e-6)
    assert np.allclose(task.recover_latents(y), zy, atol=1e-6)
    assert task.mutual_information == task.latent_task.mutual_information

"""Image tasks: shapes, pixel range, injectivity (explicit inverse), continuity, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from infolens.interfaces import Task
from infolens.tasks import GaussianImages, Rectangles
from infolens.tasks.images import rectangle_parameters, render_gaussian_bumps, render_rectangles

TASKS = [
    GaussianImages(mutual_information=2.0, image_size=16),
    GaussianImages(mutual_information=1.0, image_size=12, latent_dim=1),
    GaussianImages(mutual_information=1.0, image_size=16, latent_dim=3),
    GaussianImages(mutual_information=1.0, image_size=8, latent_dim=4),
    Rectangles(mutual_information=2.0, image_size=16),
    Rectangles(mutual_information=1.0, image_size=5),
]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_samples_are_flat_images_in_unit_range(task) -> None:
    x, y = task.sample(300, seed=1)
    s = task.image_size
    assert task.image_shape == (s, s)
    assert x.shape == y.shape == (300, s * s) and x.dtype == np.float64
    assert (task.dim_x, task.dim_y) == (s * s, s * s)
    assert np.all((x >= 0) & (x <= 1)) and np.all((y >= 0) & (y <= 1))
    assert x.max() > 0.5  # something is drawn
    assert isinstance(task, Task)


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_render_is_injective_latents_are_recovered(task) -> None:
    zx, zy = task.sample_latent(2000, seed=2)
    x, y = task.sample(2000, seed=2)
    assert zx.shape == (2000, task.latent_dim)
    assert np.array_equal(x, task.render(zx)) and np.array_equal(y, task.render(zy))
    assert np.max(np.abs(task.recover_latents(x) - zx)) < 1e-8
    assert np.max(np.abs(task.recover_latents(y) - zy)) < 1e-8


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_render_is_continuous_and_separates_near_latents(task) -> None:
    z = task.sample_latent(200, seed=3)[0]
    dz = 1e-6 * np.random.default_rng(0).standard_normal(z.shape)
    change = np.max(np.abs(task.render(z + dz) - task.render(z)), axis=1)
    assert np.all(change < 1e-4)  # continuous: a tiny move of the latent, a tiny change
    assert np.all(change > 0)  # and never the same picture for different latents


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_sampling_is_reproducible_and_mi_is_latent_mi(task) -> None:
    a, b = task.sample(50, seed=4), task.sample(50, seed=4)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], task.sample(50, seed=5)[0])
    assert task.mutual_information == task.latent_task.mutual_information
    assert task.describe()["parameters"]["image_size"] == task.image_size


def test_bump_is_where_the_latent_puts_it() -> None:
    # z = 0 -> Phi(0) = 1/2 -> centre of the canvas; peak in the 4 central pixels of 16x16
    img = render_gaussian_bumps(np.zeros((1, 2)), 16).reshape(16, 16)
    assert set(zip(*np.nonzero(img == img.max()), strict=True)) == {(7, 7), (7, 8), (8, 7), (8, 8)}
    assert np.allclose(img, img.T) and np.allclose(img, img[::-1, ::-1])
    # a large first coordinate moves it right (columns), the second moves it down (rows)
    right = render_gaussian_bumps(np.array([[2.0, 0.0]]), 16).reshape(16, 16)
    down = render_gaussian_bumps(np.array([[0.0, 2.0]]), 16).reshape(16, 16)
    assert np.argmax(right.max(axis=0)) > 8 and np.argmax(down.max(axis=1)) > 8


def test_rectangle_coverage_is_exact_area() -> None:
    z = np.random.default_rng(5).standard_normal((500, 4))
    u0, v0, w, h = rectangle_parameters(z, 16)
    assert np.all(u0 > 0) and np.all(u0 + w < 1) and np.all(v0 > 0) and np.all(v0 + h < 1)
    assert np.all(w >= 2 / 16) and np.all(h >= 2 / 16)
    images = render_rectangles(z, 16)
    # total coverage in pixel units = area * s^2
    assert np.allclose(images.sum(axis=1), w * h * 256, rtol=1e-12)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="^latent_dim:"):
        GaussianImages(1.0, latent_dim=5)
    with pytest.raises(ValueError, match="^image_size:"):
        Rectangles(1.0, image_size=3)
    with pytest.raises(ValueError, match="^mutual_information:"):
        GaussianImages(-1.0)
    with pytest.raises(ValueError, match="^latents:"):
        Rectangles(1.0).render(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="^latents:"):
        GaussianImages(1.0).render(np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="^images:"):
        GaussianImages(1.0).recover_latents(np.ones((2, 10)))

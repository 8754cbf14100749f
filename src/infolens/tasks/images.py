"""Images with known MI: a latent Gaussian pair drawn as pictures by an injective map.

The compression experiments of Butakov et al. ("Information Bottleneck Analysis of Deep Neural
Networks via Lossy Compression", ICLR 2024, arXiv:2305.08013) take latent
vectors (Z_X, Z_Y) with known MI and render each as a small picture. For an injective
measurable render map R, I(R(Z_X); R(Z_Y)) = I(Z_X; Z_Y), so the images carry exactly the
latent MI. Each render below comes with ``recover_latents``, an explicit inverse on its image,
which is the proof (and the test) of injectivity.

Geometry is in canvas units: the image is [0, 1]^2, pixel (row j, column i) covers
[i/s, (i+1)/s] x [j/s, (j+1)/s] and has its centre at ((i + 1/2)/s, (j + 1/2)/s); columns
are the horizontal coordinate u, rows the vertical v. Each latent coordinate is first mapped
into (0, 1) by the standard normal CDF Phi (a bijection R -> (0, 1)).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from infolens._validation import as_samples, check_positive_int
from infolens.tasks.base import TaskBase, check_finite_float
from infolens.tasks.gaussian import CorrelatedGaussian

__all__ = [
    "BUMP_CENTRE_MARGIN",
    "BUMP_WIDTH",
    "BUMP_WIDTH_RANGE",
    "RECTANGLE_MAX_SIDE",
    "bump_parameters",
    "render_gaussian_bumps",
    "rectangle_parameters",
    "render_rectangles",
    "GaussianImages",
    "Rectangles",
]

BUMP_CENTRE_MARGIN = 0.2
"""Bump centres lie in [margin, 1 - margin]^2, so the bump is mostly inside the canvas."""
BUMP_WIDTH = 0.1
"""The bump's standard deviation (canvas units) when the latent does not set it: 1.6 px at 16x16."""
BUMP_WIDTH_RANGE = (0.05, 0.2)
"""Range of the bump's standard deviation when latent coordinates 3 (and 4) set it."""
RECTANGLE_MAX_SIDE = 0.75
"""Largest rectangle side (canvas units); the smallest is two pixels, 2 / image_size."""

_MIN_IMAGE_SIZE = 4


def _pixel_centres(image_size: int) -> np.ndarray:
    return (np.arange(image_size) + 0.5) / image_size


def bump_parameters(latents: np.ndarray) -> tuple[np.ndarray, ...]:
    """Map latents to bump centres and widths ``(cu, cv, su, sv)``.

    cu = m + (1 - 2m) Phi(z_1) with m = BUMP_CENTRE_MARGIN; cv likewise from z_2 (k >= 2,
    else 0.5); su = a + (b - a) Phi(z_3) with (a, b) = BUMP_WIDTH_RANGE (k >= 3, else
    BUMP_WIDTH); sv from z_4 (k = 4, else sv = su). Each is a smooth bijection in its coordinate.

    Parameters
    ----------
    latents : numpy.ndarray of shape (n, k)
        Latent vectors, k in 1..4.

    Returns
    -------
    cu, cv, su, sv : numpy.ndarray of shape (n,)
        Horizontal and vertical centres and widths, in canvas units.

    Raises
    ------
    ValueError
        When k is not in 1..4.
    """
    z = np.asarray(latents, dtype=np.float64)
    k = z.shape[1]
    if not 1 <= k <= 4:
        raise ValueError(f"latents: bump images take 1 to 4 latent coordinates, got {k}")
    m = BUMP_CENTRE_MARGIN
    lo, hi = BUMP_WIDTH_RANGE
    cu = m + (1 - 2 * m) * ndtr(z[:, 0])
    cv = m + (1 - 2 * m) * ndtr(z[:, 1]) if k >= 2 else np.full(len(z), 0.5)
    su = lo + (hi - lo) * ndtr(z[:, 2]) if k >= 3 else np.full(len(z), BUMP_WIDTH)
    sv = lo + (hi - lo) * ndtr(z[:, 3]) if k >= 4 else su
    return cu, cv, su, sv


def render_gaussian_bumps(latents: np.ndarray, image_size: int = 16) -> np.ndarray:
    """Render each latent row as a 2-D Gaussian bump.

    pixel(j, i) = exp(-(u_i - cu)^2 / (2 su^2) - (v_j - cv)^2 / (2 sv^2)) at pixel centres
    (u_i, v_j), with (cu, cv, su, sv) from :func:`bump_parameters`.

    Injective: log pixel = -u^2/(2 su^2) + u cu/su^2 - v^2/(2 sv^2) + v cv/sv^2 + const, a
    quadratic in the pixel coordinates whose coefficients give su, cu, sv, cv (three distinct
    pixel columns and rows determine it), and those give the latents through Phi^{-1}. Widths
    stay >= 0.05 canvas, so even the farthest pixel is >= exp(-400) > 0 (no underflow).

    Parameters
    ----------
    latents : array-like of shape (n, k)
        Latent vectors, k in 1..4 (:func:`bump_parameters`).
    image_size : int, default=16
        Side s of the square image (>= 4).

    Returns
    -------
    numpy.ndarray of shape (n, s * s)
        Flattened images (row-major), pixels in (0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> img = render_gaussian_bumps(np.zeros((1, 2)), image_size=8)
    >>> img.shape, round(float(img.max()), 3)  # a bump centred on the canvas
    ((1, 64), 0.677)
    """
    s = check_positive_int(image_size, "image_size", minimum=_MIN_IMAGE_SIZE)
    z = as_samples(latents, "latents")
    cu, cv, su, sv = bump_parameters(z)
    c = _pixel_centres(s)
    prof_u = np.exp(-((c[None, :] - cu[:, None]) ** 2) / (2 * su[:, None] ** 2))
    prof_v = np.exp(-((c[None, :] - cv[:, None]) ** 2) / (2 * sv[:, None] ** 2))
    return (prof_v[:, :, None] * prof_u[:, None, :]).reshape(len(z), s * s)


def _recover_bumps(images: np.ndarray, image_size: int, latent_dim: int) -> np.ndarray:
    """Inverse of :func:`render_gaussian_bumps` by an exact quadratic fit of log pixel values."""
    s = image_size
    logs = np.log(images.reshape(-1, s, s))
    c = _pixel_centres(s)
    design = np.stack([np.ones(s), c, c**2], axis=1)  # log profile = a0 + a1 t + a2 t^2
    # separable: column j0 of log image is log prof_v + const, row i0 is log prof_u + const
    coef_u = np.linalg.lstsq(design, logs[:, s // 2, :].T, rcond=None)[0]
    coef_v = np.linalg.lstsq(design, logs[:, :, s // 2].T, rcond=None)[0]
    su = np.sqrt(-1.0 / (2.0 * coef_u[2]))
    sv = np.sqrt(-1.0 / (2.0 * coef_v[2]))
    cu = coef_u[1] * su**2
    cv = coef_v[1] * sv**2
    m = BUMP_CENTRE_MARGIN
    lo, hi = BUMP_WIDTH_RANGE
    cols = [ndtri((cu - m) / (1 - 2 * m)), ndtri((cv - m) / (1 - 2 * m))]
    cols += [ndtri((su - lo) / (hi - lo)), ndtri((sv - lo) / (hi - lo))]
    return np.stack(cols[:latent_dim], axis=1)


def rectangle_parameters(latents: np.ndarray, image_size: int = 16) -> tuple[np.ndarray, ...]:
    """Map latents to axis-aligned rectangles ``(u0, v0, width, height)`` in the canvas.

    width = a + (b - a) Phi(z_3) with a = 2 / image_size (two pixels), b = RECTANGLE_MAX_SIDE;
    u0 = Phi(z_1) (1 - width); likewise height from z_4 and v0 from z_2. So the rectangle
    [u0, u0 + width] x [v0, v0 + height] lies strictly inside (0, 1)^2 and never narrows below
    two pixels, and (z_1, z_3) -> (u0, width) is a smooth bijection onto its image.

    Parameters
    ----------
    latents : numpy.ndarray of shape (n, 4)
        Latent vectors.
    image_size : int, default=16
        Side of the square image (>= 4), which sets the smallest side.

    Returns
    -------
    u0, v0, width, height : numpy.ndarray of shape (n,)
        Lower-left corner and sides, in canvas units.

    Raises
    ------
    ValueError
        When ``latents`` is not of shape (n, 4).
    """
    s = check_positive_int(image_size, "image_size", minimum=_MIN_IMAGE_SIZE)
    z = np.asarray(latents, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != 4:
        raise ValueError(f"latents: rectangles take 4 latent coordinates, got shape {z.shape}")
    lo = 2.0 / s
    width = lo + (RECTANGLE_MAX_SIDE - lo) * ndtr(z[:, 2])
    height = lo + (RECTANGLE_MAX_SIDE - lo) * ndtr(z[:, 3])
    return ndtr(z[:, 0]) * (1 - width), ndtr(z[:, 1]) * (1 - height), width, height


def _interval_coverage(start: np.ndarray, length: np.ndarray, image_size: int) -> np.ndarray:
    """Fraction of each pixel interval [k/s, (k+1)/s] covered by [start, start + length]."""
    edges = np.arange(image_size + 1) / image_size
    lo = np.maximum(edges[None, :-1], start[:, None])
    hi = np.minimum(edges[None, 1:], (start + length)[:, None])
    return np.clip((hi - lo) * image_size, 0.0, 1.0)  # the clip at 1 only removes rounding


def render_rectangles(latents: np.ndarray, image_size: int = 16) -> np.ndarray:
    """Render each latent row as an anti-aliased rectangle.

    pixel(j, i) = area of (pixel ∩ rectangle) / pixel area = cover_u(i) * cover_v(j), exact
    and continuous (piecewise linear) in the corners, with the rectangle from
    :func:`rectangle_parameters`.

    Injective: column sums are proportional to cover_u; a side of >= two pixels covers a whole
    pixel, so cover_u = column sums / their maximum; then width = sum(cover_u) / s and, with
    k the first pixel touched, u0 = (k + 1 - cover_u(k)) / s (the rectangle reaches past that
    pixel); the same for rows. Nothing is clipped since the rectangle lies inside the canvas.

    Parameters
    ----------
    latents : array-like of shape (n, 4)
        Latent vectors (:func:`rectangle_parameters`).
    image_size : int, default=16
        Side s of the square image (>= 4).

    Returns
    -------
    numpy.ndarray of shape (n, s * s)
        Flattened images (row-major), pixels in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> img = render_rectangles(np.zeros((1, 4)), image_size=8)
    >>> img.shape, float(img.max())
    ((1, 64), 1.0)
    """
    s = check_positive_int(image_size, "image_size", minimum=_MIN_IMAGE_SIZE)
    z = as_samples(latents, "latents")
    u0, v0, width, height = rectangle_parameters(z, s)
    cover_u = _interval_coverage(u0, width, s)
    cover_v = _interval_coverage(v0, height, s)
    return (cover_v[:, :, None] * cover_u[:, None, :]).reshape(len(z), s * s)


def _recover_rectangles(images: np.ndarray, image_size: int) -> np.ndarray:
    """Inverse of :func:`render_rectangles` (the argument in its docstring, run)."""
    s = image_size
    img = images.reshape(-1, s, s)
    lo = 2.0 / s

    def side(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cover = sums / sums.max(axis=1, keepdims=True)
        first = np.argmax(cover > 0, axis=1)
        length = cover.sum(axis=1) / s
        start = (first + 1 - cover[np.arange(len(cover)), first]) / s
        return start, length

    u0, width = side(img.sum(axis=1))
    v0, height = side(img.sum(axis=2))
    span = RECTANGLE_MAX_SIDE - lo
    return np.stack(
        [
            ndtri(u0 / (1 - width)),
            ndtri(v0 / (1 - height)),
            ndtri((width - lo) / span),
            ndtri((height - lo) / span),
        ],
        axis=1,
    )


class _LatentImageTask(TaskBase):
    """Shared part: a latent CorrelatedGaussian pair and a deterministic render map."""

    latent_dim: int

    def __init__(self, mutual_information: float, image_size: int, latent_dim: int) -> None:
        mi = check_finite_float(mutual_information, "mutual_information", minimum=0.0)
        self.image_size = check_positive_int(image_size, "image_size", minimum=_MIN_IMAGE_SIZE)
        self.image_shape = (self.image_size, self.image_size)
        self.latent_dim = latent_dim
        self.latent_task = CorrelatedGaussian(latent_dim, latent_dim, mutual_information=mi)
        self.dim_x = self.dim_y = self.image_size**2

    @property
    def mutual_information(self) -> float:
        """I(render(Z_X); render(Z_Y)) = I(Z_X; Z_Y), the latent MI (nats)."""
        return self.latent_task.mutual_information

    def sample_latent(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The latent pair behind ``sample(n, seed)``.

        Parameters
        ----------
        n : int
            Number of pairs.
        seed : int, default=0
            The seed given to ``sample``.

        Returns
        -------
        z_x, z_y : numpy.ndarray of shape (n, latent_dim)
            The latent vectors.
        """
        return self.latent_task.sample(n, seed=seed)

    def render(self, latents: np.ndarray) -> np.ndarray:
        """Flattened images (n, image_size**2) of latents (n, latent_dim); deterministic."""
        raise NotImplementedError

    def recover_latents(self, images: np.ndarray) -> np.ndarray:
        """The inverse of ``render`` on its image (flattened images -> latents)."""
        raise NotImplementedError

    def _check_images(self, images: np.ndarray) -> np.ndarray:
        arr = as_samples(images, "images")
        if arr.shape[1] != self.dim_x:
            raise ValueError(
                f"images: expected {self.dim_x} pixels per row ({self.image_shape} flattened), "
                f"got {arr.shape[1]}"
            )
        return arr

    def _check_latents(self, latents: np.ndarray) -> np.ndarray:
        z = as_samples(latents, "latents")
        if z.shape[1] != self.latent_dim:
            raise ValueError(
                f"latents: expected {self.latent_dim} coordinates per row, got {z.shape[1]}"
            )
        return z

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        zx, zy = self.latent_task._sample(n, rng)
        return self.render(zx), self.render(zy)


class GaussianImages(_LatentImageTask):
    """Pictures of 2-D Gaussian bumps placed (and shaped) by correlated Gaussian latents.

    Z_X, Z_Y ~ :class:`CorrelatedGaussian` (latent_dim each, the MI spread evenly over the
    latent pairs); each is drawn by :func:`render_gaussian_bumps`: coordinates 1-2 set the
    centre, 3 the width (4: the vertical width); latent_dim 1 moves the bump horizontally only.
    The render is injective, so I(X; Y) = ``mutual_information``. The defaults (16 x 16 images,
    latent dimension 2) are the setting of the synthetic image tests of the compression and
    flow estimators.

    Parameters
    ----------
    mutual_information : float, default=1.0
        Latent MI in nats (>= 0).
    image_size : int, default=16
        Side s of the s x s image (>= 4); samples are flattened to s*s columns.
    latent_dim : int, default=2
        Dimension of each latent vector, 1 to 4.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013; Butakov et al., "Mutual Information Estimation
    via Normalizing Flows", NeurIPS 2024, arXiv:2403.02187.

    Examples
    --------
    >>> task = GaussianImages(mutual_information=2.0, image_size=16)
    >>> x, y = task.sample(5, seed=0)
    >>> x.shape, task.image_shape, task.name
    ((5, 256), (16, 16), 'gaussian-images-16-i2')
    """

    def __init__(
        self, mutual_information: float = 1.0, image_size: int = 16, latent_dim: int = 2
    ) -> None:
        latent_dim = check_positive_int(latent_dim, "latent_dim")
        if latent_dim > 4:
            raise ValueError(f"latent_dim: bump images support 1 to 4, got {latent_dim}")
        super().__init__(mutual_information, image_size, latent_dim)
        extra = "" if latent_dim == 2 else f"-l{latent_dim}"
        self.name = f"gaussian-images-{self.image_size}{extra}-i{self.mutual_information:.4g}"

    def parameters(self) -> dict[str, Any]:
        """``mutual_information``, ``image_size`` and ``latent_dim``, for JSON."""
        return {
            "mutual_information": self.mutual_information,
            "image_size": self.image_size,
            "latent_dim": self.latent_dim,
        }

    def render(self, latents: np.ndarray) -> np.ndarray:
        """:func:`render_gaussian_bumps` at this task's image size.

        Parameters
        ----------
        latents : numpy.ndarray of shape (n, latent_dim)
            Latent vectors.

        Returns
        -------
        numpy.ndarray of shape (n, image_size ** 2)
            Flattened images.
        """
        return render_gaussian_bumps(self._check_latents(latents), self.image_size)

    def recover_latents(self, images: np.ndarray) -> np.ndarray:
        """Latents from bump images, by a quadratic fit of the log central row and column.

        Parameters
        ----------
        images : numpy.ndarray of shape (n, image_size ** 2)
            Flattened images made by :meth:`render` (strictly positive pixels).

        Returns
        -------
        numpy.ndarray of shape (n, latent_dim)
            The latents they were rendered from (to rounding error).
        """
        imgs = self._check_images(images)
        if np.any(imgs <= 0):
            raise ValueError("images: bump images are strictly positive; got a pixel <= 0")
        return _recover_bumps(imgs, self.image_size, self.latent_dim)


class Rectangles(_LatentImageTask):
    """Pictures of anti-aliased axis-aligned rectangles set by correlated Gaussian latents (dim 4).

    Z_X, Z_Y ~ :class:`CorrelatedGaussian` (4 + 4 dims, MI spread over 4 pairs); each latent is
    drawn by :func:`render_rectangles` (position and size, sides of 2 pixels up to
    ``RECTANGLE_MAX_SIDE`` of the canvas, always inside it, exact per-pixel area coverage). The
    render is continuous and injective, so I(X; Y) = ``mutual_information``.

    Parameters
    ----------
    mutual_information : float, default=1.0
        Latent MI in nats (>= 0).
    image_size : int, default=16
        Side s of the s x s image (>= 4).

    References
    ----------
    The rectangles experiment of Butakov et al., "Information Bottleneck Analysis of Deep
    Neural Networks via Lossy Compression", ICLR 2024, arXiv:2305.08013.

    Examples
    --------
    >>> task = Rectangles(mutual_information=1.0, image_size=16)
    >>> x, y = task.sample(3, seed=0)
    >>> x.shape, task.latent_dim, task.name
    ((3, 256), 4, 'rectangles-16-i1')
    """

    def __init__(self, mutual_information: float = 1.0, image_size: int = 16) -> None:
        super().__init__(mutual_information, image_size, 4)
        self.name = f"rectangles-{self.image_size}-i{self.mutual_information:.4g}"

    def parameters(self) -> dict[str, Any]:
        """``mutual_information`` and ``image_size``, for JSON."""
        return {"mutual_information": self.mutual_information, "image_size": self.image_size}

    def render(self, latents: np.ndarray) -> np.ndarray:
        """:func:`render_rectangles` at this task's image size.

        Parameters
        ----------
        latents : numpy.ndarray of shape (n, 4)
            Latent vectors.

        Returns
        -------
        numpy.ndarray of shape (n, image_size ** 2)
            Flattened images, pixels in [0, 1].
        """
        return render_rectangles(self._check_latents(latents), self.image_size)

    def recover_latents(self, images: np.ndarray) -> np.ndarray:
        """Latents from rectangle images (coverage profiles -> corners -> Phi^{-1}).

        Parameters
        ----------
        images : numpy.ndarray of shape (n, image_size ** 2)
            Flattened images made by :meth:`render`.

        Returns
        -------
        numpy.ndarray of shape (n, 4)
            The latents they were rendered from (to rounding error).
        """
        return _recover_rectangles(self._check_images(images), self.image_size)

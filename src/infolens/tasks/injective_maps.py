"""More MI-preserving maps: wiggly, bimodal, spiral, Swiss roll and linear mixing.

Each map here is injective with a measurable inverse (given as ``inverse``), so applied to X (or
to Y) it leaves I(X; Y) unchanged (Kraskov, Stoegbauer & Grassberger, "Estimating mutual
information", 2004, arXiv:cond-mat/0305641, eq. 45). They are the "Beyond Normal" transforms
(Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
NeurIPS 2023, arXiv:2306.11078) that :mod:`infolens.tasks.transforms` did not yet have:

* :class:`Wiggly`: t + sum_i a_i sin(omega_i t + phi_i), element-wise, strictly increasing;
* :class:`BimodalMarginal`: F_mix^{-1}(Phi(t)), element-wise, turns a standard normal
  coordinate into a two-component Gaussian mixture;
* :class:`Spiral`: x -> exp(v |x|^2 A) x, a rotation whose angle grows with the radius;
* :class:`SwissRoll`: each coordinate becomes a point of a curve rolled up in R^3
  (1 -> 3 dimensions; the law of the image is singular, MI is unchanged);
* :class:`LinearMix`: x -> M x with a seeded, well-conditioned random matrix M (dense
  covariance from any task).

The inverses of ``Wiggly`` and ``BimodalMarginal`` have no closed form; they are found by a
safeguarded Newton iteration (:func:`solve_increasing`) to about 1e-14 relative accuracy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import log_ndtr, ndtr, ndtri, ndtri_exp
from scipy.stats import ortho_group

from infolens._validation import check_positive_int
from infolens.tasks.base import check_finite_float, check_seed

__all__ = [
    "WIGGLY_AMPLITUDES",
    "WIGGLY_FREQUENCIES",
    "WIGGLY_PHASES",
    "BIMODAL_WEIGHTS",
    "BIMODAL_MEANS",
    "BIMODAL_SCALES",
    "SPIRAL_SPEED",
    "LINEAR_MIX_CONDITION_NUMBER",
    "solve_increasing",
    "Wiggly",
    "BimodalMarginal",
    "so_generator",
    "Spiral",
    "SwissRoll",
    "LinearMix",
]

WIGGLY_AMPLITUDES = (0.4, 0.2, 0.03)
"""a_i of the default :class:`Wiggly` (the X map of the "Beyond Normal" wiggly task)."""
WIGGLY_FREQUENCIES = (1.0, 1.7, 3.3)
"""omega_i of the default :class:`Wiggly`; sum |a_i omega_i| = 0.839 < 1."""
WIGGLY_PHASES = (0.0, 1.0, -2.5)
"""phi_i of the default :class:`Wiggly`."""

BIMODAL_WEIGHTS = (0.3, 0.7)
"""Mixture weights of the default :class:`BimodalMarginal` ("Beyond Normal", bimodal X)."""
BIMODAL_MEANS = (0.0, 5.0)
"""Component means of the default :class:`BimodalMarginal`."""
BIMODAL_SCALES = (1.0, 1.0)
"""Component standard deviations of the default :class:`BimodalMarginal`."""

SPIRAL_SPEED = 0.5
"""The default speed v of :class:`Spiral`: a standard normal 2-D point turns by 1 rad on average."""

LINEAR_MIX_CONDITION_NUMBER = 4.0
"""Default ratio of the largest to the smallest singular value of :class:`LinearMix`."""

_BIMODAL_TABLE_REACH = 8.0
_BIMODAL_TABLE_SIZE = 1025
_NEWTON_TOLERANCE = 1e-14
_NEWTON_MAX_ITER = 100


def _as_float_array(t: object, name: str) -> np.ndarray:
    arr = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def _as_rows(t: object, dim: int, name: str) -> np.ndarray:
    arr = _as_float_array(t, name)
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"{name}: expected shape (n, {dim}), got {arr.shape}")
    return arr


def _as_vector(values: object, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a sequence of numbers, got {values!r}") from None
    if arr.ndim != 1 or len(arr) == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: every value must be finite, got {arr.tolist()}")
    return arr


def _parallel_vectors(**named: object) -> list[np.ndarray]:
    """The values as 1-D float vectors of one length (that of the first), or a ValueError naming
    the first that is not."""
    vectors = [_as_vector(values, name) for name, values in named.items()]
    (first, *others), length = named, len(vectors[0])
    for name, vec in zip(others, vectors[1:], strict=True):
        if len(vec) != length:
            raise ValueError(f"{name}: expected {length} values (one per {first[:-1]}), "
                             f"got {len(vec)}")
    return vectors


def _logsumexp_last(a: np.ndarray) -> np.ndarray:
    """log sum_k exp(a[..., k]), stably (a few times faster than scipy's for small k)."""
    top = np.max(a, axis=-1)
    finite_top = np.where(np.isfinite(top), top, 0.0)
    return finite_top + np.log(np.sum(np.exp(a - finite_top[..., None]), axis=-1))


def solve_increasing(
    residual_and_slope: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    lower: np.ndarray,
    upper: np.ndarray,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Solve r(x) = 0 element-wise for an increasing r, given a bracket.

    Newton steps x <- x - r(x) / r'(x), replaced by the bisection step (lower + upper) / 2
    whenever they leave the current bracket; each evaluation shrinks the bracket (to [x, upper]
    if r(x) < 0, to [lower, x] if r(x) > 0). An element stops when its step is below
    1e-14 (1 + |x|); all stop after 100 steps (bisection alone reaches float64 resolution by
    then). Only the elements still moving are evaluated.

    Parameters
    ----------
    residual_and_slope : callable
        ``(x, index) -> (r(x), r'(x))`` for the elements ``index`` (an integer array into the
        flattened input) at the points ``x`` (1-D, same length); r increasing in x.
    lower, upper : numpy.ndarray
        A bracket: r(lower) <= 0 <= r(upper), same shape.
    start : numpy.ndarray or None, default=None
        First guesses inside the bracket; ``None``: its midpoints.

    Returns
    -------
    numpy.ndarray
        The roots, shape of ``lower``.

    References
    ----------
    Press, Teukolsky, Vetterling & Flannery, "Numerical Recipes", 3rd ed., 2007, section 9.4
    (``rtsafe``: Newton-Raphson with bisection).

    Examples
    --------
    >>> root = solve_increasing(lambda x, index: (x**3 - 2.0, 3 * x**2),
    ...                         np.array([0.0]), np.array([2.0]))
    >>> bool(abs(root[0] - 2 ** (1 / 3)) < 1e-14)
    True
    """
    lo = np.array(lower, dtype=np.float64).ravel()
    hi = np.array(upper, dtype=np.float64).ravel()
    x = 0.5 * (lo + hi) if start is None else np.array(start, dtype=np.float64).ravel()
    active = np.arange(x.size)
    for _ in range(_NEWTON_MAX_ITER):
        if active.size == 0:
            break
        xa, la, ha = x[active], lo[active], hi[active]
        r, slope = residual_and_slope(xa, active)
        la = np.where(r < 0, xa, la)
        ha = np.where(r > 0, xa, ha)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = xa - r / slope
        inside = np.isfinite(newton) & (newton >= la) & (newton <= ha)
        x_next = np.where(r == 0, xa, np.where(inside, newton, 0.5 * (la + ha)))
        moving = np.abs(x_next - xa) > _NEWTON_TOLERANCE * (1.0 + np.abs(x_next))
        x[active], lo[active], hi[active] = x_next, la, ha
        active = active[moving]
    return x.reshape(np.shape(lower))


class Wiggly:
    """w(t) = t + sum_i a_i sin(omega_i t + phi_i), element-wise: a strictly increasing bijection.

    w'(t) = 1 + sum_i a_i omega_i cos(omega_i t + phi_i) >= 1 - sum_i |a_i omega_i| > 0, and
    |w(t) - t| <= A = sum_i |a_i|, so w maps R onto R. The inverse of s lies in [s - A, s + A]
    and is found by :func:`solve_increasing`.

    Parameters
    ----------
    amplitudes : sequence of float, default=WIGGLY_AMPLITUDES
        a_i; with ``frequencies``, sum |a_i omega_i| must be < 1.
    frequencies : sequence of float, default=WIGGLY_FREQUENCIES
        omega_i, as many as ``amplitudes``.
    phases : sequence of float, default=WIGGLY_PHASES
        phi_i, as many as ``amplitudes``.

    Raises
    ------
    ValueError
        Naming the argument: lengths that differ, non-finite values, or
        sum |a_i omega_i| >= 1 (``amplitudes``; w would not be monotone).

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078 (the "wiggly" transform; the defaults are its X map).

    Examples
    --------
    >>> w = Wiggly()
    >>> t = np.linspace(-5.0, 5.0, 11)
    >>> bool(np.all(np.diff(w(t)) > 0)), bool(np.allclose(w.inverse(w(t)), t, atol=1e-12))
    (True, True)
    """

    def __init__(
        self,
        amplitudes: Sequence[float] = WIGGLY_AMPLITUDES,
        frequencies: Sequence[float] = WIGGLY_FREQUENCIES,
        phases: Sequence[float] = WIGGLY_PHASES,
    ) -> None:
        self.amplitudes, self.frequencies, self.phases = _parallel_vectors(
            amplitudes=amplitudes, frequencies=frequencies, phases=phases)
        self.slope_bound = float(np.sum(np.abs(self.amplitudes * self.frequencies)))
        if self.slope_bound >= 1.0:
            raise ValueError(
                "amplitudes: sum |a_i omega_i| must be < 1 for a strictly increasing map, "
                f"got {self.slope_bound:.4g}"
            )
        self.__name__ = "wiggly"

    def _wiggle(self, t: np.ndarray) -> np.ndarray:
        angles = np.multiply.outer(t, self.frequencies) + self.phases
        return np.sin(angles) @ self.amplitudes

    def derivative(self, t: np.ndarray) -> np.ndarray:
        """w'(t) = 1 + sum_i a_i omega_i cos(omega_i t + phi_i), element-wise.

        Parameters
        ----------
        t : array-like
            Any array.

        Returns
        -------
        numpy.ndarray
            w'(t), float64, same shape, >= 1 - sum |a_i omega_i| > 0.
        """
        t = _as_float_array(t, "t")
        angles = np.multiply.outer(t, self.frequencies) + self.phases
        return 1.0 + np.cos(angles) @ (self.amplitudes * self.frequencies)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """w(t), element-wise.

        Parameters
        ----------
        t : array-like
            Any array of finite numbers.

        Returns
        -------
        numpy.ndarray
            w(t), float64, same shape.
        """
        t = _as_float_array(t, "t")
        return t + self._wiggle(t)

    def inverse(self, s: np.ndarray) -> np.ndarray:
        """w^{-1}(s), element-wise, to about 1e-14 (1 + |s|).

        Parameters
        ----------
        s : array-like
            Any array of finite numbers.

        Returns
        -------
        numpy.ndarray
            The unique t with w(t) = s, float64, same shape.
        """
        s = _as_float_array(s, "s")
        flat = s.ravel()
        reach = float(np.sum(np.abs(self.amplitudes)))

        def residual_and_slope(t: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            angles = np.multiply.outer(t, self.frequencies) + self.phases
            residual = t + np.sin(angles) @ self.amplitudes - flat[index]
            return residual, 1.0 + np.cos(angles) @ (self.amplitudes * self.frequencies)

        return solve_increasing(residual_and_slope, s - reach, s + reach, start=s)

    def __repr__(self) -> str:
        return (
            f"Wiggly(amplitudes={self.amplitudes.tolist()}, "
            f"frequencies={self.frequencies.tolist()}, phases={self.phases.tolist()})"
        )


class BimodalMarginal:
    """b(t) = F_mix^{-1}(Phi(t)), element-wise: a standard normal coordinate becomes a mixture.

    F_mix(x) = sum_k w_k Phi((x - m_k) / s_k) is the CDF of a Gaussian mixture; b is strictly
    increasing and maps R onto R, and for T ~ N(0, 1), b(T) has the mixture law
    (inverse-CDF sampling). Since F_mix is a convex combination of the component CDFs, the root
    of F_mix(x) = Phi(t) lies between min_k (m_k + s_k t) and max_k (m_k + s_k t); it is found by
    :func:`solve_increasing` on log F_mix(x) - log Phi(t) (for t <= 0) or on
    log Phi(-t) - log S_mix(x) with S_mix = 1 - F_mix (for t > 0), both with
    ``scipy.special.log_ndtr``, so the tails keep full relative accuracy. The inverse is
    Phi^{-1}(F_mix(x)), through ``scipy.special.ndtri_exp`` of the same logarithms.

    Parameters
    ----------
    weights : sequence of float, default=BIMODAL_WEIGHTS
        w_k, each > 0, summing to 1 (to 1e-9).
    means : sequence of float, default=BIMODAL_MEANS
        m_k, as many as ``weights``.
    scales : sequence of float, default=BIMODAL_SCALES
        s_k, each > 0, as many as ``weights``.

    Raises
    ------
    ValueError
        Naming the argument: lengths that differ, weights <= 0 or not summing to 1,
        scales <= 0, non-finite values.

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078 (the "bimodal" tasks; the defaults are the mixture of its X:
    0.3 N(0, 1) + 0.7 N(5, 1)).

    Examples
    --------
    >>> b = BimodalMarginal()
    >>> t = np.array([-3.0, 0.0, 3.0])
    >>> bool(np.all(np.diff(b(t)) > 0)), bool(np.allclose(b.inverse(b(t)), t, atol=1e-12))
    (True, True)
    """

    def __init__(
        self,
        weights: Sequence[float] = BIMODAL_WEIGHTS,
        means: Sequence[float] = BIMODAL_MEANS,
        scales: Sequence[float] = BIMODAL_SCALES,
    ) -> None:
        self.weights, self.means, self.scales = _parallel_vectors(
            weights=weights, means=means, scales=scales)
        if np.any(self.weights <= 0) or abs(float(np.sum(self.weights)) - 1.0) > 1e-9:
            raise ValueError(
                f"weights: must be > 0 and sum to 1, got {self.weights.tolist()}"
            )
        if np.any(self.scales <= 0):
            raise ValueError(f"scales: must be > 0, got {self.scales.tolist()}")
        self._log_weights = np.log(self.weights)
        self.__name__ = "bimodal"
        # a table of the map, solved once, gives Newton a start a few steps from every root
        self._grid = np.linspace(-_BIMODAL_TABLE_REACH, _BIMODAL_TABLE_REACH, _BIMODAL_TABLE_SIZE)
        self._table = self._quantiles(self._grid, start=None)

    def _standardised(self, x: np.ndarray) -> np.ndarray:
        return (np.expand_dims(x, -1) - self.means) / self.scales

    def log_cdf(self, x: np.ndarray) -> np.ndarray:
        """log F_mix(x) = logsumexp_k (log w_k + log Phi((x - m_k) / s_k)), element-wise.

        Parameters
        ----------
        x : array-like
            Any array.

        Returns
        -------
        numpy.ndarray
            log F_mix(x), same shape.
        """
        x = _as_float_array(x, "x")
        return _logsumexp_last(self._log_weights + log_ndtr(self._standardised(x)))

    def log_survival(self, x: np.ndarray) -> np.ndarray:
        """log(1 - F_mix(x)) = logsumexp_k (log w_k + log Phi(-(x - m_k) / s_k)), element-wise.

        Parameters
        ----------
        x : array-like
            Any array.

        Returns
        -------
        numpy.ndarray
            log S_mix(x), same shape.
        """
        x = _as_float_array(x, "x")
        return _logsumexp_last(self._log_weights + log_ndtr(-self._standardised(x)))

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """log f_mix(x) = logsumexp_k (log w_k + log phi((x - m_k) / s_k) - log s_k).

        Parameters
        ----------
        x : array-like
            Any array.

        Returns
        -------
        numpy.ndarray
            The log density of the mixture, same shape.
        """
        x = _as_float_array(x, "x")
        z = self._standardised(x)
        terms = self._log_weights - 0.5 * z**2 - 0.5 * np.log(2.0 * np.pi) - np.log(self.scales)
        return _logsumexp_last(terms)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """F_mix^{-1}(Phi(t)), element-wise.

        Parameters
        ----------
        t : array-like
            Any array of finite numbers.

        Returns
        -------
        numpy.ndarray
            The mixture quantiles, float64, same shape.
        """
        t = _as_float_array(t, "t")
        flat = t.ravel()
        return self._quantiles(flat, start=np.interp(flat, self._grid, self._table)).reshape(t.shape)

    def _quantiles(self, flat: np.ndarray, start: np.ndarray | None) -> np.ndarray:
        quantiles = self.means + self.scales * flat[:, None]
        # by symmetry, solve in the tail that t is in: log F - log Phi(t), or log Phi(-t) - log S
        sign = np.where(flat <= 0, 1.0, -1.0)
        target = log_ndtr(-np.abs(flat))

        def residual_and_slope(x: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            sgn = sign[index]
            z = sgn[:, None] * (x[:, None] - self.means) / self.scales
            log_tail = _logsumexp_last(self._log_weights + log_ndtr(z))  # log F or log S
            log_density = _logsumexp_last(
                self._log_weights - 0.5 * z**2 - np.log(self.scales)
            ) - 0.5 * np.log(2.0 * np.pi)
            return sgn * (log_tail - target[index]), np.exp(log_density - log_tail)

        lower, upper = quantiles.min(axis=1), quantiles.max(axis=1)
        start = 0.5 * (lower + upper) if start is None else np.clip(start, lower, upper)
        return solve_increasing(residual_and_slope, lower, upper, start=start)

    def inverse(self, x: np.ndarray) -> np.ndarray:
        """Phi^{-1}(F_mix(x)), element-wise (through log F_mix or log S_mix, whichever is < log 1/2).

        Parameters
        ----------
        x : array-like
            Any array of finite numbers.

        Returns
        -------
        numpy.ndarray
            The preimages t, float64, same shape.
        """
        log_f, log_s = self.log_cdf(x), self.log_survival(x)
        left = log_f <= log_s
        return np.where(left, ndtri_exp(np.minimum(log_f, 0.0)), -ndtri_exp(np.minimum(log_s, 0.0)))

    def __repr__(self) -> str:
        return (
            f"BimodalMarginal(weights={self.weights.tolist()}, means={self.means.tolist()}, "
            f"scales={self.scales.tolist()})"
        )


def so_generator(dim: int, i: int = 0, j: int = 1) -> np.ndarray:
    """The canonical generator A of rotations in the (i, j) plane: A[i, j] = -1, A[j, i] = 1.

    exp(theta A) turns the (x_i, x_j) plane by the angle theta and fixes the other coordinates.

    Parameters
    ----------
    dim : int
        Dimension (>= 2).
    i, j : int, default=0, 1
        The plane, 0 <= i < j < dim.

    Returns
    -------
    numpy.ndarray of shape (dim, dim)
        A skew-symmetric matrix (an element of the Lie algebra so(dim)).

    Raises
    ------
    ValueError
        Naming ``dim`` (< 2) or ``i, j`` (not 0 <= i < j < dim).

    Examples
    --------
    >>> so_generator(2).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    dim = check_positive_int(dim, "dim", minimum=2)
    if not (isinstance(i, (int, np.integer)) and isinstance(j, (int, np.integer)) and 0 <= i < j < dim):
        raise ValueError(f"i, j: expected 0 <= i < j < {dim}, got {i!r}, {j!r}")
    a = np.zeros((dim, dim))
    a[i, j], a[j, i] = -1.0, 1.0
    return a


class Spiral:
    """x -> exp(v |x|^2 A) x on R^d: a rotation by an angle that grows with the squared radius.

    A is skew-symmetric, so exp(theta A) is a rotation and |f(x)| = |x|; then f is a bijection
    with inverse s -> exp(-v |s|^2 A) s, smooth in both directions. The rotation is computed
    from the eigen-decomposition of the Hermitian matrix iA = U diag(mu) U^H:
    exp(theta A) = U diag(exp(-i theta mu)) U^H.

    Parameters
    ----------
    dim : int
        Dimension d (>= 2).
    speed : float, default=SPIRAL_SPEED
        v (finite; 0 gives the identity).
    generator : array-like of shape (dim, dim) or None, default=None
        A; ``None``: :func:`so_generator` (dim), the rotation of the first two coordinates, as
        in "Beyond Normal".

    Raises
    ------
    ValueError
        Naming the argument: ``dim`` < 2, a non-finite ``speed``, a ``generator`` of the wrong
        shape or not skew-symmetric (to 1e-12).

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078 (the "spiral" diffeomorphism).

    Examples
    --------
    >>> spiral = Spiral(2, speed=np.pi / 2)
    >>> bool(np.allclose(spiral(np.array([[1.0, 0.0]])), [[0.0, 1.0]]))
    True
    >>> x = np.random.default_rng(0).standard_normal((4, 2))
    >>> bool(np.allclose(spiral.inverse(spiral(x)), x))
    True
    """

    def __init__(
        self, dim: int, speed: float = SPIRAL_SPEED, generator: np.ndarray | None = None
    ) -> None:
        self.dim = check_positive_int(dim, "dim", minimum=2)
        self.speed = check_finite_float(speed, "speed")
        if generator is None:
            a = so_generator(self.dim)
        else:
            a = np.asarray(generator, dtype=np.float64)
            if a.shape != (self.dim, self.dim):
                raise ValueError(
                    f"generator: expected shape ({self.dim}, {self.dim}), got {a.shape}"
                )
            if not np.all(np.isfinite(a)) or np.max(np.abs(a + a.T)) > 1e-12 * (
                1.0 + np.max(np.abs(a))
            ):
                raise ValueError("generator: must be a finite skew-symmetric matrix (A^T = -A)")
        self.generator = a
        self._eigenvalues, self._eigenvectors = np.linalg.eigh(1j * a)
        self.__name__ = "spiral"

    def rotate(self, x: np.ndarray, angle: np.ndarray) -> np.ndarray:
        """exp(angle_n A) x_n for every row x_n.

        Parameters
        ----------
        x : numpy.ndarray of shape (n, dim)
            Points.
        angle : numpy.ndarray of shape (n,)
            One angle per point.

        Returns
        -------
        numpy.ndarray of shape (n, dim)
            The rotated points.
        """
        coefficients = x @ self._eigenvectors.conj()  # rows of U^H x
        phases = np.exp(-1j * np.multiply.outer(angle, self._eigenvalues))
        return ((coefficients * phases) @ self._eigenvectors.T).real

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """exp(v |x|^2 A) x for every row x.

        Parameters
        ----------
        x : numpy.ndarray of shape (n, dim)
            Points of R^d.

        Returns
        -------
        numpy.ndarray of shape (n, dim)
            Their images (same norms).
        """
        x = _as_rows(x, self.dim, "x")
        return self.rotate(x, self.speed * np.sum(x**2, axis=1))

    def inverse(self, s: np.ndarray) -> np.ndarray:
        """exp(-v |s|^2 A) s for every row s (|s| = |x|, so this undoes the rotation).

        Parameters
        ----------
        s : numpy.ndarray of shape (n, dim)
            Images under the spiral.

        Returns
        -------
        numpy.ndarray of shape (n, dim)
            The preimages.
        """
        s = _as_rows(s, self.dim, "s")
        return self.rotate(s, -self.speed * np.sum(s**2, axis=1))

    def __repr__(self) -> str:
        return f"Spiral(dim={self.dim}, speed={self.speed})"


class SwissRoll:
    """Each coordinate t becomes a point of a rolled-up curve in R^3: d dimensions -> 3d.

    With u = Phi(t) in (0, 1) and the angle theta = theta_0 + (theta_1 - theta_0) u,

        c(t) = (r cos theta, r sin theta, u),  r = theta / theta_1,

    a curve winding 1.5 times around the z axis (theta from 3 pi / 2 to 9 pi / 2, as in
    scikit-learn's ``make_swiss_roll``) while it climbs. The height is u, so c is injective with
    inverse t = Phi^{-1}(c_3); the radius r = |(c_1, c_2)| also grows strictly with u, so even
    the flat roll (c_1, c_2) alone is injective. The image of a d-vector is the 3d-vector of its
    coordinates' curve points, in order. Its law is singular (it lives on a d-dimensional set in
    R^3d and has no density there), yet I(c(X); Y) = I(X; Y) because c has a measurable inverse
    on its image.

    As with ``normal_cdf``, u = Phi(t) rounds to 1 in float64 for t > 8.2, so the map is
    injective in practice (standard normal inputs stay below 6 with probability 1 - 1e-9).

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078 (the "Swiss roll" embedding of a 1-D variable);
    Marsland, "Machine Learning: An Algorithmic Perspective", 2nd ed., 2014, ch. 6 (the Swiss
    roll, as cited by scikit-learn's ``make_swiss_roll``).

    Examples
    --------
    >>> roll = SwissRoll()
    >>> t = np.array([[-1.0], [0.0], [2.0]])
    >>> roll(t).shape, bool(np.allclose(roll.inverse(roll(t)), t))
    ((3, 3), True)
    """

    theta_start = 1.5 * np.pi
    theta_end = 4.5 * np.pi

    def __init__(self) -> None:
        self.__name__ = "swiss_roll"

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """The curve points of every coordinate of every row.

        Parameters
        ----------
        t : numpy.ndarray of shape (n, d)
            Points of R^d.

        Returns
        -------
        numpy.ndarray of shape (n, 3 d)
            Columns 3k, 3k + 1, 3k + 2 are the curve point of coordinate k.
        """
        t = _as_float_array(t, "t")
        if t.ndim != 2:
            raise ValueError(f"t: expected shape (n, d), got {t.shape}")
        u = ndtr(t)
        theta = self.theta_start + (self.theta_end - self.theta_start) * u
        radius = theta / self.theta_end
        points = np.stack([radius * np.cos(theta), radius * np.sin(theta), u], axis=-1)
        return points.reshape(len(t), -1)

    def inverse(self, s: np.ndarray) -> np.ndarray:
        """The coordinates t = Phi^{-1}(u) from the heights u of the curve points.

        Parameters
        ----------
        s : numpy.ndarray of shape (n, 3 d)
            Images under the roll.

        Returns
        -------
        numpy.ndarray of shape (n, d)
            The preimages.
        """
        s = _as_float_array(s, "s")
        if s.ndim != 2 or s.shape[1] % 3:
            raise ValueError(f"s: expected shape (n, 3 d), got {s.shape}")
        return ndtri(s[:, 2::3])

    def __repr__(self) -> str:
        return "SwissRoll()"


class LinearMix:
    """x -> M x with M = Q_1 diag(sigma) Q_2^T: a seeded, well-conditioned invertible matrix.

    Q_1, Q_2 are Haar-random orthogonal matrices and the singular values are spaced
    geometrically, sigma_i = kappa^(i / (d - 1) - 1/2), i = 0..d-1, so cond(M) = kappa and
    |det M| = 1. For X with covariance C, M X has covariance M C M^T: dense, with unequal
    variances. An invertible linear map of X (and another of Y) leaves I(X; Y) unchanged; for
    a Gaussian pair the closed form 1/2 log(det S_xx det S_yy / det S) gives the same number.

    Parameters
    ----------
    dim : int
        Dimension d (>= 1; for d = 1, M = +1 or -1).
    condition_number : float, default=LINEAR_MIX_CONDITION_NUMBER
        kappa (>= 1).
    seed : int, default=0
        Seed of Q_1 and Q_2.

    Raises
    ------
    ValueError
        Naming the argument: ``dim`` < 1, ``condition_number`` < 1, a negative ``seed``.

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078 (dense and sparse interactions in multivariate normals).

    Examples
    --------
    >>> mix = LinearMix(3, seed=1)
    >>> round(float(np.linalg.cond(mix.matrix)), 6), round(abs(float(np.linalg.det(mix.matrix))), 6)
    (4.0, 1.0)
    >>> x = np.random.default_rng(0).standard_normal((5, 3))
    >>> bool(np.allclose(mix.inverse(mix(x)), x))
    True
    """

    def __init__(
        self, dim: int, condition_number: float = LINEAR_MIX_CONDITION_NUMBER, seed: int = 0
    ) -> None:
        self.dim = check_positive_int(dim, "dim")
        self.condition_number = check_finite_float(condition_number, "condition_number", minimum=1.0)
        self.seed = check_seed(seed)
        rng = np.random.default_rng(self.seed)
        if self.dim == 1:
            self.matrix = np.array([[rng.choice([-1.0, 1.0])]])
        else:
            exponents = np.linspace(-0.5, 0.5, self.dim)
            singular_values = self.condition_number**exponents
            left = ortho_group.rvs(self.dim, random_state=rng)
            right = ortho_group.rvs(self.dim, random_state=rng)
            self.matrix = (left * singular_values) @ right.T
        self.matrix.setflags(write=False)
        self._inverse_matrix = np.linalg.inv(self.matrix)
        self.__name__ = "linear_mix"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """M x for every row x.

        Parameters
        ----------
        x : numpy.ndarray of shape (n, dim)
            Points.

        Returns
        -------
        numpy.ndarray of shape (n, dim)
            Their images, ``x @ M.T``.
        """
        return _as_rows(x, self.dim, "x") @ self.matrix.T

    def inverse(self, s: np.ndarray) -> np.ndarray:
        """M^{-1} s for every row s.

        Parameters
        ----------
        s : numpy.ndarray of shape (n, dim)
            Images.

        Returns
        -------
        numpy.ndarray of shape (n, dim)
            The preimages.
        """
        return _as_rows(s, self.dim, "s") @ self._inverse_matrix.T

    def __repr__(self) -> str:
        return f"LinearMix(dim={self.dim}, condition_number={self.condition_number}, seed={self.seed})"

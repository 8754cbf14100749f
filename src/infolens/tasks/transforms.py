"""MI-preserving transforms: smooth bijections applied to X and Y separately.

For injective measurable f, g (here smooth bijections onto their image),
I(f(X); g(Y)) = I(X; Y) (Cover & Thomas, "Elements of Information Theory", 2006, data
processing in both directions; Kraskov, Stoegbauer & Grassberger, "Estimating mutual
information", 2004, arXiv:cond-mat/0305641, eq. 45). Applying them to a
:class:`CorrelatedGaussian` gives non-Gaussian tasks with known MI, as in the "Beyond Normal"
benchmark (Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
NeurIPS 2023, arXiv:2306.11078), whose "half-cube" map is t -> t * sqrt(|t|).

Built-in kinds (coordinate-wise, except ``random_network``, ``spiral`` and ``linear_mix``):

* ``normal_cdf``: Phi(t), uniform marginals on (0, 1) for standard normal input. In float64,
  1 - Phi(t) falls below the spacing of numbers near 1 (1.1e-16) for t > 8.2, where Phi rounds
  to 1, and resolution is already coarse above t ~ 6; standard normal samples stay below 6
  with probability 1 - 1e-9 per coordinate, so the map is injective in practice.
* ``asinh``: asinh(t), compresses the tails.
* ``half_cube``: t * sqrt(|t|) = sign(t) |t|^(3/2), stretches the tails (C^1, inverse
  sign(s) |s|^(2/3)).
* ``random_network``: :class:`RandomInvertibleNetwork`, a seeded smooth bi-Lipschitz map of R^d.
* ``identity``: leaves a variable as it is (e.g. class labels).
* ``wiggly``: :class:`~infolens.tasks.injective_maps.Wiggly`, t + sum_i a_i sin(omega_i t + phi_i)
  with sum |a_i omega_i| < 1, strictly increasing.
* ``bimodal``: :class:`~infolens.tasks.injective_maps.BimodalMarginal`, F_mix^{-1}(Phi(t)): a
  standard normal coordinate becomes a two-component Gaussian mixture.
* ``spiral``: :class:`~infolens.tasks.injective_maps.Spiral`, x -> exp(v |x|^2 A) x (needs d >= 2).
* ``swiss_roll``: :class:`~infolens.tasks.injective_maps.SwissRoll`, each coordinate becomes a
  point of a curve in R^3, so d dimensions become 3d (the law becomes singular; MI is unchanged).
* ``linear_mix``: :class:`~infolens.tasks.injective_maps.LinearMix`, a seeded well-conditioned
  random invertible matrix (dense covariance).

A user may pass their own callable ``f(array (n, d)) -> array (n, d')`` instead of a kind; it
must be injective and smooth (or at least measurable with a measurable inverse): MI is then
unchanged, but nothing here can check that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import ortho_group

from infolens._validation import check_positive_int
from infolens.tasks.base import TaskBase, check_finite_float, check_seed
from infolens.tasks.injective_maps import BimodalMarginal, LinearMix, Spiral, SwissRoll, Wiggly

__all__ = [
    "TRANSFORM_KINDS",
    "normal_cdf",
    "normal_cdf_inverse",
    "asinh",
    "asinh_inverse",
    "half_cube",
    "half_cube_inverse",
    "RandomInvertibleNetwork",
    "make_transform",
    "transform_output_dim",
    "Transformed",
]

TRANSFORM_KINDS = (
    "normal_cdf",
    "asinh",
    "half_cube",
    "random_network",
    "identity",
    "wiggly",
    "bimodal",
    "spiral",
    "swiss_roll",
    "linear_mix",
)

SWISS_ROLL_DIMS_PER_COORDINATE = 3
"""``swiss_roll`` turns each coordinate into a point of R^3."""

ArrayMap = Callable[[np.ndarray], np.ndarray]


def normal_cdf(t: np.ndarray) -> np.ndarray:
    """Phi(t) = (1 + erf(t / sqrt 2)) / 2, the standard normal CDF, element-wise.

    Parameters
    ----------
    t : numpy.ndarray
        Any array.

    Returns
    -------
    numpy.ndarray
        Phi(t), same shape, in [0, 1].
    """
    return ndtr(t)


def normal_cdf_inverse(s: np.ndarray) -> np.ndarray:
    """Phi^{-1}(s), the inverse of :func:`normal_cdf`, element-wise.

    Parameters
    ----------
    s : numpy.ndarray
        Values in (0, 1).

    Returns
    -------
    numpy.ndarray
        Phi^{-1}(s), same shape.
    """
    return ndtri(s)


def asinh(t: np.ndarray) -> np.ndarray:
    """asinh(t) = log(t + sqrt(t^2 + 1)), element-wise.

    Parameters
    ----------
    t : numpy.ndarray
        Any array.

    Returns
    -------
    numpy.ndarray
        asinh(t), same shape.
    """
    return np.arcsinh(t)


def asinh_inverse(s: np.ndarray) -> np.ndarray:
    """sinh(s), the inverse of :func:`asinh`, element-wise.

    Parameters
    ----------
    s : numpy.ndarray
        Values of :func:`asinh` (any real numbers).

    Returns
    -------
    numpy.ndarray
        The preimages sinh(s), of the same shape.
    """
    return np.sinh(s)


def half_cube(t: np.ndarray) -> np.ndarray:
    """h(t) = t * sqrt(|t|), the "half-cube" map, element-wise.

    Parameters
    ----------
    t : array-like
        Any array.

    Returns
    -------
    numpy.ndarray
        h(t), float64, same shape.

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078.

    Examples
    --------
    >>> half_cube([-4.0, 1.0]).tolist()
    [-8.0, 1.0]
    >>> bool(np.allclose(half_cube_inverse(half_cube([-4.0, 1.0])), [-4.0, 1.0]))
    True
    """
    t = np.asarray(t, dtype=np.float64)
    return t * np.sqrt(np.abs(t))


def half_cube_inverse(s: np.ndarray) -> np.ndarray:
    """h^{-1}(s) = sign(s) |s|^(2/3), the inverse of :func:`half_cube`, element-wise.

    Parameters
    ----------
    s : array-like
        Any array.

    Returns
    -------
    numpy.ndarray
        h^{-1}(s), float64, same shape.
    """
    s = np.asarray(s, dtype=np.float64)
    return np.sign(s) * np.abs(s) ** (2.0 / 3.0)


class RandomInvertibleNetwork:
    """A seeded smooth invertible map R^d -> R^d: residual tanh blocks between random rotations.

    f = Q_L o r_L o ... o Q_1 o r_1 o Q_0 with Q_i random orthogonal matrices (Haar) and residual
    blocks r(t) = t + a * tanh(W t + b). With Lip(tanh) = 1 and a * ||W||_2 = ``contraction``
    < 1, g(t) = a tanh(W t + b) is a contraction, so r is a bijection of R^d with a smooth
    inverse, found by the fixed-point iteration t <- s - g(t) (Banach), and r is bi-Lipschitz
    with constants 1 -/+ contraction.

    Parameters
    ----------
    dim : int
        Dimension d.
    n_blocks : int, default=3
        Number of residual blocks (>= 1).
    contraction : float, default=0.9
        a * ||W||_2, in (0, 1).
    weight_norm : float, default=2.0
        Spectral norm of W (> 0; scales the input before the tanh, i.e. how far into the
        non-linear regime standard-normal inputs reach).
    seed : int, default=0
        The seed of all random parameters.

    References
    ----------
    The blocks follow Behrmann et al., "Invertible Residual Networks", ICML 2019,
    arXiv:1811.00995.

    Examples
    --------
    >>> net = RandomInvertibleNetwork(3, seed=1)
    >>> t = np.random.default_rng(0).standard_normal((5, 3))
    >>> bool(np.allclose(net.inverse(net(t)), t, atol=1e-10))
    True
    """

    def __init__(
        self,
        dim: int,
        *,
        n_blocks: int = 3,
        contraction: float = 0.9,
        weight_norm: float = 2.0,
        seed: int = 0,
    ) -> None:
        self.dim = check_positive_int(dim, "dim")
        self.n_blocks = check_positive_int(n_blocks, "n_blocks")
        self.contraction = check_finite_float(contraction, "contraction", minimum=0.0)
        if not 0.0 < self.contraction < 1.0:
            raise ValueError(f"contraction: must be in (0, 1), got {self.contraction}")
        self.weight_norm = check_finite_float(weight_norm, "weight_norm", minimum=0.0)
        if self.weight_norm == 0.0:
            raise ValueError("weight_norm: must be > 0, got 0.0")
        self.seed = check_seed(seed)
        rng = np.random.default_rng(self.seed)
        self.rotations = [self._orthogonal(rng) for _ in range(self.n_blocks + 1)]
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        for _ in range(self.n_blocks):
            w = rng.standard_normal((self.dim, self.dim))
            w *= self.weight_norm / np.linalg.norm(w, 2)
            self.weights.append(w)
            self.biases.append(rng.normal(0.0, 0.5, size=self.dim))
        self.gain = self.contraction / self.weight_norm  # the "a" of the docstring

    def _orthogonal(self, rng: np.random.Generator) -> np.ndarray:
        if self.dim == 1:  # Haar measure on O(1) = {+1, -1}
            return np.array([[rng.choice([-1.0, 1.0])]])
        return ortho_group.rvs(self.dim, random_state=rng)

    def _residual(self, t: np.ndarray, i: int) -> np.ndarray:
        return self.gain * np.tanh(t @ self.weights[i].T + self.biases[i])

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """f(t) for every row t.

        Parameters
        ----------
        t : numpy.ndarray of shape (n, dim)
            Points of R^d.

        Returns
        -------
        numpy.ndarray of shape (n, dim)
            Their images.
        """
        t = self._check(t, "t")
        t = t @ self.rotations[0].T
        for i in range(self.n_blocks):
            t = t + self._residual(t, i)
            t = t @ self.rotations[i + 1].T
        return t

    def inverse(self, s: np.ndarray, *, tol: float = 1e-13, max_iter: int = 2000) -> np.ndarray:
        """f^{-1}(s) by fixed-point iteration per block; error <= contraction^k after k steps.

        Parameters
        ----------
        s : numpy.ndarray of shape (n, dim)
            Images under f.
        tol : float, default=1e-13
            Stop a block's iteration when a step moves no coordinate by more than
            ``tol * (1 + max |t|)``.
        max_iter : int, default=2000
            Most iterations per block.

        Returns
        -------
        numpy.ndarray of shape (n, dim)
            The preimages.
        """
        s = self._check(s, "s")
        for i in reversed(range(self.n_blocks)):
            s = s @ self.rotations[i + 1]  # Q^{-1} = Q^T
            t = s.copy()
            for _ in range(max_iter):
                t_next = s - self._residual(t, i)
                step = np.max(np.abs(t_next - t)) if t.size else 0.0
                t = t_next
                if step <= tol * (1.0 + np.max(np.abs(t))):
                    break
            s = t
        return s @ self.rotations[0]

    def _check(self, t: np.ndarray, name: str) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        if t.ndim != 2 or t.shape[1] != self.dim:
            raise ValueError(f"{name}: expected shape (n, {self.dim}), got {t.shape}")
        return t


_ELEMENTWISE: dict[str, ArrayMap] = {
    "normal_cdf": normal_cdf,
    "asinh": asinh,
    "half_cube": half_cube,
}


def _identity(t: np.ndarray) -> np.ndarray:
    return t


def make_transform(kind: str | ArrayMap, dim: int, seed: int = 0) -> ArrayMap:
    """The map of the given ``kind`` for vectors of size ``dim``.

    Parameters
    ----------
    kind : str or callable
        One of :data:`TRANSFORM_KINDS`, or a callable, returned unchanged (the caller vouches
        that it is injective and smooth; it maps an (n, d) array to an (n, d') array).
    dim : int
        Dimension of the vectors (used by ``random_network``, ``spiral``, ``linear_mix``).
    seed : int, default=0
        Seed of a ``random_network`` or ``linear_mix``; ignored by the other kinds (``wiggly``,
        ``bimodal`` and ``spiral`` use the "Beyond Normal" parameters, see
        :mod:`infolens.tasks.injective_maps`).

    Returns
    -------
    callable
        The map, ``(n, dim) array -> (n, d') array``.

    Raises
    ------
    ValueError
        For an unknown kind, or a ``dim`` the kind does not take (``spiral`` needs >= 2).

    Examples
    --------
    >>> make_transform("asinh", 2) is asinh
    True
    >>> make_transform("swiss_roll", 1)(np.zeros((4, 1))).shape
    (4, 3)
    """
    if callable(kind):
        return kind
    if kind in _ELEMENTWISE:
        return _ELEMENTWISE[kind]
    if kind == "identity":
        return _identity
    if kind == "random_network":
        return RandomInvertibleNetwork(dim, seed=seed)
    if kind == "wiggly":
        return Wiggly()
    if kind == "bimodal":
        return BimodalMarginal()
    if kind == "spiral":
        return Spiral(dim)
    if kind == "swiss_roll":
        return SwissRoll()
    if kind == "linear_mix":
        return LinearMix(dim, seed=seed)
    raise ValueError(
        f"transform: unknown kind {kind!r}; expected one of {list(TRANSFORM_KINDS)} or a callable"
    )


def transform_output_dim(kind: str, dim: int) -> int:
    """The dimension of the image of a ``dim``-vector under the built-in ``kind``.

    Parameters
    ----------
    kind : str
        One of :data:`TRANSFORM_KINDS`.
    dim : int
        The input dimension (>= 1).

    Returns
    -------
    int
        ``3 * dim`` for ``swiss_roll``, ``dim`` for the others.

    Raises
    ------
    ValueError
        For an unknown kind or ``dim`` < 1.

    Examples
    --------
    >>> transform_output_dim("swiss_roll", 1), transform_output_dim("spiral", 4)
    (3, 4)
    """
    dim = check_positive_int(dim, "dim")
    if kind not in TRANSFORM_KINDS:
        raise ValueError(f"transform: unknown kind {kind!r}; expected one of {list(TRANSFORM_KINDS)}")
    return SWISS_ROLL_DIMS_PER_COORDINATE * dim if kind == "swiss_roll" else dim


def _kind_name(kind: str | ArrayMap) -> str:
    if isinstance(kind, str):
        return kind
    return getattr(kind, "__name__", type(kind).__name__)


class Transformed(TaskBase):
    """A task with smooth bijections applied to X and Y: (f(X), g(Y)); MI equals the base task's.

    Parameters
    ----------
    base : object
        Any task (``sample(n, seed)``, ``mutual_information``, ``dim_x``, ``dim_y``, ``name``).
    transform : str or callable, default="asinh"
        The map for X: a kind from :data:`TRANSFORM_KINDS` or a callable on (n, d) arrays that
        is injective and smooth (MI is then unchanged).
    transform_y : str or callable or None, default=None
        The map for Y; ``None`` means the same kind as ``transform`` (for ``random_network``,
        an independent network of Y's dimension).
    seed : int, default=0
        Seed of the random networks (X uses child 0, Y child 1 of ``SeedSequence(seed)``);
        independent of the sampling seed.

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078.

    Examples
    --------
    >>> from infolens.tasks import CorrelatedGaussian
    >>> task = Transformed(CorrelatedGaussian(2, mutual_information=1.0), "half_cube")
    >>> task.name, task.mutual_information
    ('half_cube-gaussian-2x2-i1', 1.0)
    """

    def __init__(
        self,
        base: Any,
        transform: str | ArrayMap = "asinh",
        transform_y: str | ArrayMap | None = None,
        seed: int = 0,
    ) -> None:
        for attr in ("sample", "mutual_information", "dim_x", "dim_y", "name"):
            if not hasattr(base, attr):
                raise ValueError(f"base: expected a task with .{attr}, got {type(base).__name__}")
        self.base = base
        self.seed = check_seed(seed)
        if transform_y is None:
            transform_y = transform
        seed_x, seed_y = (
            int(s.generate_state(1)[0]) for s in np.random.SeedSequence(self.seed).spawn(2)
        )
        self.transform_x: ArrayMap = make_transform(transform, int(base.dim_x), seed_x)
        self.transform_y: ArrayMap = make_transform(transform_y, int(base.dim_y), seed_y)
        self.transform_x_name = _kind_name(transform)
        self.transform_y_name = _kind_name(transform_y)
        self.dim_x = int(base.dim_x)
        self.dim_y = int(base.dim_y)
        if isinstance(transform, str):
            self.dim_x = transform_output_dim(transform, self.dim_x)
        if isinstance(transform_y, str):
            self.dim_y = transform_output_dim(transform_y, self.dim_y)
        if callable(transform) or callable(transform_y):  # a user map may change the dimension
            x, y = self.sample(2, seed=0)
            self.dim_x = int(np.shape(x)[1]) if np.ndim(x) == 2 else 1
            self.dim_y = int(np.shape(y)[1]) if np.ndim(y) == 2 else 1
        if self.transform_x_name == self.transform_y_name:
            prefix = self.transform_x_name
        else:
            prefix = f"{self.transform_x_name}-{self.transform_y_name}"
        self.name = f"{prefix}-{base.name}"

    @property
    def mutual_information(self) -> float:
        """I(f(X); g(Y)) = I(X; Y) of the base task."""
        return float(self.base.mutual_information)

    def parameters(self) -> dict[str, Any]:
        """The base task's description, the transforms' names and the seed, for JSON."""
        base = self.base.describe() if hasattr(self.base, "describe") else {"name": self.base.name}
        return {
            "base": base,
            "transform": self.transform_x_name,
            "transform_y": self.transform_y_name,
            "seed": self.seed,
        }

    def sample(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Sample the base task with ``seed`` and map x and y: ``(f(x), g(y))``.

        Parameters
        ----------
        n : int
            Number of pairs (>= 1).
        seed : int, default=0
            Seed of the base task's sample.

        Returns
        -------
        fx, gy : numpy.ndarray
            The mapped samples.
        """
        n = check_positive_int(n, "n")
        x, y = self.base.sample(n, seed=check_seed(seed))
        return self.transform_x(x), self.transform_y(y)

"""A uniform signal through a uniform additive-noise channel: Y = X + N, MI in closed form.

X ~ Uniform(0, 1) and N ~ Uniform(-eps, eps) independent, Y = X + N. Given X, Y is uniform on
an interval of length 2 eps, so h(Y | X) = h(N) = log(2 eps) and I(X; Y) = h(Y) - log(2 eps).
The density of Y is the convolution p(y) = |[0, 1] cap [y - eps, y + eps]| / (2 eps):

* eps <= 1/2: a trapezoid on [-eps, 1 + eps], ramps of width 2 eps up to height 1 and a flat
  top at 1 on [eps, 1 - eps]. Each ramp contributes -int p log p = 2 eps * (1/4) = eps/2 and
  the top contributes 0, so h(Y) = eps and

      I(X; Y) = eps - log(2 eps).

* eps > 1/2: ramps of width 1 up to height 1/(2 eps) and a flat top on [1 - eps, eps].
  -int p log p = 1/(4 eps) + log(2 eps), so

      I(X; Y) = 1/(4 eps).

Both give 1/2 at eps = 1/2. (Worked out here; the tests check h(Y) by quadrature and I by a
Monte Carlo mean of log p(y | x) - log p(y).) Additive uniform noise is one of the tasks with
known MI in Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
NeurIPS 2023, arXiv:2306.11078.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infolens.tasks.base import TaskBase, check_finite_float

__all__ = ["AdditiveUniformNoise", "uniform_noise_mi", "uniform_noise_density"]


def _check_epsilon(epsilon: object) -> float:
    eps = check_finite_float(epsilon, "epsilon")
    if eps <= 0.0:
        raise ValueError(f"epsilon: must be > 0, got {eps}")
    return eps


def uniform_noise_mi(epsilon: float) -> float:
    """I(X; X + N) for X ~ U(0, 1), N ~ U(-eps, eps): eps - log(2 eps) if eps <= 1/2, else 1/(4 eps).

    Parameters
    ----------
    epsilon : float
        Half-width of the noise (> 0).

    Returns
    -------
    float
        The mutual information in nats.

    Raises
    ------
    ValueError
        Naming ``epsilon``, unless it is a finite number > 0.

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078 (the additive-noise task); derivation in the module
    docstring.

    Examples
    --------
    >>> uniform_noise_mi(0.5), uniform_noise_mi(1.0)
    (0.5, 0.25)
    >>> round(uniform_noise_mi(0.1), 6)  # 0.1 + log 5
    1.709438
    """
    eps = _check_epsilon(epsilon)
    if eps <= 0.5:
        return float(eps - np.log(2.0 * eps))
    return float(1.0 / (4.0 * eps))


def uniform_noise_density(y: np.ndarray, epsilon: float) -> np.ndarray:
    """p(y) = |[0, 1] cap [y - eps, y + eps]| / (2 eps), the density of Y = X + N.

    Parameters
    ----------
    y : array-like
        Points.
    epsilon : float
        Half-width of the noise (> 0).

    Returns
    -------
    numpy.ndarray
        The density at ``y``, float64, same shape (0 outside [-eps, 1 + eps]).

    Examples
    --------
    >>> uniform_noise_density([-1.0, 0.0, 0.5], 0.25).tolist()
    [0.0, 0.5, 1.0]
    """
    eps = _check_epsilon(epsilon)
    y = np.asarray(y, dtype=np.float64)
    overlap = np.minimum(1.0, y + eps) - np.maximum(0.0, y - eps)
    return np.clip(overlap, 0.0, None) / (2.0 * eps)


class AdditiveUniformNoise(TaskBase):
    """X ~ Uniform(0, 1), Y = X + N with N ~ Uniform(-epsilon, epsilon): 1 + 1 dimensions.

    I(X; Y) = epsilon - log(2 epsilon) for epsilon <= 1/2 and 1 / (4 epsilon) above
    (:func:`uniform_noise_mi`, derivation in the module docstring). Small epsilon gives high
    MI with a bounded, non-smooth joint density (the support is a thin parallelogram).

    Parameters
    ----------
    epsilon : float
        Half-width of the noise (> 0).

    Raises
    ------
    ValueError
        Naming ``epsilon``, unless it is a finite number > 0.

    References
    ----------
    Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
    NeurIPS 2023, arXiv:2306.11078.

    Examples
    --------
    >>> task = AdditiveUniformNoise(0.75)
    >>> x, y = task.sample(1000, seed=0)
    >>> x.shape, y.shape, round(task.mutual_information, 6)
    ((1000, 1), (1000, 1), 0.333333)
    >>> bool(np.all(np.abs(y - x) <= 0.75))
    True
    """

    dim_x = 1
    dim_y = 1

    def __init__(self, epsilon: float) -> None:
        self.epsilon = _check_epsilon(epsilon)
        self._mi = uniform_noise_mi(self.epsilon)
        self.name = f"uniform-noise-eps{self.epsilon:g}"

    @property
    def mutual_information(self) -> float:
        """eps - log(2 eps) (eps <= 1/2) or 1/(4 eps) (eps > 1/2), nats."""
        return self._mi

    def parameters(self) -> dict[str, Any]:
        """The constructor parameters, for JSON."""
        return {"epsilon": self.epsilon}

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(0.0, 1.0, size=(n, 1))
        y = x + rng.uniform(-self.epsilon, self.epsilon, size=(n, 1))
        return x, y

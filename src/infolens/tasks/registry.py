"""Built-in named tasks: ``get_task(name)``, ``list_tasks()``, ``describe_tasks()``.

Names read ``<family>-<dims>-i<MI in nats>``; a transform kind in front means that smooth
bijection applied to both variables (see :mod:`infolens.tasks.transforms`);
``gaussian-images-16-i10`` is 16x16 images of bumps with latent dimension 2 and 10 nats (the
synthetic image setting of Butakov et al., ICLR 2024, arXiv:2305.08013, at a high MI);
``labels-10-d2`` is :class:`LabelsTask` with 10 classes in 2-D, separation 1.5;
``student-<dims>-dof<nu>[-rho<r>]`` is :class:`MultivariateStudentT` with ``nu`` degrees of
freedom and correlation ``r`` (default 0) on every pair; ``uniform-noise-eps<e>`` is
:class:`AdditiveUniformNoise` with noise half-width ``e``. Their MI is not a round number, so
their names carry the parameters instead of ``-i<MI>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infolens.tasks.base import TaskBase
from infolens.tasks.gaussian import CorrelatedGaussian
from infolens.tasks.images import GaussianImages, Rectangles
from infolens.tasks.labels import LabelsTask
from infolens.tasks.student import MultivariateStudentT
from infolens.tasks.transforms import Transformed
from infolens.tasks.uniform_noise import AdditiveUniformNoise

__all__ = ["BUILTIN_TASKS", "get_task", "list_tasks", "describe_tasks"]


def _gaussian(dim: int, mi: float) -> Callable[[], TaskBase]:
    return lambda: CorrelatedGaussian(dim, dim, mutual_information=mi)


def _transformed(kind: str, dim: int, mi: float) -> Callable[[], TaskBase]:
    return lambda: Transformed(CorrelatedGaussian(dim, dim, mutual_information=mi), kind)


BUILTIN_TASKS: dict[str, Callable[[], TaskBase]] = {
    "gaussian-1x1-i1": _gaussian(1, 1.0),
    "gaussian-2x2-i1": _gaussian(2, 1.0),
    "gaussian-4x4-i2": _gaussian(4, 2.0),
    "gaussian-50x50-i25": _gaussian(50, 25.0),
    **{
        f"{kind}-gaussian-2x2-i1": _transformed(kind, 2, 1.0)
        for kind in ("normal_cdf", "asinh", "half_cube", "random_network")
    },
    **{
        f"gaussian-images-16-i{mi}": (
            lambda mi=mi: GaussianImages(mutual_information=float(mi), image_size=16)
        )
        for mi in (1, 2, 3, 10)
    },
    **{
        f"rectangles-16-i{mi}": (
            lambda mi=mi: Rectangles(mutual_information=float(mi), image_size=16)
        )
        for mi in (1, 2)
    },
    "labels-10-d2": lambda: LabelsTask(n_classes=10, dim=2, separation=1.5),
    "student-1x1-dof1": lambda: MultivariateStudentT(1, 1, dof=1.0),
    "student-2x2-dof3-rho0.5": lambda: MultivariateStudentT(2, 2, dof=3.0, correlation=0.5),
    "student-5x5-dof3-rho0.8": lambda: MultivariateStudentT(5, 5, dof=3.0, correlation=0.8),
    "uniform-noise-eps0.1": lambda: AdditiveUniformNoise(0.1),
    "uniform-noise-eps0.75": lambda: AdditiveUniformNoise(0.75),
}


def list_tasks() -> list[str]:
    """The names of the built-in tasks, sorted.

    Returns
    -------
    list of str
        The names :func:`get_task` accepts.

    Examples
    --------
    >>> list_tasks()[:2]
    ['asinh-gaussian-2x2-i1', 'gaussian-1x1-i1']
    """
    return sorted(BUILTIN_TASKS)


def get_task(name: str) -> TaskBase:
    """A new instance of the built-in task ``name``.

    Parameters
    ----------
    name : str
        One of :func:`list_tasks`.

    Returns
    -------
    TaskBase
        The task, with ``name`` as its name.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> get_task("gaussian-2x2-i1").mutual_information
    1.0
    """
    if name not in BUILTIN_TASKS:
        raise ValueError(f"name: unknown task {name!r}; known tasks: {', '.join(list_tasks())}")
    task = BUILTIN_TASKS[name]()
    task.name = name  # the registry name is canonical (e.g. "labels-10-d2" for its defaults)
    return task


def describe_tasks() -> list[dict[str, Any]]:
    """``describe()`` of every built-in task, for JSON.

    Returns
    -------
    list of dict
        Name, dimensions, MI in nats and parameters of every task, sorted by name.
    """
    return [get_task(name).describe() for name in list_tasks()]

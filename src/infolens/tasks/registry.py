"""Built-in named tasks: ``get_task(name)``, ``list_tasks()``, ``describe_tasks()``.

Names read ``<family>-<dims>-i<MI in nats>``; a transform kind in front means that injective
map applied to both variables (see :mod:`infolens.tasks.transforms`); ``dense-`` in front
means the ``linear_mix`` transform on both (a seeded well-conditioned random matrix, so the
covariance or dispersion is dense); ``sparse-gaussian-<dims>-p<k>`` has only its first k pairs
correlated; ``gaussian-images-16-i10`` is 16x16 images of bumps with latent dimension 2 and
10 nats (the synthetic image setting of Butakov et al., ICLR 2024, arXiv:2305.08013, at a high
MI); ``labels-10-d2`` is :class:`LabelsTask` with 10 classes in 2-D, separation 1.5;
``student-<dims>-dof<nu>[-rho<r>]`` is :class:`MultivariateStudentT` with ``nu`` degrees of
freedom and correlation ``r`` (default 0) on every pair; ``uniform-noise-eps<e>`` is
:class:`AdditiveUniformNoise` with noise half-width ``e``. Their MI is not a round number, so
their names carry the parameters instead of ``-i<MI>``.

:data:`FAMILY_FACTORIES` groups the tasks of the benchmark suite by family (see
:mod:`infolens.tasks.suite`); :data:`BUILTIN_TASKS` holds those and a few more.
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

__all__ = ["FAMILY_FACTORIES", "BUILTIN_TASKS", "get_task", "list_tasks", "describe_tasks"]

TaskFactory = Callable[[], TaskBase]


def _gaussian(dim: int, mi: float) -> TaskFactory:
    return lambda: CorrelatedGaussian(dim, dim, mutual_information=mi)


def _sparse(dim: int, pairs: int, mi: float) -> TaskFactory:
    return lambda: CorrelatedGaussian(dim, dim, mutual_information=mi, correlated_pairs=pairs)


def _transformed(kind: str, dim: int, mi: float) -> TaskFactory:
    return lambda: Transformed(CorrelatedGaussian(dim, dim, mutual_information=mi), kind)


def _dense(dim: int, mi: float) -> TaskFactory:
    return _transformed("linear_mix", dim, mi)


def _student(dim: int, dof: float, rho: float = 0.0) -> TaskFactory:
    return lambda: MultivariateStudentT(dim, dim, dof=dof, correlation=rho)


def _transformed_student(kind: str, dim: int, dof: float, rho: float) -> TaskFactory:
    return lambda: Transformed(MultivariateStudentT(dim, dim, dof=dof, correlation=rho), kind)


def _student_name(dim: int, dof: float, rho: float = 0.0) -> str:
    return f"student-{dim}x{dim}-dof{dof:g}" + (f"-rho{rho:g}" if rho else "")


_STUDENT = [(1, 1, 0.0), (2, 2, 0.0), (2, 3, 0.5), (3, 2, 0.5), (5, 1, 0.5), (5, 3, 0.8),
            (10, 5, 0.3), (25, 4, 0.2)]
_DENSE_STUDENT = [(5, 3, 0.8), (10, 2, 0.5)]
_TRANSFORMED_STUDENT = [("wiggly", 2, 3, 0.5), ("spiral", 3, 2, 0.5)]

FAMILY_FACTORIES: dict[str, dict[str, TaskFactory]] = {
    # X, Y standard normal, MI spread evenly over all pairs (CorrelatedGaussian)
    "gaussian": {
        f"gaussian-{d}x{d}-i{mi:g}": _gaussian(d, mi)
        for d, mi in [(1, 0.1), (1, 1.0), (2, 1.0), (4, 2.0), (10, 1.0)]
    },
    # "sparse interactions": only the first 1 or 2 of 5..25 pairs are correlated
    "sparse": {
        f"sparse-gaussian-{d}x{d}-p{k}-i{mi:g}": _sparse(d, k, mi)
        for d, k, mi in [(5, 1, 0.5), (5, 2, 1.0), (10, 1, 1.0), (10, 2, 2.0), (25, 1, 1.0),
                         (25, 2, 2.0)]
    },
    # "dense interactions": every pair correlated, then a random invertible matrix on each side
    "dense": {
        f"dense-gaussian-{d}x{d}-i{mi:g}": _dense(d, mi)
        for d, mi in [(2, 1.0), (5, 1.0), (10, 2.0), (25, 2.0), (50, 1.0)]
    },
    "high-mi": {
        **{
            f"gaussian-{d}x{d}-i{mi:g}": _gaussian(d, mi)
            for d, mi in [(5, 5.0), (5, 10.0), (10, 10.0), (25, 25.0), (50, 25.0)]
        },
        "asinh-gaussian-5x5-i5": _transformed("asinh", 5, 5.0),
        "half_cube-gaussian-10x10-i10": _transformed("half_cube", 10, 10.0),
        "dense-gaussian-25x25-i10": _dense(25, 10.0),
    },
    "student": {
        **{_student_name(d, dof, rho): _student(d, dof, rho) for d, dof, rho in _STUDENT},
        **{
            "dense-" + _student_name(d, dof, rho): _transformed_student("linear_mix", d, dof, rho)
            for d, dof, rho in _DENSE_STUDENT
        },
    },
    "uniform-noise": {
        f"uniform-noise-eps{eps:g}": (lambda eps=eps: AdditiveUniformNoise(eps))
        for eps in (0.001, 0.01, 0.1, 0.3, 0.75)
    },
    "transformed": {
        **{
            f"{kind}-gaussian-2x2-i1": _transformed(kind, 2, 1.0)
            for kind in ("normal_cdf", "asinh", "half_cube", "random_network")
        },
        **{
            f"{kind}-gaussian-{d}x{d}-i{mi:g}": _transformed(kind, d, mi)
            for kind, d, mi in [("wiggly", 1, 1.0), ("wiggly", 5, 1.0), ("bimodal", 1, 1.0),
                                ("bimodal", 3, 1.0), ("spiral", 2, 1.0), ("spiral", 5, 2.0),
                                ("swiss_roll", 1, 1.0)]
        },
        **{
            f"{kind}-" + _student_name(d, dof, rho): _transformed_student(kind, d, dof, rho)
            for kind, d, dof, rho in _TRANSFORMED_STUDENT
        },
    },
    "images": {
        **{
            f"gaussian-images-16-i{mi}": (
                lambda mi=mi: GaussianImages(mutual_information=float(mi), image_size=16)
            )
            for mi in (2, 10)
        },
        **{
            f"rectangles-16-i{mi}": (
                lambda mi=mi: Rectangles(mutual_information=float(mi), image_size=16)
            )
            for mi in (1, 2)
        },
    },
}
"""Family name -> {task name: factory}: the tasks of the benchmark suite, family by family."""

BUILTIN_TASKS: dict[str, TaskFactory] = {
    **{name: factory for family in FAMILY_FACTORIES.values() for name, factory in family.items()},
    # not in the suite: discrete Y, or image tasks the suite samples at other MIs
    **{
        f"gaussian-images-16-i{mi}": (
            lambda mi=mi: GaussianImages(mutual_information=float(mi), image_size=16)
        )
        for mi in (1, 3)
    },
    "labels-10-d2": lambda: LabelsTask(n_classes=10, dim=2, separation=1.5),
}
"""Task name -> factory, for :func:`get_task`: the suite tasks and a few more."""


def list_tasks() -> list[str]:
    """The names of the built-in tasks, sorted.

    Returns
    -------
    list of str
        The names :func:`get_task` accepts.

    Examples
    --------
    >>> list_tasks()[:2]
    ['asinh-gaussian-2x2-i1', 'asinh-gaussian-5x5-i5']
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

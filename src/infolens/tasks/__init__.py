"""Synthetic distributions of (X, Y) with known mutual information (nats).

Every task has ``name``, ``dim_x``, ``dim_y``, an exact ``mutual_information`` and
``sample(n, seed=0) -> (x, y)`` (the :class:`infolens.interfaces.Task` protocol), plus
``describe()`` for JSON. Built-in named tasks: :func:`list_tasks`, :func:`get_task`; the
benchmark suite, grouped by family: :data:`SUITE_FAMILIES`, :func:`suite_task_names`.
"""

from infolens.tasks.base import TaskBase
from infolens.tasks.gaussian import (
    CorrelatedGaussian,
    correlation_for_mi,
    gaussian_mi_from_correlations,
)
from infolens.tasks.images import GaussianImages, Rectangles
from infolens.tasks.injective_maps import BimodalMarginal, LinearMix, Spiral, SwissRoll, Wiggly
from infolens.tasks.labels import LabelsTask, gaussian_mixture_label_mi
from infolens.tasks.registry import (
    BUILTIN_TASKS,
    FAMILY_FACTORIES,
    describe_tasks,
    get_task,
    list_tasks,
)
from infolens.tasks.student import MultivariateStudentT, student_t_mi_correction
from infolens.tasks.suite import SUITE_FAMILIES, describe_suite, suite_task_names, task_family
from infolens.tasks.transforms import TRANSFORM_KINDS, RandomInvertibleNetwork, Transformed
from infolens.tasks.uniform_noise import AdditiveUniformNoise, uniform_noise_mi

__all__ = [
    "TaskBase",
    "CorrelatedGaussian",
    "gaussian_mi_from_correlations",
    "correlation_for_mi",
    "Transformed",
    "RandomInvertibleNetwork",
    "TRANSFORM_KINDS",
    "Wiggly",
    "BimodalMarginal",
    "Spiral",
    "SwissRoll",
    "LinearMix",
    "GaussianImages",
    "Rectangles",
    "LabelsTask",
    "gaussian_mixture_label_mi",
    "MultivariateStudentT",
    "student_t_mi_correction",
    "AdditiveUniformNoise",
    "uniform_noise_mi",
    "BUILTIN_TASKS",
    "get_task",
    "list_tasks",
    "describe_tasks",
    "FAMILY_FACTORIES",
    "SUITE_FAMILIES",
    "suite_task_names",
    "task_family",
    "describe_suite",
]

"""The benchmark suite: registered tasks with exactly known MI, grouped by family.

``SUITE_FAMILIES`` maps a family name to the names of its tasks (each accepted by
:func:`infolens.tasks.get_task`); :func:`suite_task_names` lists them all in family order and
:func:`task_family` names the family of one. The families follow the "Beyond Normal" benchmark
(Czyz et al., "Beyond Normal: On the Evaluation of Mutual Information Estimators",
NeurIPS 2023, arXiv:2306.11078). Labels tasks are not in the suite: its Y is always continuous.
:func:`describe_suite` gives one JSON-ready record per task (family, name, dimensions, MI).
"""

from __future__ import annotations

from typing import Any

from infolens.tasks.registry import FAMILY_FACTORIES, get_task

__all__ = ["SUITE_FAMILIES", "suite_task_names", "task_family", "describe_suite"]

SUITE_FAMILIES: dict[str, tuple[str, ...]] = {
    family: tuple(factories) for family, factories in FAMILY_FACTORIES.items()
}
"""Family name -> the names of its tasks, in a fixed order.

* ``gaussian``: :class:`~infolens.tasks.CorrelatedGaussian`, 1 to 10 dimensions per side, MI
  spread evenly over all pairs;
* ``sparse``: 5 to 25 dimensions per side, only 1 or 2 pairs correlated ("sparse
  interactions");
* ``dense``: Gaussians of 2 to 50 dimensions per side with every pair correlated, then a seeded
  invertible matrix on each side (``linear_mix``), so all covariances are dense;
* ``high-mi``: 5, 10 and 25 nats in 5 to 50 dimensions per side, plain, transformed or dense;
* ``student``: :class:`~infolens.tasks.MultivariateStudentT`, 1 to 5 degrees of freedom,
  1 to 25 dimensions per side, with diagonal or dense (``linear_mix``) dispersion;
* ``uniform-noise``: :class:`~infolens.tasks.AdditiveUniformNoise`, 0.33 to 6.2 nats;
* ``transformed``: Gaussians (and two Student-t tasks) under the injective maps of
  :mod:`infolens.tasks.transforms`: normal CDF, asinh, half-cube, random network, wiggly,
  bimodal, spiral, Swiss roll;
* ``images``: 16x16 images of Gaussian bumps and of rectangles
  (:class:`~infolens.tasks.GaussianImages`, :class:`~infolens.tasks.Rectangles`).
"""


def suite_task_names() -> list[str]:
    """All suite tasks, family by family, in the order of :data:`SUITE_FAMILIES`.

    Returns
    -------
    list of str
        Task names, each accepted by :func:`infolens.tasks.get_task`.

    Examples
    --------
    >>> names = suite_task_names()
    >>> names[0], len(names) == len(set(names))
    ('gaussian-1x1-i0.1', True)
    """
    return [name for names in SUITE_FAMILIES.values() for name in names]


def task_family(name: str) -> str:
    """The family of the suite task ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`suite_task_names`.

    Returns
    -------
    str
        A key of :data:`SUITE_FAMILIES`.

    Raises
    ------
    ValueError
        Naming ``name``, when it is not a suite task.

    Examples
    --------
    >>> task_family("dense-gaussian-5x5-i1"), task_family("uniform-noise-eps0.1")
    ('dense', 'uniform-noise')
    """
    for family, names in SUITE_FAMILIES.items():
        if name in names:
            return family
    raise ValueError(f"name: {name!r} is not a suite task")


def describe_suite() -> list[dict[str, Any]]:
    """One record per suite task, in suite order: family, name, dimensions and MI in nats.

    Returns
    -------
    list of dict
        ``{"family", "name", "dim_x", "dim_y", "mutual_information"}`` for every name of
        :func:`suite_task_names` (JSON-ready).

    Examples
    --------
    >>> describe_suite()[0]
    {'family': 'gaussian', 'name': 'gaussian-1x1-i0.1', 'dim_x': 1, 'dim_y': 1, 'mutual_information': 0.1}
    """
    records = []
    for family, names in SUITE_FAMILIES.items():
        for name in names:
            task = get_task(name)
            records.append({
                "family": family,
                "name": name,
                "dim_x": int(task.dim_x),
                "dim_y": int(task.dim_y),
                "mutual_information": float(task.mutual_information),
            })
    return records

"""The built-in named tasks: every one samples with its stated dims; unknown names fail clearly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from infolens.interfaces import Task
from infolens.tasks import describe_tasks, get_task, list_tasks

SUGGESTED = [
    "gaussian-1x1-i1",
    "gaussian-2x2-i1",
    "gaussian-4x4-i2",
    "gaussian-50x50-i25",
    "normal_cdf-gaussian-2x2-i1",
    "asinh-gaussian-2x2-i1",
    "half_cube-gaussian-2x2-i1",
    "random_network-gaussian-2x2-i1",
    "gaussian-images-16-i1",
    "gaussian-images-16-i2",
    "gaussian-images-16-i3",
    "rectangles-16-i1",
    "rectangles-16-i2",
    "labels-10-d2",
]


def test_list_contains_the_suggested_names_sorted() -> None:
    names = list_tasks()
    assert names == sorted(names)
    assert set(SUGGESTED) <= set(names)


@pytest.mark.parametrize("name", list_tasks())
def test_each_task_samples_with_its_dims(name: str) -> None:
    task = get_task(name)
    assert isinstance(task, Task) and task.name == name
    x, y = task.sample(20, seed=0)
    assert x.shape == (20, task.dim_x)
    assert y.shape == ((20,) if name.startswith("labels") else (20, task.dim_y))
    assert np.all(np.isfinite(x))
    assert task.mutual_information > 0


def test_mi_in_name_is_the_mi() -> None:
    for name in list_tasks():
        if "-i" in name:
            assert get_task(name).mutual_information == float(name.rsplit("-i", 1)[1])


def test_describe_is_json() -> None:
    records = json.loads(json.dumps(describe_tasks()))
    assert [r["name"] for r in records] == list_tasks()
    assert all({"dim_x", "dim_y", "mutual_information", "parameters"} <= set(r) for r in records)


def test_unknown_name_lists_known_ones() -> None:
    known = "^name: unknown task 'nope'; known tasks: .*gaussian-1x1-i1"
    with pytest.raises(ValueError, match=known):
        get_task("nope")

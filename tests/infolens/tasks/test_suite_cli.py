"""``infolens suite list``: the suite's tasks by family, as a table and as JSON."""

from __future__ import annotations

import json

from infolens.tasks import SUITE_FAMILIES, describe_suite, suite_task_names


def test_suite_list_json_is_the_suite_in_order(run_main) -> None:
    r = run_main("suite", "list", "--json")
    assert r.returncode in (0, None), r.stderr
    records = json.loads(r.stdout)
    assert [row["name"] for row in records] == suite_task_names()
    assert records == describe_suite()
    assert {row["family"] for row in records} == set(SUITE_FAMILIES)
    assert all({"family", "name", "dim_x", "dim_y", "mutual_information"} == set(row)
               for row in records)


def test_suite_list_table_groups_by_family(run_main) -> None:
    r = run_main("suite", "list")
    assert r.returncode in (0, None), r.stderr
    positions = [r.stdout.index(family) for family in SUITE_FAMILIES]
    assert positions == sorted(positions)  # families in suite order
    n = len(suite_task_names())
    assert f"{n} tasks in {len(SUITE_FAMILIES)} families" in r.stdout

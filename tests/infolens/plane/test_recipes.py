"""docs/recipes.md runs as written: its Python blocks, in order, in one namespace."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

RECIPES = Path(__file__).resolve().parents[3] / "docs" / "recipes.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_recipes_page_has_the_plain_loop_and_the_lightning_example():
    blocks = python_blocks(RECIPES.read_text(encoding="utf-8"))
    assert len(blocks) == 4
    loop = blocks[1].strip().splitlines()
    assert len(loop) <= 13 and sum("# <-" in line for line in loop) >= 4  # the ~10-line recipe
    assert "InformationPlaneCallback" in blocks[3]


def test_the_recipes_run_and_write_the_plane_outputs(tmp_path, monkeypatch):
    pytest.importorskip("pytorch_lightning")
    from infolens.plane.tracker import read_table

    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, block in enumerate(python_blocks(RECIPES.read_text(encoding="utf-8"))):
        exec(compile(block, f"{RECIPES.name}[block {i}]", "exec"), namespace)  # noqa: S102

    plain = read_table(tmp_path / "results" / "plain")
    assert [(r["epoch"], r["layer"]) for r in plain] == [
        (e, layer) for e in range(4) for layer in ("1", "3")
    ]
    assert all(math.isfinite(r["i_xl"]) and math.isfinite(r["i_ly"]) for r in plain)
    assert (tmp_path / "results" / "plain" / "information_plane.png").is_file()
    lightning = read_table(tmp_path / "results" / "lightning")
    assert sorted({r["epoch"] for r in lightning}) == [0, 1, 2]
    assert all(r["train_loss"] > 0 for r in lightning if r["epoch"] > 0)
    assert (tmp_path / "results" / "lightning" / "training_curves.svg").is_file()

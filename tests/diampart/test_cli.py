"""The diampart command line: search, check, lower, plot, and one-line errors with exit code 2."""

import json
import subprocess
import sys
import time
from pathlib import Path

from diampart.cli import main
from infolens._cli import EntryPointRunner

runner = EntryPointRunner(main, "diampart")


def test_search_check_plot_round_trip(tmp_path):
    out = tmp_path / "sq.json"
    res = runner.invoke(["search", "square", "--parts", "2", "--restarts", "2",
                              "--out", str(out), "--plot", str(tmp_path / "sq.png")])
    assert res.exit_code == 0, res.output
    assert "checked upper bound 1.118033" in res.output
    assert (tmp_path / "sq.png").stat().st_size > 1000
    res = runner.invoke(["check", str(out)])
    assert res.exit_code == 0 and res.output.startswith("VALID")
    data = json.loads(out.read_text())
    data["bound_squared"] = "1"
    out.write_text(json.dumps(data))
    res = runner.invoke(["check", str(out)])
    assert res.exit_code == 1 and "diameter" in res.output
    res = runner.invoke(["plot", str(out), "--out", str(tmp_path / "p.png")])
    assert res.exit_code == 0 and (tmp_path / "p.png").exists()


def test_lower_command(tmp_path):
    res = runner.invoke(["lower", "torus", "--parts", "1", "--method", "sat",
                              "--resolution", "2", "--out", str(tmp_path / "lb.json")])
    assert res.exit_code == 0, res.output
    assert "d_m >= 0.70710678" in res.output
    assert json.loads((tmp_path / "lb.json").read_text())[0]["tau_squared"] == "1/2"


def test_bad_input_exits_2_with_one_line(tmp_path):
    cases = [
        ["check", str(tmp_path / "missing.json")],
        ["search", "blob", "--parts", "2"],
        ["search", "disk", "--parts", "0"],
        ["lower", "disk", "--parts", "0"],
        ["lower", "disk", "--parts", "2", "--method", "magic"],
    ]
    for args in cases:
        res = runner.invoke(args)
        assert res.exit_code == 2, (args, res.output)
        assert len(res.output.strip().splitlines()) == 1
        assert res.output.startswith("error:")


def test_grid_sat_search_command(tmp_path):
    out = tmp_path / "t6.json"
    res = runner.invoke(["search", "torus", "--parts", "6", "--method", "grid-sat",
                              "--resolution", "8", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "checked upper bound 0.515388203" in res.output
    assert runner.invoke(["check", str(out)]).output.startswith("VALID")
    res = runner.invoke(["search", "disk", "--parts", "3", "--method", "grid-sat"])
    assert res.exit_code == 2 and res.output.startswith("error: shape")
    res = runner.invoke(["search", "torus", "--parts", "3", "--method", "magic"])
    assert res.exit_code == 2 and res.output.startswith("error: --method")


def bad_certificates(tmp_path) -> dict[str, Path]:
    """Files that are not certificates, or break the format's limits or types."""
    good = {"format": "diampart-partition/1", "shape": "square", "parts": 1, "bound_squared": "2",
            "cells": [{"pieces": [[["0", "0"], ["1", "0"], ["1", "1"], ["0", "1"]]]}]}
    texts = {
        "empty": "",
        "wrong_types": json.dumps({**good, "cells": [{"pieces": [[5, {"x": 1}, "0"]]}]}),
        "tangent_sides": json.dumps({**good, "shape": "disk", "tangent_sides": 100_000}),
        "exponent": json.dumps({**good, "bound_squared": "1e100000000"}),
        "nesting": json.dumps(good).replace('"2"', "[" * 100_000 + "]" * 100_000),
    }
    paths = {"missing": tmp_path / "missing.json"}
    for name, text in texts.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(text)
    paths["garbage"] = tmp_path / "garbage.json"
    paths["garbage"].write_bytes(b"\xff\xfe\x00\x81garbage{[")
    return paths


def test_check_bad_files_in_process(tmp_path):
    for name, path in bad_certificates(tmp_path).items():
        start = time.perf_counter()
        res = runner.invoke(["check", str(path)])
        assert time.perf_counter() - start < 1, name
        assert res.exit_code == 2, (name, res.output)
        assert len(res.output.strip().splitlines()) == 1, (name, res.output)
        assert res.output.startswith("error: "), (name, res.output)


def test_check_bad_files_through_the_console_script(tmp_path):
    """The installed entry point itself: one ``error:`` line on stderr, exit 2, no traceback."""
    script = Path(sys.executable).with_name("diampart")
    for name, path in bad_certificates(tmp_path).items():
        res = subprocess.run([str(script), "check", str(path)], capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 2, (name, res.stderr[-500:])
        assert res.stdout == "", name
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (name, res.stderr[-500:])


def test_table_command_writes_rows_pictures_and_certificates(tmp_path):
    res = runner.invoke(["table", "torus", "--parts", "8..9", "--budget", "0", "--lower-budget", "0",
                         "--methods", "strips,hexagonal", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "| 8 | 0.441942 | hexagonal |" in res.output
    data = json.loads((tmp_path / "torus_table.json").read_text())
    assert [r["parts"] for r in data["rows"]] == [8, 9]
    for m in (8, 9):
        assert runner.invoke(["check", str(tmp_path / f"torus_m{m}.json")]).output.startswith("VALID")
        assert (tmp_path / f"torus_m{m}.png").exists()
    assert (tmp_path / "torus_table.md").read_text().startswith("# d_m of the flat torus")
    for args, start in [(["table", "disk"], "error: shape"),
                        (["table", "torus", "--parts", "3..1"], "error: parts"),
                        (["table", "torus", "--methods", "magic"], "error: methods")]:
        res = runner.invoke(args + ["--out", str(tmp_path / "bad")])
        assert res.exit_code == 2 and res.output.startswith(start), (args, res.output)


def test_table_command_passes_restarts_and_perturbation_steps(tmp_path):
    res = runner.invoke(["table", "torus", "--parts", "9", "--budget", "20", "--lower-budget", "0",
                         "--methods", "voronoi", "--restarts", "2", "--perturb-steps", "3",
                         "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "torus_table.json").read_text())
    assert (data["restarts"], data["perturb_steps"]) == (2, 3)
    assert data["rows"][0]["voronoi_work"] == {"restarts": 2, "perturb_steps": 3}
    cert = json.loads((tmp_path / "torus_m9.json").read_text())
    assert cert["meta"]["perturb_steps"] == 3
    res = runner.invoke(["table", "torus", "--parts", "2", "--budget", "0", "--lower-budget", "0",
                         "--methods", "strips", "--out", str(tmp_path / "defaults")])
    data = json.loads((tmp_path / "defaults" / "torus_table.json").read_text())
    assert (data["restarts"], data["perturb_steps"]) == (10_000, 10_000)


def test_search_command_runs_perturbation_steps_on_the_torus_only(tmp_path):
    out = tmp_path / "t9.json"
    res = runner.invoke(["search", "torus", "--parts", "9", "--restarts", "2", "--perturb-steps",
                         "4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["meta"]["perturb_steps"] == 4
    assert runner.invoke(["check", str(out)]).output.startswith("VALID")
    res = runner.invoke(["search", "square", "--parts", "3", "--perturb-steps", "4",
                         "--out", str(tmp_path / "s.json")])
    assert res.exit_code == 2 and res.output.startswith("error: perturb_steps"), res.output

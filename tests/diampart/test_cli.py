"""The diampart command line: search, check, lower, plot, and one-line errors with exit code 2."""

import json

from typer.testing import CliRunner

from diampart.cli import app

runner = CliRunner()


def test_search_check_plot_round_trip(tmp_path):
    out = tmp_path / "sq.json"
    res = runner.invoke(app, ["search", "square", "--parts", "2", "--restarts", "2",
                              "--out", str(out), "--plot", str(tmp_path / "sq.png")])
    assert res.exit_code == 0, res.output
    assert "checked upper bound 1.118033" in res.output
    assert (tmp_path / "sq.png").stat().st_size > 1000
    res = runner.invoke(app, ["check", str(out)])
    assert res.exit_code == 0 and res.output.startswith("VALID")
    data = json.loads(out.read_text())
    data["bound_squared"] = "1"
    out.write_text(json.dumps(data))
    res = runner.invoke(app, ["check", str(out)])
    assert res.exit_code == 1 and "diameter" in res.output
    res = runner.invoke(app, ["plot", str(out), "--out", str(tmp_path / "p.png")])
    assert res.exit_code == 0 and (tmp_path / "p.png").exists()


def test_lower_command(tmp_path):
    res = runner.invoke(app, ["lower", "torus", "--parts", "1", "--method", "sat",
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
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert len(res.output.strip().splitlines()) == 1
        assert res.output.startswith("error:")


def test_grid_sat_search_command(tmp_path):
    out = tmp_path / "t6.json"
    res = runner.invoke(app, ["search", "torus", "--parts", "6", "--method", "grid-sat",
                              "--resolution", "8", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "checked upper bound 0.515388203" in res.output
    assert runner.invoke(app, ["check", str(out)]).output.startswith("VALID")
    res = runner.invoke(app, ["search", "disk", "--parts", "3", "--method", "grid-sat"])
    assert res.exit_code == 2 and res.output.startswith("error: shape")
    res = runner.invoke(app, ["search", "torus", "--parts", "3", "--method", "magic"])
    assert res.exit_code == 2 and res.output.startswith("error: method")

"""``infolens plane ...`` end to end (real MNIST copy when present) and the figures."""

from __future__ import annotations

import json

import pytest

from infolens._cli import EntryPointRunner
from infolens.cli import main
from infolens.plane.plots import plot_all
from infolens.plane.tracker import read_table

runner = EntryPointRunner(main, "infolens")


def test_plane_mnist_tiny_run_then_resume(tmp_path, real_mnist_dir):
    out = tmp_path / "mnist"
    args = [
        "plane", "mnist", "--epochs", "1", "--probe-size", "500", "--train-size", "2000",
        "--x-compressor", "pca", "--layers", "L3,L5", "--out", str(out), "--no-progress",
        "--mnist-dir", str(real_mnist_dir),
    ]
    result = runner.invoke(args)
    assert result.exit_code == 0, result.output
    assert "I(X;L)" in result.output
    for name in ("table.csv", "table.json", "run.json", "checkpoint.pt"):
        assert (out / name).is_file(), name
    for stem in ("information_plane", "mi_vs_epoch", "training_curves"):
        for fmt in ("png", "svg"):
            assert (out / f"{stem}.{fmt}").stat().st_size > 1000
    rows = read_table(out)
    assert sorted({(r["epoch"], r["layer"]) for r in rows}) == [
        (0, "L3"), (0, "L5"), (1, "L3"), (1, "L5")
    ]
    run = json.loads((out / "run.json").read_text())
    assert run["noise"]["noise_std"] == 1e-3 and run["probe_size"] == 500
    assert run["preset"]["noise_std"] == 1e-3 and run["random_state"] == 0
    assert run["training"]["device"] == "cpu"
    first_epoch = [r for r in rows if r["epoch"] == 1]

    result = runner.invoke([*args[:3], "2", *args[4:], "--resume"])
    assert result.exit_code == 0, result.output
    resumed = read_table(out)
    assert sorted({r["epoch"] for r in resumed}) == [0, 1, 2]
    assert [r for r in resumed if r["epoch"] == 1] == first_epoch  # kept, not recomputed

    # other settings: refused, each difference listed, nothing touched
    table = (out / "table.json").read_bytes()
    other = [*args[:3], "3", *args[4:], "--resume", "--lr", "0.5", "--layers", "L3"]
    result = runner.invoke(other)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "run.json" in result.output
    assert "preset.lr: 0.0001 -> 0.5" in result.output
    assert "layers: ['L3', 'L5'] -> ['L3']" in result.output
    assert "Traceback" not in result.output
    assert (out / "table.json").read_bytes() == table

    # a zero-byte checkpoint: one line naming it, exit 2 (was a silent exit 130)
    (out / "checkpoint.pt").write_bytes(b"")
    result = runner.invoke([*args[:3], "3", *args[4:], "--resume"])
    assert result.exit_code == 2, result.output
    assert "checkpoint.pt" in result.output and "empty" in result.output
    assert "Traceback" not in result.output


def test_plane_mnist_missing_data_is_one_line_exit_2(tmp_path):
    result = runner.invoke(
        ["plane", "mnist", "--mnist-dir", str(tmp_path), "--no-download", "--no-progress"]
    )
    assert result.exit_code == 2
    assert "error:" in result.output and str(tmp_path) in result.output
    assert "Traceback" not in result.output


def test_plane_mnist_bad_preset_is_exit_2(tmp_path):
    result = runner.invoke(["plane", "mnist", "--preset", "huge", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "preset" in result.output


def _fake_rows() -> list[dict]:
    rows = []
    for epoch in range(5):
        for i, layer in enumerate(("L2", "L3")):
            rows.append({
                "epoch": epoch, "layer": layer, "i_xl": 2.0 + 0.3 * epoch - 0.1 * epoch**2 + i,
                "i_xl_err": 0.1, "i_ly": 0.5 + 0.3 * epoch, "i_ly_err": 0.02,
                "train_loss": 2.0 / (epoch + 1), "test_loss": 2.1 / (epoch + 1),
                "train_acc": 0.2 * epoch, "test_acc": 0.19 * epoch,
            })
    return rows


def test_plots_written_as_png_and_svg(tmp_path):
    paths = plot_all(_fake_rows(), tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}.{fmt}" for stem in ("information_plane", "mi_vs_epoch", "training_curves")
        for fmt in ("png", "svg")
    )
    svg = (tmp_path / "information_plane.svg").read_text()
    assert "I(X; L)" in svg and "epoch" in svg
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_plane_plot_command(tmp_path):
    from infolens.plane.tracker import write_table

    write_table(_fake_rows(), tmp_path)
    result = runner.invoke(["plane", "plot", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "information_plane.png").is_file()
    empty = runner.invoke(["plane", "plot", str(tmp_path / "nothing")])
    assert empty.exit_code == 2 and "table.json" in empty.output


def test_autoencoder_for_x_is_fitted_once_and_not_on_resume(tmp_path, monkeypatch, real_mnist_dir):
    from infolens.estimators.compressors import AutoencoderCompressor
    from infolens.plane.experiments import run_mnist_plane

    small = dict(
        out_dir=tmp_path, layers=("L4",), probe_size=300, train_size=1000, mnist_dir=real_mnist_dir,
        x_compressor="conv-ae", ae_train_size=500, ae_max_epochs=1, progress=False, plots=False,
    )
    run_mnist_plane("demo", epochs=1, **small)
    run = json.loads((tmp_path / "run.json").read_text())
    assert "AutoencoderCompressor" in run["x_compressor"] and "500" in run["x_compressor"]
    assert (tmp_path / "x_codes.npy").is_file()

    def refuse(self, x):
        raise AssertionError("the X autoencoder must not be refitted on resume")

    monkeypatch.setattr(AutoencoderCompressor, "fit", refuse)
    run_mnist_plane("demo", epochs=2, resume=True, **small)
    assert sorted({r["epoch"] for r in read_table(tmp_path)}) == [0, 1, 2]


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--probe-size", "0", "--probe-size: must be >= 60"),
        ("--probe-size", "-5", "--probe-size: must be >= 60"),
        ("--probe-size", "10001", "--probe-size: must be <= 10000"),
        ("--epochs", "0", "--epochs: must be >= 1"),
        ("--lr", "0", "--lr: must be a finite number > 0"),
        ("--lr", "-0.001", "--lr: must be a finite number > 0"),
        ("--lr", "nan", "--lr: must be a finite number > 0"),
        ("--lr", "inf", "--lr: must be a finite number > 0"),
        ("--batch-size", "0", "--batch-size: must be >= 1"),
        ("--every", "0", "--every: must be >= 1"),
        ("--train-size", "0", "--train-size: must be >= 1"),
        ("--train-size", "60001", "--train-size: must be <= 60000"),
        ("--noise-std", "-0.1", "--noise-std: must be a finite number >= 0"),
        ("--noise-std", "nan", "--noise-std: must be a finite number >= 0"),
        ("--seed", "-1", "--seed: must be >= 0"),
        ("--device", "gpu", "--device: expected a torch device"),
        ("--layers", "L2,L9", "--layers: ['L9'] not found"),
        ("--x-compressor", "svd", "--x-compressor: expected 'conv-ae' or 'pca'"),
    ],
)
def test_plane_mnist_bad_option_is_one_line_naming_it(tmp_path, option, value, expected):
    # checked before any data is read: the directory holds no MNIST and nothing is downloaded
    result = runner.invoke([
        "plane", "mnist", option, value, "--mnist-dir", str(tmp_path), "--no-download",
        "--no-progress", "--out", str(tmp_path / "out"),
    ])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {expected}"), result.output
    assert f"got {value}" in lines[0] or f"got '{value}'" in lines[0] or option in (
        "--layers", "--x-compressor"
    )


@pytest.mark.parametrize(
    ("argument", "value"),
    [("probe_size", 0), ("epochs", 0), ("lr", float("nan")), ("batch_size", 0), ("every", 0),
     ("train_size", 0), ("noise_std", -1.0), ("ae_max_epochs", 0), ("ae_train_size", 0),
     ("probe_size", 2.5), ("epochs", True), ("random_state", -1), ("device", "gpu")],
)
def test_run_mnist_plane_checks_arguments_first(tmp_path, argument, value):
    from infolens.plane.experiments import run_mnist_plane

    with pytest.raises(ValueError, match=f"^{argument}: ") as err:
        run_mnist_plane("demo", tmp_path / "out", mnist_dir=tmp_path, download=False,
                        **{argument: value})
    assert "\n" not in str(err.value)


def _flagged_rows() -> list[dict]:
    rows = _fake_rows()
    for row in rows:
        row["warnings"] = ""
    rows[3]["warnings"] = "i_xl: negative estimate -0.28 nats"
    rows[6]["warnings"] = "i_ly: too few samples"
    return rows


def test_flagged_points_are_hollow_with_a_legend_entry(tmp_path):
    from infolens.plane.plots import plot_information_plane, plot_mi_vs_epoch

    for rows, name in ((_flagged_rows(), "flagged"), (_fake_rows(), "clean")):
        plot_information_plane(rows, tmp_path / name)
        plot_mi_vs_epoch(rows, tmp_path / name)
    legend = "flagged by the estimator (see table warnings)"
    for stem in ("information_plane", "mi_vs_epoch"):
        assert legend in (tmp_path / "flagged" / f"{stem}.svg").read_text(), stem
        assert legend not in (tmp_path / "clean" / f"{stem}.svg").read_text(), stem


def test_plane_commands_print_flagged_rows(tmp_path):
    from infolens.plane.tracker import write_table

    write_table(_flagged_rows(), tmp_path)
    result = runner.invoke(["plane", "plot", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert lines == [
        "warning: epoch 1, layer L3: i_xl: negative estimate -0.28 nats",
        "warning: epoch 3, layer L2: i_ly: too few samples",
    ], result.output

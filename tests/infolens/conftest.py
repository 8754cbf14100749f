"""Shared fixtures of the infolens tests."""

import os
from pathlib import Path

import pytest
import torch

import infolens.data.mnist as mnist_module
from infolens.data.mnist import MNIST_SHA256


def _offline_mnist_dir() -> Path | None:
    """The offline MNIST copy: ``$INFOLENS_MNIST_DIR``, else ``../shared/data/mnist`` beside the
    repository; None when neither holds all four files."""
    env = os.environ.get("INFOLENS_MNIST_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist")
    for c in candidates:
        if all((c / f"{name}.gz").is_file() or (c / name).is_file() for name in MNIST_SHA256):
            return c
    return None


@pytest.fixture
def real_mnist_dir() -> Path:
    """The offline MNIST copy; the test is skipped where there is none."""
    found = _offline_mnist_dir()
    if found is None:
        pytest.skip("offline MNIST copy not found")
    return found


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests never download: MNIST's fetch fails (a test may replace it with its own fake)."""
    def refuse(url):
        raise OSError("tests never download")

    monkeypatch.setattr(mnist_module, "_fetch", refuse)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """One torch thread per test: CI's 2 cores are shared, and results must not depend on it."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def run_main(capsys, monkeypatch):
    """Run the console-script entry point in this process (the same code path as the installed
    ``infolens`` command, without its start-up cost): ``run_main("estimate", x, y)`` gives a
    ``subprocess.CompletedProcess`` with the exit code, stdout and stderr."""
    import subprocess
    import sys

    from infolens.cli import main

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["infolens", *map(str, args)])
        with pytest.raises(SystemExit) as exit_info:
            main()
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, exit_info.value.code, out, err)

    return run

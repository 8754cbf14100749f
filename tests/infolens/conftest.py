"""Shared fixtures of the infolens tests."""

import pytest
import torch


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

"""The one error path of the command lines (``infolens`` and ``diampart``).

* usage errors (unknown option or command, a malformed or missing argument) are typer's own:
  the usage message and exit code 2;
* errors in the input (``ValueError``, files that cannot be read or written, too little memory)
  are one line ``error: ...`` on stderr and exit code 2, with nothing else printed there;
* other Python warnings become one line ``warning: ...`` each, printed when the command
  succeeds; categories that a command prints itself (estimator warnings) are left to it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

__all__ = [
    "stderr", "run_app", "print_warning", "options_named", "check_output_dir", "EntryPointRunner",
]

stderr = Console(stderr=True)


def print_warning(message: str) -> None:
    """One line ``warning: message`` on stderr."""
    stderr.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False, soft_wrap=True)


def _fail(message: str) -> None:
    stderr.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(2)


def run_app(app: typer.Typer, *, printed_by_commands: tuple[type[Warning], ...] = ()) -> None:
    """Run ``app`` as a console script with the error path of the module docstring."""
    notes: list[str] = []

    def keep_warning(message, category, filename, lineno, file=None, line=None) -> None:
        if not issubclass(category, printed_by_commands):
            notes.append(str(message))

    with warnings.catch_warnings():
        warnings.showwarning = keep_warning
        try:
            app()  # standalone mode: typer reports its own usage errors and exits
        except (ValueError, OSError) as err:
            _fail(str(err))
        except MemoryError:
            _fail("not enough memory for this request; ask for less (fewer samples, smaller data)")
        except SystemExit as done:
            if done.code in (0, None):
                for note in dict.fromkeys(notes):
                    print_warning(note)
            raise


@contextlib.contextmanager
def options_named(arguments: Iterable[str] | Mapping[str, str]) -> Iterator[None]:
    """Re-raise a ``ValueError`` about a Python argument (``"latent_dim: ..."``) with the option
    the user typed (``"--latent-dim: ..."``). ``arguments`` are Python names (option: ``--`` and
    the name with dashes) or a mapping from names to options."""
    options = (dict(arguments) if isinstance(arguments, Mapping)
               else {a: "--" + a.replace("_", "-") for a in arguments})
    try:
        yield
    except ValueError as err:
        match = re.match(r"([A-Za-z_]+): ", str(err))
        if match is None or match.group(1) not in options:
            raise
        raise ValueError(options[match.group(1)] + str(err)[len(match.group(1)):]) from None


def check_output_dir(out: Path, option: str) -> None:
    """Create ``out`` if needed; ``ValueError`` naming ``option`` if it cannot hold files."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"{option}: {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"{option}: cannot create directory {out}: {err.strerror or err}") from None
    if not os.access(out, os.W_OK):
        raise ValueError(f"{option}: directory {out} is not writable")


class EntryPointRunner:
    """Runs a console-script entry point (``main()``, with this module's error path) in this
    process, as ``typer.testing.CliRunner`` runs an app: ``invoke(args)`` -> ``.exit_code``,
    ``.output`` (stdout and stderr together). For tests and notebooks."""

    def __init__(self, main: Callable[[], None], prog: str) -> None:
        self.main, self.prog = main, prog

    def invoke(self, args: Iterable[object]) -> SimpleNamespace:
        out = io.StringIO()
        argv = sys.argv
        sys.argv = [self.prog, *map(str, args)]
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                self.main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 0
        finally:
            sys.argv = argv
        return SimpleNamespace(exit_code=code, output=out.getvalue())


# The options of the commands that run grids (`infolens bench suite`, `infolens plane sweep`).
BackendOption = Annotated[
    str, typer.Option(help="where cells run: local (this machine's processes) or ray")
]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, help="cells at the same time [default: CPUs / --num-cpus]")
]
AddressOption = Annotated[
    str | None,
    typer.Option(help="ray: address of a running cluster ('auto', 'ray://host:10001'); "
                 "default: start a local Ray instance"),
]
NumCpusOption = Annotated[float, typer.Option(help="CPUs per cell (threads of each worker)")]
NumGpusOption = Annotated[float, typer.Option(help="GPUs per cell (ray backend)")]
FreshOption = Annotated[bool, typer.Option("--fresh", help="ignore the cells the table records as done")]
ProgressOption = Annotated[bool, typer.Option(help="progress bar over cells")]


def report_interrupted(err: KeyboardInterrupt) -> None:
    """One line on stderr for a grid stopped by Ctrl-C, then exit code 130."""
    stderr.print(f"[yellow]{escape(str(err) or 'interrupted')}[/yellow]", highlight=False,
                 soft_wrap=True)
    sys.exit(130)

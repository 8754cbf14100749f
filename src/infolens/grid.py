"""One runner for grids of independent cells: on this machine's processes or on a Ray cluster.

A *grid* is a list of cells; a cell is a JSON-ready dict of settings (a suite cell: task,
estimator, n, seed; a plane run: seed, noise level, epochs...). A *cell function* maps one
cell to one record (a dict) and must be a pure function of the cell. :func:`run_grid` runs
every cell that is not done yet and keeps one tidy table of the grid:

* ``TABLE`` (CSV): one row per cell, in the grid's order: the cell's settings, ``status``
  (``"ok"`` or ``"failed"``), ``attempts``, ``cell_error`` (the exception's text of a failed
  cell), ``wall_seconds`` (wall time of the cell function) and the record's fields (nested values as
  JSON). It is rewritten atomically as each cell finishes, so an interrupted grid (Ctrl-C, a killed
  driver) leaves a consistent table.
* ``TABLE.cells.json``: the resume store (:class:`infolens.bench.ResultStore`). A cell whose
  record is there, made with the same ``settings(cell)``, is skipped; a cell that failed is
  tried again on the next run.

A cell that raises is retried ``retries`` times (default once), then recorded as failed with
its error text, and the grid goes on.

Backends
--------
``"local"``
    ``workers`` processes of this machine (joblib's loky executor); one worker runs the cells
    in this process.
``"ray"``
    Ray tasks with ``num_cpus`` and ``num_gpus`` each.

Either way a cell gets ``num_cpus`` threads: BLAS, OpenMP and torch (``OMP_NUM_THREADS`` and
its kin in the worker processes) and infolens's k-NN searches (``INFOLENS_N_JOBS``, read by
``n_jobs=None``, also set around a cell run in this process), so that parallel cells do not
each take every core. With ``address`` the driver joins that
    cluster (its nodes need infolens installed); without one, Ray starts a local instance of
    ``workers`` CPUs itself and stops it at the end.

Examples
--------
>>> import tempfile, pathlib
>>> table = pathlib.Path(tempfile.mkdtemp()) / "grid.csv"
>>> cells = [{"a": a, "b": b} for a in (1, 2) for b in (10, 20)]
>>> result = run_grid(cells, example_cell, table, backend="local", workers=1, progress=False)
>>> [row["product"] for row in result.rows], result.done, result.skipped
([10, 20, 20, 40], 4, 0)
>>> run_grid(cells, example_cell, table, workers=1, progress=False).skipped
4
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BACKENDS",
    "GridResult",
    "GridInterrupted",
    "run_grid",
    "check_backend",
    "read_grid_table",
    "store_path",
    "example_cell",
    "grid_cells",
]

#: the backends of :func:`run_grid`
BACKENDS: tuple[str, ...] = ("local", "ray")
#: columns the runner adds to every row, after the cell's settings
RUNNER_COLUMNS: tuple[str, ...] = ("status", "attempts", "cell_error", "wall_seconds")

CellFunction = Callable[[dict], Mapping[str, Any]]


def example_cell(cell: dict) -> dict:
    """A cell function for examples and tests: ``{"product": a * b}``.

    Parameters
    ----------
    cell : dict
        ``{"a": number, "b": number}``, optionally ``"sleep"`` (seconds to wait first) and
        ``"exit_code"`` (end the worker process at once with this code, as a crash would).

    Returns
    -------
    dict
        ``{"product": cell["a"] * cell["b"]}``.

    Raises
    ------
    ValueError
        When ``a < 0``.
    """
    time.sleep(cell.get("sleep", 0))
    if "exit_code" in cell:
        os._exit(cell["exit_code"])
    if cell["a"] < 0:
        raise ValueError(f"a: must be >= 0, got {cell['a']}")
    return {"product": cell["a"] * cell["b"]}


class GridInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a grid; the table holds the cells finished so far.

    Parameters
    ----------
    result : GridResult
        What was finished before the interruption.
    """

    def __init__(self, result: GridResult) -> None:
        super().__init__(
            f"interrupted: {result.finished} of {result.total} cells finished; the table "
            f"{result.table} holds them; run the same command again to resume"
        )
        self.result = result


@dataclass
class GridResult:
    """The outcome of :func:`run_grid`.

    Parameters
    ----------
    table : pathlib.Path
        The CSV table of the grid.
    rows : list of dict
        Its rows (finished cells, in the grid's order; values as the cell function returned
        them, not as CSV text).
    total : int
        Cells in the grid.
    done : int
        Cells run in this call that succeeded.
    skipped : int
        Cells found done in the resume store.
    failed : int
        Cells that failed after their retries.
    seconds : float
        Wall time of the call.
    """

    table: Path
    rows: list[dict] = field(default_factory=list)
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0

    @property
    def finished(self) -> int:
        """Cells with a row in the table: done, skipped or failed."""
        return self.done + self.skipped + self.failed


def check_backend(backend: str, workers: int | None, num_cpus: float, num_gpus: float) -> int:
    """Check the runner's settings; return the number of workers (``None``: every CPU).

    Parameters
    ----------
    backend : str
        ``"local"`` or ``"ray"``.
    workers : int or None
        Parallel cells; ``None``: ``os.cpu_count() // num_cpus`` (at least 1).
    num_cpus : float
        CPUs per cell (> 0).
    num_gpus : float
        GPUs per cell (>= 0; only the Ray backend schedules GPUs).

    Returns
    -------
    int
        The number of workers.

    Raises
    ------
    ValueError
        Naming the argument that is wrong.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    if isinstance(num_cpus, bool) or not isinstance(num_cpus, (int, float)) or not num_cpus > 0:
        raise ValueError(f"num_cpus: must be a number > 0, got {num_cpus!r}")
    if isinstance(num_gpus, bool) or not isinstance(num_gpus, (int, float)) or not num_gpus >= 0:
        raise ValueError(f"num_gpus: must be a number >= 0, got {num_gpus!r}")
    if num_gpus and backend == "local":
        raise ValueError("num_gpus: only the ray backend schedules GPUs; use --backend ray")
    if workers is None:
        return max(1, int((os.cpu_count() or 1) // num_cpus))
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers: must be an integer >= 1, got {workers!r}")
    return workers


def store_path(table: str | Path) -> Path:
    """The resume store of a grid table: ``grid.csv`` -> ``grid.cells.json``.

    Parameters
    ----------
    table : str or pathlib.Path
        The CSV table.

    Returns
    -------
    pathlib.Path
        The JSON store beside it.
    """
    table = Path(table)
    return table.with_name(table.stem + ".cells.json")


def _check_cells(cells: Sequence[Mapping[str, Any]]) -> list[dict]:
    checked = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, Mapping) or not cell:
            raise ValueError(f"cells: cell {i} must be a non-empty dict of settings, got {cell!r}")
        try:
            json.dumps(dict(cell))
        except TypeError as err:
            raise ValueError(f"cells: cell {i} is not JSON-ready ({err})") from None
        checked.append(dict(cell))
    keys = [json.dumps(c, sort_keys=True) for c in checked]
    if len(set(keys)) != len(keys):
        raise ValueError("cells: the grid names the same cell twice")
    return checked


def _timed_call(function: CellFunction, cell: dict) -> tuple[dict, float]:
    """Run ``function(cell)`` (in whatever process) and time it."""
    start = time.perf_counter()
    record = dict(function(cell))
    return record, time.perf_counter() - start


def _error_text(err: BaseException) -> str:
    cause = getattr(err, "cause", None)  # Ray's RayTaskError carries the original exception
    if isinstance(cause, BaseException):
        err = cause
    text = "".join(traceback.format_exception_only(type(err), err)).strip()
    return text.splitlines()[-1] if text else type(err).__name__


#: the variables that limit a cell's threads (BLAS, OpenMP/torch, infolens's k-NN ``n_jobs``)
THREAD_VARIABLES: tuple[str, ...] = (
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "INFOLENS_N_JOBS",
)


def _thread_env(num_cpus: float) -> dict[str, str]:
    threads = str(max(1, int(num_cpus)))
    return dict.fromkeys(THREAD_VARIABLES, threads)


class _Serial:
    """Runs cells in this process, one at a time.

    Ctrl-C lets the running cell finish (native code such as a threaded KD-tree query must
    not be cut off: its threads would outlive the memory they read) and then stops the grid;
    a second Ctrl-C stops at once.
    """

    def __init__(self, function: CellFunction, num_cpus: float) -> None:
        self.function = function
        self.ready: list[tuple[object, dict]] = []
        self.interrupted = False
        self.n_jobs = str(max(1, int(num_cpus)))

    def submit(self, cell: dict) -> object:
        token = object()
        self.ready.append((token, cell))
        return token

    def next_done(self, pending: set) -> list[tuple[object, Any]]:
        token, cell = self.ready.pop(0)
        with self._deferred_interrupt(), _environment("INFOLENS_N_JOBS", self.n_jobs):
            try:
                return [(token, ("ok", _timed_call(self.function, cell)))]
            except Exception as err:  # a failing cell is recorded, the grid goes on
                return [(token, ("error", _error_text(err)))]

    @contextlib.contextmanager
    def _deferred_interrupt(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_interrupt(signum: int, frame: object) -> None:
            if self.interrupted:
                raise KeyboardInterrupt
            self.interrupted = True
            print("\ninterrupt: stopping after the running cell (Ctrl-C again to stop now)",
                  file=sys.stderr, flush=True)

        previous = signal.signal(signal.SIGINT, on_interrupt)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def cancel(self) -> None:
        self.ready.clear()

    def close(self) -> None:
        pass


@contextlib.contextmanager
def _interrupt_held() -> Iterator[None]:
    """A Ctrl-C inside the block is raised (as KeyboardInterrupt) when the block ends.

    Recording a finished cell (the resume store, then the table) must not be cut in two: a
    Ctrl-C between the two writes left the table with a row the store did not have.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """``os.environ[name] = value`` inside the block (this process's threads-per-call knob)."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


class _Processes:
    """Runs cells in ``workers`` processes (loky's executor, as joblib uses: the cell function
    travels by cloudpickle and scripts need no ``__main__`` guard); a crashed process costs one
    attempt of the cell that was running alone in it (see :meth:`next_done`)."""

    def __init__(self, function: CellFunction, workers: int, num_cpus: float) -> None:
        self.function, self.workers = function, workers
        self.env = _thread_env(num_cpus)
        self.pool = self._new_pool()

    def _new_pool(self) -> Any:
        from joblib.externals.loky.process_executor import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=self.workers, env=self.env)

    def submit(self, cell: dict) -> Future:
        return self.pool.submit(_timed_call, self.function, cell)

    def next_done(self, pending: set) -> list[tuple[object, Any]]:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        out = []
        broken = False
        for future in finished:
            try:
                out.append((future, ("ok", future.result())))
            except BrokenProcessPool:
                broken = True
                out.append((future, ("error", "a worker process died (killed or out of memory)")))
            except Exception as err:
                out.append((future, ("error", _error_text(err))))
        if broken:
            # which cell killed the worker is known only when it ran alone: otherwise every
            # cell that was in flight runs again, alone, without counting this attempt
            if len(pending) > 1:
                out = [(future, ("suspect", None)) for future in pending]
            self.pool.shutdown(wait=False, kill_workers=True)
            self.pool = self._new_pool()
        return out

    def cancel(self) -> None:
        self.pool.shutdown(wait=False, kill_workers=True)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class _Ray:
    """Runs cells as Ray tasks; starts a local Ray instance unless ``address`` names one."""

    def __init__(self, function: CellFunction, workers: int, num_cpus: float, num_gpus: float,
                 address: str | None) -> None:
        import logging

        try:
            import ray
        except ImportError:  # pragma: no cover - ray is installed by make
            raise ValueError(
                "backend: 'ray' needs Ray: pip install 'infolens[grid]'"
            ) from None
        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            if address:
                ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
            else:
                ray.init(num_cpus=max(1, math.ceil(workers * num_cpus)), include_dashboard=False,
                         logging_level=logging.WARNING, log_to_driver=False)
            self.started = True
        self.remote = ray.remote(_timed_call).options(
            num_cpus=num_cpus, num_gpus=num_gpus, max_retries=0,
            runtime_env={"env_vars": _thread_env(num_cpus)},
        )
        self.function_ref = ray.put(function)

    def submit(self, cell: dict) -> object:
        return self.remote.remote(self.function_ref, cell)

    def next_done(self, pending: set) -> list[tuple[object, Any]]:
        finished, _ = self.ray.wait(list(pending), num_returns=1)
        out = []
        for ref in finished:
            try:
                out.append((ref, ("ok", self.ray.get(ref))))
            except Exception as err:  # RayTaskError, a dead worker...
                out.append((ref, ("error", _error_text(err))))
        return out

    def cancel(self) -> None:
        self.close()

    def close(self) -> None:
        if self.started and self.ray.is_initialized():
            self.ray.shutdown()
            self.started = False


def _row(cell: dict, entry: dict) -> dict:
    """The table row of a cell: its settings, the runner's columns, then the record's fields
    (a field named like a setting but with another value is kept as ``result_<name>``)."""
    row = dict(cell)
    for name in RUNNER_COLUMNS:
        row[name] = entry.get(name)
    for name, value in entry.get("record", {}).items():
        if name in row and name not in RUNNER_COLUMNS:
            if row[name] != value:
                row[f"result_{name}"] = value
        elif name in RUNNER_COLUMNS:
            row[f"result_{name}"] = value
        else:
            row[name] = value
    return row


def read_grid_table(table: str | Path) -> list[dict]:
    """The rows of a grid table as :func:`run_grid` wrote them (values as CSV text).

    Parameters
    ----------
    table : str or pathlib.Path
        The CSV file.

    Returns
    -------
    list of dict
        One dict per row.

    Raises
    ------
    ValueError
        If the file does not exist.
    """
    table = Path(table)
    if not table.is_file():
        raise ValueError(f"table: {table} does not exist")
    with table.open(newline="") as handle:
        return list(csv.DictReader(handle))


def run_grid(
    cells: Sequence[Mapping[str, Any]],
    function: CellFunction,
    table: str | Path,
    *,
    settings: Callable[[dict], Any] | None = None,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    num_cpus: float = 1,
    num_gpus: float = 0,
    retries: int = 1,
    fresh: bool = False,
    progress: bool = True,
    description: str = "cells",
) -> GridResult:
    """Run every cell of a grid that is not done yet; keep the grid's table (module docstring).

    Parameters
    ----------
    cells : sequence of dict
        The grid: distinct, JSON-ready dicts of settings.
    function : callable
        ``function(cell) -> dict``, a pure function of the cell (the ``local`` backend with
        ``workers > 1`` and the ``ray`` backend run it in other processes: it travels by
        cloudpickle, so a lambda or a function of a script works too).
    table : str or pathlib.Path
        The CSV table; the resume store is beside it (:func:`store_path`).
    settings : callable or None, default=None
        ``settings(cell)``: what a cell's record depends on besides the cell (e.g. an
        estimator's full parameters); a saved record is reused only while it is unchanged.
        ``None``: nothing.
    backend : {"local", "ray"}, default="local"
        Where cells run.
    workers : int or None, default=None
        Cells run at the same time; ``None``: ``os.cpu_count() // num_cpus``.
    address : str or None, default=None
        Ray backend: the address of a running cluster (``"auto"``, ``"ray://host:10001"``);
        ``None``: start a local instance.
    num_cpus : float, default=1
        CPUs per cell (local: the threads of each worker process).
    num_gpus : float, default=0
        GPUs per cell (Ray backend only).
    retries : int, default=1
        Attempts after the first for a cell that raises.
    fresh : bool, default=False
        Ignore the resume store.
    progress : bool, default=True
        Show a progress bar over cells.
    description : str, default="cells"
        The progress bar's label.

    Returns
    -------
    GridResult
        The table's path and rows and the counts of the run.

    Raises
    ------
    ValueError
        A bad argument, named.
    GridInterrupted
        On Ctrl-C, after writing the table of the finished cells.
    """
    from infolens.bench.records import ResultStore
    from infolens.io import atomic_write_text, csv_text

    start = time.perf_counter()
    n_workers = check_backend(backend, workers, num_cpus, num_gpus)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries: must be an integer >= 0, got {retries!r}")
    if not callable(function):
        raise ValueError(f"function: must be callable, got {function!r}")
    grid = _check_cells(cells)
    table = Path(table)
    table.parent.mkdir(parents=True, exist_ok=True)
    store = ResultStore(store_path(table), fresh=fresh)
    settings_of = settings or (lambda cell: {})

    entries: dict[int, dict] = {}
    todo: list[int] = []
    wanted: list[Any] = []
    for i, cell in enumerate(grid):
        wanted.append(settings_of(cell))
        saved = store.get(cell, wanted[i])
        if saved is not None and saved.get("status") == "ok":
            entries[i] = saved
        else:
            todo.append(i)
    result = GridResult(table=table, total=len(grid), skipped=len(entries))

    def write_table() -> None:
        result.rows = [_row(grid[i], entries[i]) for i in range(len(grid)) if i in entries]
        atomic_write_text(table, csv_text(result.rows) if result.rows else "")

    write_table()
    if not todo:
        result.seconds = time.perf_counter() - start
        return result

    if backend == "ray":
        runner: Any = _Ray(function, n_workers, num_cpus, num_gpus, address)
    elif n_workers == 1:
        runner = _Serial(function, num_cpus)
    else:
        runner = _Processes(function, n_workers, num_cpus)
    bar = _progress_bar(len(grid), len(entries), description, progress)
    attempts = dict.fromkeys(todo, 0)
    pending: dict[Any, int] = {}
    queue = list(todo)
    suspects: list[int] = []
    try:
        while queue or pending or suspects:
            while queue and len(pending) < n_workers * 2 and not suspects:
                i = queue.pop(0)
                attempts[i] += 1
                pending[runner.submit(grid[i])] = i
            if suspects and not pending:  # a suspect of a crash runs alone (see _Processes)
                i = suspects.pop(0)
                attempts[i] += 1
                pending[runner.submit(grid[i])] = i
            for handle, (status, payload) in runner.next_done(set(pending)):
                i = pending.pop(handle)
                if status == "suspect":
                    attempts[i] -= 1
                    suspects.append(i)
                    continue
                if status == "error" and attempts[i] <= retries:
                    queue.insert(0, i)
                    continue
                if status == "ok":
                    record, seconds = payload
                    entry = {"status": "ok", "attempts": attempts[i], "cell_error": None,
                             "wall_seconds": seconds, "record": record}
                    result.done += 1
                else:
                    entry = {"status": "failed", "attempts": attempts[i], "cell_error": payload,
                             "wall_seconds": None, "record": {}}
                    result.failed += 1
                with _interrupt_held():
                    entries[i] = entry
                    store.put(grid[i], wanted[i], entry)
                    write_table()
                bar.update(1)
            if getattr(runner, "interrupted", False):
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        runner.cancel()
        write_table()
        bar.close()
        result.seconds = time.perf_counter() - start
        raise GridInterrupted(result) from None
    finally:
        bar.close()
    runner.close()
    write_table()
    result.seconds = time.perf_counter() - start
    return result


def _progress_bar(total: int, initial: int, description: str, show: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=description, unit="cell", disable=not show)


def grid_cells(axes: Mapping[str, Sequence[Any]], fixed: Mapping[str, Any] | None = None) -> Iterator[dict]:
    """The cells of a full grid: every combination of the axes' values, plus fixed settings.

    Parameters
    ----------
    axes : mapping of str to sequence
        Setting name -> its values (the last axis varies fastest).
    fixed : mapping or None, default=None
        Settings shared by every cell.

    Yields
    ------
    dict
        One cell per combination.

    Examples
    --------
    >>> list(grid_cells({"seed": [0, 1], "noise": [0.1]}, {"epochs": 2}))
    [{'epochs': 2, 'seed': 0, 'noise': 0.1}, {'epochs': 2, 'seed': 1, 'noise': 0.1}]
    """
    import itertools

    names = list(axes)
    for values in itertools.product(*(list(axes[name]) for name in names)):
        yield {**dict(fixed or {}), **dict(zip(names, values, strict=True))}

"""What the benchmark scripts share: one timer.

The scripts run as ``python benchmarks/bench_*.py``, so this module is imported as ``_common``
(the script's folder is first on ``sys.path``). Results are written with the library's atomic
writers (:mod:`infolens.io`, :func:`infolens.bench.write_report`), never here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["timed"]

T = TypeVar("T")


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    """``(fn(*args, **kwargs), seconds)``, wall-clock seconds by ``time.perf_counter``."""
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start

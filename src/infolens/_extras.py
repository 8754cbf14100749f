"""Imports of the modules that need an optional extra (``infolens[neural]``: torch, zuko,
matplotlib), with an error that says what to install."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from types import ModuleType

__all__ = ["MissingExtraError", "import_module", "lazy_attributes"]

#: top-level packages that come with an extra, and the extra that brings them
EXTRA_OF = {
    "torch": "neural", "zuko": "neural", "matplotlib": "neural", "pysat": "diampart", "ray": "grid",
    "pytorch_lightning": "lightning",
}


class MissingExtraError(ImportError):
    """A module of infolens needs an optional dependency that is not installed."""


def import_module(name: str) -> ModuleType:
    """``importlib.import_module(name)``; a missing optional dependency becomes a
    :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        missing = (err.name or "").split(".")[0]
        if missing not in EXTRA_OF:
            raise
        extra = EXTRA_OF[missing]
        raise MissingExtraError(
            f"{name} needs {missing}, which is not installed: pip install 'infolens[{extra}]' "
            f"({err})"
        ) from None


def lazy_attributes(
    package: str, lazy: dict[str, str], public: list[str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a package whose names in ``lazy`` (name -> module) are
    imported on first use, so that importing the package does not load torch."""
    namespace = sys.modules[package].__dict__

    def getattr_(name: str) -> object:
        if name in lazy:
            return getattr(import_module(lazy[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(public))

    return getattr_, dir_

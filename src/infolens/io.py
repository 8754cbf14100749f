"""Reading sample arrays from files and writing results atomically."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["load_array", "atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_save_npy"]

SUPPORTED_SUFFIXES = (".npy", ".npz", ".csv", ".tsv", ".txt")


def load_array(path: str | Path, name: str) -> np.ndarray:
    """Load one array from .npy, .npz (a single array, or ``file.npz:key``), .csv/.tsv/.txt.

    Text files may have one header line; every other cell must be a number. Errors are
    ``ValueError`` naming ``name`` and the file.
    """
    text = str(path)
    key = None
    if ".npz:" in text:
        text, key = text.split(".npz:", 1)
        text += ".npz"
    p = Path(text)
    if not p.exists():
        raise ValueError(f"{name}: file not found: {p}")
    if not p.is_file():
        raise ValueError(f"{name}: not a file: {p}")
    if p.stat().st_size == 0:
        raise ValueError(f"{name}: file is empty: {p}")
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(
            f"{name}: unsupported file type {suffix!r} ({p}); use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    try:
        if suffix == ".npy":
            return np.load(p, allow_pickle=False)
        if suffix == ".npz":
            with np.load(p, allow_pickle=False) as archive:
                keys = list(archive.keys())
                if key is None:
                    if len(keys) != 1:
                        raise ValueError(
                            f"{name}: {p} holds arrays {keys}; pick one as {p}:KEY"
                        )
                    key = keys[0]
                if key not in keys:
                    raise ValueError(f"{name}: {p} has no array {key!r}; it holds {keys}")
                return archive[key]
        return _load_text(p, name, "\t" if suffix == ".tsv" else None)
    except ValueError as err:
        if str(err).startswith(f"{name}:"):
            raise
        raise ValueError(f"{name}: cannot read {p}: {err}") from None
    except OSError as err:
        raise ValueError(f"{name}: cannot read {p}: {err}") from None


def _load_text(p: Path, name: str, delimiter: str | None) -> np.ndarray:
    lines = [ln for ln in p.read_text().splitlines() if ln.strip()]
    if not lines:
        raise ValueError(f"{name}: file is empty: {p}")
    if delimiter is None:
        delimiter = "," if "," in lines[0] else None
    rows = [ln.split(delimiter) for ln in lines]
    try:
        [float(c) for c in rows[0]]
    except ValueError:
        rows = rows[1:]  # a header line
    if not rows:
        raise ValueError(f"{name}: {p} has a header but no data rows")
    if len({len(row) for row in rows}) > 1:
        raise ValueError(f"{name}: {p} has rows of different lengths")
    try:
        return np.array([[float(c) for c in row] for row in rows])
    except ValueError as err:
        raise ValueError(f"{name}: {p} has a non-numeric cell ({err})") from None


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half of one."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """:func:`atomic_write_bytes` of ``text`` in UTF-8."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: object) -> None:
    """:func:`atomic_write_text` of ``obj`` as indented JSON."""
    atomic_write_text(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


def atomic_save_npy(path: str | Path, array: np.ndarray) -> None:
    """Save ``array`` as .npy atomically."""
    buffer = io.BytesIO()
    np.save(buffer, array)
    atomic_write_bytes(path, buffer.getvalue())


def _json_default(obj: object) -> object:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")

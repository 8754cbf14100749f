"""Reading sample arrays from files and writing results atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "load_array", "atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_save_npy",
    "csv_text",
]

SUPPORTED_SUFFIXES = (".npy", ".npz", ".csv", ".tsv", ".txt")


def load_array(path: str | Path, name: str) -> np.ndarray:
    """Load one array from .npy, .npz (a single array, or ``file.npz:key``), .csv/.tsv/.txt.

    Text files may have one header line, recognised only when none of its cells is a number
    (a ``UserWarning`` says it was skipped); every other cell must be a number.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; ``file.npz:key`` picks one array of an archive.
    name : str
        What the array is (e.g. ``"x"``), for error messages.

    Returns
    -------
    numpy.ndarray
        The array (float64 for text files).

    Raises
    ------
    ValueError
        Naming ``name``, the file and, for text, the line and column, when the file is missing,
        empty, of an unsupported type or malformed.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.savetxt(Path(tmp) / "x.csv", [[1, 2], [3, 4]], delimiter=",")
    ...     load_array(Path(tmp) / "x.csv", "x").tolist()
    [[1.0, 2.0], [3.0, 4.0]]
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
    lines = [(i, ln) for i, ln in enumerate(p.read_text().splitlines(), start=1) if ln.strip()]
    if not lines:
        raise ValueError(f"{name}: file is empty: {p}")
    if delimiter is None:
        delimiter = "," if "," in lines[0][1] else None
    rows = [(i, [c.strip() for c in ln.split(delimiter)]) for i, ln in lines]
    first_line, first = rows[0]
    if not any(_is_number(c) for c in first):  # only a row with no number at all is a header
        warnings.warn(f"{name}: line {first_line} of {p} read as a header: {lines[0][1].strip()!r}",
                      UserWarning, stacklevel=3)
        rows = rows[1:]
    if not rows:
        raise ValueError(f"{name}: {p} has a header but no data rows")
    width = len(rows[0][1])
    for line_no, row in rows:
        if len(row) != width:
            raise ValueError(
                f"{name}: {p} has rows of different lengths: line {line_no} has {len(row)} "
                f"columns, line {rows[0][0]} has {width}"
            )
        for col, cell in enumerate(row, start=1):
            if not _is_number(cell):
                raise ValueError(f"{name}: {p} line {line_no}, column {col}: non-numeric cell {cell!r}")
    return np.array([[float(c) for c in row] for _, row in rows])


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half of one.

    The bytes go to a temporary file in the same directory (created if needed), which then
    replaces ``path``; the file gets the usual permissions (0666 less the umask).

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    data : bytes
        Its new content.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _DEFAULT_FILE_MODE & ~_current_umask())  # mkstemp makes 0600 files
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_DEFAULT_FILE_MODE = 0o666


def _current_umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | Path, text: str) -> None:
    """:func:`atomic_write_bytes` of ``text`` in UTF-8.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    text : str
        Its new content.
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: object) -> None:
    """:func:`atomic_write_text` of ``obj`` as indented JSON.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    obj : object
        Anything JSON can hold, plus NumPy scalars and arrays and paths (converted).
    """
    atomic_write_text(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


def atomic_save_npy(path: str | Path, array: np.ndarray) -> None:
    """Save ``array`` as .npy atomically (:func:`atomic_write_bytes`).

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.
    array : numpy.ndarray
        The array.
    """
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


def csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    """The CSV text of a table of dict rows: the one CSV writer of the result tables.

    Parameters
    ----------
    rows : list of dict
        The rows.
    columns : list of str or None, default=None
        Column order; ``None``: every key, in order of first appearance.

    Returns
    -------
    str
        Header and rows, ``\n``-terminated; ``None`` is written as an empty cell, dicts,
        lists and tuples as JSON.

    Examples
    --------
    >>> print(csv_text([{"a": 1, "b": None}, {"a": "x,y", "c": [1, 2]}]), end="")
    a,b,c
    1,,
    "x,y",,"[1, 2]"
    """
    if columns is None:
        columns = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({
            c: json.dumps(v, default=str) if isinstance(v := row.get(c), (dict, list, tuple)) else v
            for c in columns
        })
    return buffer.getvalue()

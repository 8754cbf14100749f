"""Input checks in one place: every public entry point calls these, so that bad input fails with
one clear ``ValueError`` naming the argument, never deep inside numpy, scipy or torch."""

from __future__ import annotations

import numpy as np

__all__ = ["as_samples", "as_paired_samples", "as_labels", "check_positive_int"]


def as_samples(a: object, name: str, *, min_samples: int = 1) -> np.ndarray:
    """Return ``a`` as a finite float64 array of shape (n, d); a 1-D array becomes one column.

    Raises ``ValueError`` naming ``name`` for: non-numeric data, more than 2 dimensions,
    no columns, fewer than ``min_samples`` rows, NaN or infinity.
    """
    if a is None:
        raise ValueError(f"{name}: expected an array of samples, got None")
    if hasattr(a, "detach"):  # a torch tensor: take its values, not its graph
        a = a.detach().cpu().numpy()
    arr = np.asarray(a)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"{name}: expected numeric data, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise ValueError(f"{name}: expected real numbers, got complex dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{name}: expected an array of samples, got a scalar")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim > 2:
        raise ValueError(
            f"{name}: expected shape (n_samples, n_features), got {arr.ndim}-D shape {arr.shape}; "
            "flatten each sample first (e.g. x.reshape(len(x), -1))"
        )
    n, d = arr.shape
    if d == 0:
        raise ValueError(f"{name}: has no features (shape {arr.shape})")
    if n < min_samples:
        raise ValueError(f"{name}: needs at least {min_samples} samples, got {n}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise ValueError(f"{name}: contains {bad} NaN or infinite value(s)")
    return arr


def as_paired_samples(
    x: object, y: object, *, min_samples: int = 1, names: tuple[str, str] = ("x", "y")
) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``x`` and ``y`` with :func:`as_samples` and check that their rows pair up."""
    xa = as_samples(x, names[0], min_samples=min_samples)
    ya = as_samples(y, names[1], min_samples=min_samples)
    if len(xa) != len(ya):
        raise ValueError(
            f"{names[0]} and {names[1]}: sample counts differ ({len(xa)} vs {len(ya)}); "
            "rows must be paired"
        )
    return xa, ya


def as_labels(y: object, name: str = "y", *, n: int | None = None) -> np.ndarray:
    """Return class labels as a 1-D array (any hashable numeric or string values).

    A column vector (n, 1) is accepted; NaN and wrong lengths are rejected.
    """
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of class labels, got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise ValueError(f"{name}: expected {n} labels to pair with the samples, got {len(arr)}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite labels")
    if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
        raise ValueError(f"{name}: class labels must be integers or strings, got non-integer floats")
    return arr


def check_positive_int(value: object, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {value}")
    return int(value)

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
    if y is None:
        raise ValueError(f"{name}: expected an array of class labels, got None")
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    arr = np.asarray(y)
    if arr.dtype == object:
        bad = [v for v in arr.ravel() if not isinstance(v, (str, bool, int, np.integer, np.str_))]
        if bad:
            raise ValueError(
                f"{name}: class labels must be integers or strings, got {type(bad[0]).__name__} "
                f"values such as {bad[0]!r}"
            )
        arr = arr.astype(str)
    if arr.dtype.kind == "c":
        raise ValueError(f"{name}: class labels must be integers or strings, got complex numbers")
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


# ----------------------------------------------------------------------------- one column policy

#: A column is constant when ``max - min <= CONSTANT_RTOL * max|value|``: its values agree to
#: about 4,500 units in the last place of float64, i.e. they differ by rounding at most.
CONSTANT_RTOL = 1e-12


def constant_columns(a: np.ndarray) -> np.ndarray:
    """Boolean mask of the constant columns of ``a`` (n, d), by the relative rule of
    :data:`CONSTANT_RTOL`; a column of zeros is constant. The same rule for every estimator:
    MI estimators drop constant columns (they carry no information; a variable with no other
    column has I = 0), entropy estimators reject them (H = -inf), compressors map them to 0."""
    magnitude = np.abs(a).max(axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        spread = a.max(axis=0) - a.min(axis=0)  # inf for columns spanning +-1e308: not constant
    return spread <= CONSTANT_RTOL * magnitude


def column_moments(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of every column, without overflow or underflow.

    Each column is first divided by its largest magnitude (so data of order 1e300 or 1e-300
    keep full precision), its moments taken, and the scale multiplied back. Constant columns
    (:func:`constant_columns`) get standard deviation 0 exactly.
    """
    magnitude = np.abs(a).max(axis=0)
    magnitude = np.where(magnitude > 0, magnitude, 1.0)
    unit = a / magnitude
    mean = unit.mean(axis=0) * magnitude
    std = np.where(constant_columns(a), 0.0, unit.std(axis=0) * magnitude)
    return mean, std


def standardize_columns(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(z, log_scale)``: every non-constant column centred and scaled to unit variance,
    without overflow; ``log_scale`` is the log of each column's standard deviation, so that
    H(a) = H(z) + sum(log_scale). ``a`` must have no constant column."""
    magnitude = np.abs(a).max(axis=0)
    unit = a / magnitude
    unit_std = unit.std(axis=0)
    z = (unit - unit.mean(axis=0)) / unit_std
    return z, np.log(unit_std) + np.log(magnitude)


def power_of_two_exponent(a: np.ndarray) -> int:
    """The exponent e with max|a| * 2**-e in [0.5, 1) (0 for an empty or all-zero array).

    Multiplying by 2**-e (``np.ldexp(a, -e)``) is exact in floating point and the same factor
    for every coordinate, so distances keep their order and ratios, and squared distances of
    data of order 1e+-300 do not overflow or underflow; H(a) = H(a 2**-e) + d e log 2.
    """
    largest = float(np.abs(a).max()) if a.size else 0.0
    if largest == 0.0 or not np.isfinite(largest):
        return 0
    return int(np.frexp(largest)[1])

"""Input checks in one place: every public entry point calls these, so that bad input fails with
one clear ``ValueError`` naming the argument, never deep inside numpy, scipy or torch."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported only when a device is resolved: the core needs no torch
    import torch

__all__ = [
    "as_samples", "as_paired_samples", "as_labels", "is_label_vector", "check_positive_int",
    "check_fraction",
    "check_positive_float", "check_hidden_sizes", "constant_columns", "column_moments",
    "power_of_two_exponent", "resolve_device", "DEVICE_CHOICES",
]


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


def is_label_vector(a: object) -> bool:
    """True for a 1-D (or (n, 1)) array of integers, booleans or strings: class labels.

    Examples
    --------
    >>> is_label_vector([0, 1, 1]), is_label_vector([[0.5], [1.0]]), is_label_vector(["a", "b"])
    (True, False, True)
    """
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    arr = np.asarray(a)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    return arr.ndim == 1 and arr.dtype.kind in "iubUS"


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


def check_fraction(value: object, name: str) -> float:
    """``value`` as a float strictly between 0 and 1.

    Parameters
    ----------
    value : object
        The value to check (a bool is rejected).
    name : str
        The argument's name, for the error message.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ValueError
        Naming ``name``, when ``value`` is not a number in (0, 1).

    Examples
    --------
    >>> check_fraction(0.2, "val_fraction")
    0.2
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"{name}: expected a number strictly between 0 and 1, got {value!r}")
    return float(value)


def check_positive_float(value: object, name: str) -> float:
    """``value`` as a finite float > 0.

    Parameters
    ----------
    value : object
        A number (not a bool).
    name : str
        The name the error message gives it.

    Returns
    -------
    float
        ``value``, converted.

    Raises
    ------
    ValueError
        Naming ``name``, when ``value`` is not a finite positive number.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return float(value)


def check_hidden_sizes(value: object, name: str = "hidden_sizes") -> tuple[int, ...]:
    """Widths of hidden layers as a tuple of positive ints (one int means one layer).

    Parameters
    ----------
    value : int or sequence of int
        One width, or the widths of the hidden layers in order.
    name : str, default="hidden_sizes"
        The argument's name, for the error message.

    Returns
    -------
    tuple of int
        The widths.

    Raises
    ------
    ValueError
        Naming ``name``, when ``value`` is empty or holds a width that is not a positive int.

    Examples
    --------
    >>> check_hidden_sizes(64), check_hidden_sizes([128, 128])
    ((64,), (128, 128))
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value:
        raise ValueError(f"{name}: expected a sequence of layer widths, got {value!r}")
    return tuple(check_positive_int(h, name) for h in value)


# ----------------------------------------------------------------------------- devices

#: What ``device=`` takes besides a ``torch.device``: these names, or an indexed one
#: (``"cuda:1"``). ``"auto"`` is CUDA when torch sees a GPU, else the CPU.
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(device: object, name: str = "device") -> torch.device:
    """The torch device that ``device`` names, checked to exist on this machine.

    The one device resolver of infolens: the plane's training, the tracker's compressors, the
    flows, the variational bounds, FMMI and the autoencoders all read their ``device`` setting
    here. ``"auto"`` picks CUDA (``torch.cuda.is_available()``), else the CPU; it never picks
    MPS, whose float64 support is partial.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` (case and surrounding
        spaces ignored), or a ``torch.device``.
    name : str, default="device"
        The argument's name, for the error message.

    Returns
    -------
    torch.device
        The device (``"auto"`` resolved).

    Raises
    ------
    ValueError
        Naming ``name``: for something that is not a device name, an accelerator this machine
        (or this torch build) lacks, an index past the devices it has, or ``"meta"`` (no data).

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    >>> import torch
    >>> resolve_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    True
    """
    import torch

    if isinstance(device, str):
        text = device.strip().lower()
        if text == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            dev = torch.device(text)
        except (RuntimeError, TypeError, ValueError):
            dev = None
    else:
        dev = device if isinstance(device, torch.device) else None
    if dev is None:
        raise ValueError(
            f"{name}: expected a torch device: one of {DEVICE_CHOICES}, an indexed one such as "
            f"'cuda:1', or a torch.device; got {device!r}"
        )
    if dev.type == "cpu":
        return dev
    if dev.type == "meta":
        raise ValueError(f"{name}: 'meta' holds no data, so nothing can be computed on it")
    module = getattr(torch, dev.type, None)
    available = getattr(module, "is_available", None)
    if dev.type == "mps":
        available = torch.backends.mps.is_available
    if not callable(available) or not available():
        raise ValueError(
            f"{name}: {dev.type} is not available on this machine (torch {torch.__version__}), "
            f"got {device!r}; use 'cpu' or 'auto'"
        )
    count = getattr(module, "device_count", None)
    if dev.index is not None and callable(count) and dev.index >= count():
        raise ValueError(
            f"{name}: this machine has {count()} {dev.type} device(s) (0..{count() - 1}), "
            f"got {device!r}"
        )
    return dev


# ----------------------------------------------------------------------------- data and seeds


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


#: Columns whose largest magnitude lies in this range have their moments computed directly
#: (bit-identical to numpy's mean/std); outside it, after dividing by that magnitude.
_SAFE_MAGNITUDE = (1e-150, 1e150)


def _in_safe_range(magnitude: np.ndarray) -> bool:
    nonzero = magnitude[magnitude > 0]
    return bool(np.all((nonzero >= _SAFE_MAGNITUDE[0]) & (nonzero <= _SAFE_MAGNITUDE[1])))


def column_moments(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of every column, without overflow or underflow.

    Data of ordinary magnitude get numpy's ``mean``/``std``; a column of order 1e300 or 1e-300
    is first divided by its largest magnitude, its moments taken and the scale multiplied
    back. Constant columns (:func:`constant_columns`) get standard deviation 0 exactly.
    """
    magnitude = np.abs(a).max(axis=0)
    constant = constant_columns(a)
    if _in_safe_range(magnitude):
        mean, std = a.mean(axis=0), a.std(axis=0)
    else:
        magnitude = np.where(magnitude > 0, magnitude, 1.0)
        unit = a / magnitude
        mean, std = unit.mean(axis=0) * magnitude, unit.std(axis=0) * magnitude
    return mean, np.where(constant, 0.0, std)


def power_of_two_exponent(a: np.ndarray) -> int:
    """The exponent e with max|a| * 2**-e in [0.5, 1) (0 for an empty or all-zero array, or
    one whose columns all lie in the range where squares can neither overflow nor underflow).

    Multiplying by 2**-e (``np.ldexp(a, -e)``) is exact in floating point and the same factor
    for every coordinate, so distances keep their order and ratios, and squared distances of
    data of order 1e+-300 do not overflow or underflow; H(a) = H(a 2**-e) + d e log 2.
    """
    if not a.size or _in_safe_range(np.abs(a).max(axis=0)):
        return 0
    largest = float(np.abs(a).max())
    if largest == 0.0 or not np.isfinite(largest):
        return 0
    return int(np.frexp(largest)[1])

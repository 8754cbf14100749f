"""Information-plane tracking: I(X; L) and I(L; Y) per layer L and epoch, through compression.

Method (Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
Compression", ICLR 2024, arXiv:2305.08013):

    I(X; L) ~ I(E_X(X); E_L(L)),    I(L; Y) ~ I(E_L(L); Y),

where E_X compresses the probe inputs once (cached) and E_L is fitted anew on each layer's
activations every tracked epoch (PCA to 4 dimensions by default, an autoencoder optionally).
The first is a continuous-continuous estimate (weighted Kozachenko-Leonenko, k = 5, by
default); the second a continuous-discrete one (Ross, "Mutual Information between Discrete and
Continuous Data Sets", PLoS ONE 9(2): e87357, 2014) because Y are class labels. For
I(X; L) to be finite the layers must be stochastic: see :mod:`infolens.plane.noise`.

The tracker is the result table's owner. With ``out_dir`` it writes, atomically after every
recorded epoch: ``table.csv`` and ``table.json`` (one row per epoch and layer) and
``run.json`` (all parameters: layers, noise, compressors, estimators, random_state, versions).
Every reason an estimator gives to distrust a number (``MIEstimate.warnings``) goes to the
table's ``warnings`` column (``"i_xl: <message>; i_ly: <message>"``, empty when none) and is
re-emitted once per row as an :class:`~infolens.estimators.result.EstimatorWarning`.

Resuming (:meth:`InformationPlaneTracker.restore`) refuses a directory whose ``run.json`` records
other settings, and a missing or damaged ``table.json``: every problem is one ``ValueError``
naming the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from infolens._validation import check_positive_int, resolve_device
from infolens.estimators.base import describe, is_fitted
from infolens.estimators.compression import make_compressor
from infolens.estimators.registry import make_estimator
from infolens.estimators.result import call_catching_estimator_warnings, warn_estimator
from infolens.io import _json_default, atomic_save_npy, atomic_write_json, atomic_write_text, csv_text
from infolens.plane.noise import NoiseHooks, insert_noise
from infolens.plane.probe import ActivationProbe, model_device, resolve_layers

__all__ = [
    "InformationPlaneTracker",
    "TABLE_COLUMNS",
    "read_json",
    "read_table",
    "settings_changes",
    "write_table",
]

#: Leading columns of the result table; metrics (losses, accuracies) follow, then bookkeeping.
TABLE_COLUMNS: tuple[str, ...] = ("epoch", "layer", "i_xl", "i_xl_err", "i_ly", "i_ly_err")
#: The estimators' reasons to distrust a row's numbers, ``"i_xl: <message>; i_ly: <message>"``.
WARNINGS_COLUMN = "warnings"
_TRAILING_COLUMNS: tuple[str, ...] = ("layer_dim", "code_dim", "seconds", WARNINGS_COLUMN)
_MI_COLUMNS: tuple[str, ...] = TABLE_COLUMNS[2:]
TABLE_CSV = "table.csv"
TABLE_JSON = "table.json"
RUN_JSON = "run.json"
X_CODES = "x_codes.npy"
X_CODES_KEY = "x_codes.json"

CompressorSpec = Any  # None, "pca[:d]", "ae[:d]", "conv-ae[:d]", an object, or a factory


def _fingerprint(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _to_numpy(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def _versions() -> dict[str, str]:
    import infolens

    return {
        "infolens": infolens.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def _latent_dim(compressor: Any) -> int | None:
    dim = getattr(compressor, "latent_dim", None)
    return int(dim) if isinstance(dim, (int, np.integer)) else None


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def write_table(rows: Sequence[dict], out_dir: str | Path) -> None:
    """Write ``rows`` to ``out_dir/table.csv`` and ``out_dir/table.json`` atomically.

    Parameters
    ----------
    rows : sequence of dict
        Rows of the result table (:data:`TABLE_COLUMNS` first, then metrics, then
        bookkeeping).
    out_dir : str or pathlib.Path
        The run's directory.
    """
    out = Path(out_dir)
    columns = _columns(rows)
    atomic_write_text(out / TABLE_CSV, csv_text(list(rows), columns))
    atomic_write_json(out / TABLE_JSON, {"unit": "nats", "columns": columns, "rows": list(rows)})


def read_json(path: str | Path) -> Any:
    """The JSON value in ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        A JSON file.

    Returns
    -------
    object
        Its value.

    Raises
    ------
    ValueError
        Naming the file, when it is empty, truncated or not JSON.
    """
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise ValueError(f"{path}: file is empty")
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(f"{path}: not valid JSON (truncated or damaged?): {err}") from None


def read_table(path: str | Path) -> list[dict]:
    """Rows of a result table.

    Parameters
    ----------
    path : str or pathlib.Path
        ``table.json`` or the directory holding it.

    Returns
    -------
    list of dict
        The rows, as written by :func:`write_table`.

    Raises
    ------
    FileNotFoundError
        When there is no table.
    ValueError
        Naming the file and, where it applies, the row, for an empty, damaged or malformed
        table (not an object with a list of rows, each with an integer ``epoch``, a string
        ``layer`` and numeric MI columns).
    """
    path = Path(path)
    if path.is_dir():
        path = path / TABLE_JSON
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no result table (expected {TABLE_JSON} from a run)")
    table = read_json(path)
    rows = table.get("rows") if isinstance(table, dict) else None
    if not isinstance(rows, list):
        raise ValueError(
            f"{path}: expected a result table (a JSON object with a list of 'rows'), "
            f"got {_json_kind(table if rows is None else rows)}"
        )
    for i, row in enumerate(rows):
        problem = _row_problem(row)
        if problem is not None:
            raise ValueError(f"{path}: row {i} {problem}")
    return rows


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _row_problem(row: Any) -> str | None:
    """Why ``row`` is not a row of a result table, or None."""
    if not isinstance(row, dict):
        return f"is {_json_kind(row)}, expected an object"
    epoch = row.get("epoch")
    if not (isinstance(epoch, int) and not isinstance(epoch, bool) and epoch >= 0):
        return f"has epoch {epoch!r}, expected an integer >= 0"
    if not isinstance(row.get("layer"), str):
        return f"has layer {row.get('layer')!r}, expected a layer name (a string)"
    for key in _MI_COLUMNS:
        if key not in row:
            return f"has no {key}"
        if not (row[key] is None or _is_number(row[key])):
            return f"has {key} {row[key]!r}, expected a number"
    if not isinstance(row.get(WARNINGS_COLUMN, ""), str):
        return f"has {WARNINGS_COLUMN} {row[WARNINGS_COLUMN]!r}, expected a string"
    return None


_ABSENT = "(not recorded)"


def _may_change_on_resume(name: str) -> bool:
    """Settings that a resumed run may change: the number of epochs (to extend the run), the
    package versions, and results (I(E_X(X); Y)) rather than settings."""
    parts = name.split(".")
    return parts[0] in ("versions", "i_x_y") or parts[-1] == "epochs"


def _show(value: Any) -> str:
    """A setting as shown in the one-line list of differences (digests shortened, whitespace
    runs, newlines included, as one space)."""
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
        return value[:12] + "..."  # digests
    return " ".join(str(value).split())


def settings_changes(saved: dict, current: dict, prefix: str = "") -> list[str]:
    """Every setting that differs between two ``run.json`` contents, as ``"name: old -> new"``.

    The number of epochs, the package versions and results (``i_x_y``) may change on resume
    and are not listed.

    Parameters
    ----------
    saved : dict
        The saved run's settings.
    current : dict
        This run's settings.
    prefix : str, default=""
        Prefix of the names (nested settings are listed as ``a.b``).

    Returns
    -------
    list of str
        The differences, in key order.

    Examples
    --------
    >>> settings_changes({"random_state": 0, "epochs": 5}, {"random_state": 1, "epochs": 9})
    ['random_state: 0 -> 1']
    """
    changes = []
    for key in dict.fromkeys([*saved, *current]):
        name = f"{prefix}{key}"
        if _may_change_on_resume(name):
            continue
        old, new = saved.get(key, _ABSENT), current.get(key, _ABSENT)
        if isinstance(old, dict) and isinstance(new, dict):
            changes.extend(settings_changes(old, new, f"{name}."))
        elif old != new:
            changes.append(f"{name}: {_show(old)} -> {_show(new)}")
    return changes


def _as_saved(obj: Any) -> Any:
    """``obj`` as it reads back from ``run.json`` (tuples become lists, NumPy scalars numbers)."""
    return json.loads(json.dumps(obj, default=_json_default))


def _columns(rows: Sequence[dict]) -> list[str]:
    columns = list(TABLE_COLUMNS)
    for row in rows:
        for key in row:
            if key not in columns and key not in _TRAILING_COLUMNS:
                columns.append(key)
    return columns + [c for c in _TRAILING_COLUMNS if any(c in r for r in rows)]


def _warnings_of(estimate: Any) -> tuple[str, ...]:
    return tuple(getattr(estimate, "warnings", ()) or ())


def _estimate(estimate_with_error: Any, *args: Any) -> tuple[Any, tuple[str, ...]]:
    """``(result, messages)`` of ``estimate_with_error(*args)``: the result's ``warnings`` and
    every :class:`EstimatorWarning` it emitted, once each. They are not shown here: the tracker
    re-emits them once per row, saying which row. Other warnings pass through unchanged."""
    result, emitted = call_catching_estimator_warnings(estimate_with_error, *args)
    return result, tuple(dict.fromkeys(_warnings_of(result) + tuple(emitted)))


def _estimator(spec: Any, default: str, random_state: int) -> Any:
    """An estimator object as given, or built from a registered name (None: ``default``)."""
    if spec is None or isinstance(spec, str):
        return make_estimator(default if spec is None else spec, k=5, random_state=random_state)
    return spec


def _forked_rng(device: torch.device) -> Any:
    """``torch.random.fork_rng`` over the CPU's generator and, for an accelerator, ``device``'s."""
    if device.type == "cpu":
        return torch.random.fork_rng(devices=[])
    return torch.random.fork_rng(devices=[device.index or 0], device_type=device.type)


def row_warnings(messages: dict[str, Sequence[str]]) -> str:
    """The ``warnings`` cell of a row.

    Parameters
    ----------
    messages : dict of str to sequence of str
        Messages about every estimate, ``{"i_xl": [...], "i_ly": [...]}``.

    Returns
    -------
    str
        ``"i_xl: <message>; i_ly: <message>"`` for every message, empty when there is none.

    Examples
    --------
    >>> row_warnings({"i_xl": [], "i_ly": ["negative estimate"]})
    'i_ly: negative estimate'
    """
    return "; ".join(f"{name}: {text}" for name, texts in messages.items() for text in texts)


class InformationPlaneTracker:
    """Track I(X; L) and I(L; Y) for named layers of any ``nn.Module`` during training.

    Parameters
    ----------
    model : torch.nn.Module
        The network; only forward hooks are attached (removed by :meth:`close`).
    layers : sequence of str
        Layer names as in ``model.named_modules()`` (e.g. ``["L2", "L3"]`` or ``["0"]``).
    probe_x : torch.Tensor or array-like
        Probe inputs in the model's input format (first axis = samples); at least k + 1
        samples for the k-NN estimators and latent_dim + 1 for the compressors (far more in
        practice: see docs/plane.md, "Choosing the probe and the compressors").
    probe_y : torch.Tensor or array-like of shape (n,)
        Class labels of the probe inputs; k + 1 of every class for the label estimator.
    x_compressor : None, str or object, default="pca:4"
        Compresses the flattened probe inputs once (cached, also on disk): ``"pca[:d]"``,
        ``"ae[:d]"``, ``"conv-ae[:d]"``, a compressor object (used as is when already fitted,
        else fitted on the probe inputs) or ``None`` (no compression).
    layer_compressor : None, str, object or callable, default="pca:4"
        Fitted anew on each layer's activations each tracked epoch: a string as above, an
        unfitted compressor (deep-copied per use), a factory ``f(layer_name)``, or ``None``.
        Layers with at most ``latent_dim`` features are used raw.
    mi_estimator : object or str or None, default=None
        Estimator of I(X; L) with ``estimate_with_error``, or a registered name
        (:func:`~infolens.estimators.registry.make_estimator`, k = 5, ``random_state``);
        ``None``: ``"weighted-kl"``.
    label_estimator : object or str or None, default=None
        Estimator of I(L; Y) for labels, or a registered name; ``None``: ``"ross"``.
    every : int, default=1
        Record every ``every`` epochs (epoch 0, before training, and multiples of it).
    noise_std : float or None, default=None
        Standard deviation of the relative Gaussian noise that forward hooks add to the outputs
        of the tracked layers, in training and evaluation alike
        (:func:`~infolens.plane.noise.insert_noise`); ``None`` for none (use it when the model
        has its own noise layers).
    out_dir : str or pathlib.Path or None, default=None
        Where the table, ``run.json`` and the cached X codes are written; ``None``: memory.
    random_state : int, default=0
        Seeds the probe's noise (``random_state`` and the epoch; training's random stream is
        left untouched), the compressors and the estimators built from a name.
    batch_size : int, default=1000
        Probe batch size. The probe runs on the model's device (wherever the model is when an
        epoch is recorded; the probe inputs are copied there once and kept), and the
        activations come back in one copy per layer; they are then compressed and estimated.
    device : str or torch.device, default="cpu"
        Torch device of the autoencoders built from the strings ``"ae"`` and ``"conv-ae"``
        (``"auto"``: CUDA when present; :func:`infolens._validation.resolve_device`); PCA
        and the k-NN estimators run on the CPU, compressor objects where they say.
    metadata : dict or None, default=None
        Extra entries for ``run.json`` (e.g. the model's built-in noise, the optimizer).

    Attributes
    ----------
    rows : list of dict
        The result table so far.
    x_codes_ : numpy.ndarray or None
        The codes of the probe inputs, once computed.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013; Shwartz-Ziv & Tishby, "Opening the Black Box of
    Deep Neural Networks via Information", 2017, arXiv:1703.00810.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3))
    >>> x = torch.randn(400, 8); y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    >>> tracker = InformationPlaneTracker(model, ["1", "2"], x, y, noise_std=0.1)
    >>> rows = tracker.record(0, {"test_acc": 0.33})
    >>> [r["layer"] for r in rows]
    ['1', '2']
    """

    def __init__(
        self,
        model: nn.Module,
        layers: Sequence[str],
        probe_x: Any,
        probe_y: Any,
        *,
        x_compressor: CompressorSpec = "pca:4",
        layer_compressor: CompressorSpec = "pca:4",
        mi_estimator: Any = None,
        label_estimator: Any = None,
        every: int = 1,
        noise_std: float | None = None,
        out_dir: str | Path | None = None,
        random_state: int = 0,
        batch_size: int = 1000,
        metadata: dict | None = None,
        device: str | torch.device = "cpu",
    ) -> None:
        if isinstance(layers, str):
            layers = [layers]
        resolve_layers(model, layers)
        self.model = model
        self.layers = list(layers)
        self.probe_x = torch.as_tensor(_to_numpy(probe_x), dtype=torch.float32)
        labels = _to_numpy(probe_y).reshape(-1)
        if len(labels) != len(self.probe_x):
            raise ValueError(
                f"probe_y: expected {len(self.probe_x)} labels to pair with probe_x, "
                f"got {len(labels)}"
            )
        self.probe_y = labels
        if isinstance(every, bool) or every < 1 or int(every) != every:
            raise ValueError(f"every: expected a positive integer, got {every!r}")
        self.every = int(every)
        self.random_state = int(random_state)
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.device = str(resolve_device(device))
        self._probe_on_device: torch.Tensor | None = None
        if noise_std is not None and not (
            _is_number(noise_std) and math.isfinite(noise_std) and noise_std >= 0
        ):
            raise ValueError(
                f"noise_std: must be a finite number >= 0 (or None), got {noise_std!r}"
            )
        self.x_compressor = make_compressor(
            x_compressor, "x_compressor", random_state=self.random_state, device=self.device
        )
        self._layer_compressor = layer_compressor
        self.mi_estimator = _estimator(mi_estimator, "weighted-kl", self.random_state)
        self.label_estimator = _estimator(label_estimator, "ross", self.random_state)
        self._check_probe_size()
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.metadata = dict(metadata or {})
        self.noise_hooks: NoiseHooks | None = None
        self.noise_description: dict | None = None
        self._probe_sha256: str | None = None
        if noise_std is not None and noise_std > 0:
            self.noise_hooks = insert_noise(model, self.layers, noise_std)
            self.noise_description = self.noise_hooks.description
        self.rows: list[dict] = []
        self.x_codes_: np.ndarray | None = None
        self.i_xy_: dict | None = None

    # -- checks ----------------------------------------------------------------------------
    def _check_probe_size(self) -> None:
        """The probe must hold enough samples for the k-NN estimators (k + 1, and k + 1 of every
        class for the label estimator) and for the compressors' codes (latent_dim + 1)."""
        n = len(self.probe_x)
        needs = [(1, "an estimate")]
        for estimator in (self.mi_estimator, self.label_estimator):
            k = getattr(estimator, "k", None)
            if isinstance(k, (int, np.integer)):
                needs.append((int(k) + 1, f"k + 1 for {describe(estimator)}"))
        compressors = [("x_compressor", self.x_compressor)] + [
            ("layer_compressor", self.layer_compressor(layer)) for layer in self.layers
        ]
        for name, compressor in compressors:
            dim = _latent_dim(compressor)
            if dim is not None:
                needs.append((dim + 1, f"latent_dim + 1 for the {dim}-dimensional codes of {name}"))
        need, why = max(needs, key=lambda item: item[0])
        if n < need:
            raise ValueError(
                f"probe_x: {n} samples are too few; the tracker needs at least {need} ({why}); "
                "use a larger probe"
            )
        k = getattr(self.label_estimator, "k", None)
        if isinstance(k, (int, np.integer)):
            classes, counts = np.unique(self.probe_y, return_counts=True)
            if counts.min() < k + 1:
                label = classes[counts.argmin()]
                raise ValueError(
                    f"probe_y: class {label} has {counts.min()} samples; the label estimator "
                    f"{describe(self.label_estimator)} needs k + 1 = {k + 1} per class; "
                    "use a larger probe or drop the class"
                )

    # -- compression -------------------------------------------------------------------------
    def layer_compressor(self, layer: str) -> Any:
        """A fresh, unfitted compressor for ``layer``.

        Parameters
        ----------
        layer : str
            The layer's name (passed to a factory ``layer_compressor``).

        Returns
        -------
        object or None
            The compressor; ``None`` means no compression.
        """
        spec = self._layer_compressor
        if spec is None or isinstance(spec, str):
            return make_compressor(
                spec, "layer_compressor", random_state=self.random_state, device=self.device
            )
        if callable(getattr(spec, "fit", None)):
            import copy

            return copy.deepcopy(spec)
        if callable(spec):
            return make_compressor(
                spec(layer), "layer_compressor", random_state=self.random_state,
                device=self.device,
            )
        raise ValueError(
            f"layer_compressor: expected None, a string, a compressor or a factory, got {spec!r}"
        )

    @staticmethod
    def _compress(compressor: Any, data: np.ndarray, *, fit: bool) -> np.ndarray:
        if compressor is None:
            return data
        dim = _latent_dim(compressor)
        if dim is not None and data.shape[1] <= dim:
            return data  # already small enough: compressing could only lose information
        if fit:
            return np.asarray(compressor.fit(data).transform(data), dtype=np.float64)
        return np.asarray(compressor.transform(data), dtype=np.float64)

    def _x_key(self) -> dict:
        return {
            "probe_x_sha256": _fingerprint(self.probe_x.numpy()),
            "compressor": describe(self.x_compressor),
        }

    def x_codes(self) -> np.ndarray:
        """Codes of the probe inputs, computed once (reloaded from ``out_dir`` if cached there).

        Returns
        -------
        numpy.ndarray of shape (n_probe, code_dim)
            The codes (the flattened inputs when ``x_compressor`` is ``None``).
        """
        if self.x_codes_ is not None:
            return self.x_codes_
        key = self._x_key()
        if self.out_dir is not None:
            cached = self._cached_x_codes(key)
            if cached is not None:
                self.x_codes_ = cached
                return cached
        flat = self.probe_x.reshape(len(self.probe_x), -1).numpy().astype(np.float64)
        compressor = self.x_compressor
        fit = compressor is not None and not is_fitted(compressor)
        codes = self._compress(compressor, flat, fit=fit)
        self.x_codes_ = codes
        if self.out_dir is not None:
            atomic_save_npy(self.out_dir / X_CODES, codes)
            atomic_write_json(self.out_dir / X_CODES_KEY, key)
        return codes

    def _cached_x_codes(self, key: dict) -> np.ndarray | None:
        """The codes cached in ``out_dir`` for ``key``; None when absent, stale or unreadable
        (a cache: the codes are then recomputed)."""
        cached, meta = self.out_dir / X_CODES, self.out_dir / X_CODES_KEY
        if not (cached.is_file() and meta.is_file()):
            return None
        try:
            if read_json(meta) != key:
                return None
            codes = np.load(cached, allow_pickle=False)
        except (ValueError, OSError):
            return None
        if codes.ndim != 2 or len(codes) != len(self.probe_x):
            return None
        return codes

    # -- recording -----------------------------------------------------------------------------
    def should_record(self, epoch: int, last_epoch: int | None = None) -> bool:
        """Whether ``epoch`` is recorded: epoch 0, every ``every``-th epoch, and the last one.

        Parameters
        ----------
        epoch : int
            The epoch.
        last_epoch : int or None, default=None
            The run's last epoch, if known.

        Returns
        -------
        bool
            True when the epoch is due.
        """
        return epoch % self.every == 0 or (last_epoch is not None and epoch == last_epoch)

    def activations(self, epoch: int) -> dict[str, np.ndarray]:
        """Layer outputs on the probe set, flattened to (n, d), in evaluation mode.

        The probe runs on the model's device. The noise of stochastic layers is drawn from
        generators seeded by (``random_state``, epoch) inside ``torch.random.fork_rng`` (the CPU's
        and, for a model on an accelerator, that device's), so probing is reproducible and
        does not disturb training.

        Parameters
        ----------
        epoch : int
            The epoch (seeds the noise with ``random_state``).

        Returns
        -------
        dict of str to numpy.ndarray
            ``{layer: activations (n_probe, d)}``.
        """
        device = model_device(self.model)
        if self._probe_on_device is None or self._probe_on_device.device != device:
            self._probe_on_device = self.probe_x.to(device)  # once per device, not per record
        with _forked_rng(device):
            torch.manual_seed(self.random_state * 1_000_003 + epoch)
            with ActivationProbe(self.model, self.layers) as probe:
                return probe.collect(self._probe_on_device, batch_size=self.batch_size)

    def record(self, epoch: int, metrics: dict | None = None) -> list[dict]:
        """Probe, compress and estimate for every layer; append and return the epoch's rows.

        Each row: epoch, layer, i_xl, i_xl_err, i_ly, i_ly_err (nats, standard errors), the
        given ``metrics`` (e.g. train_loss, test_acc), layer_dim, code_dim, seconds, and
        warnings: every reason the estimators gave to distrust i_xl or i_ly (see
        :func:`row_warnings`), also emitted once per flagged row as an ``EstimatorWarning``.

        Parameters
        ----------
        epoch : int
            The epoch (rows of an earlier record of it are replaced).
        metrics : dict or None, default=None
            Numbers to add to every row (non-finite ones become ``None``).

        Returns
        -------
        list of dict
            The epoch's rows, one per layer (also saved to ``out_dir`` when set).
        """
        metrics = {
            key: None if value is None else _finite_or_none(float(value))
            for key, value in (metrics or {}).items()
        }
        x_codes = self.x_codes()
        if self.i_xy_ is None:
            est, flags = _estimate(self.label_estimator.estimate_with_error, x_codes, self.probe_y)
            self.i_xy_ = {"value": est.value, "stderr": est.stderr, "warnings": list(flags)}
            if self.i_xy_["warnings"]:
                warn_estimator(
                    "I(E_X(X); Y) of the X codes: " + "; ".join(self.i_xy_["warnings"]),
                    stacklevel=2,
                )
        start = time.perf_counter()
        acts = self.activations(epoch)
        probe_seconds = (time.perf_counter() - start) / len(self.layers)
        rows = []
        for layer in self.layers:
            t0 = time.perf_counter()
            compressor = self.layer_compressor(layer)
            codes = self._compress(compressor, acts[layer].astype(np.float64), fit=True)
            i_xl, xl_flags = _estimate(self.mi_estimator.estimate_with_error, x_codes, codes)
            i_ly, ly_flags = _estimate(
                self.label_estimator.estimate_with_error, codes, self.probe_y
            )
            flags = row_warnings({"i_xl": xl_flags, "i_ly": ly_flags})
            if flags:
                warn_estimator(f"epoch {epoch}, layer {layer!r}: {flags}", stacklevel=2)
            row = {
                "epoch": int(epoch),
                "layer": layer,
                "i_xl": float(i_xl.value),
                "i_xl_err": float(i_xl.stderr),
                "i_ly": float(i_ly.value),
                "i_ly_err": float(i_ly.stderr),
                **metrics,
                "layer_dim": int(acts[layer].shape[1]),
                "code_dim": int(codes.shape[1]),
                "seconds": round(probe_seconds + time.perf_counter() - t0, 4),
                WARNINGS_COLUMN: flags,
            }
            rows.append(row)
        self.rows = [r for r in self.rows if r["epoch"] != epoch] + rows
        self.save()
        return rows

    # -- persistence ---------------------------------------------------------------------------
    def parameters(self) -> dict:
        """Everything needed to reproduce the table (written to ``run.json``).

        Returns
        -------
        dict
            Layers, probe, random_state, noise, compressors, estimators, versions and
            ``metadata``.
        """
        return {
            "unit": "nats",
            "layers": self.layers,
            "probe_size": len(self.probe_x),
            "probe_shape": list(self.probe_x.shape[1:]),
            "probe_sha256": self.probe_sha256(),
            "every": self.every,
            "random_state": self.random_state,
            "noise": self.noise_description,
            "x_compressor": describe(self.x_compressor),
            "layer_compressor": describe(self.layer_compressor(self.layers[0])),
            "mi_estimator": describe(self.mi_estimator),
            "label_estimator": describe(self.label_estimator),
            "i_x_y": self.i_xy_,
            "versions": _versions(),
            **self.metadata,
        }

    def save(self) -> None:
        """Write the table (CSV, JSON) and ``run.json`` to ``out_dir`` atomically (if set)."""
        if self.out_dir is None:
            return
        write_table(self.rows, self.out_dir)
        atomic_write_json(self.out_dir / RUN_JSON, self.parameters())

    def probe_sha256(self) -> str:
        """SHA-256 of the probe inputs and labels.

        Recorded, so that a resumed run can tell whether it probes the same data.

        Returns
        -------
        str
            The hex digest.
        """
        if self._probe_sha256 is None:
            digest = hashlib.sha256(np.ascontiguousarray(self.probe_x.numpy()).tobytes())
            digest.update(np.ascontiguousarray(self.probe_y).tobytes())
            self._probe_sha256 = digest.hexdigest()
        return self._probe_sha256

    def _saved_file(self, name: str) -> Path:
        if self.out_dir is None:
            raise ValueError("out_dir: resuming needs the directory of the interrupted run")
        return self.out_dir / name

    def check_settings(self) -> None:
        """Refuse to continue the run saved in ``out_dir`` unless it has this tracker's settings.

        Its ``run.json`` must record the same settings as :meth:`parameters` (only the number
        of epochs and the package versions may differ).

        Raises
        ------
        ValueError
            Naming the file, when it is missing or damaged, or listing every difference,
            old -> new.
        """
        path = self._saved_file(RUN_JSON)
        if not path.is_file():
            raise ValueError(
                f"{path}: missing, so the settings of the saved run are unknown; "
                "restore the file or start the run afresh without resuming"
            )
        saved = read_json(path)
        if not isinstance(saved, dict):
            raise ValueError(
                f"{path}: expected the run's settings (a JSON object), got {_json_kind(saved)}"
            )
        changes = settings_changes(saved, _as_saved(self.parameters()))
        if changes:
            raise ValueError(
                f"{path}: the saved run used other settings, and a resumed run must use the same "
                f"ones (only the number of epochs may change): {'; '.join(changes)}"
            )

    def restore(self, up_to_epoch: int) -> list[dict]:
        """Reload the saved table for resuming after epoch ``up_to_epoch``; return its rows.

        Checks the settings first (:meth:`check_settings`), then that ``table.json`` exists and
        holds every layer of every epoch recorded up to ``up_to_epoch``: anything else would
        silently drop or mix results, so it is one ``ValueError`` naming the file. Rows of
        later epochs (recorded after the checkpoint) are dropped; they are recomputed.

        Parameters
        ----------
        up_to_epoch : int
            The last epoch of the checkpoint.

        Returns
        -------
        list of dict
            The restored rows (now :attr:`rows`).
        """
        self.check_settings()
        path = self._saved_file(TABLE_JSON)
        if not path.is_file():
            raise ValueError(
                f"{path}: missing, but the checkpoint is at epoch {up_to_epoch}: the rows of "
                "the epochs before it cannot be rebuilt; restore the file or start the run "
                "afresh without resuming"
            )
        rows = [r for r in read_table(path) if r["epoch"] <= up_to_epoch]
        foreign = sorted({r["layer"] for r in rows} - set(self.layers))
        if foreign:
            raise ValueError(f"{path}: holds layers {foreign} that this run does not track")
        missing = [
            epoch for epoch in range(0, up_to_epoch + 1, self.every)
            if {r["layer"] for r in rows if r["epoch"] == epoch} != set(self.layers)
        ]
        if missing:
            raise ValueError(
                f"{path}: lacks rows of epoch(s) {missing}, recorded before the checkpoint "
                f"(epoch {up_to_epoch}); the table was edited or belongs to another run"
            )
        self.rows = rows
        return self.rows

    def latest(self) -> dict[str, tuple[float, float]]:
        """The estimates of the last recorded epoch.

        Returns
        -------
        dict of str to tuple of float
            ``{layer: (I(X;L), I(L;Y))}``; empty before any record.
        """
        if not self.rows:
            return {}
        last = max(r["epoch"] for r in self.rows)
        return {r["layer"]: (r["i_xl"], r["i_ly"]) for r in self.rows if r["epoch"] == last}

    def close(self) -> None:
        """Remove the noise hooks this tracker inserted (the model is as it was)."""
        if self.noise_hooks is not None:
            self.noise_hooks.remove()
            self.noise_hooks = None

    def __enter__(self) -> InformationPlaneTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

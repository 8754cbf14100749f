"""Information-plane tracking: I(X; L) and I(L; Y) per layer L and epoch, through compression.

Method (Butakov et al., *Information Bottleneck Analysis of Deep Neural Networks via Lossy
Compression*, ICLR 2024, https://arxiv.org/abs/2305.08013):

    I(X; L) ~ I(E_X(X); E_L(L)),    I(L; Y) ~ I(E_L(L); Y),

where E_X compresses the probe inputs once (cached) and E_L is fitted anew on each layer's
activations every tracked epoch (PCA to 4 dimensions by default, an autoencoder optionally).
The first is a continuous-continuous estimate (weighted Kozachenko-Leonenko, k = 5, by
default); the second a continuous-discrete one (Ross 2014) because Y are class labels. For
I(X; L) to be finite the layers must be stochastic: see :mod:`infolens.plane.noise`.

The tracker is the result table's owner. With ``out_dir`` it writes, atomically after every
recorded epoch: ``table.csv`` and ``table.json`` (one row per epoch and layer) and
``run.json`` (all parameters: layers, noise, compressors, estimators, seeds, versions).
Every reason an estimator gives to distrust a number (``MIEstimate.warnings``) goes to the
table's ``warnings`` column (``"i_xl: <message>; i_ly: <message>"``, empty when none) and is
re-emitted once per row as an :class:`~infolens.estimators.result.EstimatorWarning`.

Resuming (:meth:`InformationPlaneTracker.restore`) refuses a directory whose ``run.json`` records
other settings, and a missing or damaged ``table.json``: every problem is one ``ValueError``
naming the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import platform
import re
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from infolens._validation import check_positive_int
from infolens.estimators.compression import make_compressor
from infolens.estimators.knn import ContinuousDiscreteMI, WeightedKL
from infolens.estimators.result import EstimatorWarning, warn_estimator
from infolens.io import _json_default, atomic_save_npy, atomic_write_json, atomic_write_text
from infolens.plane.noise import NoiseHooks, insert_noise
from infolens.plane.probe import ActivationProbe, resolve_layers

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


def _describe(obj: Any) -> str:
    """``repr`` when the class defines one; else its qualified name (no memory address, so
    that the same setting reads the same in every process)."""
    if type(obj).__repr__ is object.__repr__:
        return f"{type(obj).__module__}.{type(obj).__qualname__}"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(obj))


def _latent_dim(compressor: Any) -> int | None:
    dim = getattr(compressor, "latent_dim", None)
    return int(dim) if isinstance(dim, (int, np.integer)) else None


def _is_fitted(compressor: Any) -> bool:
    check = getattr(compressor, "__sklearn_is_fitted__", None)
    if callable(check):
        return bool(check())
    return any(k.endswith("_") and not k.startswith("_") for k in vars(compressor))


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def write_table(rows: Sequence[dict], out_dir: str | Path) -> None:
    """Write ``rows`` to ``out_dir/table.csv`` and ``out_dir/table.json`` atomically."""
    out = Path(out_dir)
    columns = _columns(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: ("" if row.get(c) is None else row.get(c)) for c in columns})
    atomic_write_text(out / TABLE_CSV, buffer.getvalue())
    atomic_write_json(out / TABLE_JSON, {"unit": "nats", "columns": columns, "rows": list(rows)})


def read_json(path: str | Path) -> Any:
    """The JSON value in ``path``; an empty, truncated or non-JSON file is one ``ValueError``
    naming it."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise ValueError(f"{path}: file is empty")
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(f"{path}: not valid JSON (truncated or damaged?): {err}") from None


def read_table(path: str | Path) -> list[dict]:
    """Rows of a result table: ``path`` is ``table.json`` or the directory holding it.

    A missing table is ``FileNotFoundError``; an empty, damaged or malformed one (not an object
    with a list of rows, each with an integer ``epoch``, a string ``layer`` and numeric MI
    columns) is one ``ValueError`` naming the file and, where it applies, the row.
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
    if isinstance(value, str):
        return value[:12] + "..." if re.fullmatch(r"[0-9a-f]{64}", value) else value  # digests
    return str(value)


def settings_changes(saved: dict, current: dict, prefix: str = "") -> list[str]:
    """``"name: old -> new"`` for every setting (nested ones as ``a.b``) of two ``run.json``
    contents that differs, except those :func:`_may_change_on_resume` allows."""
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EstimatorWarning)
        result = estimate_with_error(*args)
    emitted = []
    for w in caught:
        if issubclass(w.category, EstimatorWarning):
            emitted.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return result, tuple(dict.fromkeys(_warnings_of(result) + tuple(emitted)))


def row_warnings(messages: dict[str, Sequence[str]]) -> str:
    """The ``warnings`` cell of a row: ``"i_xl: <message>; i_ly: <message>"`` for every message
    about every estimate (``{"i_xl": [...], "i_ly": [...]}``), empty when there is none."""
    return "; ".join(f"{name}: {text}" for name, texts in messages.items() for text in texts)


class InformationPlaneTracker:
    """Track I(X; L) and I(L; Y) for named layers of any ``nn.Module`` during training.

    Parameters
    ----------
    model : the network; only forward hooks are attached (removed by :meth:`close`).
    layers : layer names as in ``model.named_modules()`` (e.g. ``["L2", "L3"]`` or ``["0"]``).
    probe_x : probe inputs in the model's input format (tensor or array, first axis = samples);
        at least k + 1 samples for the k-NN estimators and latent_dim + 1 for the compressors
        (far more in practice: see docs/plane.md, "Choosing the probe and the compressors").
    probe_y : class labels of the probe inputs (n,); k + 1 of every class for the label
        estimator.
    x_compressor : compresses the flattened probe inputs once (cached, also on disk):
        ``"pca[:d]"``, ``"ae[:d]"``, ``"conv-ae[:d]"``, a compressor object (used as is when
        already fitted, else fitted on the probe inputs) or ``None`` (no compression).
        Default ``"pca:4"``.
    layer_compressor : fitted anew on each layer's activations each tracked epoch: a string as
        above, an unfitted compressor (deep-copied per use), a factory ``f(layer_name)``, or
        ``None``. Default ``"pca:4"``. Layers with at most ``latent_dim`` features are used raw.
    mi_estimator : estimator of I(X; L) with ``estimate_with_error``; default ``WeightedKL(k=5)``.
    label_estimator : estimator of I(L; Y) for labels; default ``ContinuousDiscreteMI(k=5)``.
    every : record every ``every`` epochs (epoch 0, before training, and multiples of it).
    noise : relative Gaussian noise std added by forward hooks to the outputs of the tracked
        layers, in training and evaluation alike (:func:`~infolens.plane.noise.insert_noise`);
        ``None`` for none (use it when the model has its own noise layers).
    out_dir : where the table, ``run.json`` and the cached X codes are written; ``None``: memory.
    seed : seeds the probe's noise (seed and epoch; training's RNG stream is left untouched)
        and the compressors.
    batch_size : probe batch size.
    metadata : extra entries for ``run.json`` (e.g. the model's built-in noise, the optimizer).

    Example
    -------
    >>> model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3))
    >>> x, y = torch.randn(400, 8), torch.randint(0, 3, (400,))
    >>> tracker = InformationPlaneTracker(model, ["1", "2"], x, y, noise=0.1)
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
        noise: float | None = None,
        out_dir: str | Path | None = None,
        seed: int = 0,
        batch_size: int = 1000,
        metadata: dict | None = None,
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
        self.seed = int(seed)
        self.batch_size = check_positive_int(batch_size, "batch_size")
        if noise is not None and not (_is_number(noise) and math.isfinite(noise) and noise >= 0):
            raise ValueError(f"noise: must be a finite number >= 0 (or None), got {noise!r}")
        self.x_compressor = make_compressor(x_compressor, "x_compressor", random_state=self.seed)
        self._layer_compressor = layer_compressor
        self.mi_estimator = mi_estimator if mi_estimator is not None else WeightedKL(k=5)
        self.label_estimator = (
            label_estimator if label_estimator is not None else ContinuousDiscreteMI(k=5)
        )
        self._check_probe_size()
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.metadata = dict(metadata or {})
        self.noise_hooks: NoiseHooks | None = None
        self.noise_description: dict | None = None
        self._probe_sha256: str | None = None
        if noise is not None and noise > 0:
            self.noise_hooks = insert_noise(model, self.layers, noise)
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
                needs.append((int(k) + 1, f"k + 1 for {_describe(estimator)}"))
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
                    f"{_describe(self.label_estimator)} needs k + 1 = {k + 1} per class; "
                    "use a larger probe or drop the class"
                )

    # -- compression -------------------------------------------------------------------------
    def layer_compressor(self, layer: str) -> Any:
        """A fresh, unfitted compressor for ``layer`` (``None`` means no compression)."""
        spec = self._layer_compressor
        if spec is None or isinstance(spec, str):
            return make_compressor(spec, "layer_compressor", random_state=self.seed)
        if callable(getattr(spec, "fit", None)):
            import copy

            return copy.deepcopy(spec)
        if callable(spec):
            return make_compressor(spec(layer), "layer_compressor", random_state=self.seed)
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
            "compressor": _describe(self.x_compressor),
        }

    def x_codes(self) -> np.ndarray:
        """Codes of the probe inputs, computed once (reloaded from ``out_dir`` if cached there)."""
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
        fit = compressor is not None and not _is_fitted(compressor)
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
        """Epoch 0, every ``every``-th epoch, and the last one."""
        return epoch % self.every == 0 or (last_epoch is not None and epoch == last_epoch)

    def activations(self, epoch: int) -> dict[str, np.ndarray]:
        """Layer outputs on the probe set, flattened to (n, d), in evaluation mode.

        The noise of stochastic layers is drawn from a generator seeded by (seed, epoch) inside
        ``torch.random.fork_rng``, so probing is reproducible and does not disturb training.
        """
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed * 1_000_003 + epoch)
            with ActivationProbe(self.model, self.layers) as probe:
                return probe.collect(self.probe_x, batch_size=self.batch_size)

    def record(self, epoch: int, metrics: dict | None = None) -> list[dict]:
        """Probe, compress and estimate for every layer; append and return the epoch's rows.

        Each row: epoch, layer, i_xl, i_xl_err, i_ly, i_ly_err (nats, standard errors), the
        given ``metrics`` (e.g. train_loss, test_acc), layer_dim, code_dim, seconds, and
        warnings: every reason the estimators gave to distrust i_xl or i_ly (see
        :func:`row_warnings`), also emitted once per flagged row as an ``EstimatorWarning``.
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
        """Everything needed to reproduce the table (written to ``run.json``)."""
        return {
            "unit": "nats",
            "layers": self.layers,
            "probe_size": len(self.probe_x),
            "probe_shape": list(self.probe_x.shape[1:]),
            "probe_sha256": self.probe_sha256(),
            "every": self.every,
            "seed": self.seed,
            "noise": self.noise_description,
            "x_compressor": _describe(self.x_compressor),
            "layer_compressor": _describe(self.layer_compressor(self.layers[0])),
            "mi_estimator": _describe(self.mi_estimator),
            "label_estimator": _describe(self.label_estimator),
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
        """SHA-256 of the probe inputs and labels (recorded, so that a resumed run can tell
        whether it probes the same data)."""
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
        """Refuse to continue the run saved in ``out_dir`` unless its ``run.json`` records the
        same settings as this tracker's :meth:`parameters` (only the number of epochs and the
        package versions may differ); the error lists every difference, old -> new."""
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
        """``{layer: (I(X;L), I(L;Y))}`` of the last recorded epoch."""
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

"""The information plane of a PyTorch Lightning model: a ``Callback`` around the tracker.

:class:`InformationPlaneCallback` records I(X; L) and I(L; Y) for named layers of the
``LightningModule`` while a ``Trainer`` fits it, with
:class:`~infolens.plane.tracker.InformationPlaneTracker`: the untrained network at the start of
fitting (epoch 0), then every ``every`` epochs and the last one, after the epoch's validation.
It writes what ``infolens plane`` writes (``table.csv``, ``table.json``, ``run.json``, then the
figures ``information_plane``, ``mi_vs_epoch`` and ``training_curves`` as PNG and SVG) into
``out_dir``.

Lightning is imported from ``pytorch_lightning`` or, when that is not installed, from
``lightning.pytorch``; ``import infolens.plane`` loads neither (this module is imported on first
use of the callback).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from infolens._extras import MissingExtraError
from infolens.plane.tracker import InformationPlaneTracker

__all__ = ["InformationPlaneCallback", "LIGHTNING_PACKAGE", "DEFAULT_METRICS"]

#: Table column -> name of the metric the ``LightningModule`` logs (``self.log(name, ...)``);
#: a name logged with ``on_step`` and ``on_epoch`` is also found as ``name + "_epoch"``.
DEFAULT_METRICS: dict[str, str] = {
    "train_loss": "train_loss",
    "train_acc": "train_acc",
    "test_loss": "val_loss",
    "test_acc": "val_acc",
}


def _lightning() -> Any:
    """The ``pytorch_lightning`` module, else ``lightning.pytorch``."""
    for name in ("pytorch_lightning", "lightning.pytorch"):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise MissingExtraError(
        "infolens.plane.lightning needs PyTorch Lightning, which is not installed: "
        "pip install pytorch-lightning (or lightning)"
    )


_pl = _lightning()
#: The Lightning package whose ``Callback`` this module's class is (``"pytorch_lightning"`` or
#: ``"lightning.pytorch"``); give it to that package's ``Trainer``.
LIGHTNING_PACKAGE: str = _pl.__name__


def _scalar(value: Any) -> float | None:
    if isinstance(value, torch.Tensor):
        return float(value.detach().cpu()) if value.numel() == 1 else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


class InformationPlaneCallback(_pl.Callback):
    """Track the information plane of a ``LightningModule`` while a ``Trainer`` fits it.

    The tracker (:class:`~infolens.plane.tracker.InformationPlaneTracker`) is built on the
    module when fitting starts; it records epoch 0 (the untrained network; a fit resumed from a
    checkpoint records the epoch it resumes at instead) and then, at the end of every training
    epoch e = 1, 2... (after its validation loop), the epochs ``every`` divides and the last
    one. Each row has the table columns of ``infolens plane`` and the metrics the module logs
    (:data:`DEFAULT_METRICS`: ``train_loss``, ``train_acc``, and ``val_loss`` / ``val_acc`` as
    ``test_loss`` / ``test_acc``). The figures are drawn when fitting ends. Only the global
    rank 0 process records (under DDP the probe runs on its replica). The callback's state
    (the table) is saved in Lightning checkpoints, so a fit resumed with ``ckpt_path`` keeps the
    earlier rows.

    Parameters
    ----------
    layers : sequence of str
        Layer names as in ``pl_module.named_modules()`` (e.g. ``["net.1", "net.3"]``).
    probe_x : torch.Tensor or array-like
        Probe inputs in the module's input format (first axis = samples): the probe calls
        ``pl_module(batch)``, so the module needs a ``forward`` that takes them.
    probe_y : torch.Tensor or array-like of shape (n,)
        Class labels of the probe inputs.
    out_dir : str or pathlib.Path or None, default=None
        Where the table, ``run.json`` and the figures are written; ``None``: memory only
        (:attr:`rows`).
    every : int, default=1
        Record every ``every`` epochs (and epoch 0 and the last).
    x_compressor : None, str or object, default="pca:4"
        Compressor of the probe inputs (as for the tracker).
    layer_compressor : None, str, object or callable, default="pca:4"
        Compressor of each layer, fitted anew every recorded epoch (as for the tracker).
    mi_estimator : object or str or None, default=None
        Estimator of I(X; L); ``None``: ``"weighted-kl"``.
    label_estimator : object or str or None, default=None
        Estimator of I(L; Y); ``None``: ``"ross"``.
    noise_std : float or None, default=None
        Relative Gaussian noise added to the tracked layers' outputs (in training too; see
        :func:`~infolens.plane.noise.insert_noise`); ``None``: none.
    random_state : int, default=0
        Seeds the probe's noise, the compressors and the estimators built from names.
    batch_size : int, default=1000
        Probe batch size.
    device : str or torch.device, default="cpu"
        Device of the autoencoders built from ``"ae"`` / ``"conv-ae"`` (``"auto"``: CUDA when
        present). The probe itself runs wherever the Trainer put the module.
    metrics : mapping of str to str or None, default=None
        Table column -> logged metric name; ``None``: :data:`DEFAULT_METRICS`. Metrics that
        were not logged are left out of the row.
    plots : bool, default=True
        Draw the figures into ``out_dir`` when fitting ends.

    Attributes
    ----------
    tracker : InformationPlaneTracker or None
        The tracker, once fitting has started.

    References
    ----------
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024, arXiv:2305.08013; Lightning's ``Callback`` API,
    https://lightning.ai/docs/pytorch/stable/extensions/callbacks.html.

    Examples
    --------
    >>> callback = InformationPlaneCallback(["net.1"], torch.randn(300, 4),
    ...                                     torch.arange(300) % 3, out_dir=None)
    >>> callback.rows
    []
    """

    def __init__(
        self,
        layers: Sequence[str],
        probe_x: Any,
        probe_y: Any,
        *,
        out_dir: str | Path | None = None,
        every: int = 1,
        x_compressor: Any = "pca:4",
        layer_compressor: Any = "pca:4",
        mi_estimator: Any = None,
        label_estimator: Any = None,
        noise_std: float | None = None,
        random_state: int = 0,
        batch_size: int = 1000,
        device: str | torch.device = "cpu",
        metrics: Mapping[str, str] | None = None,
        plots: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every: expected a positive integer, got {every!r}")
        if metrics is not None and not (
            isinstance(metrics, Mapping)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in metrics.items())
        ):
            raise ValueError(f"metrics: expected a mapping of column -> metric name, got {metrics!r}")
        self.layers = [layers] if isinstance(layers, str) else list(layers)
        self.probe_x, self.probe_y = probe_x, probe_y
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.every = every
        self.plots = bool(plots)
        self.metrics = dict(DEFAULT_METRICS if metrics is None else metrics)
        self._options = {
            "x_compressor": x_compressor, "layer_compressor": layer_compressor,
            "mi_estimator": mi_estimator, "label_estimator": label_estimator,
            "noise_std": noise_std, "random_state": random_state, "batch_size": batch_size,
            "device": device,
        }
        self.tracker: InformationPlaneTracker | None = None
        self._restored: dict | None = None

    @property
    def rows(self) -> list[dict]:
        """The result table so far (empty before fitting)."""
        return [] if self.tracker is None else self.tracker.rows

    # -- Lightning hooks ---------------------------------------------------------------------
    def setup(self, trainer: Any, pl_module: Any, stage: str) -> None:
        """Build the tracker on ``pl_module`` (fitting only; checks the layers and the probe).

        Parameters
        ----------
        trainer : Trainer
            The Lightning trainer.
        pl_module : LightningModule
            The module being fitted.
        stage : str
            ``"fit"``, ``"validate"``, ``"test"`` or ``"predict"``.
        """
        if stage != "fit" or self.tracker is not None:
            return
        self.tracker = InformationPlaneTracker(
            pl_module, self.layers, self.probe_x, self.probe_y, every=self.every,
            out_dir=self.out_dir if trainer.is_global_zero else None,
            metadata={"training": self._training_settings(trainer, pl_module)},
            **self._options,
        )
        if self._restored is not None:
            self.load_state_dict(self._restored)

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        """Record the network as it starts (epoch 0, or the epoch a resumed fit starts at).

        Parameters
        ----------
        trainer : Trainer
            The Lightning trainer.
        pl_module : LightningModule
            The module being fitted.
        """
        epoch = int(trainer.current_epoch)
        if trainer.is_global_zero and not any(r["epoch"] == epoch for r in self.rows):
            self.tracker.record(epoch)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        """Record the epoch just trained (e = ``current_epoch + 1``) when it is due.

        Parameters
        ----------
        trainer : Trainer
            The Lightning trainer.
        pl_module : LightningModule
            The module being fitted.
        """
        if not trainer.is_global_zero or trainer.sanity_checking:
            return
        epoch = int(trainer.current_epoch) + 1
        last = trainer.max_epochs if trainer.max_epochs is not None and trainer.max_epochs >= 0 else None
        if self.tracker.should_record(epoch, last):
            self.tracker.record(epoch, self._logged(trainer))

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        """Draw the figures (``plots`` and ``out_dir`` set) and remove the noise hooks.

        Parameters
        ----------
        trainer : Trainer
            The Lightning trainer.
        pl_module : LightningModule
            The module that was fitted.
        """
        if self.tracker is None:
            return
        if trainer.is_global_zero and self.plots and self.out_dir is not None and self.rows:
            from infolens.plane.plots import plot_all

            plot_all(self.rows, self.out_dir)
        self.tracker.close()

    # -- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The table and I(E_X(X); Y), saved in Lightning checkpoints.

        Returns
        -------
        dict
            ``{"rows": [...], "i_x_y": ...}``.
        """
        if self.tracker is None:
            return dict(self._restored or {"rows": [], "i_x_y": None})
        return {"rows": [dict(r) for r in self.tracker.rows], "i_x_y": self.tracker.i_xy_}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the table of a checkpoint (rows after the resumed epoch are recomputed).

        Parameters
        ----------
        state_dict : dict
            What :meth:`state_dict` returned.
        """
        self._restored = dict(state_dict)
        if self.tracker is not None:
            self.tracker.rows = [dict(r) for r in state_dict.get("rows", [])]
            self.tracker.i_xy_ = state_dict.get("i_x_y")

    # -- helpers -----------------------------------------------------------------------------
    def _logged(self, trainer: Any) -> dict[str, float]:
        logged = trainer.callback_metrics
        out = {}
        for column, name in self.metrics.items():
            value = logged.get(name, logged.get(f"{name}_epoch"))
            number = _scalar(value)
            if number is not None:
                out[column] = number
        return out

    @staticmethod
    def _training_settings(trainer: Any, pl_module: Any) -> dict:
        return {
            "framework": LIGHTNING_PACKAGE,
            "lightning_version": getattr(_pl, "__version__", None),
            "model": type(pl_module).__name__,
            "epochs": trainer.max_epochs,
        }

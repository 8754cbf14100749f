"""Estimator reprs name every non-default setting (benchmarks key their resume on them)."""

from infolens._repr import constructor_repr
from infolens.estimators.compressors import AutoencoderCompressor
from infolens.estimators.flows import FlowMI
from infolens.estimators.neural import MINE


def test_defaults_are_left_out_and_changed_settings_are_shown():
    assert repr(FlowMI()) == (
        "FlowMI(variant='tridiag', flow='nsf', transforms=2, hidden=(64, 64), max_epochs=60, "
        "random_state=0)"
    )
    tuned = repr(FlowMI(lr=3e-3, lr_schedule="plateau"))
    assert "lr=0.003" in tuned and "lr_schedule='plateau'" in tuned
    assert repr(AutoencoderCompressor(bottleneck="linear")) != repr(AutoencoderCompressor())
    assert "batch_size=64" in repr(MINE(batch_size=64))


def test_progress_and_device_are_not_settings():
    assert repr(FlowMI(progress=True)) == repr(FlowMI())
    assert constructor_repr(AutoencoderCompressor(progress=True), skip=("progress",)) == (
        constructor_repr(AutoencoderCompressor())
    )


def test_callables_print_by_name():
    def my_flow(dim: int):  # pragma: no cover - never called
        raise AssertionError

    assert "flow=my_flow" in repr(FlowMI(flow=my_flow))

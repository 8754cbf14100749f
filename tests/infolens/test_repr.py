"""Estimator reprs come from ``get_params`` (scikit-learn's: the settings that differ from the
defaults); resume keys (``params_key``) and ``run.json`` (the tracker's description) name every
setting, so two estimators with the same key were built with the same settings."""

from infolens.estimators.base import describe, params_key
from infolens.estimators.compressors import AutoencoderCompressor, PCACompressor
from infolens.estimators.flows import FlowMI
from infolens.estimators.neural import MINE


def test_defaults_are_left_out_and_changed_settings_are_shown():
    assert repr(FlowMI()) == "FlowMI()"
    tuned = repr(FlowMI(lr=3e-3, lr_schedule="plateau"))
    assert "lr=0.003" in tuned and "lr_schedule='plateau'" in tuned
    assert repr(AutoencoderCompressor(bottleneck="linear")) != repr(AutoencoderCompressor())
    assert "batch_size=64" in repr(MINE(batch_size=64))


def test_params_key_names_every_setting():
    assert params_key(AutoencoderCompressor(bottleneck="linear")) != params_key(
        AutoencoderCompressor()
    )
    assert params_key(FlowMI(max_epochs=60)) == params_key(FlowMI())  # 60 is the default
    assert '"max_epochs": 60' in params_key(FlowMI())
    assert params_key(MINE(batch_size=64)) != params_key(MINE())


def test_run_descriptions_list_every_setting_in_constructor_order():
    assert describe(PCACompressor()) == "PCACompressor(latent_dim=4, standardize=True, random_state=0)"
    described = describe(FlowMI())
    assert described.startswith("FlowMI(variant='tridiag', flow='nsf', transforms=2, ")
    assert "hidden_sizes=(64, 64)" in described and "max_epochs=60" in described


def test_callables_print_by_name():
    def my_flow(dim: int):  # pragma: no cover - never called
        raise AssertionError

    assert "flow=my_flow" in describe(FlowMI(flow=my_flow))

"""The estimator contract, checked for every registered estimator in one parametrised test
(as zuko tests every flow): scikit-learn parameters, reproducibility, named errors, results."""

import math

import numpy as np
import pytest
from sklearn.base import clone

from infolens.estimators.base import MIEstimatorBase, params_key
from infolens.estimators.registry import ESTIMATORS, make_estimator
from infolens.estimators.result import MIEstimate
from infolens.interfaces import MIEstimator
from infolens.tasks import CorrelatedGaussian

N = 400


def fast(name: str) -> MIEstimatorBase:
    """The registered estimator, with training cut short where it trains."""
    estimator = make_estimator(name, k=3, random_state=0)
    short = {"max_epochs": 2, "n_bootstrap": 5}
    return estimator.set_params(**{k: v for k, v in short.items() if k in estimator.get_params()})


@pytest.fixture(scope="module")
def data():
    x, y = CorrelatedGaussian(2, 1, mutual_information=0.5).sample(N, seed=0)
    labels = (y[:, 0] > 0).astype(int) + (y[:, 0] > 1)
    return x, y, labels


def pair_for(name: str, data):
    x, y, labels = data
    return (x, labels) if ESTIMATORS[name].y_kind == "labels" else (x, y)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_get_params_set_params_and_clone(name):
    estimator = fast(name)
    assert isinstance(estimator, MIEstimatorBase) and isinstance(estimator, MIEstimator)
    params = estimator.get_params(deep=False)
    twin = clone(estimator)
    assert twin is not estimator and params_key(twin) == params_key(estimator)
    assert twin.get_params(deep=False).keys() == params.keys()
    for key, value in params.items():  # __init__ stores every argument under its own name
        assert getattr(estimator, key) is value
    assert repr(estimator).startswith(type(estimator).__name__ + "(")
    assert isinstance(estimator.name, str) and estimator.name


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_same_random_state_same_number_and_result_record(name, data):
    x, y = pair_for(name, data)
    first = fast(name).estimate_with_error(x, y)
    again = fast(name).estimate_with_error(x, y)
    assert isinstance(first, MIEstimate)
    assert math.isfinite(first.value) and first.value == again.value
    assert first.n > 0 and isinstance(first.warnings, tuple)
    assert fast(name).estimate(x, y) == first.value


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_one_dimensional_input_is_one_column(name, data):
    x, y = pair_for(name, data)
    x1 = x[:, 0]
    assert fast(name).estimate(x1, y) == fast(name).estimate(x1[:, None], y)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_bad_input_raises_value_error_naming_the_argument(name, data):
    x, y = pair_for(name, data)
    bad = x.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"^x: .*NaN"):
        fast(name).estimate(bad, y)
    with pytest.raises(ValueError, match=r"sample counts differ|expected \d+ labels"):
        fast(name).estimate(x, y[:-7])
    with pytest.raises(ValueError, match=r"^x: expected shape"):
        fast(name).estimate(np.zeros((N, 2, 2)), y)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_settings_changed_after_construction_take_effect(name, data):
    estimator = fast(name)
    key = "k" if "k" in estimator.get_params() else "random_state"
    x, y = pair_for(name, data)
    estimator.set_params(**{key: -1})
    with pytest.raises(ValueError, match=rf"{key}: "):
        estimator.estimate(x, y)

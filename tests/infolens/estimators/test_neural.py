"""Tests of the variational lower bounds (MINE, InfoNCE) used as baselines.

Both are noisy lower bounds; on a 2+2-dim Gaussian with I = 1 nat and n = 4000 (800 held out)
they land within 0.3 nats of the truth (stated tolerance) and never far above it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.base import clone

from infolens._training import plateau_scheduler
from infolens.estimators.neural import (
    MINE,
    InfoNCE,
    donsker_varadhan_bound,
    infonce_terms,
)
from infolens.tasks import CorrelatedGaussian

FAST = dict(hidden_sizes=(64, 64), max_epochs=30, patience=5, batch_size=128)


def test_donsker_varadhan_bound_formula() -> None:
    t_joint = torch.tensor([1.0, 2.0, 3.0])
    t_marg = torch.tensor([0.0, math.log(3.0)])
    assert float(donsker_varadhan_bound(t_joint, t_marg)) == pytest.approx(2.0 - math.log(2.0))


def test_infonce_terms_are_capped_at_log_k() -> None:
    scores = torch.randn(16, 16) * 10
    terms = infonce_terms(scores)
    assert torch.all(terms <= math.log(16) + 1e-6)
    # a diagonal that dominates reaches the cap
    big = infonce_terms(torch.eye(8) * 100.0)
    np.testing.assert_allclose(big.numpy(), math.log(8), atol=1e-5)


@pytest.fixture(scope="module")
def gaussian_pairs() -> tuple[np.ndarray, np.ndarray]:
    return CorrelatedGaussian(2, 2, mutual_information=1.0).sample(4000, seed=0)


def test_mine_on_gaussian(gaussian_pairs: tuple[np.ndarray, np.ndarray]) -> None:
    result = MINE(random_state=0, **FAST).estimate_with_error(*gaussian_pairs)
    assert result.value == pytest.approx(1.0, abs=0.3)
    assert 0 < result.stderr < 0.3
    assert result.method == "mine" and result.n == 800


def test_infonce_on_gaussian(gaussian_pairs: tuple[np.ndarray, np.ndarray]) -> None:
    est = InfoNCE(random_state=0, **FAST)
    result = est.estimate_with_error(*gaussian_pairs)
    assert result.value == pytest.approx(1.0, abs=0.3)
    assert result.value <= est.cap == pytest.approx(math.log(128))


def test_infonce_cannot_exceed_log_batch_size() -> None:
    # 8 nats of MI, but K = 16 pairs per block: the bound saturates below log 16 = 2.77
    x, y = CorrelatedGaussian(4, 4, mutual_information=8.0).sample(2000, seed=1)
    est = InfoNCE(random_state=0, hidden_sizes=(32,), max_epochs=10, batch_size=16)
    assert est.estimate(x, y) <= math.log(16)


def test_same_seed_same_result(gaussian_pairs: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = gaussian_pairs
    kw = dict(hidden_sizes=(16,), max_epochs=2, random_state=3)
    assert MINE(**kw).estimate(x, y) == MINE(**kw).estimate(x, y)
    assert InfoNCE(**kw).estimate(x, y) == InfoNCE(**kw).estimate(x, y)


@pytest.mark.parametrize("cls", [MINE, InfoNCE])
def test_bad_input_names_the_argument(cls: type) -> None:
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(100, seed=0)
    bad = y.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="^y: .*NaN or infinite"):
        cls().estimate(x, bad)
    with pytest.raises(ValueError, match="x and y: sample counts differ"):
        cls().estimate(x[:10], y)
    with pytest.raises(ValueError, match="^x: too few samples"):
        cls().estimate(x[:15], y[:15])
    # __init__ only stores; the checks run when estimating and name the argument
    with pytest.raises(ValueError, match="^critic"):
        cls(critic="bilinear").estimate(x, y)
    with pytest.raises(ValueError, match="^batch_size"):
        cls(batch_size=1).estimate(x, y)
    with pytest.raises(ValueError, match="^hidden_sizes"):
        cls(hidden_sizes=()).estimate(x, y)


@pytest.mark.parametrize("cls", [MINE, InfoNCE])
def test_parameters_follow_the_scikit_learn_contract(cls: type) -> None:
    est = cls(hidden_sizes=(16,), max_epochs=3, random_state=2)
    params = est.get_params()
    assert params["hidden_sizes"] == (16,) and params["max_epochs"] == 3
    twin = clone(est)
    assert twin is not est and twin.get_params() == params
    assert twin.set_params(max_epochs=1, critic="concat") is twin
    assert (twin.max_epochs, twin.critic) == (1, "concat") and est.max_epochs == 3
    assert cls(critic="bilinear").critic == "bilinear"  # stored as given


@pytest.mark.filterwarnings("ignore::infolens.estimators.result.EstimatorWarning")
def test_attribute_set_after_construction_takes_effect() -> None:
    x, y = CorrelatedGaussian(2, 2, mutual_information=1.0).sample(200, seed=0)
    est = MINE(hidden_sizes=(8,), max_epochs=5, patience=5, batch_size=32)
    est.max_epochs = 1
    assert est.estimate_with_error(x, y).details["epochs"] == 1
    assert not hasattr(MINE(), "critic_") and hasattr(est, "critic_")  # fitted state ends in _


def test_plateau_schedule_halves_the_rate_on_a_stall_and_stops_at_one_percent() -> None:
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    assert plateau_scheduler(optimizer, "constant", patience=9) is None
    scheduler = plateau_scheduler(optimizer, "plateau", patience=9)  # acts after 9 // 3 = 3 epochs
    rates = []
    for _ in range(40):
        scheduler.step(1.0)  # a validation loss that never improves
        rates.append(optimizer.param_groups[0]["lr"])
    assert rates[:4] == [1.0, 1.0, 1.0, 1.0]  # first step sets the best; then 3 stalled epochs
    assert rates[4] == 0.5
    assert min(rates) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="^lr_schedule: expected one of"):
        plateau_scheduler(optimizer, "cosine", patience=9)


def test_infonce_near_its_cap_is_flagged():
    """With batches of 8 the bound cannot exceed log 8 = 2.08 nats; on data with I = 5 nats the
    estimate saturates there, and the result says so."""
    import warnings

    from infolens.estimators.neural import CAP_WARNING_FRACTION, InfoNCE
    from infolens.estimators.result import EstimatorWarning
    from infolens.tasks import CorrelatedGaussian

    x, y = CorrelatedGaussian(2, 2, mutual_information=5.0).sample(2_000, seed=0)
    estimator = InfoNCE(batch_size=8, max_epochs=15, random_state=0)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", EstimatorWarning)
        result = estimator.estimate_with_error(x, y)
    assert CAP_WARNING_FRACTION * estimator.cap < result.value <= estimator.cap
    assert any("cap log(batch_size)" in w for w in result.warnings)
    x, y = CorrelatedGaussian(2, 2, mutual_information=0.5).sample(2_000, seed=0)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", EstimatorWarning)
        low = InfoNCE(batch_size=256, max_epochs=15, random_state=0).estimate_with_error(x, y)
    assert not any("cap" in w for w in low.warnings)

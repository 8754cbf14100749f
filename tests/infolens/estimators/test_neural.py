"""Tests of the variational lower bounds (MINE, InfoNCE, NWJ, SMILE) used as baselines.

All are noisy lower bounds; on a 2+2-dim Gaussian with I = 1 nat and n = 4000 (800 held out)
MINE and InfoNCE land within 0.3 nats of the truth (stated tolerance) and never far above it.
NWJ and SMILE (small critic, at most 30 epochs) land within 0.15 nats of the truth on that task
and on a 1+1-dim Gaussian with I = 0.5 (measured: within 0.03 of both).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

from infolens._training import plateau_scheduler
from infolens.estimators.neural import (
    MINE,
    NWJ,
    NWJ_MAX_TERM_STD,
    SMILE,
    SMILE_CLIP_WARNING_FRACTION,
    InfoNCE,
    donsker_varadhan_bound,
    infonce_terms,
    js_fgan_objective,
    nwj_stderr_floor,
    nwj_terms,
    off_diagonal,
    smile_bound,
    smile_terms,
)
from infolens.estimators.registry import make_estimator
from infolens.estimators.result import EstimatorWarning
from infolens.tasks import CorrelatedGaussian, get_task

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
    for cls in (MINE, InfoNCE, NWJ, SMILE):
        assert cls(**kw).estimate(x, y) == cls(**kw).estimate(x, y)


@pytest.mark.parametrize("cls", [MINE, InfoNCE, NWJ, SMILE])
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


@pytest.mark.parametrize("cls", [MINE, InfoNCE, NWJ, SMILE])
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


# ----------------------------------------------------------------------------- NWJ and SMILE
SCORES = torch.tensor([[2.0, 0.0, 1.0], [-1.0, 1.0, 3.0], [0.5, -2.0, 0.0]])
# off-diagonal (marginal) scores, row by row: [0, 1], [-1, 3], [0.5, -2]


def test_off_diagonal_lists_the_marginal_pairs_row_by_row() -> None:
    assert off_diagonal(SCORES).tolist() == [[0.0, 1.0], [-1.0, 3.0], [0.5, -2.0]]
    with pytest.raises(ValueError, match="^scores: expected a square"):
        off_diagonal(torch.zeros(1, 1))
    with pytest.raises(ValueError, match="^scores: expected a square"):
        nwj_terms(torch.zeros(2, 3))


def test_nwj_terms_by_hand() -> None:
    # t_i = T_ii - e^-1 mean_{j != i} exp T_ij
    e = math.e
    expected = [
        2.0 - (math.exp(0.0) + math.exp(1.0)) / (2 * e),
        1.0 - (math.exp(-1.0) + math.exp(3.0)) / (2 * e),
        0.0 - (math.exp(0.5) + math.exp(-2.0)) / (2 * e),
    ]
    np.testing.assert_allclose(nwj_terms(SCORES).numpy(), expected, rtol=1e-6)
    # the optimal critic 1 + log r of independent variables (r = 1) gives exactly 0
    assert float(nwj_terms(torch.ones(5, 5)).mean()) == pytest.approx(0.0, abs=1e-7)


def test_smile_bound_by_hand() -> None:
    # clip = 1: marginal scores (0, 1, -1, 3, 0.5, -2) become (0, 1, -1, 1, 0.5, -1)
    clipped = [0.0, 1.0, -1.0, 1.0, 0.5, -1.0]
    expected = (2.0 + 1.0 + 0.0) / 3 - math.log(sum(math.exp(t) for t in clipped) / 6)
    assert float(smile_bound(SCORES, clip=1.0)) == pytest.approx(expected, rel=1e-6)
    # no clip: the DV bound with the off-diagonal pairs as marginal samples
    dv = donsker_varadhan_bound(SCORES.diagonal(), off_diagonal(SCORES).reshape(-1))
    assert float(smile_bound(SCORES, clip=None)) == pytest.approx(float(dv), rel=1e-6)
    # a clip wider than every score changes nothing
    assert float(smile_bound(SCORES, clip=10.0)) == pytest.approx(float(dv), rel=1e-6)
    joint, log_partition = smile_terms(SCORES, clip=1.0)
    assert joint.tolist() == [2.0, 1.0, 0.0]
    np.testing.assert_allclose(
        log_partition.numpy(),
        [math.log((1 + math.e) / 2), math.log((math.exp(-1) + math.e) / 2),
         math.log((math.exp(0.5) + math.exp(-1)) / 2)], atol=1e-6)


def test_a_small_clip_gives_a_smaller_partition_term() -> None:
    """Scores of a critic at high MI: marginal pairs far above the clip dominate the partition
    term; the clip bounds |log partition| by tau, and a smaller tau gives a smaller one."""
    scores = torch.randn(64, 64, generator=torch.Generator().manual_seed(0)) * 4 + 2
    log_partition = {
        clip: float(torch.logsumexp(smile_terms(scores, clip)[1], 0) - math.log(64))
        for clip in (None, 5.0, 2.0, 0.5)
    }
    assert log_partition[None] > log_partition[5.0] > log_partition[2.0] > log_partition[0.5]
    assert all(abs(v) <= clip for clip, v in log_partition.items() if clip is not None)


def test_js_objective_by_hand() -> None:
    # -mean softplus(-diag) - mean softplus(off-diagonal)
    softplus = lambda t: math.log1p(math.exp(t))  # noqa: E731
    expected = -(softplus(-2.0) + softplus(-1.0) + softplus(0.0)) / 3 - sum(
        softplus(t) for t in [0.0, 1.0, -1.0, 3.0, 0.5, -2.0]) / 6
    assert float(js_fgan_objective(SCORES)) == pytest.approx(expected, rel=1e-6)


def test_nwj_stderr_floor() -> None:
    assert nwj_stderr_floor(math.log(1 + 127 * 0.09), 127) == pytest.approx(0.3)
    assert nwj_stderr_floor(0.0, 10) == nwj_stderr_floor(-1.0, 10) == 0.0


TOY = dict(hidden_sizes=(64, 64), max_epochs=30, patience=5, batch_size=128)
TASKS = {
    "gaussian-2x2-i1": lambda: get_task("gaussian-2x2-i1"),
    "gaussian-1x1-i0.5": lambda: CorrelatedGaussian(1, 1, mutual_information=0.5),
}


def estimate_quietly(estimator, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)
        return estimator.estimate_with_error(x, y)


@pytest.mark.parametrize("task_name", sorted(TASKS))
@pytest.mark.parametrize("cls", [NWJ, SMILE])
def test_nwj_and_smile_on_gaussians(cls: type, task_name: str) -> None:
    task = TASKS[task_name]()
    x, y = task.sample(4000, seed=0)
    result = estimate_quietly(cls(random_state=0, **TOY), x, y)
    assert result.value == pytest.approx(task.mutual_information, abs=0.15)
    assert 0 < result.stderr < 0.1
    assert result.n == 800 and result.method == cls.name
    assert not result.warnings  # neither flag fires at I <= 1 nat


def test_nwj_flags_its_high_mi_regime() -> None:
    """At I = 6 nats with blocks of 128 pairs the NWJ estimate stalls far below the truth
    (measured 3.2), and the least spread of its per-sample terms at that level is above
    NWJ_MAX_TERM_STD: flagged."""
    x, y = CorrelatedGaussian(2, 2, mutual_information=6.0).sample(4000, seed=0)
    result = estimate_quietly(NWJ(random_state=0, **TOY), x, y)
    assert result.value < 6.0 and nwj_stderr_floor(result.value, 127) > NWJ_MAX_TERM_STD
    assert any("NWJ is unreliable" in w for w in result.warnings)


def test_smile_small_clip_biases_up_and_is_flagged() -> None:
    """With clip = 1 on I = 1 nat, a share of the held-out joint scores exceeds the clip, the
    clip cuts the partition term and raises the estimate above the unclipped DV readout."""
    x, y = get_task("gaussian-2x2-i1").sample(4000, seed=0)
    small = estimate_quietly(SMILE(clip=1.0, random_state=0, **TOY), x, y)
    none = estimate_quietly(SMILE(clip=None, random_state=0, **TOY), x, y)
    assert small.details["clipped_mass"] > SMILE_CLIP_WARNING_FRACTION
    assert any("exceed the clip 1" in w for w in small.warnings)
    assert none.details["clipped_mass"] == 0.0 and not none.warnings
    assert small.value > none.value + 0.1


@pytest.mark.parametrize("clip", [0, -1.0, math.inf, "5", True])
def test_smile_rejects_a_bad_clip(clip: object) -> None:
    x, y = CorrelatedGaussian(1, 1, mutual_information=0.5).sample(100, seed=0)
    with pytest.raises(ValueError, match="^clip: "):
        SMILE(clip=clip).estimate(x, y)


def test_nwj_and_smile_are_registered() -> None:
    assert type(make_estimator("nwj", random_state=3)) is NWJ
    smile = make_estimator("smile", random_state=3)
    assert type(smile) is SMILE and smile.clip == 5.0 and smile.random_state == 3

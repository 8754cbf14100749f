"""Property tests: on any input, an estimator returns a finite number or a one-line ValueError.

Random shapes (including empty, 0-d and 3-d), dtypes (floats, ints, bools, complex, strings,
objects), scales from 1e-300 to 1e300 and NaN/inf patterns are fed to the Python estimators and
to ``infolens estimate``; nothing else may come out (no other exception, no NaN, no traceback).
"""

import contextlib
import io
import json
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infolens.estimators.knn import KSG, ContinuousDiscreteMI, KLEntropy, WeightedKL

ESTIMATORS = {
    "ksg": KSG(k=3),
    "ksg2": KSG(k=3, variant=2),
    "kl": KLEntropy(k=3),
    "weighted-kl": WeightedKL(k=3),
    "ross": ContinuousDiscreteMI(k=3),
}
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@st.composite
def arrays(draw, n=None):
    """Arrays a user might pass: any of several dtypes, shapes, scales and bad values."""
    kind = draw(st.sampled_from(["float64"] * 6 + ["float32"] * 2 + ["int64", "int8", "bool",
                                 "complex", "str", "object", "none", "0d", "3d"]))
    rows = n if n is not None else draw(st.integers(0, 60))
    cols = draw(st.sampled_from([0, 1, 1, 2, 2, 3]))
    if kind == "0d":
        return np.array(draw(st.floats(allow_nan=True)))
    if kind == "3d":
        return np.zeros((rows, 2, 2))
    if kind == "none":
        return np.full((rows, cols), None, dtype=object)
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(rows, cols))
    if draw(st.booleans()):
        base = np.round(base)  # ties
    base = base * 10.0 ** draw(st.integers(-300, 300))
    if draw(st.integers(0, 3)) == 0 and base.size:
        bad = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        base.flat[draw(st.integers(0, base.size - 1))] = bad
    if kind in ("int64", "int8"):
        with np.errstate(all="ignore"):
            return np.nan_to_num(base, nan=0, posinf=1, neginf=-1).clip(-100, 100).astype(kind)
    if kind == "bool":
        return base > 0
    if kind == "complex":
        return base + 1j
    if kind == "str":
        return base.astype(str)
    if kind == "object":
        return base.astype(object)
    with np.errstate(all="ignore"):
        return base.astype(kind)


def _assert_finite_or_value_error(call):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = call()
    except ValueError as err:
        message = str(err)
        assert message and "\n" not in message, message
        return
    assert np.isfinite(value), value


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_estimators_return_a_finite_number_or_a_value_error(name, data):
    x = data.draw(arrays(), label="x")
    paired = x.shape[0] if x.ndim >= 1 and data.draw(st.integers(0, 4), label="paired") else None
    y = data.draw(arrays(n=paired), label="y")
    if name == "ross" and y.ndim == 2 and y.shape[1] >= 1:
        y = y[:, 0]  # labels are one column; any values at all
    _assert_finite_or_value_error(lambda: ESTIMATORS[name].estimate(x, y))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_entropy_returns_a_finite_number_or_a_value_error(data):
    x = data.draw(arrays(), label="x")
    _assert_finite_or_value_error(lambda: WeightedKL(k=3).entropy(x))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_cli_estimate_exits_0_with_a_number_or_2_with_one_line(data, tmp_path_factory):
    from infolens.cli import main

    folder = tmp_path_factory.mktemp("prop")
    x = data.draw(arrays(), label="x")
    paired = x.shape[0] if x.ndim >= 1 and data.draw(st.integers(0, 4), label="paired") else None
    y = data.draw(arrays(n=paired), label="y")
    suffix = data.draw(st.sampled_from([".npy", ".csv"]), label="format")
    for name, a in (("x", x), ("y", y)):
        path = folder / f"{name}{suffix}"
        if suffix == ".npy":
            np.save(path, a, allow_pickle=a.dtype == object)
        else:
            with contextlib.suppress(ValueError, TypeError):
                np.savetxt(path, np.atleast_1d(a).reshape(len(np.atleast_1d(a)), -1), fmt="%s",
                           delimiter=",")
            if not path.exists():
                path.write_text("")
    method = data.draw(st.sampled_from(["ksg", "weighted-kl", "ross"]), label="method")
    as_json = data.draw(st.booleans(), label="json")
    out, err = io.StringIO(), io.StringIO()
    argv = ["infolens", "estimate", str(folder / f"x{suffix}"), str(folder / f"y{suffix}"),
            "--method", method, "--k", "3"] + (["--json"] if as_json else [])
    old_argv = sys.argv
    sys.argv = argv
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(SystemExit) as exit_info:
                main()
    finally:
        sys.argv = old_argv
    code = exit_info.value.code
    if code == 2:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err.getvalue()
    else:
        assert code in (0, None), err.getvalue()
        assert "Traceback" not in err.getvalue()
        if as_json:
            value = json.loads(out.getvalue())["estimate"]
        else:
            value = float(out.getvalue().split("=")[1].split()[0])
        assert np.isfinite(value)

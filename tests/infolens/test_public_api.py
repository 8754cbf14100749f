"""The public API: every name in every ``__all__`` imports; subpackages load lazily; the light
core (k-NN estimators, tasks, ``infolens estimate``) runs where torch cannot be imported."""

import importlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import infolens

PACKAGES = ["infolens", "infolens.estimators", "infolens.tasks", "infolens.plane", "infolens.data",
            "infolens.bench", "infolens.io", "infolens.units", "infolens.interfaces",
            "infolens.estimators.knn", "infolens.estimators.registry", "infolens.estimators.result",
            "infolens.estimators.base", "diampart"]


@pytest.mark.parametrize("module_name", PACKAGES)
def test_every_public_name_imports(module_name):
    module = importlib.import_module(module_name)
    assert module.__all__, module_name
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{module_name}.{name}"
        assert name in dir(module), f"{name} missing from dir({module_name})"


def test_subpackages_load_on_first_use():
    assert infolens.estimators.KSG().name == "ksg"
    assert {"estimators", "tasks", "plane"} <= set(dir(infolens))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = infolens.nothing


BLOCK_TORCH = textwrap.dedent("""
    import importlib.abc, sys
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "zuko", "matplotlib", "pysat"):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked in this test)",
                                          name=name)
    sys.meta_path.insert(0, Block())
""")


def test_light_core_runs_without_torch(tmp_path):
    x = np.random.default_rng(0).normal(size=(500, 2))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x + np.random.default_rng(1).normal(size=x.shape))
    script = BLOCK_TORCH + textwrap.dedent(f"""
        import infolens
        from infolens.estimators import KSG, WeightedKL, ContinuousDiscreteMI, make_estimator
        from infolens.tasks import get_task, CorrelatedGaussian
        x, y = get_task("gaussian-2x2-i1").sample(500, seed=0)
        assert abs(KSG().estimate(x, y) - 1.0) < 0.3
        sys.argv = ["infolens", "estimate", r"{tmp_path / 'x.npy'}", r"{tmp_path / 'y.npy'}", "--json"]
        from infolens.cli import main
        try:
            main()
        except SystemExit as done:
            assert done.code in (0, None), done.code
        assert "torch" not in sys.modules
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert '"estimate"' in result.stdout


def test_neural_estimator_without_torch_says_what_to_install():
    script = BLOCK_TORCH + textwrap.dedent("""
        from infolens.estimators import FlowMI
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "infolens[neural]" in result.stderr

# Two commands set everything up: `make demo` and `make test` create .venv when missing.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export MPLBACKEND ?= Agg
# The offline MNIST copy next to the checkout, when there is one (the loader also reads
# INFOLENS_MNIST_DIR, then ~/.cache/infolens/mnist, and downloads only where a network exists).
ifneq ($(wildcard ../shared/data/mnist/t10k-labels-idx1-ubyte.gz),)
export INFOLENS_MNIST_DIR ?= $(abspath ../shared/data/mnist)
endif

.PHONY: demo test test-slow docs lint bench bench-compression bench-flows bench-diampart bench-plane bench-wkl-dim bench-suite bench-grid bench-sweep bench-knn-scale device-check clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[all,dev,docs]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/infolens demo

# the default suite and every docstring example in src/ (doctests), in one run
test: $(STAMP)
	$(PY) -m pytest -q -m "not slow" --doctest-modules tests src

# the documentation site (mkdocs-material + mkdocstrings), warnings are errors
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet
	@echo "site: build/site/index.html"

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/bench_knn.py

bench-compression: $(STAMP)
	$(PY) benchmarks/bench_compression.py

bench-flows: $(STAMP)
	$(PY) benchmarks/bench_flows.py

bench-plane: $(STAMP)
	$(PY) benchmarks/bench_plane.py

bench-diampart: $(STAMP)
	$(PY) benchmarks/bench_diampart.py

bench-wkl-dim: $(STAMP)
	$(PY) benchmarks/bench_wkl_dimension.py

# every estimator on every suite task (resumable; SUITE_ARGS="--n 5000 --seeds 0 --backend ray" for
# a part, on Ray; see `infolens bench suite --help`)
bench-suite: $(STAMP)
	$(VENV)/bin/infolens bench suite $(SUITE_ARGS)

# grid throughput (1 vs 2 workers, local and Ray), Ray's per-cell overhead, resume after SIGKILL
bench-grid: $(STAMP)
	$(PY) benchmarks/bench_grid.py $(GRID_ARGS)

# 3 seeds x 2 noise levels of the MNIST demo preset (benchmarks/sweep_demo.yaml), then the aggregate
# figures (results/sweep/aggregate/*/aggregate_information_plane.png); resumable
bench-sweep: $(STAMP)
	$(VENV)/bin/infolens plane sweep benchmarks/sweep_demo.yaml $(SWEEP_ARGS)

# KSG at n = 10k ... 1M (4+4 dims; 1+1 against scikit-learn), today's code path side by side
bench-knn-scale: $(STAMP)
	$(PY) benchmarks/bench_knn_scale.py $(KNN_SCALE_ARGS)

# one plane epoch, FlowMI at 50+50 dims and an autoencoder on a device (DEVICE=auto|cpu|cuda)
device-check: $(STAMP)
	$(PY) benchmarks/device_check.py --device $(or $(DEVICE),auto)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache

# One task file for people and CI.  `make run` and `make test` set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 7860
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: setup browser run test test-quick lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: it takes the local CPU wheel instead of GBs of CUDA packages.
	$(PY) -m pip install -q torch==2.13.0
	# llama-cpp-python builds from source: a portable AVX2 build, since a native one picks up
	# AVX-512/AMX kernels that crash (SIGSEGV) on virtual machines that report but do not allow them.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q -e ".[local,test]"
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium for the browser tests (playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: apt-get install chromium (browser tests will be skipped)"; fi; }

run: setup
	$(PY) -m assistant ingest corpus/
	$(PY) -m assistant serve --host $(HOST) --port $(PORT)

test: setup browser lint
	$(PY) -m pytest

test-quick: setup
	$(PY) -m pytest -m "not slow and not browser and not local_model"

lint: setup
	$(VENV)/bin/ruff check assistant tests bench
	$(VENV)/bin/ruff format --check assistant tests bench
	$(VENV)/bin/mypy assistant

# Speed benchmarks (scripts, not tests): a quick size by default, BENCH_SCALE=full for 100k chunks.
# They use the development set at ../shared/dev/realnews when it is there, else the seed corpus.
BENCH_SCALE ?= quick
bench: setup
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) bench/cold_start.py --repeat 5
	$(PY) bench/ingest_throughput.py $(if $(filter full,$(BENCH_SCALE)),--articles 60 --repeat 3,--articles 10 --repeat 1)
	$(PY) bench/incremental.py $(if $(filter full,$(BENCH_SCALE)),--big 10000,--articles 10 --big 2000)
	BENCH_SCALE=$(BENCH_SCALE) $(PY) bench/query_latency.py

clean:
	rm -rf $(VENV) store/chroma.sqlite3 store/*/ .pytest_cache

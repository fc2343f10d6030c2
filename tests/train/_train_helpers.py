"""Helpers of the train tests: synthetic reasoning traces, a tiny random model directory, the CLI command."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

SYSTEM = "Your role as an assistant involves thoroughly exploring questions through a systematic thinking process."


def trace(a: int, b: int) -> list[dict[str, str]]:
    """One Sky-T1-style conversation: a sum, worked step by step, answer boxed."""
    tens, ones = (a // 10 + b // 10) * 10, a % 10 + b % 10
    answer = a + b
    thought = f"We add {a} and {b}. Tens: {tens}. Ones: {ones}. Together: {tens} + {ones} = {answer}."
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"What is {a} + {b}?"},
        {
            "role": "assistant",
            "content": f"<|begin_of_thought|>\n{thought}\n<|end_of_thought|>\n"
            f"<|begin_of_solution|>\nThe sum is \\boxed{{{answer}}}.\n<|end_of_solution|>",
        },
    ]


def write_traces(path: Path, n: int, seed: int = 0) -> Path:
    """``n`` conversations as messages JSONL."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(n):
            fh.write(json.dumps({"messages": trace(rng.randint(10, 99), rng.randint(10, 99))}) + "\n")
    return path


def tiny_model_dir(path: Path, tokenizer_dir: str, *, hidden: int = 64, layers: int = 2, seed: int = 0) -> Path:
    """A randomly initialised 2-layer Llama saved with the default model's tokenizer (fast to train)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def cli(*args: str) -> list[str]:
    """The ``thinkforge train`` command line run as a real subprocess."""
    return [sys.executable, "-m", "thinkforge.cli.main", "train", *args]


def env() -> dict[str, Any]:
    """The subprocess environment: this worktree's sources first, few threads (the CPU is shared)."""
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}

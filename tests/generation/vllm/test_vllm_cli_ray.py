"""The command line with the vllm backend, in one process and over two engine replicas under Ray Data:
both give the same records (each sample is seeded by its own key, wherever it runs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _gen_helpers import quiet_env, thinkforge_cmd

from thinkforge.generate import read_generate_run

pytestmark = pytest.mark.slow

#: 2 problems x 2 samples, sampled; chunks of 2 requests so that each of two replicas gets a unit.
ARGS = [
    "generate", "--backend", "vllm", "--model", "default", "--task", "gsm8k", "--limit", "2", "--n", "2",
    "--max-tokens", "16", "--temperature", "0.8", "--seed", "3",
    "vllm.chunk_size=2", "vllm.max_model_len=2048",
]  # fmt: skip


def generate(out: Path, *extra: str) -> dict[str, dict]:
    cmd = [*thinkforge_cmd(), *ARGS, "--out", str(out), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, env=quiet_env(), timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return {d["key"]: d for d in read_generate_run(out).iter_dicts()}


def test_two_ray_replicas_give_the_records_of_one_engine(tmp_path: Path) -> None:
    one = generate(tmp_path / "one")
    two = generate(tmp_path / "two", "--ray", "--replicas", "2")
    assert len(one) == 4
    fields = ("problem_id", "index", "text", "finish_reason", "prompt_tokens", "completion_tokens", "sampling")
    assert {k: [d[f] for f in fields] for k, d in two.items()} == {k: [d[f] for f in fields] for k, d in one.items()}
    assert all(d["provenance"]["backend"] == "vllm" and d["text"] for d in one.values())

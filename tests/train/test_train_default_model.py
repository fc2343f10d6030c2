"""The real default model (SmolLM2-135M-Instruct) on CPU: a few dozen steps on reasoning traces lower the
held-out loss, and the saved checkpoint generates through thinkforge's hf backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _train_helpers import trace, write_traces

from thinkforge.backends.base import GenerationRequest, SamplingParams
from thinkforge.backends.hf import HFBackend, HFOptions
from thinkforge.cli.main import main

STEPS = 24


@pytest.mark.slow
@pytest.mark.timeout(3000)  # ~2 min on an idle 2-core CPU; a shared, busy one can be 10x slower
def test_default_model_fine_tune_lowers_heldout_loss_and_generates(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = write_traces(tmp_path / "traces.jsonl", 56, seed=3)
    out = tmp_path / "sft"
    args = ["train", "--data", str(data), "--model", "default", "--out", str(out), "--max-steps", str(STEPS),
            "--batch-size", "2", "--lr", "2e-4", "--max-length", "256", "--eval-size", "6", "--save-steps", "12",
            "eval_steps=12", "warmup_ratio=0.05"]  # fmt: skip
    assert main(args) == 0
    rows = [json.loads(line) for line in (out / "train.metrics.jsonl").read_text().splitlines()]
    evals = [(r["step"], r["eval_loss"]) for r in rows if "eval_loss" in r]
    assert [s for s, _ in evals] == [0, 12, 24]
    before, after = evals[0][1], evals[-1][1]
    print(f"held-out loss {before:.4f} -> {after:.4f}")
    assert after < 0.8 * before, evals
    table = capsys.readouterr().out
    assert "held-out loss" in table and "0.0%" in table  # padding share

    backend = HFBackend(str(out), HFOptions(batch_size=1, device="cpu"))
    question = trace(41, 38)[:2]
    request = GenerationRequest(
        key="k", problem_id="p", task="handmade", model=str(out), index=0, messages=question,
        sampling=SamplingParams(temperature=0.0, max_tokens=96, seed=0), seed=0,
    )  # fmt: skip
    sample = [s for group in backend.generate([request]) for s in group][0]
    print(sample.text)
    assert sample.finish_reason in ("stop", "length") and sample.completion_tokens > 0
    assert "<|begin_of_thought|>" in sample.text  # the trained format, from the trained weights

"""Training end to end on a tiny random Llama: outputs, resume after SIGKILL, 2-process DDP, LoRA, refusals."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from _train_helpers import cli, env

from thinkforge.errors import ConfigError
from thinkforge.train import TrainConfig, run_train
from thinkforge.train.config import DataConfig, LoraConfig

#: Seconds a CLI training subprocess may take (process start-up on a busy CPU is most of it).
RUN_TIMEOUT_S = 600
STEPS = 6


def base_config(tiny_dir: Path, traces: Path, out: Path, **kw: Any) -> TrainConfig:
    return TrainConfig(
        model=str(tiny_dir), data=DataConfig(path=str(traces), eval_size=4), out=str(out), max_steps=STEPS,
        lr=1e-3, batch_size=4, save_steps=2, max_length=256, seed=0, **kw,
    )  # fmt: skip


def weights(out: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(out / "model.safetensors"))


def assert_close(a: dict[str, Any], b: dict[str, Any], atol: float) -> None:
    assert a.keys() == b.keys()
    worst = max(float((a[k] - b[k]).abs().max()) for k in a)
    assert worst <= atol, f"largest weight difference {worst}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, tiny_dir: Path, traces: Path) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("ref") / "out"
    return out, run_train(base_config(tiny_dir, traces, out))


def test_a_run_writes_a_loadable_checkpoint_card_metrics_and_curve(reference: tuple[Path, Any], tiny_dir: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    out, summary = reference
    assert summary.steps == STEPS and summary.padding_share == 0.0 and summary.tokens > 0
    assert summary.eval_loss_end < summary.eval_loss_start
    assert summary.mask.trained_tokens > 0 and summary.mask.checked_examples == summary.mask.examples
    for name in ("config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja", "generation_config.json",
                 "README.md", "train.metrics.jsonl", "train.loss.png", "train.yaml", "train.run.json"):  # fmt: skip
        assert (out / name).is_file(), name
    rows = [json.loads(line) for line in (out / "train.metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "loss" in r] == list(range(1, STEPS + 1))
    assert [r["step"] for r in rows if "eval_loss" in r][0] == 0 and rows[-1]["step"] == STEPS
    tok = AutoTokenizer.from_pretrained(out)
    assert GenerationConfig.from_pretrained(out).eos_token_id == tok.convert_tokens_to_ids("<|im_end|>")
    assert tok.chat_template == AutoTokenizer.from_pretrained(tiny_dir).chat_template
    AutoModelForCausalLM.from_pretrained(out)
    card = (out / "README.md").read_text()
    assert "held-out loss" in card and "`lr` | `0.001`" in card and "train.loss.png" in card
    stored = yaml.safe_load((out / "train.yaml").read_text())
    assert stored["max_steps"] == STEPS and not {"out", "overwrite", "resume", "dry_run"} & set(stored)


def test_a_second_run_into_the_same_dir_needs_resume_or_overwrite(reference: tuple[Path, Any], tiny_dir: Path, traces: Path) -> None:
    out, _ = reference
    with pytest.raises(ConfigError, match="--resume to continue or --overwrite"):
        run_train(base_config(tiny_dir, traces, out))
    with pytest.raises(ConfigError, match="lr: 0.001 -> 0.002"):
        run_train(dataclasses.replace(base_config(tiny_dir, traces, out), lr=2e-3, resume=True))


@pytest.mark.slow
def test_resume_after_sigkill_continues_at_the_step_and_matches_an_uninterrupted_run(
    reference: tuple[Path, Any], tmp_path: Path, tiny_dir: Path, traces: Path
) -> None:
    ref_out, _ = reference
    out = tmp_path / "killed"
    args = cli("--data", str(traces), "--model", str(tiny_dir), "--out", str(out), "--max-steps", str(STEPS), "--lr", "1e-3",
               "--batch-size", "4", "--save-steps", "2", "--max-length", "256", "--seed", "0", "--eval-size", "4")  # fmt: skip
    proc = subprocess.Popen(args, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    marker = out / "checkpoints" / "checkpoint-2" / "trainer_state.json"
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:] if proc.stderr else ""
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.1)
    time.sleep(0.5)  # let the checkpoint's last files land, well before the next save at step 4
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "model.safetensors").exists()  # killed mid-training, before the final save
    summary = run_train(dataclasses.replace(base_config(tiny_dir, traces, out), resume=True))
    assert 2 <= summary.resumed_from_step < STEPS and summary.steps == STEPS
    assert_close(weights(out), weights(ref_out), atol=1e-5)


@pytest.mark.slow
def test_two_process_ddp_matches_one_process_on_the_same_global_batch(
    reference: tuple[Path, Any], tmp_path: Path, tiny_dir: Path, traces: Path
) -> None:
    ref_out, _ = reference
    out = tmp_path / "ddp"
    args = cli("--data", str(traces), "--model", str(tiny_dir), "--out", str(out), "--max-steps", str(STEPS), "--lr", "1e-3",
               "--batch-size", "2", "--save-steps", "2", "--max-length", "256", "--seed", "0", "--eval-size", "4",
               "--launch", "accelerate", "--num-processes", "2")  # fmt: skip
    done = subprocess.run(args, env=env(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "--num_processes 2" in done.stderr and "global batch" not in done.stdout
    assert_close(weights(out), weights(ref_out), atol=1e-4)


def test_lora_trains_adapters_and_saves_merged_weights(tmp_path: Path, tiny_dir: Path, traces: Path) -> None:
    out = tmp_path / "lora"
    config = dataclasses.replace(
        base_config(tiny_dir, traces, out), max_steps=2, lora=LoraConfig(enabled=True, r=4, alpha=8), data=DataConfig(path=str(traces), eval_fraction=0.0)
    )
    summary = run_train(config)
    assert summary.steps == 2 and summary.eval_loss_start is None
    assert (out / "adapter" / "adapter_config.json").is_file()
    merged = weights(out)
    assert not any("lora" in k for k in merged)
    base = weights(tiny_dir)
    assert merged.keys() == base.keys()
    assert any(float((merged[k] - base[k]).abs().max()) > 0 for k in base)  # the adapters were merged in

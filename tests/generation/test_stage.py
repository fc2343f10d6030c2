"""The generate stage end to end: CLI, run store, resume after SIGKILL, extension, failures, Ray, accounting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _gen_helpers import free_port, quiet_env, thinkforge_cmd

from thinkforge.generate import ACCOUNTING_FILE, GenerateConfig, failures_of, run_generate
from thinkforge.generate.config import HFConfig, RayConfig, SamplingConfig
from thinkforge.records import Sample

#: One small sampled run: 4 GSM8K questions × 2 samples, 6 new tokens, batches of 2 (4 batches).
HF_ARGS = ["--task", "gsm8k", "--limit", "4", "--n", "2", "--temperature", "0.8", "--max-tokens", "6",
           "--batch-size", "2", "--seed", "5"]  # fmt: skip
#: Seconds a subprocess run may take on a slow, shared 2-core machine.
RUN_TIMEOUT_S = 600


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*thinkforge_cmd(), "generate", *args], capture_output=True, text=True, env=quiet_env(), timeout=RUN_TIMEOUT_S)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def stored(run_dir: Path) -> list[dict]:
    lines = []
    for shard in sorted(run_dir.glob("generate-*.jsonl")):
        lines += [json.loads(x) for x in shard.read_text().splitlines() if x.strip()]
    return lines


def comparable(records: list[dict]) -> dict[str, dict]:
    """Records by key, without the only field that legitimately differs between runs (timing)."""
    return {r["key"]: {k: v for k, v in r.items() if k != "latency_s"} for r in records}


# ---------------------------------------------------------------------------------------- fast: CLI errors
def test_missing_task_is_one_clear_error(tmp_path: Path) -> None:
    proc = cli("--out", str(tmp_path / "r"), check=False)
    assert proc.returncode == 2
    assert "no task given" in proc.stderr


def test_changed_config_is_refused_with_the_difference(tmp_path: Path) -> None:
    out = tmp_path / "r"
    cli("--task", "gsm8k", "--limit", "0", "--temperature", "0.5", "--out", str(out))
    proc = cli("--task", "gsm8k", "--limit", "0", "--temperature", "0.6", "--out", str(out), check=False)
    assert proc.returncode == 2
    assert "sampling.temperature: 0.5 -> 0.6" in proc.stderr
    # Throughput knobs and the slice are not part of the run identity.
    cli("--task", "gsm8k", "--limit", "0", "--temperature", "0.5", "--batch-size", "3", "--n", "4", "--out", str(out))


def test_unreachable_server_reports_failures_stores_nothing_and_rerun_retries(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["--task", "gsm8k", "--limit", "2", "--backend", "openai", "--max-tokens", "4", "--out", str(out),
            "--base-url", f"http://127.0.0.1:{free_port()}/v1", "openai.max_retries=1", "openai.backoff_base_s=0.01"]  # fmt: skip
    proc = cli(*args, check=False)
    assert proc.returncode == 1
    assert "2 samples failed" in proc.stderr
    failures = failures_of(out)
    assert sorted(f["problem_id"] for f in failures) == ["gsm8k/0", "gsm8k/1"]
    assert all("ConnectError" in f["error"] for f in failures)
    assert stored(out) == []
    accounting = json.loads((out / ACCOUNTING_FILE).read_text())
    assert accounting["total"]["failed"] == 2 and accounting["total"]["samples"] == 0
    assert cli(*args, check=False).returncode == 1  # nothing was marked done: the re-run tries again
    assert len(json.loads((out / ACCOUNTING_FILE).read_text())["sessions"]) == 2
    # The failure history keeps both sessions' failures (it is never deleted); two units are still open.
    history = [json.loads(x) for f in out.glob("generate.failures-*.jsonl") for x in f.read_text().splitlines()]
    assert len(history) == 4 and len({h["session"] for h in history}) == 2
    assert len(failures_of(out)) == 2
    assert not (out / "generate.done.json").exists()


def test_recipe_values_and_flag_precedence(tmp_path: Path) -> None:
    from thinkforge.cli.generate import load
    from thinkforge.cli.main import build_parser

    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "task: gsm8k\nbackend: openai\nsampling:\n  temperature: 0.6\n  stop: ['</s>']\n"
        "openai:\n  concurrency: 16\n  rpm: 120\npricing:\n  usd_per_1m_completion_tokens: 2.5\n"
    )
    args = build_parser().parse_args(
        ["generate", "--config", str(recipe), "--temperature", "0.9", "--out", "x", "openai.n_mode=auto"]
    )
    config = load(args)
    assert (config.task, config.backend, config.out) == ("gsm8k", "openai", "x")
    assert config.sampling.temperature == 0.9 and config.sampling.stop == ("</s>",)
    assert (config.openai.concurrency, config.openai.rpm, config.openai.n_mode) == (16, 120.0, "auto")
    assert config.pricing.usd_per_1m_completion_tokens == 2.5


def test_unknown_recipe_key_names_file_and_line(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("task: gsm8k\nsampling:\n  temprature: 0.6\n")
    proc = cli("--config", str(recipe), "--out", str(tmp_path / "r"), check=False)
    assert proc.returncode == 2
    assert f"{recipe}:3" in proc.stderr and "sampling.temprature" in proc.stderr
    assert not (tmp_path / "r").exists()


# ---------------------------------------------------------------------------------------- real backends
@pytest.mark.slow
def test_openai_run_extends_with_larger_n_and_limit(tmp_path: Path, llama_server: str) -> None:
    out = tmp_path / "r"
    base = ["--task", "gsm8k", "--backend", "openai", "--base-url", llama_server, "--temperature", "0.7",
            "--max-tokens", "6", "--out", str(out)]  # fmt: skip
    cli(*base, "--limit", "2", "--n", "1")
    first = comparable(stored(out))
    assert len(first) == 2
    proc = cli(*base, "--limit", "3", "--n", "2")
    assert "samples" in proc.stdout
    records = stored(out)
    assert len(records) == 6 and len({r["key"] for r in records}) == 6
    assert {(r["problem_id"], r["index"]) for r in records} == {(f"gsm8k/{i}", j) for i in range(3) for j in range(2)}
    after = comparable(records)
    assert all(after[k] == v for k, v in first.items())  # finished samples were kept, not redone
    accounting = json.loads((out / ACCOUNTING_FILE).read_text())
    assert [s["generated"] for s in accounting["sessions"]] == [2, 4]
    assert accounting["total"]["samples"] == 6
    assert accounting["total"]["completion_tokens"] == sum(r["completion_tokens"] for r in records)


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted single-process hf run of :data:`HF_ARGS`."""
    out = tmp_path_factory.mktemp("reference") / "run"
    cli(*HF_ARGS, "--out", str(out))
    return out


@pytest.mark.slow
def test_sigkill_then_rerun_gives_the_uninterrupted_sample_set_and_texts(tmp_path: Path, reference_run: Path) -> None:
    out = tmp_path / "killed"
    proc = subprocess.Popen([*thinkforge_cmd(), "generate", *HF_ARGS, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=quiet_env())  # fmt: skip
    deadline = time.monotonic() + RUN_TIMEOUT_S
    try:
        while not stored(out) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    partial = stored(out)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < len(partial) < 8, "the run must be killed between its first and last batch"
    cli(*HF_ARGS, "--out", str(out))
    sessions = json.loads((out / ACCOUNTING_FILE).read_text())["sessions"]
    assert [(s["already_done"], s["generated"]) for s in sessions] == [(len(partial), 8 - len(partial))]
    records = stored(out)
    assert len(records) == 8 and len({r["key"] for r in records}) == 8
    assert comparable(records) == comparable(stored(reference_run))


@pytest.mark.slow
def test_ray_local_mode_gives_the_same_records_as_one_process(tmp_path: Path, reference_run: Path) -> None:
    pytest.importorskip("ray")
    config = GenerateConfig(
        task="gsm8k", model="default", backend="hf", out=str(tmp_path / "ray"), n=2, limit=4,
        sampling=SamplingConfig(temperature=0.8, max_tokens=6, seed=5), hf=HFConfig(batch_size=2, device="cpu"),
        ray=RayConfig(enabled=True, replicas=2, cpus_per_replica=1.0),
    )  # fmt: skip
    summary = run_generate(config)
    assert summary.generated == 8 and not summary.failures
    ray_records = stored(tmp_path / "ray")
    assert comparable(ray_records) == comparable(stored(reference_run))
    assert all(Sample.from_dict(r).provenance["backend"] == "hf" for r in ray_records)
    # A second Ray run over the finished directory does nothing.
    again = run_generate(config)
    assert again.generated == 0 and again.already_done == 8


def test_validation_errors_come_before_any_progress_bar(tmp_path: Path) -> None:
    """An unknown task or a bad value is reported alone: no empty progress bar is drawn first, nothing written."""
    proc = cli("--task", "gsm8kk", "--out", str(tmp_path / "r"), check=False)
    assert proc.returncode == 2 and "unknown task 'gsm8kk'" in proc.stderr
    assert proc.stderr.lstrip().startswith("error:"), proc.stderr
    assert "━" not in proc.stderr and not (tmp_path / "r").exists()
    proc = cli("--task", "gsm8k", "--temperature", "-1", "--out", str(tmp_path / "r"), check=False)
    assert proc.returncode == 2 and "temperature" in proc.stderr and "━" not in proc.stderr


def test_template_flag_changes_the_prompt(tmp_path: Path) -> None:
    from thinkforge.cli.generate import load
    from thinkforge.cli.main import build_parser
    from thinkforge.generate import plan_run

    args = build_parser().parse_args(["generate", "--task", "gsm8k", "--limit", "1", "--template", "plain"])
    config = load(args)
    assert config.template == "plain"
    plain = plan_run(config).requests[0].messages[-1]["content"]
    default = plan_run(GenerateConfig(task="gsm8k", limit=1)).requests[0].messages[-1]["content"]
    assert "\\boxed" in default and "\\boxed" not in plain

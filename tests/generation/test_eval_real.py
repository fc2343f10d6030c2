"""`thinkforge eval` of the default model on small slices of gsm8k, math500 and humaneval, through the hf
backend and through the live llama.cpp server (openai backend); and SIGKILL at random points, then a re-run,
gives the uninterrupted run's samples, verdicts and metrics."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _gen_helpers import quiet_env, thinkforge_cmd

#: Small slices: the point is the path on real models, not the score.
QUICK = ["--tasks", "gsm8k,math500,humaneval", "--limit", "2", "--max-tokens", "24"]
RUN_TIMEOUT_S = 900


def eval_cli(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*thinkforge_cmd(), "eval", *args], capture_output=True, text=True, env=quiet_env(),
                          timeout=RUN_TIMEOUT_S)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def check_outputs(out: Path) -> dict:
    doc = json.loads((out / "results.json").read_text())
    assert set(doc["tasks"]) == {"gsm8k", "math500", "humaneval"}
    for entry in doc["tasks"].values():
        assert entry["n_samples"] == 2 and entry["missing"] == []
        assert 0.0 <= entry["metrics"]["accuracy"]["value"] <= 1.0
        assert entry["tokens"]["completion_total"] > 0
    assert "humaneval" in (out / "report.md").read_text()
    return doc


@pytest.mark.slow
def test_eval_default_model_hf_backend(tmp_path: Path) -> None:
    proc = eval_cli(*QUICK, "--batch-size", "2", "--out", str(tmp_path))
    doc = check_outputs(tmp_path)
    assert doc["tasks"]["gsm8k"]["provenance"]["backend"] == "hf"
    assert "gsm8k" in proc.stdout


@pytest.mark.slow
def test_eval_default_model_through_llama_cpp_server(tmp_path: Path, llama_server: str) -> None:
    eval_cli(*QUICK, "--backend", "openai", "--base-url", llama_server, "--out", str(tmp_path))
    doc = check_outputs(tmp_path)
    prov = doc["tasks"]["math500"]["provenance"]
    assert prov["backend"] == "openai" and prov["model_identity"]["base_url"] == llama_server.rstrip("/")


def _records(out: Path) -> dict:
    got = {}
    for task in ["gsm8k", "humaneval"]:
        for stage in ["generate", "grade"]:
            for shard in sorted((out / task).glob(f"{stage}-*.jsonl")):
                for line in shard.read_text().splitlines():
                    if line.strip():
                        r = json.loads(line)
                        r.pop("latency_s", None)
                        got[(task, stage, r.get("key") or r.get("sample_key"))] = r
    return got


@pytest.mark.slow
def test_sigkill_during_eval_then_rerun_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    args = ["--tasks", "gsm8k,humaneval", "--limit", "3", "--n", "2", "--temperature", "0.8", "--seed", "3",
            "--max-tokens", "8", "--batch-size", "2"]  # fmt: skip
    clean = tmp_path / "clean"
    eval_cli(*args, "--out", str(clean))
    killed = tmp_path / "killed"
    rng = random.Random(7)
    kills = 0
    for _ in range(6):
        proc = subprocess.Popen([*thinkforge_cmd(), "eval", *args, "--out", str(killed)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=quiet_env())
        deadline = time.monotonic() + RUN_TIMEOUT_S
        target = rng.randint(1, 10)  # kill after this many stored records (samples or verdicts)
        while proc.poll() is None and time.monotonic() < deadline and len(_records(killed)) < target + kills * 2:
            time.sleep(0.02)
        if proc.poll() is not None:
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    assert kills >= 2, "the eval finished before it could be killed twice; the test proved nothing"
    eval_cli(*args, "--out", str(killed))
    a, b = _records(clean), _records(killed)
    assert a.keys() == b.keys() and a == b
    metrics = lambda d: {t: e["metrics"] for t, e in d["tasks"].items()}  # noqa: E731
    assert metrics(json.loads((clean / "results.json").read_text())) == metrics(json.loads((killed / "results.json").read_text()))

"""The reduced loop end to end through ``thinkforge run`` on the real default model: curate → train → eval
before/after → compare, report, verdict; a re-run reuses everything; an eval setting re-runs only the evals; a
train setting re-trains and re-evaluates the trained model only; SIGKILL + re-run gives the uninterrupted result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TINY = """name: tiny-loop
curate:
  name: tiny-loop
  pools:
    arithmetic:
      source: arithmetic_train
      filters: {level: ["1"]}     # one-digit sums and products: the default model gets many right
      target: 6
  teacher: {model: default, backend: hf, system_prompt: none, temperature: 0.7, max_tokens: 40, k: 2}
  clean: {dedup: true, near_duplicates: false, decontaminate: false}
  select: {policy: shortest, balance: none}
  export: {formats: [messages], system_prompt: none}
train:
  model: default
  max_steps: 2
  batch_size: 2
  max_length: 96
  lr: 1.0e-5
  dtype: float32
  save_steps: 1
  save_total_limit: 1
  data: {eval_fraction: 0.0}
eval:
  backend: hf
  system_prompt: none
  hf: {batch_size: 8}
  tasks:
    arithmetic: {limit: 6, n: 1, sampling: {temperature: 0.0, max_tokens: 24}}
verdict:
  metrics: [accuracy, boxed, answered]
"""
STAGES = ("curate", "train", "eval-before", "eval-after")


def thinkforge(*args: str, timeout: float = 1200) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def actions(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """What the runner said it did with each stage (``curate: running`` …, printed above the progress bars)."""
    out = {}
    for line in (proc.stdout + proc.stderr).splitlines():
        for stage in STAGES:
            if line.startswith(f"{stage}: "):
                out[stage] = line.split(": ", 1)[1].split(":")[0].strip()
    return out


def final(run: Path) -> dict:
    """What a finished run concluded: per-problem results of both evals, the comparison, the exported data."""
    results = {w: json.loads((run / w / "results.json").read_text())["tasks"]["arithmetic"]["per_problem"]
               for w in ("eval-before", "eval-after")}
    comparison = json.loads((run / "compare.json").read_text())["tasks"]
    for task in comparison.values():
        task.pop("stderr", None)
    return {"results": results, "compare": comparison, "data": (run / "curate/export/messages.jsonl").read_text(),
            "verdict": (run / "verdict.txt").read_text()}


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recipe") / "tiny.yaml"
    path.write_text(TINY)
    return path


def test_the_loop_runs_resumes_and_redoes_only_what_changed(recipe: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = thinkforge("run", str(recipe), "--out", str(out))
    assert actions(first) == dict.fromkeys(STAGES, "running")
    assert "VERDICT:" in first.stdout and (out / "report.html").is_file() and (out / "compare.md").is_file()
    state = json.loads((out / "stages.json").read_text())
    assert all(state[s].get("finished") for s in STAGES)
    assert (out / "train" / "model.safetensors").is_file() and (out / "train" / "train.done.json").is_file()
    done = final(out)
    assert "fine-tuning on" in done["verdict"] and "arithmetic accuracy:" in done["verdict"]
    assert set(done["compare"]["arithmetic"]["format"]) == {"answered", "boxed", "truncated"}

    again = thinkforge("run", str(recipe), "--out", str(out))
    assert set(actions(again).values()) == {"finished earlier with the same settings"}
    assert final(out) == done

    eval_change = ["eval.tasks.arithmetic.sampling.max_tokens=20"]
    changed = thinkforge("run", str(recipe), "--out", str(out), *eval_change)
    assert actions(changed) == {"curate": "finished earlier with the same settings",
                                       "train": "finished earlier with the same settings",
                                       "eval-before": "settings changed", "eval-after": "settings changed"}
    tokens = json.loads((out / "eval-before" / "arithmetic" / "generate.run.json").read_text())
    assert '"max_tokens": 20' in json.dumps(tokens)

    retrained = thinkforge("run", str(recipe), "--out", str(out), *eval_change, "train.lr=3e-5")
    assert actions(retrained) == {"curate": "finished earlier with the same settings",
                                         "train": "settings changed",
                                         "eval-before": "finished earlier with the same settings",
                                         "eval-after": "settings changed"}

    samples = sorted(p.name for p in (out / "curate" / "sample").rglob("generate-*.jsonl"))
    reselected = thinkforge("run", str(recipe), "--out", str(out), *eval_change, "train.lr=3e-5",
                            "curate.select.policy=first")
    assert actions(reselected)["curate"] == "settings changed"
    assert sorted(p.name for p in (out / "curate" / "sample").rglob("generate-*.jsonl")) == samples  # no resampling


def test_sigkill_then_rerun_matches_the_uninterrupted_run(recipe: Path, tmp_path: Path) -> None:
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    started = time.monotonic()
    thinkforge("run", str(recipe), "--out", str(clean))
    clean_s = time.monotonic() - started
    kills = 0
    # Kill once in the middle of curation (samples on disk) and once during training or evaluation.
    for marker in (killed / "curate" / "sample" / "arithmetic" / "generate-00000.jsonl", killed / "train" / "train.run.json"):
        proc = subprocess.Popen([sys.executable, "-m", "thinkforge.cli.main", "run", str(recipe), "--out", str(killed)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 2 * clean_s + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    assert kills == 2, "the run finished before it could be killed twice; the test proved nothing"
    thinkforge("run", str(recipe), "--out", str(killed))
    assert final(killed) == final(clean)

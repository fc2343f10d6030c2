"""`thinkforge curate` end to end on shipped pools: clean → sample + grade (real grader) → reformat + re-check
(a real rewriting backend that alters some answers) → select → export → card; resume, SIGKILL, bad input."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from _rewriter import EveryNthAltered, Rewriter
from _scripted import ScriptedBackend

from thinkforge.cli.main import main
from thinkforge.curate.config import load_curate_config
from thinkforge.curate.stage import clean_pools, run_curate
from thinkforge.errors import ConfigError, ThinkforgeError

RECIPE = """
name: test-curate
pools:
  gsm:
    source: gsm8k_train
    filters: {limit: 4}
  algebra:
    source: math_train
    filters: {level: ["1"], subject: [Algebra], limit: 3}
teacher: {model: default, backend: hf, k: 2, max_tokens: 64}
reformat: {enabled: false}
select: {policy: first, balance: none}
export: {formats: [messages, sharegpt], name: test_set}
"""


def recipe(tmp_path: Path, text: str = RECIPE) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(text)
    return path


def teacher_for(config) -> ScriptedBackend:
    """Index 0 answers right for every other problem, index 1 always wrong."""
    cleaned, _ = clean_pools(config)
    texts = {}
    for problems in cleaned.values():
        for i, p in enumerate(problems):
            right = f"Step by step... so the answer is \\boxed{{{p.reference['answer']}}}."
            texts[p.id] = [right if i % 2 == 0 else "\\boxed{-7}", "I am not sure. \\boxed{-7}"]
    return ScriptedBackend(texts)


def test_curate_exports_only_verified_traces_with_a_data_card(tmp_path):
    config = load_curate_config(recipe(tmp_path), [f"out={tmp_path / 'run'}"])
    summary = run_curate(config, teacher=teacher_for(config))
    steps = dict(summary.steps)
    assert steps["traces sampled"] == {"gsm": 8, "algebra": 6}
    assert steps["traces passed grading"] == {"gsm": 2, "algebra": 2}
    assert summary.rows == 4 and summary.errors == 0
    rows = [json.loads(x) for x in (tmp_path / "run" / "export" / "messages.jsonl").read_text().splitlines()]
    assert len(rows) == 4
    assert [m["role"] for m in rows[0]["messages"]] == ["system", "user", "assistant"]
    assert all("\\boxed{-7}" not in r["messages"][-1]["content"] for r in rows)
    share = json.loads((tmp_path / "run" / "export" / "sharegpt.json").read_text())
    assert share[0]["conversations"][0]["from"] == "user" and share[0]["system"]
    info = json.loads((tmp_path / "run" / "export" / "dataset_info.json").read_text())
    assert info["test_set"]["formatting"] == "sharegpt"
    card = (tmp_path / "run" / "card.md").read_text()
    assert "traces passed grading" in card
    assert (tmp_path / "run" / "pools.report.json").is_file() and (tmp_path / "run" / "curate.done.json").is_file()
    # The exported file loads with datasets as TRL's conversational format.
    import datasets

    ds = datasets.load_dataset("json", data_files=str(tmp_path / "run" / "export" / "messages.jsonl"), split="train")
    assert ds.num_rows == 4 and "messages" in ds.column_names


def test_a_rerun_resumes_and_a_larger_k_only_samples_the_missing_traces(tmp_path):
    config = load_curate_config(recipe(tmp_path), [f"out={tmp_path / 'run'}"])
    run_curate(config, teacher=teacher_for(config))
    again_backend = teacher_for(config)
    again = run_curate(config, teacher=again_backend)
    assert again_backend.calls == 0 and again.rows == 4
    bigger = replace(config, teacher=replace(config.teacher, k=3))
    backend = teacher_for(bigger)
    run_curate(bigger, teacher=backend)
    assert backend.requests == 7  # one new sample (index 2) per problem, nothing else redone


def test_reformat_rewrites_are_graded_again_and_altered_ones_dropped(tmp_path):
    config = load_curate_config(recipe(tmp_path), [f"out={tmp_path / 'run'}", "reformat.enabled=true",
                                                   "reformat.backend=hf", "reformat.model=default"])
    summary = run_curate(config, teacher=teacher_for(config), reformatter=EveryNthAltered(2))
    steps = dict(summary.steps)
    assert sum(steps["traces passed grading"].values()) == 4
    assert sum(steps["rewrites kept"].values()) == 2 and summary.rows == 2
    rows = [json.loads(x) for x in (tmp_path / "run" / "export" / "messages.jsonl").read_text().splitlines()]
    assert all(r["messages"][-1]["content"].startswith("<|begin_of_thought|>") for r in rows)
    card = json.loads((tmp_path / "run" / "card.json").read_text())
    assert "answer_changed" in json.dumps(card)


def test_a_reformatter_that_returns_nothing_is_a_counted_drop_and_a_clear_empty_error(tmp_path):
    config = load_curate_config(recipe(tmp_path), [f"out={tmp_path / 'run'}", "reformat.enabled=true",
                                                   "reformat.backend=hf", "reformat.model=default"])
    with pytest.raises(ThinkforgeError, match="nothing to export"):
        run_curate(config, teacher=teacher_for(config), reformatter=Rewriter("empty"))
    card = json.loads((tmp_path / "run" / "card.json").read_text())
    assert "empty" in json.dumps(card)


def test_bad_pools_are_one_clear_error_before_anything_is_written(tmp_path, capsys):
    bad = RECIPE.replace("source: gsm8k_train", "source: gsm8k_trian")
    assert main(["curate", str(recipe(tmp_path, bad)), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "gsm8k_trian" in err and "gsm8k_train" in err and not (tmp_path / "run").exists()
    empty = RECIPE.replace('subject: [Algebra]', 'subject: [Astrology]')
    assert main(["curate", str(recipe(tmp_path, empty)), "--out", str(tmp_path / "run")]) == 2
    assert "empty after filters" in capsys.readouterr().err and not (tmp_path / "run").exists()
    with pytest.raises(ConfigError):
        load_curate_config(recipe(tmp_path, RECIPE + "\nunknown_key: 1\n"))


def test_sky_t1_recipe_dry_run_plans_the_published_scale(capsys):
    assert main(["curate", "recipes/curate-sky-t1.yaml", "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["problems"] > 15_000 and plan["teacher"]["max_tokens"] == 16_384
    assert plan["teacher"]["model"] == "Qwen/QwQ-32B-Preview" and plan["reformat"]["model"] == "gpt-4o-mini"


WORKER = """
import sys, time
sys.path[:0] = [{tests!r}, {curate_tests!r}]
from _scripted import ScriptedBackend
from thinkforge.curate.config import load_curate_config
from thinkforge.curate.stage import clean_pools, run_curate

class Slow(ScriptedBackend):
    def generate(self, requests):
        for group in super().generate(requests):
            time.sleep(0.05)
            yield group

config = load_curate_config(sys.argv[1], ["out=" + sys.argv[2]])
cleaned, _ = clean_pools(config)
texts = {{p.id: ["\\\\boxed{{" + str(p.reference["answer"]) + "}}" if i % 2 == 0 else "\\\\boxed{{-7}}", "\\\\boxed{{-7}}"]
         for problems in cleaned.values() for i, p in enumerate(problems)}}
run_curate(config, teacher=Slow(texts, group_size=1))
"""


@pytest.mark.slow
def test_sigkill_during_curate_then_rerun_exports_the_uninterrupted_dataset(tmp_path):
    tests = str(Path(__file__).resolve().parents[1])
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(tests=tests, curate_tests=str(Path(__file__).parent)))
    path = recipe(tmp_path)

    def run(out: Path, kill_after: float | None = None) -> int:
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(out)], stderr=subprocess.PIPE)
        if kill_after is None:
            _, err = proc.communicate(timeout=900)
            assert proc.returncode == 0, err.decode()[-3000:]
            return 0
        time.sleep(kill_after)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        return proc.returncode

    started = time.monotonic()
    run(tmp_path / "clean")
    clean_s = time.monotonic() - started
    rng = random.Random(3)
    kills = 0
    for _ in range(8):
        if run(tmp_path / "killed", kill_after=rng.uniform(0.3, 0.9) * clean_s) == 0:
            break
        kills += 1
    run(tmp_path / "killed")
    assert kills >= 2, "curate finished before it could be killed twice; the test proved nothing"
    read = lambda d: (d / "export" / "messages.jsonl").read_text()  # noqa: E731
    assert read(tmp_path / "killed") == read(tmp_path / "clean")

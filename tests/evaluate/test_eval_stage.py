"""`thinkforge eval`: per-task generate + grade sub-runs through the real stages and graders, results.json and
report.md, resume, rescore, and one clear error (exit 2, nothing written) for bad input."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from _scripted import ScriptedBackend

from thinkforge.cli.main import main
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.evaluate.config import EvalConfig, load_eval_config
from thinkforge.evaluate.stage import rescore, run_eval
from thinkforge.generate.config import SamplingConfig
from thinkforge.tasks import get_task


def script() -> ScriptedBackend:
    """gsm8k: first 2 right, 3rd wrong; math500: right then wrong sample; humaneval: canonical then broken."""
    texts: dict[str, list[str]] = {}
    for i, p in enumerate(get_task("gsm8k").load(limit=3)):
        texts[p.id] = [f"\\boxed{{{p.reference['answer'] if i < 2 else -1}}}"]
    for p in get_task("math500").load(limit=2):
        texts[p.id] = [f"\\boxed{{{p.reference['answer']}}}", "\\boxed{\\frac{1}{98765}}"]
    for p in get_task("humaneval").load(limit=2):
        texts[p.id] = [f"```python\n{p.meta['prompt_code']}{p.meta['canonical_solution']}\n```", "```python\ndef f(:\n```"]
    return ScriptedBackend(texts, group_size=1)


def config(out: Path) -> EvalConfig:
    return EvalConfig(
        tasks={"gsm8k": {"limit": 3}, "math500": {"limit": 2, "n": 2, "sampling": {"temperature": 0.7}},
               "humaneval": {"limit": 2, "n": 2, "sampling": {"temperature": 0.7},
                             "reference": {"value": 0.5, "source": "made up for the test"}}},
        out=str(out), sampling=SamplingConfig(max_tokens=64),
    )  # fmt: skip


def test_eval_writes_results_and_report_with_metrics_and_provenance(tmp_path):
    summary = run_eval(config(tmp_path), backend=script())
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc == summary.results and summary.errors == 0 and summary.generated == 11
    tasks = doc["tasks"]
    assert tasks["gsm8k"]["metrics"]["accuracy"]["value"] == pytest.approx(2 / 3)
    assert tasks["math500"]["metrics"]["accuracy"]["value"] == pytest.approx(0.5)
    assert tasks["math500"]["metrics"]["pass@2"]["value"] == pytest.approx(1.0)
    assert tasks["humaneval"]["status_counts"]["compile_error"] == 2
    assert tasks["humaneval"]["reference"]["value"] == 0.5
    prov = tasks["math500"]["provenance"]
    for key in ["model_identity", "backend_options", "template_hash", "system_prompt", "sampling", "seed", "n",
                "graders", "thinkforge_version", "dataset", "n_problems", "started", "finished"]:
        assert prov.get(key) is not None, key
    assert prov["sampling"]["temperature"] == 0.7 and prov["sampling"]["max_tokens"] == 64 and prov["n"] == 2
    assert len(prov["dataset"]["file_sha256"]) == 64
    assert tasks["gsm8k"]["accounting"]["samples"] == 3
    report = (tmp_path / "report.md").read_text()
    assert "math500" in report and "humaneval" in report and "made up for the test" in report
    for task in ["gsm8k", "math500", "humaneval"]:
        assert (tmp_path / task / "generate.done.json").is_file() and (tmp_path / task / "grade.done.json").is_file()
    assert (tmp_path / "eval.done.json").is_file()


def test_a_second_eval_resumes_without_generating(tmp_path):
    first = run_eval(config(tmp_path), backend=script())
    backend = script()
    again = run_eval(config(tmp_path), backend=backend)
    assert backend.calls == 0 and again.generated == 0
    strip = lambda d: {t: {k: v for k, v in e.items() if k not in ("provenance", "accounting")} for t, e in d["tasks"].items()}  # noqa: E731
    assert strip(again.results) == strip(first.results)


def test_rescore_keeps_old_results_and_reports_what_moved(tmp_path):
    run_eval(config(tmp_path), backend=script())
    doc = json.loads((tmp_path / "results.json").read_text())
    # An older, wrong grader had failed the first gsm8k problem.
    first = next(iter(doc["tasks"]["gsm8k"]["per_problem"]))
    doc["tasks"]["gsm8k"]["per_problem"][first]["passed"] = 0
    doc["tasks"]["gsm8k"]["metrics"]["accuracy"]["value"] = 1 / 3
    (tmp_path / "results.json").write_text(json.dumps(doc))
    result = rescore(tmp_path)
    gsm = result.comparison["tasks"]["gsm8k"]
    assert gsm["flipped_to_pass"] == [first] and gsm["metrics"]["accuracy"]["diff"] == pytest.approx(1 / 3)
    assert result.comparison["tasks"]["math500"]["flipped_to_pass"] == []
    assert json.loads((result.archive / "results.json").read_text())["tasks"]["gsm8k"]["per_problem"][first]["passed"] == 0
    assert list((result.archive / "gsm8k").glob("grade-*.jsonl")), "the old verdicts were not kept"
    after = json.loads((tmp_path / "results.json").read_text())
    assert after["tasks"]["gsm8k"]["metrics"]["accuracy"]["value"] == pytest.approx(2 / 3)
    # Recomputing from the same verdicts is bit-identical.
    again = rescore(tmp_path)
    assert {t: e["metrics"] for t, e in again.after["tasks"].items()} == {t: e["metrics"] for t, e in after["tasks"].items()}


def test_two_rescores_within_one_second_keep_both_archives(tmp_path, monkeypatch):
    """Regression (CI): the archive was named by the second alone, so a second rescore within it crashed."""
    import thinkforge.evaluate.stage as stage

    run_eval(config(tmp_path), backend=script())
    monkeypatch.setattr(stage.time, "strftime", lambda fmt, *a: "20260101T000000")
    first, second = rescore(tmp_path), rescore(tmp_path)
    assert first.archive != second.archive
    assert sorted(p.name for p in (tmp_path / "previous").iterdir()) == ["20260101T000000", "20260101T000000-2"]
    assert (second.archive / "results.json").exists()


def test_unknown_task_is_one_error_with_close_matches_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["eval", "--tasks", "gsm8k,math5000", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown task 'math5000'" in err and "math500" in err
    assert not out.exists()


def test_k_larger_than_n_is_refused_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["eval", "--tasks", "gsm8k", "--limit", "2", "--ks", "1,4", "--out", str(out)]) == 2
    assert "pass@k needs k <= n" in capsys.readouterr().err
    assert not out.exists()


def test_rescore_of_a_directory_that_is_not_an_eval_run(tmp_path, capsys):
    assert main(["eval", "--rescore", str(tmp_path)]) == 2
    assert "not an eval run directory" in capsys.readouterr().err
    with pytest.raises(ThinkforgeError):
        rescore(tmp_path)


def test_recipe_with_an_unknown_key_names_file_and_line(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("model: default\ntasks:\n  gsm8k:\n    limit: 2\n    smapling: {temperature: 0.5}\n")
    assert main(["eval", "--recipe", str(recipe), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert f"{recipe}:5" in err and "tasks.gsm8k.smapling" in err
    assert not (tmp_path / "run").exists()


def test_shipped_recipes_load_and_cli_values_win(tmp_path):
    quick = load_eval_config("eval-quick-cpu", ["limit=3", "sampling.max_tokens=16"])
    assert list(quick.tasks) == ["gsm8k", "math500", "humaneval"] and quick.limit == 3
    sky = load_eval_config("eval-sky-t1", [f"out={tmp_path}"], only_tasks="math500,aime24")
    assert list(sky.tasks) == ["math500", "aime24"] and sky.tasks["aime24"]["n"] == 8
    from thinkforge.evaluate.config import generate_config, task_evals

    te = task_evals(sky)["aime24"]
    g = generate_config(replace(sky, sampling=SamplingConfig(max_tokens=99)), "aime24", "aime24", te)
    assert (g.sampling.temperature, g.sampling.max_tokens, g.n) == (0.7, 99, 8)
    with pytest.raises(ConfigError, match="recipe not found"):
        load_eval_config("no-such-recipe", [])

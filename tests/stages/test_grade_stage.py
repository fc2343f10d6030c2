"""The grade stage: verdicts for every sample of a generate run, stored beside it, resumable, streaming;
problems come from the run itself; transient statuses are retried; code goes to the sandboxed judge."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from _scripted import ScriptedBackend

from thinkforge.cli.main import main
from thinkforge.errors import ThinkforgeError
from thinkforge.generate import GenerateConfig, SamplingConfig, run_generate
from thinkforge.grading.stage import GradeConfig, load_verdicts, run_grade
from thinkforge.records import Verdict
from thinkforge.runs import RunStore
from thinkforge.tasks import get_task


def generate(run_dir: Path, task: str, texts: dict[str, list[str]], finish: str = "stop", **kw) -> GenerateConfig:
    """A real generate run whose "model" writes ``texts``."""
    n = max(len(v) for v in texts.values())
    config = GenerateConfig(task=task, out=str(run_dir), n=n, ids=tuple(texts), sampling=SamplingConfig(max_tokens=64), **kw)
    run_generate(config, backend=ScriptedBackend(texts, finish=finish))
    return config


def test_math_run_is_graded_and_resumes(tmp_path):
    problems = get_task("gsm8k").load(limit=2)
    gold0, gold1 = (p.reference["answer"] for p in problems)
    generate(tmp_path, "gsm8k", {
        problems[0].id: [f"So the answer is \\boxed{{{gold0}}}.", "I think it is \\boxed{7}."],
        problems[1].id: [f"Adding up, she pays {gold1} dollars in total.", f"\\boxed{{{gold1}}}"],
    })  # fmt: skip
    summary = run_grade(tmp_path)
    assert (summary.samples, summary.passed, summary.graded_now, summary.errors) == (4, 3, 4, 0)
    assert summary.by_status == {"pass": 3, "wrong": 1}
    assert sorted(v.extracted for v in load_verdicts(tmp_path).values()) == sorted([gold0, "7", gold1, gold1])
    assert RunStore.finished(tmp_path, "grade")["samples"] == 4
    again = run_grade(tmp_path)
    assert again.graded_now == 0 and again.passed == 3


def test_grading_uses_the_problems_the_samples_were_made_for(tmp_path):
    """An edited task file must not grade old samples against its new answer key (it did: problems were reloaded)."""
    data = tmp_path / "data.jsonl"
    data.write_text('{"id": "p1", "q": "What is 6*7?", "a": "42"}\n')
    spec = tmp_path / "my_math.yaml"
    spec.write_text(f"name: my_math\ndomain: math\npath: {data.name}\nfields: {{id: id, prompt: q, answer: a}}\n")
    run = tmp_path / "run"
    generate(run, str(spec), {"my_math/p1": ["\\boxed{42}"]})
    data.write_text('{"id": "p1", "q": "What is 6*7?", "a": "43"}\n')  # the task file changes afterwards
    summary = run_grade(run)
    assert (summary.passed, summary.samples) == (1, 1), "graded against today's file instead of the stored problem"


def test_grade_with_several_worker_processes(tmp_path):
    problems = get_task("math500").load(limit=6)
    texts = {p.id: [f"\\boxed{{{p.reference['answer']}}}", "\\boxed{\\frac{1}{12345}}"] for p in problems}
    generate(tmp_path, "math500", texts)
    summary = run_grade(GradeConfig(run_dir=str(tmp_path), workers=2, chunk_size=4))
    assert (summary.samples, summary.passed) == (12, 6)
    assert len(RunStore.read(tmp_path, stage="grade").shards()) == 1


def test_code_run_goes_through_the_sandboxed_judge(tmp_path):
    problem = get_task("humaneval").load(limit=1)[0]
    solution = problem.meta["prompt_code"] + problem.meta["canonical_solution"]
    generate(tmp_path, "humaneval", {problem.id: [f"```python\n{solution}\n```", "```python\ndef nope(:\n```"]})
    summary = run_grade(tmp_path)
    assert summary.by_status == {"pass": 1, "compile_error": 1}


def test_grade_cli_prints_accuracy(tmp_path, capsys):
    problem = get_task("aime24").load(limit=1)[0]
    generate(tmp_path, "aime24", {problem.id: ["\\boxed{1}", "<think>long"]}, finish="length")
    assert main(["grade", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "truncated" in out and "accuracy" in out and "0/2" in out


def test_grade_resolves_a_run_from_any_folder(tmp_path, monkeypatch):
    problem = get_task("gsm8k").load(limit=1)[0]
    run = tmp_path / "deep" / "run"
    generate(run, "gsm8k", {problem.id: [f"\\boxed{{{problem.reference['answer']}}}"]})
    monkeypatch.chdir(tmp_path / "deep")
    assert main(["grade", "run"]) == 0
    monkeypatch.chdir("/")
    assert main(["grade", str(run)]) == 0


def test_not_a_run_directory_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(ThinkforgeError, match="not a generate run directory"):
        run_grade(tmp_path)
    assert main(["grade", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a generate run directory" in err and "grading" not in err, "a progress bar was drawn before the error"


def test_regenerated_samples_are_graded_afresh(tmp_path):
    problem = get_task("gsm8k").load(limit=1)[0]
    gold = problem.reference["answer"]
    config = generate(tmp_path, "gsm8k", {problem.id: [f"\\boxed{{{gold}}}"]})
    assert run_grade(tmp_path).passed == 1
    # `generate --overwrite` replaces the samples; the unit keys stay the same (same request), the texts do not.
    run_generate(replace(config, overwrite=True), backend=ScriptedBackend({problem.id: ["\\boxed{-1}"]}))
    again = run_grade(tmp_path)
    assert (again.graded_now, again.passed) == (1, 0)


def test_a_stored_transient_verdict_is_graded_again_and_says_so(tmp_path):
    problem = get_task("gsm8k").load(limit=1)[0]
    generate(tmp_path, "gsm8k", {problem.id: [f"\\boxed{{{problem.reference['answer']}}}"]})
    first = run_grade(tmp_path)
    key = next(iter(first.verdicts))
    # A symbolic timeout under load was stored by an earlier session: it is not a result.
    with RunStore.open(tmp_path, RunStore.read(tmp_path, stage="grade").config, stage="grade") as store:
        store.append([Verdict(sample_key=key, passed=False, status="timeout", problem_id=problem.id)])
    assert load_verdicts(tmp_path)[key].status == "timeout"
    again = run_grade(tmp_path)
    assert (again.graded_now, again.passed, again.errors) == (1, 1, 0)
    assert load_verdicts(tmp_path)[key].status == "pass"


def test_transient_statuses_are_retried_and_the_verdict_records_it():
    from thinkforge.grading import AnswerPair
    from thinkforge.grading.pool import grade_with_retry

    hard = AnswerPair(gold="\\int_0^1 x^{x^{x^{x}}} dx", response="\\boxed{\\sum_{k=1}^{\\infty} k^{-k^{k}}}",
                      options={"timeout_s": 0.001})
    verdict = grade_with_retry(hard, retries=2)
    assert verdict.status in ("timeout", "error")
    assert verdict.detail["attempts"] == 3 and len(verdict.detail["retried"]) == 2
    easy = grade_with_retry(AnswerPair(gold="3", response="\\boxed{3}"), retries=2)
    assert easy.passed and "retried" not in easy.detail

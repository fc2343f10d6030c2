"""The grade stage: verdicts for every sample of a generate run, stored beside it, resumable; code goes to the judge."""

from __future__ import annotations

import pytest

from thinkforge.cli.main import main
from thinkforge.errors import ThinkforgeError
from thinkforge.grading.stage import load_verdicts, run_grade
from thinkforge.records import Sample
from thinkforge.runs import RunStore
from thinkforge.tasks import get_task


def _write_run(run_dir, task: str, texts: dict[str, list[str]], finish: str = "stop") -> list[Sample]:
    samples = [
        Sample(problem_id=pid, model="m", index=i, text=text, task=task, finish_reason=finish, key=f"{pid}#{i}")
        for pid, responses in texts.items()
        for i, text in enumerate(responses)
    ]
    with RunStore.open(run_dir, {"task": task, "model": "m"}, stage="generate") as store:
        store.append(samples)
    return samples


def test_math_run_is_graded_and_resumes(tmp_path):
    problems = get_task("gsm8k").load(limit=2)
    gold0, gold1 = (p.reference["answer"] for p in problems)
    _write_run(
        tmp_path,
        "gsm8k",
        {
            problems[0].id: [f"So the answer is \\boxed{{{gold0}}}.", "I think it is \\boxed{7}."],
            problems[1].id: [f"Adding up, she pays {gold1} dollars in total."],  # GSM8K's last-number fallback
        },
    )
    summary = run_grade(tmp_path)
    assert (summary.samples, summary.passed, summary.graded_now) == (3, 2, 3)
    assert summary.by_status == {"pass": 2, "wrong": 1}
    verdicts = load_verdicts(tmp_path)
    assert verdicts[f"{problems[0].id}#1"].extracted == "7"
    again = run_grade(tmp_path)
    assert again.graded_now == 0 and again.passed == 2


def test_code_run_goes_through_the_sandboxed_judge(tmp_path):
    problem = get_task("humaneval").load(limit=1)[0]
    solution = problem.meta["prompt_code"] + problem.meta["canonical_solution"]
    _write_run(tmp_path, "humaneval", {problem.id: [f"```python\n{solution}\n```", "```python\ndef nope(:\n```"]})
    summary = run_grade(tmp_path)
    assert summary.by_status == {"pass": 1, "compile_error": 1}


def test_grade_cli_prints_accuracy(tmp_path, capsys):
    problem = get_task("aime24").load(limit=1)[0]
    _write_run(tmp_path, "aime24", {problem.id: ["\\boxed{1}", "<think>long"]}, finish="length")
    assert main(["grade", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "truncated" in out and "accuracy" in out and "0/2" in out


def test_not_a_run_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ThinkforgeError, match="not a generate run directory"):
        run_grade(tmp_path)


def test_regenerated_samples_are_graded_afresh(tmp_path):
    problem = get_task("gsm8k").load(limit=1)[0]
    gold = problem.reference["answer"]
    _write_run(tmp_path, "gsm8k", {problem.id: [f"\\boxed{{{gold}}}"]})
    assert run_grade(tmp_path).passed == 1
    # `generate --overwrite` replaces the samples; the unit keys stay the same, the texts do not.
    with RunStore.open(tmp_path, {"task": "gsm8k", "model": "m"}, stage="generate", overwrite=True) as store:
        store.append([Sample(problem_id=problem.id, model="m", index=0, text="\\boxed{-1}", task="gsm8k",
                             finish_reason="stop", key=f"{problem.id}#0")])
    again = run_grade(tmp_path)
    assert (again.graded_now, again.passed) == (1, 0)

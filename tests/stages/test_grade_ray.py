"""Grading on Ray (``thinkforge grade --ray``): warm grading actors give exactly the local pool's verdicts on a
mixed math + multiple-choice + code set, through the Grader interface, the grade stage and the command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _scripted import ScriptedBackend

from thinkforge.cli.main import main
from thinkforge.errors import MissingDependencyError, ThinkforgeError
from thinkforge.generate import GenerateConfig, SamplingConfig, run_generate
from thinkforge.grading import AnswerPair
from thinkforge.grading.pool import Grader
from thinkforge.grading.stage import GradeConfig, RayGradeConfig, load_verdicts, open_grader, run_grade
from thinkforge.records import Sample, Verdict
from thinkforge.runs import RunStore
from thinkforge.tasks import get_task


def untimed(value: Any) -> Any:
    """A verdict's content without measured durations (``time_s`` …), which differ from run to run."""
    if isinstance(value, Verdict):
        return (value.sample_key, value.passed, value.status, value.problem_id, value.extracted, value.grader,
                untimed(value.detail))
    if isinstance(value, dict):
        return {k: untimed(v) for k, v in value.items() if not k.endswith("_s")}
    if isinstance(value, list):
        return [untimed(v) for v in value]
    return value


def responses() -> dict[str, tuple[list[str], str]]:
    """Per task: what a "model" wrote for each of its first problems (right, wrong, broken …) and the finish."""
    math = get_task("math500").load(limit=2)
    mcq = get_task("gpqa_diamond").load(limit=2)
    code = get_task("humaneval").load(limit=2)
    solution = [p.meta["prompt_code"] + p.meta["canonical_solution"] for p in code]
    return {
        "math500": ([f"\\boxed{{{math[0].reference['answer']}}}", "\\boxed{\\frac{1}{12345}}",
                     f"So the answer is {math[1].reference['answer']}.", "no idea"], "stop"),
        "gpqa_diamond": ([f"The answer is ({mcq[0].reference['answer']})", "Answer: A", "I cannot decide.",
                          f"**Answer: {mcq[1].reference['answer']}**"], "stop"),
        "humaneval": ([f"```python\n{solution[0]}\n```", "```python\ndef nope(:\n```",
                       f"```python\n{solution[1]}\n```", "```python\ndef separate_paren_groups(s):\n    return []\n```"],
                      "stop"),
    }


def mixed_items() -> list[Any]:
    """(problem, sample) pairs of three domains interleaved, answer pairs, and a truncated response."""
    items: list[Any] = []
    for task, (texts, _) in responses().items():
        problems = get_task(task).load(limit=2)
        for i, text in enumerate(texts):
            problem = problems[i // 2]
            items.append((problem, Sample(problem_id=problem.id, model="m", index=i, text=text, key=f"{task}:{i}")))
    items = items[0::3] + items[1::3] + items[2::3]  # domains interleaved within every batch
    problem = get_task("gsm8k").load(limit=1)[0]
    cut = Sample(problem_id=problem.id, model="m", index=0, text="<think>so far 1", finish_reason="length", key="cut")
    items += [AnswerPair(gold="3", response="\\boxed{3}"), AnswerPair(gold="B", response="(C)", domain="mcq"),
              (problem, cut)]
    return items


@pytest.mark.slow
def test_ray_grader_gives_the_local_pools_verdicts_on_a_mixed_set(ray_local):
    items = mixed_items()
    with Grader(workers=1) as local:
        expected = [untimed(v) for v in local.map(items)]
    statuses = {status for _, _, status, *_ in expected}
    assert {"pass", "wrong", "compile_error", "no_answer", "truncated"} <= statuses, statuses
    grader = open_grader(ray=RayGradeConfig(enabled=True, actors=2, batch_size=3))
    with grader:
        assert type(grader).__name__ == "RayGrader"
        futures = grader.submit_many(items)
        assert [count for count, _ in futures] == [3] * (len(items) // 3) + ([len(items) % 3] if len(items) % 3 else [])
        got = [untimed(v) for _, f in futures for v in f.result(timeout=300)]
        assert got == expected
        assert [untimed(v) for v in grader.map(items)] == expected
        assert untimed(grader.submit(items[-1]).result(timeout=300)) == expected[-1]
    with pytest.raises(ThinkforgeError, match="closed"):
        grader.submit_many(items[:1])


def generate_runs(root: Path, only: tuple[str, ...] = ()) -> list[Path]:
    """One real generate run per domain (or per task in ``only``), its "model" writing :func:`responses`."""
    runs = []
    for task, (texts, finish) in responses().items():
        if only and task not in only:
            continue
        problems = get_task(task).load(limit=2)
        script = {p.id: texts[2 * i : 2 * i + 2] for i, p in enumerate(problems)}
        config = GenerateConfig(task=task, out=str(root / task), n=2, ids=tuple(script),
                                sampling=SamplingConfig(max_tokens=64))
        run_generate(config, backend=ScriptedBackend(script, finish=finish))
        runs.append(root / task)
    return runs


@pytest.mark.slow
def test_grade_cli_with_ray_stores_the_local_verdicts(tmp_path, ray_local, capsys):
    for run in generate_runs(tmp_path / "local"):
        twin = tmp_path / "ray" / run.name
        shutil.copytree(run, twin)
        local = run_grade(GradeConfig(run_dir=str(run), chunk_size=3))
        assert main(["grade", str(twin), "--ray", "--actors", "2", "ray.batch_size=1", "chunk_size=3"]) == 0
        assert "accuracy" in capsys.readouterr().out
        by_key = {k: untimed(v) for k, v in load_verdicts(twin).items()}
        assert by_key == {k: untimed(v) for k, v in local.verdicts.items()} and len(by_key) == 4
        assert RunStore.finished(twin, "grade")["passed"] == local.passed
        # Resume: a finished run is not graded again.
        assert run_grade(GradeConfig(run_dir=str(twin), ray=RayGradeConfig(enabled=True, actors=1))).graded_now == 0


@pytest.mark.slow
def test_grade_ray_in_a_fresh_process_starts_and_stops_its_own_local_ray(tmp_path):
    pytest.importorskip("ray")
    run, = generate_runs(tmp_path, only=("humaneval",))
    done = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "grade", str(run), "--ray", "--actors", "1"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(v.status for v in load_verdicts(run).values()) == ["compile_error", "pass", "pass", "wrong"]


@pytest.mark.parametrize("kwargs, message", [
    ({"actors": 0}, "at least one actor"),
    ({"cpus_per_actor": 0.0}, "cpus_per_actor must be > 0"),
])  # fmt: skip
def test_bad_ray_grading_settings_are_clear_errors(kwargs: dict[str, Any], message: str) -> None:
    from thinkforge.grading.ray_pool import RayGrader

    with pytest.raises(ThinkforgeError, match=message):
        RayGrader(**kwargs)


def test_without_ray_installed_grading_on_ray_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` sees when Ray is not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'thinkforge\[ray\]'"):
        open_grader(ray=RayGradeConfig(enabled=True))


def test_the_local_pool_is_used_when_ray_is_off() -> None:
    assert type(open_grader(2, ray=RayGradeConfig(enabled=False))) is Grader
    assert type(open_grader(2)) is Grader


@pytest.mark.slow
def test_a_crashed_actor_is_restarted_and_its_batch_graded_again(ray_local):
    """Grading is idempotent: the batch an actor was working on when it died is sent again after its restart."""
    problem = get_task("humaneval").load(limit=1)[0]
    slow = problem.meta["prompt_code"] + "    import time\n    time.sleep(0.3)\n" + problem.meta["canonical_solution"]
    items = [(problem, Sample(problem_id=problem.id, model="m", index=i, text=f"```python\n{slow}\n```", key=f"k{i}"))
             for i in range(8)]  # about 2.4 s of judging in one batch, in one actor (one code judge)
    with Grader(workers=1, code_workers=1) as local:
        expected = [untimed(v) for v in local.map(items)]
    assert {status for _, _, status, *_ in expected} == {"pass"}
    with open_grader(ray=RayGradeConfig(enabled=True, actors=1, batch_size=8)) as grader:
        grader.submit_many(items[:1])[0][1].result(timeout=300)  # the actor is up and warm
        (_, batch), = grader.submit_many(items)
        ray_local.kill(grader._actors[0], no_restart=False)  # a crash while the batch is graded (or queued)
        assert not batch.done()
        assert [untimed(v) for v in batch.result(timeout=300)] == expected

"""Small real eval-like run directories for the report tests: samples and verdicts through RunStore, a results.json
written by hand after the schema (numbers hand-computed for these samples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from thinkforge.records import Sample, Verdict
from thinkforge.runs import RunStore
from thinkforge.tasks.identity import problem_hash
from thinkforge.tasks import get_task

#: Responses that would run script if the report put model output into the page as HTML.
XSS_TEXTS = (
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    "</script><script>window.__pwned=1</script>",
    '<a href="javascript:window.__pwned=1">click</a> [link](javascript:window.__pwned=1)',
)

# (status, text, extracted, completion tokens) per sample of each problem, by task.
GSM8K = [
    [("pass", "<think>Add them: 72.</think>The answer is \\boxed{72}.", "72", 120),
     ("wrong", XSS_TEXTS[0] + " \\boxed{7}", "7", 80)],
    [("pass", "<think>Compute " + XSS_TEXTS[1] + "</think>\\boxed{10}", "10", 200),
     ("truncated", "<think>Let me think " * 20, None, 512)],
    [("no_answer", XSS_TEXTS[2] + " I am not sure.", None, 60),
     ("wrong", XSS_TEXTS[3] + " \\boxed{3}", "3", 90)],
]
HUMANEVAL = [
    [("pass", "```python\ndef f():\n    return 1\n```", "def f():\n    return 1", 150),
     ("runtime_error", "```python\ndef f():\n    return 1/0\n```", "def f():\n    return 1/0", 170)],
]


def _detail(status: str) -> dict[str, Any]:
    if status == "runtime_error":
        return {"style": "assertion", "n_tests": 1, "n_run": 1, "n_passed": 0,
                "tests": [{"index": 0, "status": "runtime_error", "error": "ZeroDivisionError: division by zero"}]}
    return {}


def write_task(run_dir: Path, task: str, plan: list[list[tuple]], *, grade: bool = True, model: str = "m") -> None:
    """Write the generate (and grade) stage of sub-run ``run_dir/task`` for ``plan``, on the task's real problems."""
    problems = get_task(task).load(limit=len(plan))
    samples, verdicts = [], []
    for problem, outcomes in zip(problems, plan):
        for index, (status, text, extracted, tokens) in enumerate(outcomes):
            key = f"{problem.id}#{index}"
            finish = "length" if status == "truncated" else "stop"
            samples.append(Sample(problem_id=problem.id, model=model, index=index, text=text, task=task,
                                  finish_reason=finish, prompt_tokens=50, completion_tokens=tokens, key=key,
                                  provenance={"problem_hash": problem_hash(problem)}))
            verdicts.append(Verdict(sample_key=key, passed=status == "pass", status=status, problem_id=problem.id,
                                    extracted=extracted, detail=_detail(status), grader="test"))
    with RunStore.open(run_dir / task, {"task": {"name": task}, "model": model}, stage="generate") as store:
        store.append(samples)
        # The problems the samples were made for, as the generate stage stores them.
        store.append([{"key": problem_hash(p), "problem": p.to_dict()} for p in problems], stream="problems")
    if grade:
        with RunStore.open(run_dir / task, {"task": task}, stage="grade") as store:
            store.append(verdicts)


def _estimate(value: float, stderr: float) -> dict[str, Any]:
    return {"value": value, "stderr": stderr, "ci95": [max(0.0, value - 1.96 * stderr), min(1.0, value + 1.96 * stderr)]}


def task_result(task: str, domain: str, plan: list[list[tuple]], *, accounting: bool = True) -> dict[str, Any]:
    """The results.json entry for ``plan`` (accuracy = share of passing samples; stderr hand-set)."""
    problems = get_task(task).load(limit=len(plan))
    flat = [o for outcomes in plan for o in outcomes]
    passed = sum(o[0] == "pass" for o in flat)
    counts: dict[str, int] = {}
    for o in flat:
        counts[o[0]] = counts.get(o[0], 0) + 1
    acc = passed / len(flat)
    any_pass = sum(any(o[0] == "pass" for o in outcomes) for outcomes in plan) / len(plan)
    return {
        "task": task, "domain": domain, "n_problems": len(plan), "n_samples": len(flat), "n": len(plan[0]),
        "metrics": {"accuracy": _estimate(acc, 0.1), "pass@1": _estimate(acc, 0.1), "pass@2": _estimate(any_pass, 0.12)},
        "subsets": {"level": {"easy": {"n_problems": 1, "accuracy": _estimate(1.0, 0.0)},
                              "hard": {"n_problems": len(plan) - 1, "accuracy": _estimate(0.25, 0.2)}}},
        "status_counts": counts,
        "tokens": {"mean_completion": sum(o[3] for o in flat) / len(flat), "median_completion": 120,
                   "truncated_share": counts.get("truncated", 0) / len(flat), "mean_correct": 156.7,
                   "mean_wrong": 198.4, "prompt_total": 50 * len(flat), "completion_total": sum(o[3] for o in flat)},
        "per_problem": {p.id: {"n": len(o), "passed": sum(x[0] == "pass" for x in o)} for p, o in zip(problems, plan)},
        "reference": {"value": 0.82, "source": "Sky-T1 blog"} if task == "gsm8k" else None,
        "provenance": {"model": "m", "template_hash": "abc123", "sampling": {"temperature": 0.7, "seed": 0},
                       "grader": "math-1"},
        "accounting": {"total": {"wall_s": 12.5, "tokens_per_s": 80.0, "cost_usd": 0.01, "samples": len(flat),
                                 "failed": 0}} if accounting else None,
        "missing": [],
    }


def make_run(run_dir: Path, *, model: str = "m", gsm8k: list[list[tuple]] = GSM8K, results: bool = True) -> Path:
    """An eval run with gsm8k and humaneval sub-runs, graded, and (unless ``results=False``) a results.json."""
    write_task(run_dir, "gsm8k", gsm8k, model=model)
    write_task(run_dir, "humaneval", HUMANEVAL, model=model)
    if results:
        doc = {"thinkforge_version": "0.1.0", "created": "2026-11-30T12:00:00",
               "run": {"model": model, "backend": "hf", "backend_options": {"dtype": "float32"}},
               "tasks": {"gsm8k": task_result("gsm8k", "math", gsm8k),
                         "humaneval": task_result("humaneval", "code", HUMANEVAL, accounting=False)}}
        (run_dir / "results.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return run_dir


def compare_docs(doc_a: dict[str, Any], doc_b: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A minimal stand-in for ``thinkforge compare`` (per-problem accuracy deltas; CI hand-set) for the tests."""
    out = {}
    for task, a in doc_a["tasks"].items():
        b = doc_b["tasks"].get(task)
        if b is None:
            continue
        shared = sorted(set(a["per_problem"]) & set(b["per_problem"]))
        acc = {pid: (a["per_problem"][pid]["passed"] / a["per_problem"][pid]["n"],
                     b["per_problem"][pid]["passed"] / b["per_problem"][pid]["n"]) for pid in shared}
        diff = sum(y - x for x, y in acc.values()) / len(shared)
        flipped = [{"problem_id": pid, "a": x, "b": y} for pid, (x, y) in acc.items() if (x > 0) != (y > 0)]
        out[task] = {"task": task, "n_shared": len(shared), "a": sum(x for x, _ in acc.values()) / len(shared),
                     "b": sum(y for _, y in acc.values()) / len(shared), "diff": diff,
                     "ci95": [diff - 0.2, diff + 0.2], "significant": abs(diff) > 0.2, "flipped": flipped,
                     "improved": sum(y > x for x, y in acc.values()), "worsened": sum(y < x for x, y in acc.values())}
    return out

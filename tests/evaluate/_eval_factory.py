"""Hand-made problems, samples, verdicts and results documents for the evaluate tests."""

from __future__ import annotations

from typing import Any, Sequence

from thinkforge.evaluate.results import results_document
from thinkforge.records import Problem, Sample, Verdict


def problem(pid: str, domain: str = "math", **meta: Any) -> Problem:
    return Problem(id=pid, task="t", domain=domain, prompt="q", reference={"answer": "1"}, meta=meta)  # type: ignore[arg-type]


def graded(
    pid: str, outcomes: Sequence[tuple[bool, str | None]], tokens: Sequence[int] | None = None,
    sources: Sequence[str | None] | None = None,
) -> tuple[list[Sample], list[Verdict]]:
    """Samples 0..n-1 of one problem and their verdicts: (passed, extracted) each; no answer → no_answer;
    ``sources``: where each answer was read (``boxed`` …), stored in the verdict's detail."""
    samples, verdicts = [], []
    for i, (passed, extracted) in enumerate(outcomes):
        key = f"{pid}-{i}"
        samples.append(
            Sample(problem_id=pid, model="m", index=i, text="...", key=key, finish_reason="stop",
                   prompt_tokens=5, completion_tokens=tokens[i] if tokens else None)
        )
        status = "pass" if passed else ("wrong" if extracted is not None else "no_answer")
        detail = {"source": sources[i]} if sources and sources[i] else {}
        verdicts.append(Verdict(sample_key=key, passed=passed, status=status, problem_id=pid, extracted=extracted,  # type: ignore[arg-type]
                                detail=detail))
    return samples, verdicts


def task_entry(per_problem: dict[str, tuple[int, ...]]) -> dict[str, Any]:
    """The part of a task entry that compare reads: per_problem (n, passed[, answered, boxed, truncated])."""
    keys = ("n", "passed", "answered", "boxed", "truncated")
    return {"task": "t", "per_problem": {pid: dict(zip(keys, row)) for pid, row in per_problem.items()}}


def document(tasks: dict[str, dict[str, Any]], name: str = "run") -> dict[str, Any]:
    return results_document(tasks, {"name": name}, created="2026-01-01T00:00:00+00:00")

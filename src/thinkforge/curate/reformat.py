"""Reformatting: an LLM rewrites a kept trace into Sky-T1's thought/solution layout; the rewrite is graded again.

The prompt and its example are Sky-T1's, verbatim (``reformat_prompt.json``, extracted from
``../shared/data/prompts/sky_t1_prompts.json``, typos kept as published — it asks for
``<|begin_of_slow_thought|>`` headers while its example and the training data use ``<|begin_of_thought|>``).
The system prompt is GPT-4o-mini's in the recipe: "You are a solution format convertor."

A rewrite is kept only when it has the four markers in order and its solution section passes the shared
grader again (``thinkforge.grading.grade``; code goes to the code judge through the same call). Drop
reasons: ``empty``, ``markers_missing``, ``answer_changed`` (math / multiple choice), ``code_fails``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Sequence

from thinkforge.backends.base import GenerationRequest, SamplingParams, sample_seed
from thinkforge.defaults import CURATE, CurateDefaults
from thinkforge.grading import grade
from thinkforge.grading.pool import Grader
from thinkforge.records import Message, Problem, Sample, Verdict
from thinkforge.runs.keys import stable_hash

BEGIN_THOUGHT, END_THOUGHT = "<|begin_of_thought|>", "<|end_of_thought|>"
BEGIN_SOLUTION, END_SOLUTION = "<|begin_of_solution|>", "<|end_of_solution|>"
MARKERS = (BEGIN_THOUGHT, END_THOUGHT, BEGIN_SOLUTION, END_SOLUTION)
DROP_REASONS = ("empty", "markers_missing", "answer_changed", "code_fails")

_SLOT = re.compile(r"\{(example|content)\}")


@lru_cache(maxsize=1)
def _prompts() -> dict[str, Any]:
    text = resources.files("thinkforge.curate").joinpath("reformat_prompt.json").read_text(encoding="utf-8")
    return json.loads(text)


def reformat_system_prompt() -> str:
    """The reformatter's system prompt in the Sky-T1 recipe."""
    return str(_prompts()["system_prompt"])


def reformat_prompt(trace: str) -> str:
    """Sky-T1's CONVERT_PROMPT with its example and ``trace`` filled in (one pass: braces in text stay)."""
    published = _prompts()["reformat"]
    values = {"example": published["CONVERT_PROMPT_EXAMPLE"], "content": trace}
    return _SLOT.sub(lambda m: values[m.group(1)], published["CONVERT_PROMPT"])


def reformat_messages(trace: str) -> list[Message]:
    """The chat the reformatter sees for one trace."""
    return [{"role": "system", "content": reformat_system_prompt()}, {"role": "user", "content": reformat_prompt(trace)}]


def reformat_request(sample: Sample, model: str, sampling: SamplingParams | None = None,
                     defaults: CurateDefaults = CURATE) -> GenerationRequest:
    """The request that rewrites ``sample``'s text; its key covers the trace, the prompt, model and sampling."""
    sampling = sampling or SamplingParams(temperature=defaults.reformat_temperature, max_tokens=defaults.reformat_max_tokens)
    messages = reformat_messages(sample.text)
    key = stable_hash({"reformat": sample.key or stable_hash(sample.text), "messages": stable_hash(messages),
                       "model": model, "sampling": sampling.to_dict()})
    return GenerationRequest(
        key=key, problem_id=sample.problem_id, task=sample.task, model=model, index=sample.index,
        messages=messages, sampling=sampling, seed=sample_seed(sampling.seed, sample.problem_id, sample.index),
        provenance={"stage": "reformat", "source_sample": sample.key},
    )


@dataclass(frozen=True)
class RewriteCheck:
    """The outcome of re-checking one rewrite: kept, or the drop reason; ``verdict`` when it was graded."""

    kept: bool
    reason: str
    verdict: Verdict | None = None


def sections(text: str) -> tuple[str, str] | None:
    """``(thought, solution)`` when the four markers appear in order, else ``None``."""
    positions = []
    start = 0
    for marker in MARKERS:
        at = text.find(marker, start)
        if at < 0:
            return None
        positions.append(at)
        start = at + len(marker)
    thought = text[positions[0] + len(BEGIN_THOUGHT) : positions[1]]
    solution = text[positions[2] + len(BEGIN_SOLUTION) : positions[3]]
    return thought.strip(), solution.strip()


def _solution(problem: Problem, rewrite: str | Sample) -> RewriteCheck | Sample:
    """The rewrite's solution section as a sample to grade, or the drop when it has nothing to grade."""
    sample = rewrite if isinstance(rewrite, Sample) else Sample(problem_id=problem.id, model="reformat", index=0, text=rewrite)
    if not sample.text.strip():
        return RewriteCheck(False, "empty")
    parts = sections(sample.text)
    if parts is None or not parts[1]:
        return RewriteCheck(False, "markers_missing")
    return replace(sample, text=parts[1])


def _judged(problem: Problem, verdict: Verdict) -> RewriteCheck:
    if verdict.passed:
        return RewriteCheck(True, "kept", verdict)
    return RewriteCheck(False, "code_fails" if problem.domain == "code" else "answer_changed", verdict)


def check_rewrite(problem: Problem, rewrite: str | Sample) -> RewriteCheck:
    """Keep a rewrite only if it has the markers and its solution still passes the shared grader."""
    solution = _solution(problem, rewrite)
    return solution if isinstance(solution, RewriteCheck) else _judged(problem, grade(problem, solution))


def check_rewrites(rewrites: Sequence[tuple[Problem, Sample]], grader: Grader) -> list[RewriteCheck]:
    """:func:`check_rewrite` of many rewrites, their solutions graded together on ``grader`` (the local pool or
    Ray grading actors; transient statuses retried), in input order."""
    solutions = [_solution(problem, rewrite) for problem, rewrite in rewrites]
    todo = [(problem, s) for (problem, _), s in zip(rewrites, solutions) if isinstance(s, Sample)]
    verdicts = iter([v for _, future in grader.submit_many(todo) for v in future.result()])
    return [s if isinstance(s, RewriteCheck) else _judged(problem, next(verdicts))
            for (problem, _), s in zip(rewrites, solutions)]


def drop_counts(checks: Sequence[RewriteCheck]) -> dict[str, int]:
    """Kept and dropped counts by reason (every reason listed, zeros included)."""
    counts = {"kept": 0, **{r: 0 for r in DROP_REASONS}}
    for check in checks:
        counts[check.reason] += 1
    return counts

"""Reformatting: Sky-T1's prompt verbatim, and the re-grade that drops altered rewrites (real grader, real judge)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator, Sequence

import pytest

from thinkforge.backends.base import Backend, Completion, GenerationRequest
from thinkforge.curate.reformat import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    check_rewrite,
    drop_counts,
    reformat_messages,
    reformat_request,
)
from thinkforge.records import Sample

from _rewriter import Rewriter
from thinkforge.tasks import get_task

PROMPTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "prompts" / "sky_t1_prompts.json"


def test_rewriter_is_a_backend() -> None:
    assert isinstance(Rewriter("faithful"), Backend)


def test_prompt_is_sky_t1_verbatim() -> None:
    published = json.loads(PROMPTS.read_text())["reformat"]
    messages = reformat_messages("TRACE {with braces}")
    assert messages[0] == {"role": "system", "content": "You are a solution format convertor."}
    expected = published["CONVERT_PROMPT"].replace("{example}", published["CONVERT_PROMPT_EXAMPLE"]).replace(
        "{content}", "TRACE {with braces}")
    assert messages[1]["content"] == expected


def _math_case():
    problem = get_task("gsm8k").load()[0]
    trace = f"Let me work through it step by step.\nSo the answer is \\boxed{{{problem.reference['answer']}}}."
    return problem, Sample(problem_id=problem.id, model="teacher", index=0, text=trace, task="gsm8k", key="k1")


def _rewrite(sample: Sample, mode: str) -> Sample:
    request = reformat_request(sample, "gpt-4o-mini")
    (rewritten,) = next(Rewriter(mode).generate([request]))
    return rewritten


@pytest.mark.parametrize(
    ("mode", "kept", "reason"),
    [("faithful", True, "kept"), ("alter", False, "answer_changed"), ("no_markers", False, "markers_missing"),
     ("empty", False, "empty")],
)
def test_math_rewrite_regraded(mode: str, kept: bool, reason: str) -> None:
    problem, sample = _math_case()
    check = check_rewrite(problem, _rewrite(sample, mode))
    assert (check.kept, check.reason) == (kept, reason)
    if reason in ("kept", "answer_changed"):
        assert check.verdict is not None and check.verdict.passed is kept


def test_answer_only_in_thought_section_is_not_enough() -> None:
    problem, sample = _math_case()
    good = _rewrite(sample, "faithful").text
    bad = good.split(BEGIN_SOLUTION)[0] + f"{BEGIN_SOLUTION}\nThe answer is \\boxed{{-7}}.\n{END_SOLUTION}"
    assert check_rewrite(problem, bad).reason == "answer_changed"


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "reason"), [("faithful", "kept"), ("alter", "code_fails")])
def test_code_rewrite_goes_to_the_judge(mode: str, reason: str) -> None:
    problem = get_task("mbpp").load()[0]
    code = problem.meta["reference_solution"]
    trace = f"I will write the function.\n```python\n{code}\n```"
    sample = Sample(problem_id=problem.id, model="teacher", index=0, text=trace, task="mbpp", key="c1")
    assert check_rewrite(problem, _rewrite(sample, mode)).reason == reason


def test_reformat_request_key_follows_the_trace() -> None:
    _, sample = _math_case()
    a = reformat_request(sample, "gpt-4o-mini")
    b = reformat_request(Sample(**{**sample.to_dict(), "text": sample.text + " "}), "gpt-4o-mini")
    assert a.key != b.key and a.sampling.temperature == 0.7 and a.sampling.max_tokens == 16384
    assert a.key == reformat_request(sample, "gpt-4o-mini").key


def test_drop_counts() -> None:
    problem, sample = _math_case()
    checks = [check_rewrite(problem, _rewrite(sample, m)) for m in ("faithful", "alter", "empty", "empty")]
    assert drop_counts(checks) == {"kept": 1, "empty": 2, "markers_missing": 0, "answer_changed": 1, "code_fails": 0}

"""``grade(problem, sample)``: the single entry point, with options and truncation read from the records."""

from __future__ import annotations

import pytest

from thinkforge.errors import ValidationError
from thinkforge.grading import grade
from thinkforge.records import Problem, Sample, Verdict


def _problem(domain: str, reference: dict, pid: str = "p1") -> Problem:
    return Problem(id=pid, task="t", domain=domain, prompt="q", reference=reference)  # type: ignore[arg-type]


def _sample(text: str, finish_reason: str | None = "stop", key: str = "k1") -> Sample:
    return Sample(problem_id="p1", model="m", index=0, text=text, finish_reason=finish_reason, key=key)  # type: ignore[arg-type]


def test_math_verdict_carries_keys_and_round_trips() -> None:
    verdict = grade(_problem("math", {"answer": "\\frac{1}{2}"}), _sample("So $\\boxed{0.5}$."))
    assert (verdict.status, verdict.passed, verdict.sample_key, verdict.problem_id) == ("pass", True, "k1", "p1")
    assert Verdict.from_dict(verdict.to_dict()) == verdict


def test_finish_reason_length_is_truncated() -> None:
    verdict = grade(_problem("math", {"answer": "17"}), _sample("...so 17 \\boxed{17", finish_reason="length"))
    assert verdict.status == "truncated" and not verdict.passed


def test_numeric_gold_from_json_is_accepted() -> None:
    assert grade(_problem("math", {"answer": 70}), _sample("\\boxed{70}")).passed
    assert grade(_problem("math", {"answer": 27.0}), _sample("\\boxed{27}")).passed


def test_gsm8k_fallback_comes_from_reference_options() -> None:
    text = "3 + 4 = 7 apples, 7 * 2 = 14 dollars."
    assert grade(_problem("math", {"answer": "14", "options": {"fallback": "last_number"}}), _sample(text)).passed
    assert grade(_problem("math", {"answer": "14", "options": {"strict": True}}), _sample(text)).status == "no_answer"


def test_mcq_letters_come_from_the_choices() -> None:
    ten = {"answer": "J", "choices": [str(i) for i in range(10)]}
    assert grade(_problem("mcq", ten), _sample("The answer is (J).")).passed
    four = {"answer": "B", "choices": ["w", "x", "y", "z"]}
    assert grade(_problem("mcq", four), _sample("\\boxed{B}. This is a good choice.")).passed
    assert grade(_problem("mcq", {**four, "letters": "ABCD"}), _sample("Answer: C")).status == "wrong"


def test_bad_options_are_clear_errors() -> None:
    with pytest.raises(ValidationError, match="options.fallbak"):
        grade(_problem("math", {"answer": "1", "options": {"fallbak": "last_number"}}), _sample("1"))
    with pytest.raises(ValidationError, match="fallback"):
        grade(_problem("math", {"answer": "1", "options": {"fallback": "first"}}), _sample("1"))
    with pytest.raises(ValidationError, match="reference.answer"):
        grade(_problem("math", {}), _sample("1"))


def test_code_problems_go_to_the_code_judge() -> None:
    problem = _problem("code", {"style": "stdin", "tests": [{"input": "2 3\n", "output": "5\n"}]})
    right = _sample("```python\na, b = map(int, input().split())\nprint(a + b)\n```")
    wrong = _sample("```python\nprint(6)\n```")
    verdict = grade(problem, right)
    assert verdict.passed and verdict.grader.startswith("code/")
    assert (verdict.sample_key, verdict.problem_id) == ("k1", "p1")
    assert grade(problem, wrong).status == "wrong"

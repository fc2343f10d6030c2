"""The math equivalence table, graded as extracted answers and inside realistic long responses."""

from __future__ import annotations

import pytest

from thinkforge.grading import grade_answer
from _math_cases import ALL_PAIRS, REASONING, TEMPLATES


def _id(row: tuple[str, str, str]) -> str:
    return f"{row[0]!r}~{row[1]!r}->{row[2]}"


@pytest.mark.parametrize("gold,answer,expected", ALL_PAIRS, ids=[_id(r) for r in ALL_PAIRS])
def test_extracted_answer_is_graded_as_expected(gold: str, answer: str, expected: str) -> None:
    verdict = grade_answer(gold, answer, answers_only=True)
    assert verdict.status == expected, verdict.detail
    assert verdict.passed == (expected == "pass")
    assert verdict.grader == "math/1"


RESPONSES = [
    (gold, TEMPLATES[i % len(TEMPLATES)].format(r=REASONING * 3, a=answer), expected, answer)
    for i, (gold, answer, expected) in enumerate(ALL_PAIRS)
]


@pytest.mark.parametrize(
    "gold,response,expected,answer", RESPONSES, ids=[f"{i}:{_id((g, a, e))}" for i, (g, _, e, a) in enumerate(RESPONSES)]
)
def test_answer_inside_a_long_response_is_graded_as_expected(gold: str, response: str, expected: str, answer: str) -> None:
    verdict = grade_answer(gold, response)
    assert verdict.status == expected, (verdict.extracted, verdict.detail)
    assert verdict.extracted is not None and verdict.extracted.strip() == answer.strip()

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
    assert verdict.grader == "math/2"


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


# (gold, answer, options, expected): options from a problem's reference
OPTION_CASES = [
    # bug found: OlympiadBench's "multiple" flag made one ordered pair unordered
    ("(-\\frac{1}{2}, \\frac{7}{2})", "(\\frac{7}{2}, -\\frac{1}{2})", {"multiple": True}, "wrong"),
    ("(-\\frac{1}{2}, \\frac{7}{2})", "(-0.5, 3.5)", {"multiple": True}, "pass"),
    ("1, 3", "3, 1", {"multiple": True}, "pass"),
    ("1, 3", "1", {"multiple": True}, "wrong"),
    ("(1,1), (3,2)", "(3,2), (1,1)", {"multiple": True}, "pass"),
    ("(1,1), (3,2)", "(1,1), (2,3)", {"multiple": True}, "wrong"),
]


@pytest.mark.parametrize("gold,answer,options,expected", OPTION_CASES)
def test_options_change_only_what_they_say(gold: str, answer: str, options: dict, expected: str) -> None:
    assert grade_answer(gold, answer, answers_only=True, **options).status == expected

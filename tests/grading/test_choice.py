"""Multiple choice: the letter of the final answer, never the last capital letter anywhere."""

from __future__ import annotations

import pytest

from thinkforge.errors import ValidationError
from thinkforge.grading import grade_answer

LONG = (
    "Let me analyze each option. Option A suggests a Diels-Alder reaction, but the diene is not in the "
    "s-cis conformation. Option C (the NMR shift) cannot be right because of the DEPT data. Option D is a trap.\n"
)

# (letters, gold, response, expected status, expected letter)
CASES = [
    ("ABCD", "B", "\\boxed{B}. This is a good choice.", "pass", "B"),
    ("ABCD", "B", LONG + "The answer is \\boxed{B}", "pass", "B"),
    ("ABCD", "B", LONG + "Final answer: $\\boxed{\\text{(B)}}$", "pass", "B"),
    ("ABCD", "B", LONG + "$\\boxed{(B)}$", "pass", "B"),
    ("ABCD", "B", LONG + "\\boxed{\\textbf{B}}", "pass", "B"),
    ("ABCD", "B", LONG + "\\boxed{B) 42 m/s}", "pass", "B"),
    ("ABCD", "C", LONG + "\\boxed{B}", "wrong", "B"),
    ("ABCD", "B", LONG + "Therefore, the answer is (B).", "pass", "B"),
    ("ABCD", "B", LONG + "So the correct answer is B.", "pass", "B"),
    ("ABCD", "B", LONG + "Answer: B", "pass", "B"),
    ("ABCD", "B", LONG + "**Answer:** B", "pass", "B"),
    ("ABCD", "B", LONG + "**Answer: (B)**", "pass", "B"),
    ("ABCD", "B", LONG + "The correct option is B, since the others fail.", "pass", "B"),
    ("ABCD", "D", LONG + "The answer is D", "pass", "D"),
    ("ABCD", "A", LONG + "The answer is (A) because of sterics.", "pass", "A"),
    ("ABCD", "B", LONG + "\n\nB", "pass", "B"),
    ("ABCD", "B", LONG + "\n\n(B)", "pass", "B"),
    ("ABCD", "B", LONG + "\n\n**B**", "pass", "B"),
    ("ABCD", "B", LONG + "\n\nB.", "pass", "B"),
    ("ABCD", "A", "<think>" + LONG + "Hmm, maybe C. No wait.</think>\nThe answer is A.", "pass", "A"),
    ("ABCD", "A", "<|begin_of_thought|>" + LONG + "<|end_of_thought|>\n<|begin_of_solution|>\n\\boxed{A}\n<|end_of_solution|>", "pass", "A"),
    # never the last capital letter anywhere
    ("ABCD", "B", LONG + "I think this is about DNA and RNA in a CRISPR system.", "no_answer", None),
    ("ABCD", "B", "Considering all of this, I cannot decide. Maybe check with NMR. A", "pass" if False else "no_answer", None),
    ("ABCD", "C", LONG + "Both A and C look plausible.", "no_answer", None),
    ("ABCD", "B", "The answer is Alice's theorem.", "no_answer", None),
    ("ABCD", "B", "", "no_answer", None),
    # letters outside the valid range are not answers
    ("ABCD", "B", LONG + "The answer is (E).", "no_answer", None),
    ("ABCD", "B", LONG + "\\boxed{E}", "no_answer", None),
    ("ABCDEFGHIJ", "J", LONG + "The answer is (J).", "pass", "J"),
    ("ABCDEFGHIJ", "J", LONG + "\\boxed{J}", "pass", "J"),
    ("ABCDEFGHIJ", "E", LONG + "Answer: E", "pass", "E"),
    ("ABCDEFGHIJ", "E", LONG + "Answer: F", "wrong", "F"),
    # the thought section is not mined
    ("ABCD", "B", "<think>The answer is B.", "truncated", None),
    ("ABCD", "B", "<think>" + LONG + "</think>", "no_answer", None),
    # the last statement wins
    ("ABCD", "C", LONG + "At first I thought the answer is A. After checking, the answer is C.", "pass", "C"),
    ("ABCD", "C", LONG + "The answer is \\boxed{C}, not B as I first thought.", "pass", "C"),
    # bug found: a hedge between two letters passed on its first letter
    ("ABCD", "B", LONG + "The answer is B and C.", "no_answer", None),
    ("ABCD", "B", LONG + "Answer: (B) or (C)", "no_answer", None),
    ("ABCD", "B", LONG + "The answer is B/C.", "no_answer", None),
    ("ABCD", "B", LONG + "\\boxed{B \\text{ and } C}", "no_answer", None),
    ("ABCD", "B", LONG + "\\boxed{B or C}", "no_answer", None),
    ("ABCD", "B", LONG + "The answer is A. On reflection, the answer is B or D.", "no_answer", None),
    ("ABCD", "A", LONG + "The answer is A, since it is the only option left.", "pass", "A"),
    ("ABCD", "A", LONG + "The answer is A, and B is a distractor.", "pass", "A"),
    # bug found: with ten options the pronoun "I" was read as choice I
    ("ABCDEFGHIJ", "I", LONG + "The answer is I think (C).", "wrong", "C"),
    ("ABCDEFGHIJ", "I", LONG + "The correct answer is I believe C", "wrong", "C"),
    ("ABCDEFGHIJ", "I", LONG + "The answer is I'm fairly sure C.", "no_answer", None),
    ("ABCDEFGHIJ", "I", LONG + "The answer is (I).", "pass", "I"),
    ("ABCDEFGHIJ", "I", LONG + "Answer: I", "pass", "I"),
    ("ABCDEFGHIJ", "I", LONG + "The answer is I because the others fail.", "pass", "I"),
    # Grading III: first-person statements, adverbs, a response opening with its letter (LE: lighteval's tests)
    ("ABCD", "C", LONG + "so I believe it's C.", "pass", "C"),
    ("ABCD", "C", LONG + "So I believe it's C", "pass", "C"),
    ("ABCD", "A", LONG + "The answer is surely A, not C or D.", "pass", "A"),
    ("ABCD", "B", "B. because the others contradict the DEPT data.", "pass", "B"),
    ("ABCD", "B", "**B**. The reason is the s-cis conformation.", "pass", "B"),
    ("ABCD", "B", LONG + "I think the best choice is B.", "pass", "B"),
    ("ABCD", "C", LONG + "thinking about it I think the correct answer is C", "pass", "C"),  # LE
    ("ABCD", "B", "Let's think step by step. It's not A because it doesn't make sense, therefore I think it's B", "pass", "B"),  # LE
    ("ABCD", "D", "The answer is for sure D, it can't be A or B", "pass", "D"),  # LE
    ("ABCD", "D", "The answer: D, it doesn't make sense for it to be A or B", "pass", "D"),  # LE
    ("ABCD", "D", "D. it can't be A or B", "pass", "D"),  # LE
    ("ABCD", "B", LONG + "I'll go with (B).", "pass", "B"),
    ("ABCD", "C", LONG + "So I believe it's B.", "wrong", "B"),
    # still never a stray capital, and a hedge is no answer
    ("ABCD", "B", LONG + "It's B or C.", "no_answer", None),
    ("ABCD", "B", LONG + "I think it's B or C.", "no_answer", None),
    ("ABCD", "B", "B or C. Both fit the data.", "no_answer", None),
    ("ABCD", "B", "A good approach is to compare the shifts. I think this is about DNA.", "no_answer", None),
    ("ABCD", "B", LONG + "it's A good idea to check the DEPT data again.", "no_answer", None),
    ("ABCD", "B", "Both are fine. A. Smith says so", "no_answer", None),
    ("ABCD", "B", "A. The diene is s-trans.\nB. The DEPT data fit.\nC. The shift is wrong.", "no_answer", None),
    ("ABCD", "B", "<think>B. because it fits</think>\nI cannot decide.", "no_answer", None),
]


@pytest.mark.parametrize("letters,gold,response,status,letter", CASES)
def test_choice_letter_is_read_from_the_final_answer(letters: str, gold: str, response: str, status: str, letter: str | None) -> None:
    verdict = grade_answer(gold, response, "mcq", letters=letters)
    assert (verdict.status, verdict.extracted) == (status, letter), verdict.detail
    assert verdict.passed == (status == "pass")
    assert verdict.grader == "choice/2"


@pytest.mark.parametrize(
    "response",
    [LONG + "so I believe it's C.", "C. because the others fail.", LONG + "The answer is surely C."],
)
def test_strict_reads_only_marked_letters(response: str) -> None:
    strict = grade_answer("C", response, "mcq", strict=True)
    assert grade_answer("C", response, "mcq").status == "pass"
    assert strict.status == ("no_answer" if "answer is" not in response else "pass")


@pytest.mark.parametrize(
    "gold,response,status",
    [
        ("(B) Marcus", "The answer is B.", "pass"),
        ("(D) Alina", "D", "pass"),  # LE
        ("(A) Cecile", "C", "wrong"),  # LE
        ("C Cecile", "C", "pass"),  # LE
        ("Alina and the answer is\n(C) Cecile", "C", "pass"),  # LE
        ("A Peter\nCelina bum", "A", "pass"),  # LE
    ],
)
def test_gold_given_with_its_option_text(gold: str, response: str, status: str) -> None:
    assert grade_answer(gold, response, "mcq").status == status


def test_truncated_choice_response_is_truncated_even_with_a_letter() -> None:
    verdict = grade_answer("B", LONG + "The answer is B", "mcq", truncated=True)
    assert verdict.status == "truncated"


@pytest.mark.parametrize("given,status", [("B", "pass"), ("(B)", "pass"), ("\\text{B}", "pass"), ("C", "wrong"), ("", "no_answer"), ("Z", "no_answer")])
def test_extracted_letters_are_compared_directly(given: str, status: str) -> None:
    assert grade_answer("B", given, "mcq", answers_only=True).status == status


def test_gold_outside_the_letters_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="gold"):
        grade_answer("E", "\\boxed{E}", "mcq", letters="ABCD")


def test_unknown_option_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="options.letter"):
        grade_answer("B", "B", "mcq", letter="ABCD")

"""Multiple-choice grading: the letter of the final answer, never the last capital letter anywhere."""

from __future__ import annotations

from typing import Any

from thinkforge.errors import ValidationError
from thinkforge.grading.extract import answer_region, extract_choice, letter_in
from thinkforge.grading.options import ChoiceOptions
from thinkforge.records import Status, Verdict

GRADER = "choice/2"


def default_letters(n_choices: int) -> str:
    """The first ``n_choices`` letters: A, B, C, …"""
    if not 1 <= n_choices <= 26:
        raise ValidationError(f"a multiple-choice problem needs 1 to 26 choices, got {n_choices}", field="choices")
    return "".join(chr(ord("A") + i) for i in range(n_choices))


def grade_choice(gold: str, response: str, *, truncated: bool = False, options: ChoiceOptions = ChoiceOptions()) -> Verdict:
    """Grade one multiple-choice response against the correct letter."""
    gold_letter = letter_in(gold, options.letters) or extract_choice(gold, options.letters, strict=True).answer
    if gold_letter is None:
        raise ValidationError(f"the gold {gold!r} is not one of the letters {options.letters}", field="gold")
    if options.answers_only:
        letter = letter_in(response, options.letters)
        source = "given"
    else:
        region = answer_region(response, truncated)
        if region.truncated_reason:
            return _verdict("truncated", None, {"reason": region.truncated_reason})
        extraction = extract_choice(region.text, options.letters, strict=options.strict)
        letter, source = extraction.answer, extraction.source
    if letter is None:
        return _verdict("no_answer", None, {"reason": f"no choice letter ({options.letters}) in the final answer"})
    status: Status = "pass" if letter == gold_letter else "wrong"
    return _verdict(status, letter, {"source": source, "gold": gold_letter, "letters": options.letters})


def _verdict(status: Status, extracted: str | None, detail: dict[str, Any]) -> Verdict:
    return Verdict(sample_key="", passed=status == "pass", status=status, extracted=extracted, detail=detail, grader=GRADER)

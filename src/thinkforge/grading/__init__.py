"""One grader for curation and evaluation: ``grade(problem, sample) -> Verdict`` for every domain.

Math and multiple choice live here; code is judged by :mod:`thinkforge.grading.code` (imported lazily).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Literal, Mapping, Sequence

from thinkforge.defaults import GRADING
from thinkforge.errors import ValidationError
from thinkforge.grading.choice import default_letters, grade_choice
from thinkforge.grading.math import compare_answers, grade_math
from thinkforge.grading.options import ChoiceOptions, MathOptions, build
from thinkforge.records import Problem, Sample, Verdict

__all__ = [
    "AnswerDomain",
    "AnswerPair",
    "ChoiceOptions",
    "MathOptions",
    "answer_domain",
    "compare_answers",
    "grade",
    "grade_answer",
    "grade_item",
    "grade_many",
]

AnswerDomain = Literal["math", "mcq"]
#: Domain names read as another (deprecated spellings): ``choice`` is ``mcq``.
DOMAIN_ALIASES: dict[str, str] = {"choice": "mcq"}


def answer_domain(name: str) -> AnswerDomain:
    """The answer domain ``name`` means (``math`` or ``mcq``; the deprecated ``choice`` is ``mcq``)."""
    if name in DOMAIN_ALIASES:
        warnings.warn(f"domain {name!r} is deprecated, use {DOMAIN_ALIASES[name]!r}", DeprecationWarning, stacklevel=3)
        name = DOMAIN_ALIASES[name]
    if name not in ("math", "mcq"):
        raise ValidationError(f"must be 'math' or 'mcq', got {name!r}", field="domain")
    return name  # type: ignore[return-value]


def grade(problem: Problem, sample: Sample) -> Verdict:
    """Grade one sample of one problem; the verdict carries the sample key and problem id."""
    if problem.domain == "code":
        from thinkforge.grading.code import grade_code

        return grade_code(problem, sample)
    reference = problem.reference
    if "answer" not in reference:
        raise ValidationError(f"problem {problem.id!r} has no reference answer", field="reference.answer")
    options = dict(reference.get("options", {}))
    truncated = sample.finish_reason == "length"
    gold = reference["answer"]
    if problem.domain == "math":
        if reference.get("multiple") is not None:
            options.setdefault("multiple", bool(reference["multiple"]))
        verdict = grade_math(_gold_text(gold), sample.text, truncated=truncated, options=build(MathOptions, options))
    else:
        if "letters" not in options:
            options["letters"] = reference.get("letters") or default_letters(len(reference.get("choices", "ABCD")))
        verdict = grade_choice(str(gold), sample.text, truncated=truncated, options=build(ChoiceOptions, options))
    return replace(verdict, sample_key=sample.key, problem_id=problem.id)


def grade_answer(gold: Any, response: str, domain: AnswerDomain = "math", **options: Any) -> Verdict:
    """Grade a response (or, with ``answers_only=True``, an extracted answer) against a gold answer.

    ``domain`` is ``math`` or ``mcq`` (multiple choice; ``choice`` is still read, deprecated).

    Options are those of :class:`MathOptions` / :class:`ChoiceOptions`, plus ``truncated=True`` for a
    response cut at the token limit.
    """
    truncated = bool(options.pop("truncated", False))
    if answer_domain(domain) == "math":
        return grade_math(_gold_text(gold), response, truncated=truncated, options=build(MathOptions, options))
    return grade_choice(str(gold), response, truncated=truncated, options=build(ChoiceOptions, options))


def _gold_text(gold: Any) -> str:
    if isinstance(gold, bool) or not isinstance(gold, (str, int, float)):
        raise ValidationError(f"expected a string or number, got {type(gold).__name__}", field="gold")
    if isinstance(gold, float) and gold.is_integer():
        return str(int(gold))  # AMC's 27.0 means 27
    return str(gold)


@dataclass(frozen=True)
class AnswerPair:
    """One (gold, response) pair to grade outside of a task, e.g. a line of ``grade-pairs`` input."""

    gold: Any
    response: str
    domain: AnswerDomain = "math"
    options: Mapping[str, Any] = field(default_factory=dict)
    id: str = ""


GradeItem = AnswerPair | tuple[Problem, Sample]


def grade_item(item: GradeItem) -> Verdict:
    """Grade one item: an :class:`AnswerPair` or a ``(Problem, Sample)`` pair."""
    if isinstance(item, AnswerPair):
        return grade_answer(item.gold, item.response, item.domain, **dict(item.options))
    problem, sample = item
    return grade(problem, sample)


def grade_many(items: Iterable[GradeItem], workers: int = 1, retries: int = GRADING.retries) -> list[Verdict]:
    """Grade many items, in input order, on one warm :class:`~thinkforge.grading.pool.Grader` (``workers``
    processes for math and multiple choice, the sandbox pool for code); transient statuses are retried."""
    from thinkforge.grading.pool import Grader

    with Grader(workers=workers, retries=retries) as grader:
        return list(grader.map(items))


def grade_pairs(pairs: Sequence[AnswerPair], workers: int = 1) -> list[Verdict]:
    """Grade answer pairs in input order (``grade_many`` for pairs only)."""
    return grade_many(pairs, workers=workers)

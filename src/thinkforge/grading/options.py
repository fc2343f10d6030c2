"""Grader configuration as frozen data, built strictly from a problem's ``reference["options"]``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from thinkforge.defaults import GRADING
from thinkforge.errors import ValidationError

FALLBACKS = ("none", "last_number")


@dataclass(frozen=True)
class MathOptions:
    """How a math answer is extracted and compared."""

    #: What to read when there is no box and no answer phrase: "none" (competition math) or "last_number" (GSM8K).
    fallback: str = "none"
    #: The gold lists several answers (OlympiadBench's ``is_multiple_answer``). Recorded only: a bare list of
    #: answers is order-free whether or not this is set, and a tuple such as a point keeps its order.
    multiple: bool = False
    #: The response is already an extracted final answer: compare it directly, no extraction.
    answers_only: bool = False
    #: Read only marked answers (a box, "answer is …"), never the final statement of a prose response.
    strict: bool = False
    #: Deadline for one symbolic comparison.
    timeout_s: float = GRADING.symbolic_timeout_s
    float_rounding: int = GRADING.float_rounding

    def __post_init__(self) -> None:
        if self.fallback not in FALLBACKS:
            raise ValidationError(f"must be one of {', '.join(FALLBACKS)}, got {self.fallback!r}", field="fallback")
        if self.timeout_s <= 0:
            raise ValidationError("must be > 0", field="timeout_s")


@dataclass(frozen=True)
class ChoiceOptions:
    """How a multiple-choice answer is extracted."""

    #: The valid letters, in order (e.g. "ABCD" for GPQA, "ABCDEFGHIJ" for MMLU-Pro).
    letters: str = "ABCD"
    #: The response is already an extracted letter.
    answers_only: bool = False
    #: Read only a box, "answer is (B)"/"Answer: B" and a lone last-line letter; not "so I believe it's C" or
    #: a response that starts "B. because …".
    strict: bool = False

    def __post_init__(self) -> None:
        if not self.letters or not self.letters.isalpha() or not self.letters.isupper():
            raise ValidationError(f"must be upper-case letters such as 'ABCD', got {self.letters!r}", field="letters")


def build(cls: type, values: Mapping[str, Any]) -> Any:
    """Build an options dataclass, rejecting unknown keys and mistyped values with a clear error."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValidationError(f"unknown grader option (known: {', '.join(known)})", field=f"options.{unknown[0]}")
    kwargs: dict[str, Any] = {}
    for name, value in values.items():
        default = getattr(cls(), name)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, (int, float)):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = type(default)(value) if ok else value
        else:
            ok = isinstance(value, type(default))
        if not ok:
            raise ValidationError(
                f"expected {type(default).__name__}, got {type(value).__name__}", field=f"options.{name}"
            )
        kwargs[name] = value
    return cls(**kwargs)

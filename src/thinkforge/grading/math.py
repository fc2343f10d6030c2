"""Math grading: extract the final answer, settle it on the fast path, else compare symbolically."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from thinkforge.defaults import GRADING
from thinkforge.grading import symbolic
from thinkforge.grading.extract import answer_region, extract_math_answer
from thinkforge.grading.normalize import (
    Compound,
    base_numeral,
    compound,
    decimal_comma,
    final_side,
    is_percent,
    normalize,
    numbers_equal,
    parse_number,
    plain_word,
    strip_delimiters,
    strip_percent,
    strip_unit,
    split_top_level,
    unicode_math,
    vector_as_tuple,
)
from thinkforge.grading.options import MathOptions
from thinkforge.records import Status, Verdict

GRADER = "math/2"

_UNORDERED = ("list", "set")


@dataclass(frozen=True)
class Comparison:
    """The result of comparing one extracted answer with the gold."""

    status: Status
    #: Which path decided: "fast" (no sympy), "symbolic" (Math-Verify in a worker) or "guard".
    path: str
    detail: dict[str, Any] = field(default_factory=dict)


def compare_answers(gold: str, pred: str, options: MathOptions = MathOptions()) -> Comparison:
    """Compare an extracted answer with the gold: ``pass``, ``wrong``, ``no_answer``, ``timeout`` or ``error``."""
    gold_raw = unicode_math(strip_delimiters(gold))
    pred_raw = unicode_math(strip_delimiters(pred))
    if not gold_raw:
        return Comparison("error", "guard", {"reason": "the gold answer is empty"})
    if not pred_raw:
        return Comparison("no_answer", "guard", {"reason": "the extracted answer is empty"})
    if len(pred_raw) > GRADING.max_answer_chars:
        return Comparison("wrong", "guard", {"reason": f"answer longer than {GRADING.max_answer_chars} characters"})
    gold_raw, pred_raw = align_forms(gold_raw, pred_raw)
    if is_percent(pred_raw) and not is_percent(gold_raw):
        pred_raw = strip_percent(pred_raw)  # a unit here, never a factor of 1/100
    gold_norm = normalize(gold_raw)
    pred_norm = normalize(pred_raw)
    forms = {"gold": gold_norm, "pred": pred_norm}
    if not pred_norm:
        return Comparison("no_answer", "guard", forms)
    both_equations = "=" in gold_raw and "=" in pred_raw  # "x = 3" vs "y = 3": the variables matter
    if both_equations and "".join(gold_raw.split()) == "".join(pred_raw.split()):
        return Comparison("pass", "fast", forms)
    if not both_equations and gold_norm == pred_norm:
        return Comparison("pass", "fast", forms)
    decided = None if both_equations else fast_equal(gold_norm, pred_norm, options)
    if decided is not None:
        return Comparison("pass" if decided else "wrong", "fast", forms)
    words = prose_words(gold_norm, normalize(strip_unit(pred_raw)))
    if words:  # "thinking of it", "2 + 3 is equal to 9": no value, and nothing sympy should spend a deadline on
        return Comparison("wrong", "guard", {**forms, "reason": f"a number is asked; the answer has words ({', '.join(words)})"})
    result = symbolic.compare(
        strip_unit(gold_raw), strip_unit(pred_raw), timeout_s=options.timeout_s, float_rounding=options.float_rounding
    )
    detail = {**forms, "gold_parsed": result.gold_parsed, "pred_parsed": result.pred_parsed}
    if result.message:
        detail["message"] = result.message
    status: Status = {"equal": "pass", "different": "wrong", "timeout": "timeout", "error": "error"}[result.outcome]  # type: ignore[assignment]
    return Comparison(status, "symbolic", detail)


#: Letter runs that are mathematics, not prose, in an answer written without backslashes (``sqrt(2)``, ``2pi``).
_MATH_WORDS = frozenset({"sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "abs", "frac", "cdot",
                         "times", "pi", "infty", "inf", "deg", "mod", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh"})
_WORD_RE = re.compile(r"[a-zA-Z]{3,}")


def prose_words(gold_norm: str, pred_norm: str) -> list[str]:
    """Words of a predicted answer whose gold is a plain number (LaTeX commands and function names are not words):
    such an answer is prose, never a value equal to the gold."""
    if parse_number(gold_norm) is None:
        return []
    text = re.sub(r"\\[a-zA-Z]+", " ", pred_norm)
    return [w for w in _WORD_RE.findall(text) if w.lower() not in _MATH_WORDS]


_RELATION_RE = re.compile(r"(?<![<>!\\])=|\\approx(?![a-zA-Z])")


def align_forms(gold: str, pred: str) -> tuple[str, str]:
    """Rewrite both answers into comparable forms where the way of writing differs, not the value.

    - A chain or assignment answering a bare gold is read at its final value: ``3 * 40 = 120`` → ``120``,
      ``(a,b) = (5,3)`` → ``(5,3)``, ``x = \\frac13 \\approx 0.33`` → ``\\frac13`` (each item of a list on its own).
    - A decimal comma (``3,85``) where the other side is one number and the comma cannot group thousands.
    - A one-column / one-row matrix against a tuple: the tuple of its entries.
    """
    if _RELATION_RE.search(pred) and not _RELATION_RE.search(gold):
        pred = ", ".join(final_side(item) for item in split_top_level(pred))
    if "\\approx" in gold and not re.search(r"=|<|>|\\[lg]eq?\b|\\neq", pred):
        gold = final_side(gold)  # a gold "\\frac13 \\approx 0.33" is its exact side
    gold_number = parse_number(normalize(gold)) is not None
    pred_number = parse_number(normalize(pred)) is not None
    if gold_number:  # "0,111" for 0.111: a leading 0 never groups thousands
        pred = decimal_comma(pred) or pred
    if pred_number:
        gold = decimal_comma(gold) or gold
    if pred.lstrip().startswith("("):
        gold = vector_as_tuple(gold) or gold
    if gold.lstrip().startswith("("):
        pred = vector_as_tuple(pred) or pred
    return gold, pred


def fast_equal(gold: str, pred: str, options: MathOptions) -> bool | None:
    """Decide equality of two normalised answers without sympy, or None when unsure."""
    numeral = _fast_numeral(gold, pred)
    if numeral is not None:
        return numeral
    gold_num, pred_num = parse_number(gold), parse_number(pred)
    if gold_num is not None and pred_num is not None:
        return numbers_equal(gold_num, pred_num, float_rounding=options.float_rounding)
    gold_word, pred_word = plain_word(gold), plain_word(pred)
    if gold_word is not None and pred_word is not None:
        return gold_word == pred_word
    gold_items, pred_items = compound(gold), compound(pred)
    if gold_items is not None and pred_items is not None:
        return _fast_compound(gold_items, pred_items, options)
    return None


def _fast_numeral(gold: str, pred: str) -> bool | None:
    """Numerals in an explicit base: the digits must match, and the bases too when both are written.

    Math-Verify drops the subscript, which once passed ``52_9`` for ``52_8``.
    """
    gold_numeral, pred_numeral = base_numeral(gold), base_numeral(pred)
    if gold_numeral is None and pred_numeral is None:
        return None
    if gold_numeral is not None and pred_numeral is not None:
        return gold_numeral == pred_numeral
    numeral, plain = (gold_numeral, pred) if gold_numeral is not None else (pred_numeral, gold)
    if re.fullmatch(r"[0-9A-Z]+", plain):  # "52" for "52_8": the question named the base
        return numeral.digits == (plain.lstrip("0") or "0")  # type: ignore[union-attr]
    return None


def _fast_compound(gold: Compound, pred: Compound, options: MathOptions) -> bool | None:
    # A bare list or braced set is order-free; a tuple keeps its order even for a problem with several
    # answers (OlympiadBench marks single coordinate pairs ``multiple``).
    unordered = gold.shape in _UNORDERED
    if gold.shape in _UNORDERED and pred.shape in _UNORDERED:
        pass
    elif gold.shape != pred.shape:
        return None
    elif gold.shape == "interval" and gold.brackets != pred.brackets:
        return False  # [1, 3) is not (1, 3]
    gold_nums = [parse_number(normalize(item)) for item in gold.items]
    pred_nums = [parse_number(normalize(item)) for item in pred.items]
    if any(n is None for n in gold_nums) or any(n is None for n in pred_nums):
        return None
    if len(gold_nums) != len(pred_nums):
        return False
    if unordered:
        unused = list(pred_nums)
        for g in gold_nums:
            match = next((p for p in unused if numbers_equal(g, p, float_rounding=options.float_rounding)), None)  # type: ignore[arg-type]
            if match is None:
                return False
            unused.remove(match)
        return True
    return all(
        numbers_equal(g, p, float_rounding=options.float_rounding)  # type: ignore[arg-type]
        for g, p in zip(gold_nums, pred_nums)
    )


def grade_math(gold: str, response: str, *, truncated: bool = False, options: MathOptions = MathOptions()) -> Verdict:
    """Grade one math response against the gold answer (``sample_key`` and ``problem_id`` left empty)."""
    if options.answers_only:
        answer, source = response, "given"
    else:
        region = answer_region(response, truncated)
        if region.truncated_reason:
            return _verdict("truncated", None, {"reason": region.truncated_reason})
        extraction = extract_math_answer(region.text, options.fallback, strict=options.strict)
        if extraction.answer is None:
            reason = extraction.reason or (
                "no boxed answer or answer phrase after the reasoning"
                if options.strict
                else "no boxed answer, answer phrase or stated final value after the reasoning"
            )
            return _verdict("no_answer", None, {"reason": reason})
        answer, source = extraction.answer, extraction.source
    comparison = compare_answers(gold, answer, options)
    return _verdict(comparison.status, answer, {"source": source, "path": comparison.path, **comparison.detail})


def _verdict(status: Status, extracted: str | None, detail: dict[str, Any]) -> Verdict:
    return Verdict(sample_key="", passed=status == "pass", status=status, extracted=extracted, detail=detail, grader=GRADER)

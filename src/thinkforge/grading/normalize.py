"""String normalisation and the fast numeric path: settle common answers without sympy.

The fast path only decides when it is sure (two plain numbers, two plain words, two lists of plain numbers
of the same shape, identical normalised strings); everything else goes to the symbolic comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

_DELIMS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_SPACING_RE = re.compile(r"\\(?:[,;:! ]|quad|qquad|displaystyle|textstyle|left|right|big|Big|bigg|Bigg)(?![a-zA-Z])")
_DEGREE_RE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree(?![a-zA-Z])|\^\s*\{\s*\\text\{\s*o\s*\}\s*\}")
_FRAC_SHORT_RE = re.compile(r"\\frac\s*(\d)\s*(\d)")
_FRAC_HALF_SHORT_RE = re.compile(r"\\frac\s*\{([^{}]*)\}\s*(\d)")
_FRAC_NUM_SHORT_RE = re.compile(r"\\frac\s*(\d)\s*\{")
_SQRT_SHORT_RE = re.compile(r"\\sqrt\s*([0-9a-zA-Z])")
_TEXT_RE = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|textnormal|operatorname)\s*\{([^{}]*)\}")
_UNIT_WORDS = (
    r"(?:degrees?|cm|mm|km|m|meters?|metres?|inches|inch|in|feet|foot|ft|yards?|miles?|units?|sq|square|"
    r"cents?|dollars?|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|days?|weeks?|years?|g|kg|grams?|pounds?|lbs?|"
    r"liters?|litres?|mph|people|students|ways|points?|cubic|feet\^?2?)"
)
_UNIT_POWER = r"(?:\^?\{?[23]\}?)?$"
# A unit in \text{} may follow any expression ending in a digit; a bare unit word only a plain number ("x+2m"
# keeps its m), and a one-letter bare unit only after a space ("18 m", never "2m").
_TRAILING_UNIT_RE = re.compile(
    rf"^(.*?\d)\s*\\text\{{\s*{_UNIT_WORDS}(?:\s+{_UNIT_WORDS})*\s*\}}{_UNIT_POWER}"
    rf"|^([-+]?\d[\d,]*(?:\.\d+)?)(?:\s+|(?=[a-zA-Z]{{2}})){_UNIT_WORDS}(?:\s+{_UNIT_WORDS})*{_UNIT_POWER}"
)
_TEXT_ALIASES_RE = re.compile(r"\\(?:textnormal|textrm|textbf|textit|mbox)\s*\{")
_CURRENCY_RE = re.compile(r"^(?:\\\$|\$|€|£)\s*(?=[-+]?\.?\d)")
_NOT_WORDS = r"(?!(?:and|or|to|plus|minus|times|over|divided|by|mod|pi|sqrt|e|i|x|y|z|n)\b)"
_WORDS_AFTER_NUMBER_RE = re.compile(
    rf"^([-+]?\d[\d,]*(?:\.\d+)?)\s+(?:{_NOT_WORDS}[a-z][a-z'\-]*\.?\s*)+$"
)
_ASSIGN_RE = re.compile(r"^([a-zA-Z]|\\[a-zA-Z]+)(?:_\{?\w+\}?)?\s*=\s*([^=<>]+)$")
_THOUSANDS_RE = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_THIN_COMMA_RE = re.compile(r"(?<=\d),\\!\s*(?=\d)")


_UNICODE = {
    "π": "\\pi ", "∞": "\\infty ", "≤": "\\le ", "≥": "\\ge ", "≠": "\\neq ", "−": "-", "–": "-",
    "×": "\\times ", "·": "\\cdot ", "÷": "\\div ", "±": "\\pm ", "∓": "\\mp ", "²": "^2", "³": "^3",
    "°": "^\\circ", "∪": "\\cup ", "∩": "\\cap ", "∈": "\\in ", "≈": "\\approx ", "\u2009": " ", "\u202f": " ",
}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))
_UNICODE_ROOT_RE = re.compile(r"√\s*(\([^()]*\)|\{[^{}]*\}|[0-9.]+|\\?[a-zA-Z]+)")


def unicode_math(text: str) -> str:
    """Unicode math written as LaTeX: ``5π`` → ``5\\pi``, ``√2`` → ``\\sqrt{2}``, ``≤`` → ``\\le``, ``−`` → ``-``."""
    text = _UNICODE_ROOT_RE.sub(lambda m: "\\sqrt{" + m.group(1).strip("(){}") + "}", text)
    return _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text).strip()


_RELATION_SPLIT_RE = re.compile(r"(?<![<>!\\])=(?!=)|\\approx(?![a-zA-Z])")


def final_side(answer: str) -> str:
    """The value a chain ends on: ``3 * 40 = 120`` → ``120``; ``x = \\frac13 \\approx 0.33`` → ``\\frac13`` (the exact side).

    Only ``=`` and ``\\approx`` at the top level (outside brackets) split; inequalities are left whole.
    """
    approx = _top_level_positions(answer, r"\\approx(?![a-zA-Z])")
    exact = answer[: approx[0]] if approx else answer  # what follows an "≈" is a rounding of the exact side
    cuts = _top_level_positions(exact, r"(?<![<>!\\])=(?!=)")
    side = exact[cuts[-1] + 1 :].strip() if cuts else exact.strip()
    if approx and re.fullmatch(r"(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?\w+\}?)?", side):
        return final_side(answer[approx[0] + len("\\approx") :])  # "x \\approx 11": only the rounding is given
    return side


def _top_level_positions(text: str, pattern: str) -> list[int]:
    depth_at = [0] * (len(text) + 1)
    depth = 0
    for i, ch in enumerate(text):
        depth_at[i] = depth
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return [m.start() for m in re.finditer(pattern, text) if depth_at[m.start()] == 0]


_DECIMAL_COMMA_RE = re.compile(r"^(-?)(\d+),(\d+)$")


def decimal_comma(answer: str) -> str | None:
    """``3,85`` read as 3.85 where a comma cannot be a thousands separator (not ``d,ddd``, or a leading 0), else None."""
    m = _DECIMAL_COMMA_RE.match(answer.strip())
    if not m:
        return None
    whole, frac = m.group(2), m.group(3)
    if len(frac) == 3 and whole != "0" and not whole.startswith("0"):
        return None  # 3,500: thousands
    return f"{m.group(1)}{whole}.{frac}"


_MATRIX_RE = re.compile(
    r"^(?:\\left\s*[\[(]\s*)?\\begin\{(pmatrix|bmatrix|matrix|array)\}(?:\{[^{}]*\})?(.*?)\\end\{\1\}(?:\s*\\right\s*[\])])?$",
    re.DOTALL,
)


def vector_as_tuple(answer: str) -> str | None:
    """A one-column or one-row matrix written as the tuple of its entries, ``(1, 2)``; None for anything else."""
    m = _MATRIX_RE.match(answer.strip())
    if not m:
        return None
    rows = [row for row in re.split(r"\\\\", m.group(2)) if row.strip()]
    cells = [[c.strip() for c in row.split("&")] for row in rows]
    if len(cells) > 1 and all(len(r) == 1 for r in cells):
        entries = [r[0] for r in cells]
    elif len(cells) == 1 and len(cells[0]) > 1:
        entries = cells[0]
    else:
        return None
    return "(" + ", ".join(entries) + ")"


def strip_delimiters(answer: str) -> str:
    """Remove surrounding math delimiters (``$…$``, ``\\(…\\)``, ``\\[…\\]``) and whitespace."""
    text = answer.strip()
    changed = True
    while changed:
        changed = False
        for left, right in _DELIMS:
            if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
                text = text[len(left) : len(text) - len(right)].strip()
                changed = True
    return text


def is_percent(answer: str) -> bool:
    """Whether the answer is written as a percentage."""
    return bool(re.search(r"(?:\\?%|\bpercent\b)\s*\}?\s*$", answer.strip().rstrip(".$ ")))


def strip_percent(answer: str) -> str:
    """The answer without a trailing percent sign or word."""
    return re.sub(r"\s*(?:\\?%|\\text\{\s*percent\s*\}|percent)\s*\}?\s*$", "", answer.strip()).strip()


# Trailing units after a value: "10 \text{ m/s}", "864 \mbox{ inches}^2", Minerva's "9.8 \mathrm{~m} / \mathrm{s}^{2}".
_UNIT_GROUP = r"\\(text|mbox|textrm|mathrm)\s*\{([^{}]*)\}(?:\s*\^\s*\{?\s*-?\d\s*\}?)?"
_RAW_UNITS_RE = re.compile(r"^(.*?[\d}).\s])\s*((?:(?:/|\\cdot|\\,|\s)*" + _UNIT_GROUP + r")+)\s*$")
_UNIT_CONTENT_RE = re.compile(r"^\s*~?\s*[a-zA-Z][a-zA-Z /.~]*$")


def strip_unit(answer: str) -> str:
    """The answer without a trailing unit, LaTeX kept (for the symbolic path).

    Units are removed here rather than by Math-Verify, whose unit list holds one-letter "units" (m, s, t, c, …)
    and so dropped the variable from answers such as ``\\frac{1}{\\sqrt{2}}c``. A lone one-letter
    ``\\mathrm{e}`` is a constant, not a unit.
    """
    text = _TEXT_ALIASES_RE.sub(r"\\text{", answer.strip())
    m = _RAW_UNITS_RE.match(text)
    if m and m.group(1).strip():
        groups = re.findall(_UNIT_GROUP, m.group(2))
        if all(_UNIT_CONTENT_RE.match(content) for _, content in groups) and any(
            command != "mathrm" or len(content.strip()) > 1 for command, content in groups
        ):
            return m.group(1).strip()
    m = _TRAILING_UNIT_RE.match(text)
    if m and m.group(2):  # a bare unit word after a plain number
        return m.group(2)
    return answer.strip()


def normalize(answer: str) -> str:
    """A canonical string for comparison: no delimiters, spacing macros, degree signs, units or wrappers."""
    text = _TEXT_ALIASES_RE.sub(r"\\text{", strip_delimiters(answer))
    text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
    text = _FRAC_SHORT_RE.sub(r"\\frac{\1}{\2}", text)
    text = _FRAC_HALF_SHORT_RE.sub(r"\\frac{\1}{\2}", text)
    text = _FRAC_NUM_SHORT_RE.sub(r"\\frac{\1}{", text)
    text = _SQRT_SHORT_RE.sub(r"\\sqrt{\1}", text)
    text = _THIN_COMMA_RE.sub(",", text)  # MATH writes 10,\!080 for 10080
    text = _SPACING_RE.sub(" ", text)
    text = text.replace("{,}", ",").replace("\\%", "%")
    text = _DEGREE_RE.sub("", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(".").strip()
    unit = _TRAILING_UNIT_RE.match(text)
    if unit:
        text = unit.group(1) or unit.group(2)
    text = _CURRENCY_RE.sub("", text)
    worded = _WORDS_AFTER_NUMBER_RE.match(text)
    if worded:  # "12 apples", "35 different outfits": the words around a plain number are not the answer
        text = worded.group(1)
    text = _TEXT_RE.sub(lambda m: m.group(1), text).strip()
    if text.startswith("\\") is False and text.startswith("{") and text.endswith("}") and _balanced(text[1:-1]):
        text = text[1:-1]
    assign = _ASSIGN_RE.match(text)
    if assign and "," not in text and not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "", assign.group(2))):
        # "x = 3" is the value 3; "y = 2x + 3" stays an equation (its left side matters)
        text = assign.group(2).strip()
    if _THOUSANDS_RE.match(text):  # before spaces go: "3, 500" is a list, "3,500" a number
        text = text.replace(",", "")
    return text.replace(" ", "")


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "{"
        depth -= ch == "}"
        if depth < 0:
            return False
    return depth == 0


@dataclass(frozen=True)
class Number:
    """A plain number read exactly; ``decimal`` marks values written with a decimal point (rounded ones)."""

    value: Fraction
    decimal: bool
    percent: bool


_MAX_NUMBER_CHARS = 400
_INT = r"-?\d+"
_DEC = r"-?(?:\d+\.\d*|\.\d+)"
_NUM_RE = re.compile(rf"^({_DEC}|{_INT})$")
_SCI_RE = re.compile(rf"^({_DEC}|{_INT})(?:\\times|\\cdot|\*|×)10\^\{{?(-?\d+)\}}?$|^({_DEC}|{_INT})[eE]([+-]?\d+)$")
_FRAC_RE = re.compile(rf"^(-?)\\frac\{{({_DEC}|{_INT})\}}\{{({_DEC}|{_INT})\}}$")
_SLASH_RE = re.compile(rf"^({_INT})/({_INT})$")
_REPEATING_RE = re.compile(r"^(-?)(\d*)\.(\d*)\\overline\{(\d+)\}$")


def parse_number(norm: str) -> Number | None:
    """Read a normalised answer as an exact number, or None (integers, decimals, fractions, a×10^k, percent)."""
    if len(norm) > _MAX_NUMBER_CHARS:
        return None  # beyond Python's int-string limit; left to the symbolic path (with its deadline)
    percent = norm.endswith("%")
    text = norm[:-1] if percent else norm
    text = text.replace("−", "-")
    m = _NUM_RE.match(text)
    if m:
        return Number(Fraction(m.group(1)), "." in m.group(1), percent)
    m = _FRAC_RE.match(text)
    if m:
        num, den = Fraction(m.group(2)), Fraction(m.group(3))
        if den == 0:
            return None
        sign = -1 if m.group(1) else 1
        return Number(sign * num / den, "." in m.group(2) + m.group(3), percent)
    m = _SLASH_RE.match(text)
    if m:
        den = Fraction(m.group(2))
        if den == 0:
            return None
        return Number(Fraction(m.group(1)) / den, False, percent)
    m = _REPEATING_RE.match(text)
    if m:
        return Number(_repeating(m.group(2), m.group(3), m.group(4), negative=bool(m.group(1))), False, percent)
    m = _SCI_RE.match(text)
    if m:
        mantissa, exponent = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        exp = int(exponent)
        if abs(exp) > 400:
            return None
        return Number(Fraction(mantissa) * Fraction(10) ** exp, "." in mantissa, percent)
    return None


def numbers_equal(gold: Number, pred: Number, *, float_rounding: int) -> bool:
    """Exact equality; a decimal side is compared after rounding (1/3 ≡ 0.333333, never 123456 ≡ 123460).

    Percent: when the gold is a percentage, ``50%`` ≡ ``50`` ≡ ``0.5``; a percent sign on the prediction
    alone is read as a unit (``5%`` ≡ ``5``), never as a factor of 1/100.
    """
    candidates = [gold.value]
    if gold.percent and not pred.percent:
        candidates.append(gold.value / 100)
    for target in candidates:
        if _close(target, pred, float_rounding=float_rounding, gold_decimal=gold.decimal):
            return True
    return False


def _close(target: Fraction, pred: Number, *, float_rounding: int, gold_decimal: bool) -> bool:
    """Equal, or equal once rounded when either side was written as a decimal.

    Rounding keeps ``float_rounding`` decimal places, and as many significant digits for values below 0.1
    (so 3.89e-10 and 3.89e-11 stay apart instead of both rounding to 0).
    """
    if target == pred.value:
        return True
    if not (pred.decimal or gold_decimal):
        return False
    places = float_rounding + max(_leading_zeros(target), _leading_zeros(pred.value))
    scale = Fraction(10) ** places
    return round(target * scale) == round(pred.value * scale)


def _leading_zeros(value: Fraction) -> int:
    """How many zeros follow the decimal point before the first significant digit (0 for 0 and for |x| >= 0.1)."""
    value = abs(value)
    zeros = 0
    while value and value < Fraction(1, 10):
        value *= 10
        zeros += 1
    return zeros


def _repeating(whole: str, fixed: str, period: str, *, negative: bool) -> Fraction:
    """The exact value of ``whole.fixed(period)`` with the period repeating: 0.1\\overline{6} = 1/6."""
    value = Fraction(int(whole or "0")) + Fraction(int(fixed or "0"), 10 ** len(fixed))
    value += Fraction(int(period), (10 ** len(period) - 1) * 10 ** len(fixed))
    return -value if negative else value


@dataclass(frozen=True)
class Numeral:
    """A numeral written in an explicit base, e.g. ``4210_{5}``."""

    digits: str
    base: int


_NUMERAL_RE = re.compile(r"^([0-9A-Z]*\d[0-9A-Z]*)_\{?(\d+)\}?$")


def base_numeral(norm: str) -> Numeral | None:
    """Read ``52_8`` / ``4210_{5}`` (digits, then a numeric subscript) as a numeral in a base, else None."""
    m = _NUMERAL_RE.match(norm)
    if not m:
        return None
    return Numeral(m.group(1).lstrip("0") or "0", int(m.group(2)))


_WORD_RE = re.compile(r"^[A-Za-z][A-Za-z '\-]*$")


def plain_word(norm: str) -> str | None:
    """The lower-cased text of an answer made only of words ("Monday", "yes", "Evelyn"), else None."""
    if _WORD_RE.match(norm) and len(norm) > 1:
        return norm.lower()
    return None


Shape = Literal["tuple", "interval", "set", "list"]


@dataclass(frozen=True)
class Compound:
    """A bracketed or comma-separated answer: ordered tuple, interval, braced set or bare list."""

    shape: Shape
    items: tuple[str, ...]
    #: Bracket characters, e.g. "[)" for a half-open interval; "" for a bare list.
    brackets: str


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside of any brackets or braces."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def compound(norm: str) -> Compound | None:
    """Read a normalised answer as a compound of at least two items, or None.

    ``(a, b, …)`` is an ordered tuple (an open interval ``(a, b)`` compares the same way), ``[a, b)``-style
    two-item brackets are intervals, ``\\{a, b\\}`` is a set and a bare ``a, b`` a list of answers.
    """
    if norm.startswith("\\{") and norm.endswith("\\}"):
        items = split_top_level(norm[2:-2])
        return Compound("set", tuple(items), "{}") if len(items) >= 2 else None
    if len(norm) >= 2 and norm[0] in "([" and norm[-1] in ")]":
        if not _closes_at_end(norm):
            return None  # "(0, 1) \\cup (2, 3)": not one bracket group
        items = split_top_level(norm[1:-1])
        if len(items) < 2:
            return None
        brackets = norm[0] + norm[-1]
        shape: Shape = "interval" if brackets != "()" and len(items) == 2 else "tuple"
        return Compound(shape, tuple(items), brackets)
    items = split_top_level(norm)
    if len(items) >= 2 and all(items):
        return Compound("list", tuple(items), "")
    return None


def _closes_at_end(text: str) -> bool:
    """Whether the bracket opening at text[0] is the one that closes at text[-1]."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return depth == 0

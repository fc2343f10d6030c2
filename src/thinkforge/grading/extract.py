"""Find the final answer in a model response: reasoning-aware, last ``\\boxed{}``, explicit answer phrases.

Extraction never guesses from the middle of a response: text inside a thought section is ignored, and a
thought section that never closes makes the response ``truncated`` rather than a source of stray numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: Markers that close a thought section (DeepSeek-R1/QwQ style and Sky-T1/Bespoke style).
THOUGHT_CLOSE = ("</think>", "<|end_of_thought|>")
#: Markers that open a thought section.
THOUGHT_OPEN = ("<think>", "<|begin_of_thought|>")
_SOLUTION_TAGS = ("<|begin_of_solution|>", "<|end_of_solution|>")

Source = Literal["boxed", "phrase", "last_number", "lone_letter", "given"]


@dataclass(frozen=True)
class AnswerRegion:
    """The part of a response in which the final answer may be read."""

    text: str
    #: True when a thought section opened and never closed (the response was cut inside its reasoning).
    unclosed_thought: bool = False
    #: True when the sample stopped at the token limit (``finish_reason == "length"``).
    cut_at_limit: bool = False

    @property
    def truncated_reason(self) -> str | None:
        """Why no answer may be read here (the verdict is then ``truncated``), or None."""
        if self.cut_at_limit:
            return "the response was cut at the token limit"
        if self.unclosed_thought:
            return "the thought section never closes"
        return None


@dataclass(frozen=True)
class Extraction:
    """An extracted final answer (``answer is None`` when there is none) and where it came from."""

    answer: str | None
    source: Source | None = None


def answer_region(text: str, truncated: bool = False) -> AnswerRegion:
    """Return the text after the last closed thought section (all of it when there is no thought section).

    A response cut at the token limit (``truncated``) has no readable answer: it is never mined for one.
    """
    if truncated:
        return AnswerRegion(text="", cut_at_limit=True)
    close_at = -1
    close_len = 0
    for marker in THOUGHT_CLOSE:
        i = text.rfind(marker)
        if i > close_at:
            close_at, close_len = i, len(marker)
    if close_at >= 0:
        region = text[close_at + close_len :]
        if any(marker in region for marker in THOUGHT_OPEN):
            return AnswerRegion(text="", unclosed_thought=True)  # a later thought section never closed
    elif any(marker in text for marker in THOUGHT_OPEN):
        return AnswerRegion(text="", unclosed_thought=True)
    else:
        region = text
    for tag in _SOLUTION_TAGS:
        region = region.replace(tag, "\n")
    return AnswerRegion(text=region)


_BOX_RE = re.compile(r"\\(?:boxed|fbox)\b")
# Text allowed between boxes that together form one answer: "\boxed{1} and \boxed{3}", "$\boxed{2}$, $\boxed{5}$".
_BOX_SEPARATOR_RE = re.compile(r",|;|\band\b|\bor\b")
_BOX_JOINER_RE = re.compile(r"^(?:\s|\$|\\[()\[\]]|,|;|\\quad|\\qquad|\\text\{\s*(?:and|or)\s*\}|\band\b|\bor\b)*$")


def _braced(text: str, start: int) -> tuple[str, int] | None:
    """Content of the brace group opening at ``text[start] == '{'`` and the index after it; None if unclosed."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
        i += 1
    return None


@dataclass(frozen=True)
class _Box:
    content: str
    start: int
    end: int


def find_boxes(text: str) -> list[_Box]:
    """Every complete ``\\boxed{…}`` / ``\\fbox{…}`` (nested braces allowed; ``\\boxed 5`` too), in order."""
    boxes: list[_Box] = []
    for match in _BOX_RE.finditer(text):
        i = match.end()
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] == "{":
            group = _braced(text, i)
            if group is not None:
                boxes.append(_Box(group[0], match.start(), group[1]))
        elif i > match.end() and i < len(text):
            token = re.match(r"[^\s$.,;]+", text[i:])
            if token:
                boxes.append(_Box(token.group(0), match.start(), i + token.end()))
    return boxes


def last_boxed(text: str, *, join_adjacent: bool = True) -> str | None:
    """The content of the last complete box; adjacent boxes joined only by "and"/commas become one list."""
    boxes = find_boxes(text)
    if not boxes:
        return None
    group = [boxes[-1]]
    if join_adjacent:
        for box in reversed(boxes[:-1]):
            gap = text[box.end : group[0].start]
            if not (_BOX_JOINER_RE.match(gap) and _BOX_SEPARATOR_RE.search(gap)):
                break
            group.insert(0, box)
    contents = list(dict.fromkeys(b.content.strip() for b in group))  # "\boxed{5}, \boxed{5}" is one answer
    return ", ".join(contents)


_PHRASE_RE = re.compile(
    r"(?:final\s+answer|(?<![a-z])answer)\s*(?:\*\*)?\s*(?:is|:|=|was)\s*[:]?\s*(?:\*\*)?[ \t]*"
    # a "**Final Answer**" / "## Final Answer" heading, when math (not prose) follows it
    r"|(?:\*\*|^\#+[ \t]*)final\s+answer[ \t]*:?[ \t]*(?:\*\*)?[ \t]*:?[ \t]*(?=\s*[-+.\d$\\(\[])",
    re.IGNORECASE | re.MULTILINE,
)
_MATH_SPANS = (
    re.compile(r"^\$\$(.+?)\$\$", re.DOTALL),
    re.compile(r"^\$((?:\\\$|[^$])+)\$"),  # an escaped dollar (\$150) stays inside
    re.compile(r"^\\\((.+?)\\\)", re.DOTALL),
    re.compile(r"^\\\[(.+?)\\\]", re.DOTALL),
)


_REASON_RE = re.compile(r",?\s+(?:since|because|as|which|where|so|hence|thus|given|meaning)\b", re.IGNORECASE)


def phrase_answer(text: str) -> str | None:
    """The answer after the last "final answer is …" / "Answer: …", up to the end of its sentence or line."""
    matches = list(_PHRASE_RE.finditer(text))
    for match in reversed(matches):
        rest = text[match.end() :].lstrip(" \t")
        if rest.startswith("\n"):  # "**Final Answer**:\n\n 42"
            rest = rest.lstrip()
        for span in _MATH_SPANS:
            m = span.match(rest)
            if m:
                return m.group(1).strip()
        line = rest.split("\n", 1)[0]
        # Stop at the end of the sentence: ". " or a final "." (not a decimal point).
        line = re.split(r"\.(?:\s|$)|\*\*", line, maxsplit=1)[0].strip()
        line = _REASON_RE.split(line, maxsplit=1)[0].strip()  # "5, since 5 is prime": the answer is 5
        if line:
            return line
    return None


# A minus sign only where it cannot be a hyphen ("10-14"); commas only in groups of three ("1,2,3" is a list).
_NUMBER_RE = re.compile(r"(?:(?<![\w.])-)?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|(?:(?<![\w.])-)?\.\d+")


def last_number(text: str) -> str | None:
    """The last number in the text, thousands separators removed (GSM8K's fallback)."""
    numbers = _NUMBER_RE.findall(text)
    if not numbers:
        return None
    return numbers[-1].replace(",", "").rstrip(".")


def extract_math_answer(region: str, fallback: str = "none") -> Extraction:
    """The final math answer of an answer region: last box, then an answer phrase, then the fallback."""
    boxed = last_boxed(region)
    if boxed is not None:
        return Extraction(boxed, "boxed")
    phrase = phrase_answer(region)
    if phrase is not None:
        return Extraction(phrase, "phrase")
    if fallback == "last_number":
        number = last_number(region)
        if number is not None:
            return Extraction(number, "last_number")
    return Extraction(None)


_WRAPPERS_RE = re.compile(r"\\(?:text|textbf|mathrm|mathbf|mathit|textit|texttt|operatorname)\s*\{([^{}]*)\}")


def _unwrap(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _WRAPPERS_RE.sub(r"\1", text)
    return text


def _hedge(letters: str) -> re.Pattern[str]:
    """A second letter offered right after the first ("B and C.", "(B) or (C)", "B/C"): a hedge, not an answer."""
    cls = re.escape(letters)
    return re.compile(
        rf"\s*(?:,\s*(?:and|or)?|/|&|\b(?:and|or)\b)\s*(?:\*\*)?[(\[]?\s*(?:option\s+|choice\s+)?[{cls}]\s*[)\]]?"
        rf"(?:\*\*)?\s*(?:[.,;:!?]|$|\b(?:and|or)\b)",
        re.MULTILINE,
    )


# "The answer is I think (C)": the pronoun, not choice I (MMLU-Pro has ten options).
_PRONOUN_I_RE = re.compile(
    r"I(?:'[a-z]|\s+(?:think|believe|guess|would|will|am|feel|suppose|need|can|could|should|must|have|was|did|do)\b)"
)


def letter_in(answer: str, letters: str) -> str | None:
    """The choice letter an extracted answer names: ``B``, ``(B)``, ``\\text{(B)}``, ``B) 42``, ``**B**``."""
    text = _unwrap(answer).replace("$", "").replace("*", "").strip()
    cls = re.escape(letters)
    m = re.match(rf"^(?:option|choice)?\s*[(\[]?\s*([{cls}])\s*[)\].:]?(?:\s|$)", text, re.IGNORECASE)
    if m and (m.group(1) in letters) and not _hedge(letters).match(text, m.end()):
        return m.group(1)
    return None


def extract_choice(region: str, letters: str) -> Extraction:
    """The chosen letter: last box, then "answer is (B)" / "Answer: B", then a lone letter on the last line.

    Never the last capital letter anywhere in the text.
    """
    boxed = last_boxed(region, join_adjacent=False)
    if boxed is not None:
        letter = letter_in(boxed, letters)
        if letter is not None:
            return Extraction(letter, "boxed")
    cls = re.escape(letters)
    phrase = re.compile(
        rf"(?:answer|correct\s+(?:option|choice))(?:\s+(?:is|would\s+be|should\s+be))?\s*(?:\*\*)?\s*[:：]?\s*(?:\*\*)?\s*"
        rf"(?:option\s+|choice\s+)?[(\[]?\s*(?:\*\*)?([{cls}])(?:\*\*)?\s*[)\]]?(?![A-Za-z0-9])",
        re.IGNORECASE,
    )
    text = _unwrap(region)
    hits = [m for m in phrase.finditer(text) if m.group(1) in letters and not _PRONOUN_I_RE.match(text, m.start(1))]
    if hits:
        if _hedge(letters).match(text, hits[-1].end()):
            return Extraction(None)  # the final statement names two letters
        return Extraction(hits[-1].group(1), "phrase")
    lines = [ln for ln in region.strip().splitlines() if ln.strip()]
    if lines:
        lone = re.match(rf"^\W*([{cls}])\W*$", _unwrap(lines[-1]).strip())
        if lone:
            return Extraction(lone.group(1), "lone_letter")
    return Extraction(None)

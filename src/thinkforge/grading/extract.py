"""Find the final answer in a model response: reasoning-aware, last ``\\boxed{}``, explicit answer phrases.

Extraction never guesses from the middle of a response: text inside a thought section is ignored, and a
thought section that never closes makes the response ``truncated`` rather than a source of stray numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import get_args, Literal

from thinkforge.defaults import PROSE

#: Markers that close a thought section (DeepSeek-R1/QwQ style and Sky-T1/Bespoke style).
THOUGHT_CLOSE = ("</think>", "<|end_of_thought|>")
#: Markers that open a thought section.
THOUGHT_OPEN = ("<think>", "<|begin_of_thought|>")
_SOLUTION_TAGS = ("<|begin_of_solution|>", "<|end_of_solution|>")
#: Chat-template tokens that end the model's turn; text after one is a turn the model made up.
_TURN_END_RE = re.compile(r"<\|(?:im_start|im_end|endoftext|eot_id|end_of_text|start_header_id)\|>|</s>")

Source = Literal["boxed", "phrase", "prose", "bare", "last_number", "lone_letter", "leading_letter", "given"]
#: Every place an answer can be read from (``Verdict.detail["source"]``).
ANSWER_SOURCES: tuple[str, ...] = get_args(Source)


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
    #: Why no answer was read, when that is worth telling (e.g. the response ends mid-sentence).
    reason: str = ""


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
    turn_end = _TURN_END_RE.search(region)
    if turn_end:  # the model went on to write the next chat turn itself: that is not its answer
        region = region[: turn_end.start()]
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


_ADVERB_RE = re.compile(
    r"^(?:(?:definitely|indeed|clearly|surely|simply|just|exactly|obviously|probably|likely|actually|then|"
    r"therefore|thus|now|also|still|certainly|precisely|approximately|about|roughly|for sure)\b,?\s*)+",
    re.IGNORECASE,
)
_REASON_RE = re.compile(r",?\s+(?:since|because|as|which|where|so|hence|thus|given|meaning)\b", re.IGNORECASE)


def phrase_answer(text: str, *, read_statement: bool = False) -> str | None:
    """The answer after the last "final answer is …" / "Answer: …", up to the end of its sentence or line.

    With ``read_statement``, an answer written as a sentence ("Final Answer: The largest $n$ is 34") is read
    down to the value it states (:func:`refine_statement`).
    """
    matches = list(_PHRASE_RE.finditer(text))
    for match in reversed(matches):
        rest = text[match.end() :].lstrip(" \t")
        if rest.startswith("\n"):  # "**Final Answer**:\n\n 42"
            rest = rest.lstrip()
        rest = _ADVERB_RE.sub("", rest)  # "the answer is definitely \\(720\\)"
        for span in _MATH_SPANS:
            m = span.match(rest)
            if m:
                return m.group(1).strip()
        line = rest.split("\n", 1)[0]
        # Stop at the end of the sentence: ". " or a final "." (not a decimal point).
        line = re.split(r"\.(?:\s|$)|\*\*", line, maxsplit=1)[0].strip()
        line = _REASON_RE.split(line, maxsplit=1)[0].strip()  # "5, since 5 is prime": the answer is 5
        if line:
            return refine_statement(line) if read_statement else line
    return None


# A minus sign only where it cannot be a hyphen ("10-14"); commas only in groups of three ("1,2,3" is a list).
_NUMBER_RE = re.compile(r"(?:(?<![\w.])-)?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|(?:(?<![\w.])-)?\.\d+")


def last_number(text: str) -> str | None:
    """The last number in the text, thousands separators removed (GSM8K's fallback)."""
    numbers = _NUMBER_RE.findall(text)
    if not numbers:
        return None
    return numbers[-1].replace(",", "").rstrip(".")


def extract_math_answer(region: str, fallback: str = "none", *, strict: bool = False) -> Extraction:
    """The final math answer of an answer region: last box, then an answer phrase, then (unless ``strict``)
    the value the final statement of a complete response gives, then the fallback."""
    boxed = last_boxed(region)
    if boxed is not None:
        return Extraction(boxed, "boxed")
    phrase = phrase_answer(region, read_statement=not strict)
    if phrase is not None:
        return Extraction(phrase, "phrase")
    reason = ""
    if not strict:
        bare = bare_answer(region)
        if bare is not None:
            return Extraction(bare, "bare")
        if ends_complete(region):
            prose = prose_answer(region)
            if prose is not None:
                return Extraction(prose, "prose")
        elif region.strip():
            reason = "the response ends mid-sentence: its final statement is not read"
    if fallback == "last_number":
        number = last_number(region)
        if number is not None:
            return Extraction(number, "last_number")
    return Extraction(None, reason=reason)


# ---------------------------------------------------------------- the final statement of a prose response

# Math spans in reading order; an inline $…$ stays on one line and never starts at an escaped \$.
_MATH_SPAN_RE = re.compile(
    r"\\\[(.+?)\\\]|\$\$(.+?)\$\$|\\\((.+?)\\\)|(?<!\\)\$((?:\\\$|[^$\n])+?)(?<!\\)\$", re.DOTALL
)
_PLACEHOLDER_RE = re.compile(r"\x00(\d+)\x00")
_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
# A value written in words-and-numbers prose: a tuple "(7, 6)", "\$24.50", "2/3", "1201_3", "5π", "25%", "√2".
_PLAIN_VALUE_RE = re.compile(
    rf"\((?:\s*{_NUMBER}\s*,)+\s*{_NUMBER}\s*\)"
    rf"|(?<![\w.])(?:\\?\$\s?)?{_NUMBER}(?:\s*/\s*\d+(?!\d|\.\d))?(?:_\{{?\d+\}}?)?(?!(?:st|nd|rd|th)\b)"
    r"(?:\s*(?:π|\\pi\b))?%?"
    r"|(?<![\w.])-?√\d+|(?<!\w)π"
)
# Words that state a value: "k is 5", "there are 14", "3 * 40 = 120", "simplifies to 12".
_COPULA_RE = re.compile(
    r"\b(?:is|are|was|were|be|equals?|gives?|get|gets|got|yields?|makes?|becomes?|to)\b|=|:", re.IGNORECASE
)
_PROSE_REASON_RE = re.compile(r",?\s+(?:since|because|which|where|as\s+(?:it|this|we|the|required))\b", re.IGNORECASE)
_VARIABLE_RE = re.compile(  # a lone letter names a variable; \pi, \infty are values
    r"^\s*(?:[a-zA-Z]|\\(?:alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|kappa|lambda|mu|nu|xi|rho|"
    r"sigma|tau|phi|varphi|chi|psi|omega))(?:_\{?\w+\}?)?\s*$"
)
_TERMINAL_RE = re.compile(r"[.!?。]$|\$$|\\\]$|\\\)$")


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    value: str


def _currency_dollars(text: str) -> str:
    """Escape a dollar sign that is money, not math: on a line with an odd number of ``$``, one before a digit."""
    lines = []
    for line in text.split("\n"):
        if len(re.findall(r"(?<!\\)\$", line)) % 2 == 1:
            line = re.sub(r"(?<![\\$])\$(?=\d)", r"\\$", line)
        lines.append(line)
    return "\n".join(lines)


def _mask_math(text: str) -> tuple[str, list[str]]:
    """The text with each math span replaced by a placeholder, and the spans' contents."""
    spans: list[str] = []

    def keep(match: re.Match[str]) -> str:
        spans.append(next(g for g in match.groups() if g is not None).strip())
        return f"\x00{len(spans) - 1}\x00"

    return _MATH_SPAN_RE.sub(keep, text), spans


def _delimiters_balanced(text: str) -> bool:
    return (
        len(re.findall(r"(?<!\\)\$", text)) % 2 == 0
        and text.count("\\[") == text.count("\\]")
        and text.count("\\(") == text.count("\\)")
    )


def _tail(region: str) -> str:
    """The last ``ProseAnswerDefaults.tail_chars`` of a region, starting at a paragraph break when there is one."""
    if len(region) <= PROSE.tail_chars:
        return region
    tail = region[-PROSE.tail_chars :]
    cut = tail.find("\n\n")
    return tail[cut + 2 :] if cut >= 0 else tail


def ends_complete(region: str) -> bool:
    """Whether a response ends as a finished statement, not cut mid-sentence.

    Complete: the last sentence ends with ``.``/``!``/``?`` or closes a math span (``$``, ``\\]``, ``\\)``),
    with every math delimiter closed; or the last line is a lone value (``14``, ``**14**``, ``$x = 7$``).
    Cut: anything else (``… so the answer is``, ``… = 12``, ``…``, an open ``\\[``).
    """
    text = _currency_dollars(_tail(region.rstrip()))
    text = re.sub(r"(?:\*\*|__|[*_`\"'”’]|\s)+$", "", text)
    if not text or text.endswith(("...", "…")) or not _delimiters_balanced(text):
        return False
    if _TERMINAL_RE.search(text):
        return True
    last_line = text.rsplit("\n", 1)[-1].strip().lstrip("#*> -").strip()
    masked, spans = _mask_math(last_line)
    masked = masked.replace("*", "").strip()
    return bool(_PLACEHOLDER_RE.fullmatch(masked) or _PLAIN_VALUE_RE.fullmatch(masked))


def _candidates(masked: str, spans: list[str]) -> list[_Candidate]:
    found = [
        _Candidate(m.start(), m.end(), spans[int(m.group(1))].rstrip(",;").strip())  # "$\\frac13,$"
        for m in _PLACEHOLDER_RE.finditer(masked)
        if not _VARIABLE_RE.match(spans[int(m.group(1))])  # "$k$" names a variable, it is not the value
    ]
    plain = _PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), masked)
    found += [_Candidate(m.start(), m.end(), m.group(0).strip()) for m in _PLAIN_VALUE_RE.finditer(plain)]
    return sorted(found, key=lambda c: c.start)


def statement_value(sentence: str) -> str | None:
    """The value one sentence states: the first value after its last "is"/"="/"are"…, else its last value.

    "Therefore, the value of $k$ is 5." → ``5``; "So, I'm confident that 38 is the correct answer." → ``38``;
    "the sum $p + q + r = 4 + 7 + 2 = 13$." → the whole chain (compared at its final value);
    "12 apples" → ``12``. A reason clause after the value (", since …") is not read.
    """
    masked, spans = _mask_math(_currency_dollars(sentence))
    head = _PROSE_REASON_RE.split(masked, maxsplit=1)[0]
    for text in (head, masked) if head != masked else (masked,):
        found = _candidates(text, spans)
        if not found:
            continue
        copulas = [m.end() for m in _COPULA_RE.finditer(_PLACEHOLDER_RE.sub(" ", text))]
        if copulas:
            after = [c for c in found if c.start >= copulas[-1]]
            if after:
                return _joined(after, text)
        return found[-1].value
    return None


_LIST_GAP_RE = re.compile(r"^\s*(?:,|and|,\s*and)\s*$")


def _joined(after: list[_Candidate], text: str) -> str:
    """The first value stated, with the values listed right after it ("the roots are 2 and 5" → ``2, 5``)."""
    items = [after[0]]
    for nxt in after[1:]:
        if not _LIST_GAP_RE.match(text[items[-1].end : nxt.start]):
            break
        items.append(nxt)
    return ", ".join(c.value for c in items)


_PROSE_WORD_RE = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}")


def refine_statement(answer: str) -> str:
    """An answer-phrase answer that is itself a sentence ("The largest $n$ is 34") read down to its value."""
    bare = re.sub(r"\\[a-zA-Z]+(?:\s*\{[^{}]*\})?", " ", _mask_math(answer)[0])
    if len(_PROSE_WORD_RE.findall(bare)) < 2:
        return answer  # "12 apples", "1,200 feet": the comparison drops a word after a number
    return statement_value(answer) or answer


def _sentences(text: str) -> list[str]:
    """The sentences of a text, math spans kept whole (a "." inside ``$…$`` or ``\\[…\\]`` does not end one)."""
    masked, spans = _mask_math(text)
    units: list[str] = []
    for line in masked.split("\n"):
        line = line.strip().lstrip("#>").replace("**", "").strip()
        if line.startswith(("- ", "* ")):
            line = line[2:]
        # a sentence also ends after math that holds its own period: "… \\[ x = 2. \\] Therefore, …"
        units += [u for u in re.split(r"(?<=[.!?。])\s+|(?<=\x00)\s+(?=[A-Z])", line) if u.strip()]
    return [_PLACEHOLDER_RE.sub(lambda m: spans[int(m.group(1))].join(("\\(", "\\)")), u) for u in units]


_HEDGE_VALUE = rf"(?:\x00\d+\x00|{_NUMBER})"
_PROSE_HEDGE_RE = re.compile(rf"{_HEDGE_VALUE}\s*,?\s+or\s+(?:maybe\s+|perhaps\s+|possibly\s+)?{_HEDGE_VALUE}", re.IGNORECASE)


def _is_hedge(sentence: str) -> bool:
    """Two values offered as alternatives ("5 or 6", "$x = 2$ or $x = 3$")."""
    return bool(_PROSE_HEDGE_RE.search(_mask_math(sentence)[0]))


_BARE_MAX_CHARS = 80


def bare_answer(region: str) -> str | None:
    """A response that is nothing but its answer: one short line of math or a number with at most one word
    ("\\frac{10}{9}", "1 000", "28 percent", "$28$ %"); None for anything else."""
    text = region.strip()
    if not text or "\n" in text or len(text) > _BARE_MAX_CHARS or not re.match(r"[-+−(\[{$\\\d.√π]", text):
        return None  # it must open with its value: "So far 17" is not an answer
    masked = _mask_math(_currency_dollars(text))[0]
    words = _PROSE_WORD_RE.findall(re.sub(r"\\[a-zA-Z]+", " ", masked))
    if len(words) > 1 or not re.search(r"\d|\\[a-zA-Z]|\x00", masked):
        return None
    answer = text.replace("\\$", "").replace("$", "").strip()
    if not answer.endswith(("...", "…", "\\dots", "\\ldots")):  # an ellipsis is part of the answer
        answer = answer.rstrip(".,;").strip()  # sentence punctuation is not: "$\\frac{1}{3},$"
    return answer or None


def prose_answer(region: str) -> str | None:
    """The value a complete response states at its end, without a box or an answer marker.

    Reads the last sentences (``ProseAnswerDefaults.max_sentences``), skipping those with no value ("I hope it
    is correct.") and questions; the caller checks first that the response is complete (:func:`ends_complete`).
    """
    sentences = _sentences(_currency_dollars(_tail(region)))
    for sentence in reversed(sentences[-PROSE.max_sentences :]):
        if sentence.rstrip().endswith("?"):
            continue
        if _is_hedge(sentence):
            return None  # "It is either 5 or 6.": no single answer
        value = statement_value(sentence)
        if value is not None:
            return value
    return None


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


_CHOICE_ADVERBS = (
    r"(?:(?:definitely|clearly|surely|certainly|indeed|probably|likely|obviously|most\s+likely|for\s+sure|then)\s*,?\s*)*"
)


def _choice_patterns(letters: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(answer phrases: "answer is (B)", "Answer: B"; first-person statements: "so I believe it's C")."""
    cls = re.escape(letters)
    letter = rf"(?:option\s+|choice\s+)?[(\[]?\s*(?:\*\*)?([{cls}])(?:\*\*)?\s*[)\]]?"
    phrase = re.compile(
        rf"(?:answer|correct\s+(?:option|choice))(?:\s+(?:is|would\s+be|should\s+be))?\s*(?:\*\*)?\s*[:：]?\s*(?:\*\*)?\s*"
        rf"{_CHOICE_ADVERBS}{letter}(?![A-Za-z0-9])",
        re.IGNORECASE,
    )
    statement = re.compile(
        rf"(?:\b(?:best|right|final|correct)\s+(?:option|choice|pick)\s+(?:is|would\s+be|should\s+be)"
        rf"|\bit(?:'s|’s|\s+is|\s+must\s+be|\s+should\s+be|\s+would\s+be)"
        rf"|\bI\s+(?:believe|think|choose|pick|select|go\s+with|would\s+(?:choose|pick|go\s+with))(?:\s+(?:it's|it\s+is|that))?"
        rf"|\b(?:I'll|I\s+will)\s+(?:go\s+with|choose|pick))\s*:?\s*{_CHOICE_ADVERBS}{letter}"
        rf"(?=\s*(?:[.,;:!)]|$|\b(?:because|since|as|not)\b))",
        re.MULTILINE,
    )
    return phrase, statement


def extract_choice(region: str, letters: str, *, strict: bool = False) -> Extraction:
    """The chosen letter: last box, then the last "answer is (B)" / "Answer: B" (and, unless ``strict``,
    "so I believe it's C", "the best choice is B"), then a lone letter on the last line, then (unless
    ``strict``) a letter opening the response ("B. because …").

    Never the last capital letter anywhere in the text; a hedge ("B or C") is no answer.
    """
    boxed = last_boxed(region, join_adjacent=False)
    if boxed is not None:
        letter = letter_in(boxed, letters)
        if letter is not None:
            return Extraction(letter, "boxed")
    phrase, statement = _choice_patterns(letters)
    text = _unwrap(region)
    hits = [m for m in phrase.finditer(text) if m.group(1) in letters and not _PRONOUN_I_RE.match(text, m.start(1))]
    if not strict:
        hits += [m for m in statement.finditer(text) if not _PRONOUN_I_RE.match(text, m.start(1))]
    if hits:
        last = max(hits, key=lambda m: m.start(1))
        if _hedge(letters).match(text, last.end()):
            return Extraction(None)  # the final statement names two letters
        return Extraction(last.group(1), "phrase")
    cls = re.escape(letters)
    lines = [ln for ln in region.strip().splitlines() if ln.strip()]
    if lines:
        lone = re.match(rf"^\W*([{cls}])\W*$", _unwrap(lines[-1]).strip())
        if lone:
            return Extraction(lone.group(1), "lone_letter")
    if not strict:
        leading = re.match(rf"^\W*?(?:\*\*)?([{cls}])(?:\*\*)?\s*[.):]\s", _unwrap(region).strip() + " ")
        listed = re.findall(rf"^\W*?(?:\*\*)?([{cls}])(?:\*\*)?\s*[.):]\s", text, re.MULTILINE)
        if leading and len(set(listed)) <= 1 and not _hedge(letters).match(text.strip(), leading.end() - 1):
            return Extraction(leading.group(1), "leading_letter")  # not "A. … \nB. …": a list of the options
    return Extraction(None)

"""Find the program in a model response: the solution section, then the last (Python) fenced block."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

BEGIN_THOUGHT = "<|begin_of_thought|>"
END_THOUGHT = "<|end_of_thought|>"
BEGIN_SOLUTION = "<|begin_of_solution|>"
END_SOLUTION = "<|end_of_solution|>"

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
_PYTHON_TAGS = frozenset({"python", "py", "python3", "py3", "python2", "pycon", "ipython"})
_NOT_CODE_TAGS = frozenset({"text", "txt", "plaintext", "output", "console", "shell", "bash", "sh", "json",
                            "markdown", "md", "latex", "tex", "math", "yaml", "csv", "input"})


@dataclass(frozen=True)
class Extraction:
    """The program found in a response, or why there is none (``status``: truncated | no_answer)."""

    code: str | None
    status: str | None = None
    source: str = ""


def extract_program(text: str, finish_reason: str | None = None, language: str = "python") -> Extraction:
    """Extract the program to judge.

    A response cut at the token limit, or whose thought section never closes, is ``truncated``. Inside a
    ``<|begin_of_solution|>`` section (else the whole response), the last fenced block tagged as
    ``language`` wins, then the last untagged block, then the last block not tagged as prose/output; a
    response without fences that compiles as a whole is taken as a bare program.
    """
    if finish_reason == "length" or (BEGIN_THOUGHT in text and END_THOUGHT not in text):
        return Extraction(None, "truncated", "cut off before the solution")
    body, where = text, "response"
    if BEGIN_SOLUTION in text:
        body = text.split(BEGIN_SOLUTION)[-1].split(END_SOLUTION)[0]
        where = "solution section"
    elif END_THOUGHT in text:
        body = text.split(END_THOUGHT)[-1]
        where = "after the thought section"
    blocks = [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(body)]
    tags = _PYTHON_TAGS if language == "python" else frozenset({language.lower()})
    for accept in (lambda t: t in tags, lambda t: t == "", lambda t: t not in _NOT_CODE_TAGS):
        chosen = [code for tag, code in blocks if accept(tag)]
        if chosen and chosen[-1].strip():
            return Extraction(chosen[-1].rstrip() + "\n", None, f"last fenced block ({where})")
    if not blocks and language == "python" and _is_python(body):
        return Extraction(body.strip("\n") + "\n", None, "bare program")
    return Extraction(None, "no_answer", "no code block found")


def _is_python(text: str) -> bool:
    stripped = text.strip()
    if not stripped:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(stripped, "<response>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True

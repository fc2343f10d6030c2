"""Find the program in a model response: the solution section, then the last (Python) fenced block."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from thinkforge.grading.extract import THOUGHT_CLOSE, answer_region

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

    A response cut at the token limit, or whose thought section (``<think>`` or ``<|begin_of_thought|>``)
    never closes, is ``truncated`` — the same reader as the math and choice graders. Inside a
    ``<|begin_of_solution|>`` section (else the whole response), the last fenced block tagged as
    ``language`` wins, then the last untagged block, then the last block not tagged as prose/output; a
    response without fences that compiles as a whole is taken as a bare program.
    """
    region = answer_region(text, truncated=finish_reason == "length")
    if region.truncated_reason:
        return Extraction(None, "truncated", region.truncated_reason)
    if BEGIN_SOLUTION in text:
        body = text.split(BEGIN_SOLUTION)[-1].split(END_SOLUTION)[0]
        where = "solution section"
    elif any(marker in text for marker in THOUGHT_CLOSE):
        body, where = region.text, "after the thought section"
    else:
        body, where = text, "response"
    blocks = [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(body)]
    tags = _PYTHON_TAGS if language == "python" else frozenset({language.lower()})
    for accept in (lambda t: t in tags, lambda t: t == "", lambda t: t not in _NOT_CODE_TAGS):
        chosen = [(tag, code) for tag, code in blocks if accept(tag)]
        if chosen and chosen[-1][1].strip():
            tag, code = chosen[-1]
            return Extraction(code.rstrip() + "\n", None, f"{_block_name(tag)} ({where})")
    if not blocks and language == "python" and _is_python(body):
        return Extraction(body.strip("\n") + "\n", None, "bare program")
    return Extraction(None, "no_answer", "no code block found")


def _block_name(tag: str) -> str:
    """How a source names the block it took: "last ```python block", "last untagged fenced block"."""
    return f"last ```{tag} block" if tag else "last untagged fenced block"


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

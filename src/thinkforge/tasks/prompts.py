"""Prompt templates and system prompts, and rendering a problem into the chat messages a model sees.

A template is plain text with the placeholders ``{problem}`` (the problem body built by the task's loader)
and, for multiple choice, ``{letters}`` (e.g. ``A, B, C, or D``). Nothing else in the text is special, so
LaTeX such as ``\\boxed{}`` is written as is. The texts marked "Sky-T1" follow SkyThought's evaluation
configs verbatim; the others are ours, written in the same spirit (docs/tasks.md lists them all).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

from thinkforge.errors import ThinkforgeError
from thinkforge.records import Message, Problem
from thinkforge.runs.keys import stable_hash

_STDIN = (
    "Generate an executable Python function generated from the given prompt. The function should take stdin "
    "as input and print the output. Simply call the function after the definition."
)
_FUNCTIONAL = (
    "Generate an executable Python function generated from the given prompt. Return the function body "
    "without invoking it at the final solution."
)
_CHOICE = (
    "Return your final response within \\boxed{} and only include the letter choice ({letters}) as your "
    "final response."
)

#: Named templates. Sky-T1 (SkyThought evals): ``math``, ``aime``, ``choice``, ``lcb_stdin``,
#: ``lcb_functional``; ``apps_stdin``/``apps_functional`` are the Sky-T1 curation prompts (the instruction
#: glued to the question). The rest are thinkforge's.
TEMPLATES: dict[str, str] = {
    "math": "Return your final response within \\boxed{}. {problem}",
    "aime": "{problem}\nReturn your final response within \\boxed{}",
    "choice": _CHOICE + " {problem}",
    "lcb_stdin": _STDIN + " {problem}",
    "lcb_functional": _FUNCTIONAL + " {problem}",
    "apps_stdin": _STDIN + "{problem}",
    "apps_functional": _FUNCTIONAL + "{problem}",
    "humaneval": (
        "Complete the following Python function. Return the complete function, with its signature and the "
        "imports it needs, in a single ```python code block.\n\n```python\n{problem}```"
    ),
    "mbpp": (
        "{problem}\nYour code should pass these tests:\n\n{tests}\n\n"
        "Return the complete Python function in a single ```python code block."
    ),
    "plain": "{problem}",
}

#: Names of the built-in system prompts; any other string is used as literal system-prompt text.
SYSTEM_PROMPT_NAMES: tuple[str, ...] = ("sky_t1", "qwen", "none")

_PLACEHOLDER = re.compile(r"\{(problem|letters|tests)\}")


@lru_cache(maxsize=1)
def _system_prompts() -> dict[str, str]:
    text = resources.files("thinkforge.tasks").joinpath("system_prompts.json").read_text(encoding="utf-8")
    published = json.loads(text)["system_prompts"]
    return {"sky_t1": published["sky_t1"], "qwen": published["qwen_cot"]}


def system_prompt_text(system_prompt: str | None) -> str | None:
    """Resolve a system prompt name (``sky_t1``, ``qwen``, ``none``) or literal text; ``None`` means none."""
    if system_prompt is None or system_prompt == "none" or system_prompt == "":
        return None
    return _system_prompts().get(system_prompt, system_prompt)


def template_text(template: str) -> str:
    """Resolve a template name to its text; a string containing ``{problem}`` is itself a template."""
    if template in TEMPLATES:
        return TEMPLATES[template]
    if "{problem}" in template:
        return template
    raise ThinkforgeError(
        f"unknown prompt template '{template}': use one of {', '.join(sorted(TEMPLATES))} "
        "or a text containing {problem}"
    )


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """Substitute ``{problem}``/``{letters}``/``{tests}`` in one pass (braces inside values are left alone)."""
    text = template_text(template)

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise ThinkforgeError(f"prompt template needs '{{{key}}}' but the task provides no such value")
        return values[key]

    return _PLACEHOLDER.sub(sub, text)


def hash_template(template: str) -> str:
    """Short content hash of a template's text."""
    return stable_hash({"template": template_text(template)})


@dataclass(frozen=True)
class RenderedPrompt:
    """The chat messages exactly as the model sees them, and the hash of template + system prompt."""

    messages: list[Message]
    template_hash: str
    system_prompt: str | None


def render(problem: Problem, system_prompt: str | None = None) -> RenderedPrompt:
    """Render ``problem`` (its templated user prompt, or its own messages) with a system prompt.

    ``template_hash`` covers the task's template text (recorded by the loader in
    ``problem.meta["template_hash"]``) and the system prompt text, so changing either changes the
    generation unit keys.
    """
    system = system_prompt_text(system_prompt)
    if problem.messages is not None:
        body: list[Message] = [dict(m) for m in problem.messages]
        template_key: Any = stable_hash({"messages_template": "verbatim"})
    else:
        body = [{"role": "user", "content": problem.prompt}]
        template_key = problem.meta.get("template_hash") or hash_template("plain")
    if system is not None:
        body = [m for m in body if m.get("role") != "system"]
        messages = [{"role": "system", "content": system}, *body]
    else:
        messages = body
    digest = stable_hash({"template": template_key, "system": system or ""})
    return RenderedPrompt(messages=messages, template_hash=digest, system_prompt=system)


def render_messages(problem: Problem, system_prompt: str | None = None) -> list[Message]:
    """The chat messages for ``problem`` exactly as the model sees them (see :func:`render`)."""
    return render(problem, system_prompt).messages


def template_hash(problem: Problem, system_prompt: str | None = None) -> str:
    """The prompt hash that goes into ``Sample.provenance["template_hash"]`` and the unit key."""
    return render(problem, system_prompt).template_hash

"""Prompt templates, system prompts, rendering and the template hash."""

from __future__ import annotations

import json

import pytest

from thinkforge.errors import ThinkforgeError
from thinkforge.records import Problem
from thinkforge.tasks import get_task, render, render_messages, system_prompt_text, template_hash
from thinkforge.tasks.prompts import TEMPLATES, fill_template


def test_packaged_system_prompts_match_the_published_file(data) -> None:
    published = json.loads((data / "prompts/sky_t1_prompts.json").read_text(encoding="utf-8"))["system_prompts"]
    assert system_prompt_text("sky_t1") == published["sky_t1"]
    assert system_prompt_text("qwen") == published["qwen_cot"]
    assert system_prompt_text("qwen") == "You are a helpful and harmless assistant. You are Qwen developed by Alibaba. You should think step-by-step."
    assert system_prompt_text("none") is None and system_prompt_text(None) is None
    assert system_prompt_text("Be brief.") == "Be brief."


@pytest.mark.parametrize(
    "task,start,end",
    [
        ("math500", "Return your final response within \\boxed{}. Convert the point", None),
        ("aime24", "Every morning Aya", "\nReturn your final response within \\boxed{}"),
        ("gpqa_diamond", "Return your final response within \\boxed{} and only include the letter choice (A, B, C, or D) as your final response. ", None),
        ("livecodebench", "Generate an executable Python function generated from the given prompt. The function should take stdin as input and print the output. Simply call the function after the definition. Among", None),
    ],
)
def test_sky_t1_templates_verbatim(task: str, start: str, end: str | None) -> None:
    (problem,) = get_task(task).load(limit=1)
    assert problem.prompt.startswith(start)
    if end:
        assert problem.prompt.endswith(end)


def test_render_adds_the_system_prompt_and_keeps_the_user_prompt_verbatim() -> None:
    (problem,) = get_task("aime24").load(limit=1)
    assert render_messages(problem) == [{"role": "user", "content": problem.prompt}]
    messages = render_messages(problem, "sky_t1")
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"].startswith("Your role as an assistant involves thoroughly exploring questions")
    assert messages[1]["content"] == problem.prompt


def test_template_hash_changes_with_template_and_system_prompt_only() -> None:
    a, b = get_task("math500").load(limit=2)
    assert template_hash(a, "sky_t1") == template_hash(b, "sky_t1")  # same template, different problems
    assert len({template_hash(a, s) for s in ("sky_t1", "qwen", "none", "Be brief.")}) == 4
    (aime,) = get_task("aime24").load(limit=1)
    assert template_hash(aime, "sky_t1") != template_hash(a, "sky_t1")
    (custom,) = get_task("math500").load(limit=1, template="Solve: {problem}")
    assert custom.prompt.startswith("Solve: Convert the point")
    assert template_hash(custom, "qwen") != template_hash(a, "qwen")
    assert render(a, "qwen").template_hash == template_hash(a, "qwen")


def test_render_of_a_problem_with_messages_replaces_its_system_message() -> None:
    problem = Problem(id="x/1", task="x", domain="math", prompt="", reference={"answer": "1"},
                      messages=[{"role": "system", "content": "old"}, {"role": "user", "content": "1?"}])
    assert render_messages(problem, "qwen")[0]["content"].startswith("You are a helpful")
    assert len(render_messages(problem, "qwen")) == 2
    assert render_messages(problem)[0]["content"] == "old"


def test_placeholders_are_filled_once_so_braces_in_problems_survive() -> None:
    text = fill_template("math", {"problem": "Is {problem} or {letters} literal? $\\{x\\}$"})
    assert text == "Return your final response within \\boxed{}. Is {problem} or {letters} literal? $\\{x\\}$"


def test_unknown_template_and_missing_value_are_clear_errors() -> None:
    with pytest.raises(ThinkforgeError, match="unknown prompt template 'mathh'"):
        fill_template("mathh", {"problem": "x"})
    with pytest.raises(ThinkforgeError, match="needs '\\{letters\\}'"):
        fill_template("choice", {"problem": "x"})
    with pytest.raises(ThinkforgeError, match="unknown prompt template"):
        get_task("math500").load(limit=1, template="no placeholder")


def test_every_named_template_has_a_problem_placeholder() -> None:
    assert all("{problem}" in text for text in TEMPLATES.values())


def test_leetcode_prefix_keeps_builtin_pow_after_math_star_import() -> None:
    (problem,) = get_task("leetcode").load(limit=1)
    namespace: dict = {}
    exec(problem.reference["prefix"], namespace)  # the prelude alone: imports only
    assert namespace["pow"](2, 10, 1000) == 24 and namespace["ascii_lowercase"][0] == "a"

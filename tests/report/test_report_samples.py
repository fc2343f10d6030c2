"""The sample browser's data: thinking split, clipping, gold text, failing tests, and JSON safe inside <script>."""

from __future__ import annotations

import json

import pytest

from thinkforge.records import Problem, Verdict
from thinkforge.report.samples import clip, failing_test, gold_text, natural_key, script_json, split_thinking


@pytest.mark.parametrize(
    ("text", "reasoning", "expected"),
    [
        ("plain answer", None, ("", "plain answer")),
        ("<think>step 1</think>\n\\boxed{2}", None, ("step 1", "\\boxed{2}")),
        ("<think>never closed", None, ("never closed", "")),
        ("<|begin_of_thought|>t<|end_of_thought|><|begin_of_solution|>s<|end_of_solution|>", None, ("t", "s")),
        ("<|begin_of_thought|>cut off", None, ("cut off", "")),
        ("final \\boxed{3}", "separate reasoning", ("separate reasoning", "final \\boxed{3}")),
        ("Intro <think>a</think> outro", None, ("a", "Intro  outro")),
    ],
)
def test_split_thinking(text, reasoning, expected):
    assert split_thinking(text, reasoning) == expected


def test_clip_keeps_head_and_tail_and_says_how_much_is_left_out():
    text = "H" * 600 + "T" * 400
    out = clip(text, 300)
    assert out.startswith("H" * 200) and out.endswith("T" * 100)
    assert "700 characters left out" in out
    assert clip("short", 300) == "short"


@pytest.mark.parametrize(
    ("domain", "reference", "expected"),
    [
        ("math", {"answer": "\\frac{1}{2}"}, "\\frac{1}{2}"),
        ("mcq", {"choices": ["red", "blue", "green"], "answer": "B", "letters": "ABC"}, "B: blue"),
        ("mcq", {"choices": ["x"], "answer": "Q"}, "Q"),
        ("code", {"style": "stdin", "tests": [{"input": "1", "output": "1"}] * 3}, "stdin · 3 tests"),
        ("code", {"style": "assertion", "test_program": "def check(f): ..."}, "assertion · test program"),
    ],
)
def test_gold_text(domain, reference, expected):
    problem = Problem(id="p", task="t", domain=domain, prompt="q", reference=reference)
    assert gold_text(problem) == expected


@pytest.mark.parametrize(
    ("status", "detail", "expected"),
    [
        ("pass", {"tests": [{"index": 0, "status": "pass"}]}, ""),
        ("compile_error", {"error": "SyntaxError: bad"}, "compile_error:\nSyntaxError: bad"),
        ("wrong", {"tests": [{"index": 0, "status": "pass"}, {"index": 1, "status": "wrong", "got": "3"}]},
         "test #1: wrong\ngot:\n3"),
        ("timeout", {"tests": [{"index": 2, "status": "timeout", "stderr": "killed"}]}, "test #2: timeout\nstderr:\nkilled"),
        ("no_answer", {"reason": "no code block"}, "no_answer: no code block"),
        ("wrong", {}, ""),
    ],
)
def test_failing_test_names_the_first_failing_test_and_its_error(status, detail, expected):
    verdict = Verdict(sample_key="k", passed=status == "pass", status=status, detail=detail)
    assert failing_test(verdict, 1000) == expected


def test_script_json_cannot_close_the_script_element_and_round_trips():
    data = {"text": "</script><script>alert(1)</script> & <!-- \u2028\u2029 -->"}
    out = script_json(data)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in out
    assert json.loads(out) == data


def test_natural_key_orders_numbers_by_value():
    ids = ["gsm8k/10", "gsm8k/9", "LeetCode/two-sum", "gsm8k/100", "abc"]
    assert sorted(ids, key=natural_key) == ["LeetCode/two-sum", "abc", "gsm8k/9", "gsm8k/10", "gsm8k/100"]

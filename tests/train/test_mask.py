"""The assistant-only mask: exactly the assistant turns and their end-of-turn token, on real templates; broken
templates and masks fail loudly."""

from __future__ import annotations

from typing import Any

import pytest
from _train_helpers import trace
from conftest import DROPS_EOT, ECHOES_PROMPT, QWEN_STYLE, with_template

from thinkforge.errors import ValidationError
from thinkforge.train.data import to_conversation
from thinkforge.train.mask import (
    IGNORE,
    Example,
    MaskError,
    check_example,
    end_of_turn,
    tokenize_all,
    tokenize_example,
)

MULTI_TURN = [
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "<|begin_of_thought|>\nadd\n<|end_of_thought|> It is **4**."},
    {"role": "user", "content": "And 3+3?"},
    {"role": "assistant", "content": "6"},
]


def conv(messages: list[dict[str, str]], row: int = 1) -> Any:
    return to_conversation({"messages": messages}, "data.jsonl", row)


def trained_texts(tok: Any, ex: Example) -> list[str]:
    """Decoded runs of trained tokens."""
    runs, cur = [], []
    for i, lab in zip(ex.input_ids, ex.labels):
        if lab != IGNORE:
            cur.append(i)
        elif cur:
            runs.append(tok.decode(cur))
            cur = []
    if cur:
        runs.append(tok.decode(cur))
    return runs


@pytest.mark.parametrize("template", ["smollm2", "qwen2.5"])
@pytest.mark.parametrize("messages", [trace(37, 45), MULTI_TURN, trace(12, 30)[1:]], ids=["system", "multi", "no-system"])
def test_labels_cover_exactly_the_assistant_turns_and_end_of_turn(tokenizer: Any, template: str, messages: list) -> None:
    tok = tokenizer if template == "smollm2" else with_template(tokenizer, QWEN_STYLE)
    c = conv(messages)
    eot = end_of_turn(tok)
    assert eot == "<|im_end|>"
    ex = tokenize_example(tok, c, eot=eot, max_length=4096)
    check_example(tok, c, ex, eot)
    want = [m["content"] + "<|im_end|>" for m in messages if m["role"] == "assistant"]
    assert trained_texts(tok, ex) == want
    # The rendered prompt (system incl. a template's default one, user, headers) is all masked.
    first = ex.labels.index(next(x for x in ex.labels if x != IGNORE))
    prompt = tok.decode(ex.input_ids[:first])
    assert prompt.endswith("<|im_start|>assistant\n")
    assert ("You are Qwen" in prompt) == (template == "qwen2.5" and messages[0]["role"] != "system")


def test_a_template_that_puts_the_prompt_in_the_assistant_turn_fails(tokenizer: Any) -> None:
    tok = with_template(tokenizer, ECHOES_PROMPT)
    c = conv(trace(11, 22))
    ex = tokenize_example(tok, c, eot="<|im_end|>", max_length=4096)
    with pytest.raises(MaskError, match="would train on the prompt"):
        check_example(tok, c, ex, "<|im_end|>")


def test_a_template_that_drops_the_end_of_turn_token_fails(tokenizer: Any) -> None:
    tok = with_template(tokenizer, DROPS_EOT)
    with pytest.raises(MaskError, match="drops the end-of-turn token"):
        tokenize_example(tok, conv(trace(11, 22)), eot="<|im_end|>", max_length=4096)


def test_training_on_every_token_is_caught(tokenizer: Any) -> None:
    """TRL's silent default without {% generation %} markers: labels = input_ids."""
    c = conv(trace(11, 22))
    ex = tokenize_example(tokenizer, c, eot="<|im_end|>", max_length=4096)
    everything = Example(ex.input_ids, list(ex.input_ids), ex.prompt_tokens, 0)
    with pytest.raises(MaskError, match="would train on the prompt"):
        check_example(tokenizer, c, everything, "<|im_end|>")


def test_labels_without_the_end_of_turn_token_are_caught(tokenizer: Any) -> None:
    c = conv(trace(11, 22))
    ex = tokenize_example(tokenizer, c, eot="<|im_end|>", max_length=4096)
    labels = list(ex.labels)
    labels[max(i for i, x in enumerate(labels) if x != IGNORE)] = IGNORE
    with pytest.raises(MaskError, match="without the end-of-turn"):
        check_example(tokenizer, c, Example(ex.input_ids, labels, ex.prompt_tokens, 0), "<|im_end|>")


def test_an_all_masked_example_fails_naming_the_row(tokenizer: Any) -> None:
    c = conv(trace(11, 22), row=7)
    ex = tokenize_example(tokenizer, c, eot="<|im_end|>", max_length=4096)
    with pytest.raises(ValidationError, match=r"data.jsonl:7: field 'labels'.*masked"):
        check_example(tokenizer, c, Example(ex.input_ids, [IGNORE] * len(ex.labels), 0, 0), "<|im_end|>")


def test_max_length_below_the_prompt_fails_naming_file_row_and_field(tokenizer: Any) -> None:
    c = conv(trace(11, 22), row=3)
    with pytest.raises(ValidationError, match=r"data.jsonl:3: field 'max_length': row 3: the prompt .* tokens but max_length is 20"):
        tokenize_example(tokenizer, c, eot="<|im_end|>", max_length=20)


def test_truncation_is_counted_and_a_cut_turn_still_checks(tokenizer: Any) -> None:
    rows = [conv(trace(11, 22), 1), conv(trace(33, 44), 2)]
    full, _ = tokenize_all(tokenizer, rows, eot="<|im_end|>", max_length=4096, check_examples=0)
    n = len(full[0].input_ids)
    examples, report = tokenize_all(tokenizer, rows, eot="<|im_end|>", max_length=n - 10, check_examples=0)
    assert report.truncated_examples == 2 and report.cut_tokens == sum(len(e.input_ids) for e in full) - 2 * (n - 10)
    assert all(len(e.input_ids) == n - 10 for e in examples)
    assert report.trained_tokens + report.masked_tokens == 2 * (n - 10)


def test_the_end_of_turn_must_be_one_token(tokenizer: Any) -> None:
    with pytest.raises(MaskError, match="not one token"):
        end_of_turn(tokenizer, "</answer>")

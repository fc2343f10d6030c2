"""Assistant-only loss: labels that cover exactly the assistant turns, end-of-turn token included.

The rule. A token is trained (its label is its id) when it overlaps the text of an assistant turn as the chat
template renders it: from the end of the rendered prefix with the generation prompt (``messages[:i]`` +
``add_generation_prompt``) through the turn's end-of-turn token. Everything else — system and user turns,
role headers, the generation prompt, template glue after the end-of-turn token — gets ``-100``.

How. The conversation is rendered prefix by prefix with the tokenizer's own chat template and the character
offsets are mapped onto the tokens of the full rendering. No ``{% generation %}`` markers are needed (SmolLM2's
and Qwen2.5's templates have none; TRL would silently train on every token then).

The check (:func:`check_example`). Independently of how the labels were made, each contiguous run of trained
tokens is decoded and must equal one assistant turn's text followed by the end-of-turn token, up to
whitespace. A template that renders a prefix differently from the full conversation, puts other text inside
the assistant turn (the prompt, a role header) or drops the end-of-turn token fails with a :class:`MaskError`
naming the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from thinkforge.errors import ThinkforgeError
from thinkforge.train.data import Conversation

IGNORE = -100
_SPACE = re.compile(r"\s+")


class MaskError(ThinkforgeError):
    """The loss mask is wrong for this template or example (would train on the prompt, or not on the stop)."""


@dataclass(frozen=True)
class Example:
    """One tokenized conversation: ids, labels (``-100`` = not trained), and what truncation cut."""

    input_ids: list[int]
    labels: list[int]
    prompt_tokens: int
    cut_tokens: int

    @property
    def trained(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE)


@dataclass(frozen=True)
class MaskReport:
    """Totals over a tokenized set: what is trained, masked, and cut by ``max_length``."""

    examples: int
    trained_tokens: int
    masked_tokens: int
    truncated_examples: int
    cut_tokens: int
    checked_examples: int

    @property
    def tokens(self) -> int:
        return self.trained_tokens + self.masked_tokens

    def describe(self) -> str:
        share = self.trained_tokens / max(1, self.tokens)
        return (
            f"{self.examples} examples, {self.tokens:,} tokens: {self.trained_tokens:,} trained ({share:.1%}), "
            f"{self.masked_tokens:,} masked; {self.truncated_examples} examples cut at max_length "
            f"({self.cut_tokens:,} tokens dropped); mask checked on {self.checked_examples} examples"
        )


def end_of_turn(tokenizer: Any, name: str = "auto") -> str:
    """The end-of-turn token text (``auto``: the tokenizer's eos token); it must be a single token."""
    text = tokenizer.eos_token if name == "auto" else name
    if not text:
        raise MaskError("the tokenizer has no eos token; set end_of_turn=TOKEN")
    ids = tokenizer.encode(text, add_special_tokens=False)
    if len(ids) != 1:
        raise MaskError(f"end-of-turn {text!r} is not one token of this tokenizer (encodes to {ids})")
    return text


def render(tokenizer: Any, messages: Sequence[dict[str, str]], *, generation_prompt: bool) -> str:
    """The chat template's text for ``messages``."""
    return tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=generation_prompt)


def assistant_spans(tokenizer: Any, conv: Conversation, eot: str) -> tuple[str, list[tuple[int, int]]]:
    """The full rendering and the character span of each assistant turn (through its end-of-turn token)."""
    messages = conv.messages
    full = render(tokenizer, messages, generation_prompt=False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prefix = render(tokenizer, messages[:i], generation_prompt=True) if i else ""
        through = render(tokenizer, messages[: i + 1], generation_prompt=False)
        if not full.startswith(prefix) or not full.startswith(through) or len(through) < len(prefix):
            raise MaskError(
                f"{conv.source}:{conv.row}: the chat template renders messages[:{i}] differently from the whole "
                "conversation, so the assistant turn cannot be located; use a template that renders prefixes "
                "consistently"
            )
        segment = full[len(prefix) : len(through)]
        k = segment.rfind(eot)
        if k < 0:
            raise MaskError(
                f"{conv.source}:{conv.row}: the chat template drops the end-of-turn token {eot!r} after assistant "
                f"turn messages[{i}]; the model would never learn to stop (fix the template or set end_of_turn)"
            )
        spans.append((len(prefix), len(prefix) + k + len(eot)))
    return full, spans


def tokenize_example(tokenizer: Any, conv: Conversation, *, eot: str, max_length: int) -> Example:
    """Token ids and assistant-only labels of one conversation, cut to ``max_length`` (keeping the start)."""
    text, spans = assistant_spans(tokenizer, conv, eot)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = list(enc["input_ids"])
    labels = [IGNORE] * len(ids)
    j = 0
    for t, (start, end) in enumerate(enc["offset_mapping"]):
        while j < len(spans) and spans[j][1] <= start:
            j += 1
        if j < len(spans) and end > spans[j][0] and start < spans[j][1]:
            labels[t] = ids[t]
    first = next((t for t, x in enumerate(labels) if x != IGNORE), len(ids))
    if first >= max_length:
        raise conv.error(
            f"the prompt before the first assistant token is {first} tokens but max_length is {max_length}: "
            "nothing of the answer would be trained (raise max_length or drop the row)",
            field="max_length",
        )
    cut = max(0, len(ids) - max_length)
    return Example(ids[:max_length], labels[:max_length], first, cut)


def check_example(tokenizer: Any, conv: Conversation, example: Example, eot: str) -> None:
    """Verify the labels against the text: each trained run is one assistant turn + end-of-turn, nothing else."""
    runs = _trained_runs(example.labels)
    if not runs:
        raise conv.error("every token is masked: the example trains nothing", field="labels")
    turns = [m["content"] for m in conv.messages if m["role"] == "assistant"]
    if len(runs) > len(turns):
        raise MaskError(f"{conv.source}:{conv.row}: {len(runs)} trained runs for {len(turns)} assistant turns")
    for r, (a, b) in enumerate(runs):
        got = tokenizer.decode(example.input_ids[a:b], skip_special_tokens=False)
        want = turns[r] + eot
        last_cut = example.cut_tokens and r == len(runs) - 1 and b == len(example.labels)
        ok = _squash(want).startswith(_squash(got)) if last_cut else _squash(got) == _squash(want)
        if not ok:
            raise MaskError(
                f"{conv.source}:{conv.row}: trained tokens of assistant turn {r} are {_clip(got)!r} but should be "
                f"exactly the turn's text and {eot!r} ({_clip(want)!r}); the template would train on "
                + ("the prompt or other text" if eot in got else "text without the end-of-turn token")
            )
    if not example.cut_tokens and len(runs) < len(turns):
        raise MaskError(f"{conv.source}:{conv.row}: {len(turns)} assistant turns but only {len(runs)} are trained")


def _trained_runs(labels: Sequence[int]) -> list[tuple[int, int]]:
    runs, start = [], None
    for t, x in enumerate(labels):
        if x != IGNORE and start is None:
            start = t
        elif x == IGNORE and start is not None:
            runs.append((start, t))
            start = None
    if start is not None:
        runs.append((start, len(labels)))
    return runs


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _clip(text: str, n: int = 160) -> str:
    return text if len(text) <= n else text[: n // 2] + " … " + text[-n // 2 :]


def tokenize_all(
    tokenizer: Any, rows: Sequence[Conversation], *, eot: str, max_length: int, check_examples: int
) -> tuple[list[Example], MaskReport]:
    """Tokenize every row; check the mask on the first ``check_examples`` (0: all) and total what is trained."""
    examples = []
    checked = 0
    for i, conv in enumerate(rows):
        ex = tokenize_example(tokenizer, conv, eot=eot, max_length=max_length)
        if check_examples == 0 or i < check_examples:
            check_example(tokenizer, conv, ex, eot)
            checked += 1
        elif ex.trained == 0:
            raise conv.error("every token is masked: the example trains nothing", field="labels")
        examples.append(ex)
    trained = sum(e.trained for e in examples)
    total = sum(len(e.input_ids) for e in examples)
    report = MaskReport(
        examples=len(examples),
        trained_tokens=trained,
        masked_tokens=total - trained,
        truncated_examples=sum(1 for e in examples if e.cut_tokens),
        cut_tokens=sum(e.cut_tokens for e in examples),
        checked_examples=checked,
    )
    return examples, report

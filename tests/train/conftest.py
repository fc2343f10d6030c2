"""Fixtures of the train tests: the default model's tokenizer, template variants, a tiny model, traces."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _train_helpers import tiny_model_dir, write_traces  # noqa: E402

#: A Qwen2.5-style ChatML template (no tools): a default system turn when the conversation has none.
QWEN_STYLE = (
    "{%- if messages and messages[0].role == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if not (message.role == 'system' and loop.first) %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

#: Echoes the question inside the assistant turn: a mask by turn would train on the prompt.
ECHOES_PROMPT = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' }}"
    "{%- if message.role == 'assistant' and loop.index0 > 0 %}{{- 'Question: ' + messages[loop.index0 - 1].content + '\\n' }}{%- endif %}"
    "{{- message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

#: Ends assistant turns without the end-of-turn token: the model would never learn to stop.
DROPS_EOT = (
    "{%- for message in messages %}"
    "{%- if message.role == 'assistant' %}{{- '<|im_start|>assistant\\n' + message.content + '\\n' }}"
    "{%- else %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


@pytest.fixture(scope="session")
def default_model_dir() -> str:
    from thinkforge.models import resolve

    return resolve("default")


@pytest.fixture(scope="session")
def tokenizer(default_model_dir: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(default_model_dir)


def with_template(tokenizer: Any, template: str) -> Any:
    """A copy of ``tokenizer`` rendering with ``template`` (the local-copy way a Qwen template is applied)."""
    import copy

    tok = copy.deepcopy(tokenizer)
    tok.chat_template = template
    return tok


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory, default_model_dir: str) -> Path:
    return tiny_model_dir(tmp_path_factory.mktemp("tiny") / "model", default_model_dir)


@pytest.fixture(scope="session")
def traces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_traces(tmp_path_factory.mktemp("data") / "traces.jsonl", 24)

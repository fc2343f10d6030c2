"""The hf decode loop: same tokens as ``model.generate``, finished rows leave, equal prompts share a prefill."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from thinkforge.backends.hf import PerRowSampler
from thinkforge.backends.hf_decode import DecodeInput, decode


class CountingModel:
    """The tiny model, recording the number of rows of every forward pass."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.rows: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def __call__(self, input_ids: Any, **kwargs: Any) -> Any:
        self.rows.append(int(input_ids.shape[0]))
        return self._model(input_ids=input_ids, **kwargs)


def left_padded(prompts: list[list[int]], pad: int) -> tuple[Any, Any]:
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    return ids, mask


@pytest.fixture(scope="module")
def prompts(tiny_model: tuple) -> list[list[int]]:
    _, tokenizer = tiny_model
    texts = ["What is 2+2?", "Name a colour, please, in one word.", "Hi", "Count to three."]
    return [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]


def test_greedy_tokens_equal_model_generate(tiny_model: tuple, prompts: list[list[int]]) -> None:
    model, tokenizer = tiny_model
    pad = tokenizer.pad_token_id
    ids, mask = left_padded(prompts, pad)
    never = frozenset({len(tokenizer) + 1})  # no row ends early: every row runs its whole budget
    with torch.inference_mode():
        ours = decode(model, DecodeInput(ids, mask, [12] * len(prompts), never))
        reference = model.generate(input_ids=ids, attention_mask=mask, do_sample=False, max_new_tokens=12,
                                   min_new_tokens=12, pad_token_id=pad)
    assert ours == reference[:, ids.shape[1]:].tolist()


def test_a_finished_row_leaves_the_batch(tiny_model: tuple, prompts: list[list[int]]) -> None:
    model, tokenizer = tiny_model
    counting = CountingModel(model)
    ids, mask = left_padded(prompts[:3], tokenizer.pad_token_id)
    never = frozenset({len(tokenizer) + 1})
    with torch.inference_mode():
        out = decode(counting, DecodeInput(ids, mask, [2, 6, 6], never))
    assert [len(o) for o in out] == [2, 6, 6]
    # prefill (3 rows) gives token 1; each later pass gives one more; row 0 leaves after its 2nd token
    assert counting.rows == [3, 3, 2, 2, 2, 2]
    with torch.inference_mode():
        whole = decode(model, DecodeInput(ids, mask, [6, 6, 6], never))
    assert whole[0][:2] == out[0] and whole[1:] == out[1:]


def test_an_end_of_sequence_token_ends_its_row(tiny_model: tuple, prompts: list[list[int]]) -> None:
    model, tokenizer = tiny_model
    ids, mask = left_padded(prompts[:2], tokenizer.pad_token_id)
    eos = tokenizer.eos_token_id

    def pick(logits: Any, rows: list[int]) -> Any:
        """Row 1 writes the end-of-sequence token as its third token; otherwise greedy."""
        tokens = logits.argmax(dim=-1)
        calls.append(list(rows))
        if len(calls) == 3:
            tokens[rows.index(1)] = eos
        return tokens

    calls: list[list[int]] = []
    with torch.inference_mode():
        out = decode(model, DecodeInput(ids, mask, [5, 5], frozenset({eos})), pick)
    assert len(out[1]) == 3 and out[1][-1] == eos
    assert len(out[0]) == 5
    assert calls == [[0, 1], [0, 1], [0, 1], [0], [0]]


def test_equal_prompts_share_one_prefill_and_keep_their_own_draws(tiny_model: tuple, prompts: list[list[int]]) -> None:
    model, tokenizer = tiny_model
    counting = CountingModel(model)
    batch = [prompts[0], prompts[1], prompts[0], prompts[0]]
    ids, mask = left_padded(batch, tokenizer.pad_token_id)
    never = frozenset({len(tokenizer) + 1})
    seeds = [11, 12, 13, 14]
    with torch.inference_mode():
        together = decode(counting, DecodeInput(ids, mask, [8] * 4, never), PerRowSampler(seeds, 1.0, 1.0, "cpu").pick)
    assert counting.rows[0] == 2  # two distinct prompts prefilled once each
    for row, prompt in enumerate(batch):
        one_ids, one_mask = left_padded([prompt], tokenizer.pad_token_id)
        with torch.inference_mode():
            (alone,) = decode(model, DecodeInput(one_ids, one_mask, [8], never),
                              PerRowSampler([seeds[row]], 1.0, 1.0, "cpu").pick)
        assert alone == together[row]
    assert len({tuple(together[i]) for i in (0, 2, 3)}) > 1  # same prompt, own seeds, different samples

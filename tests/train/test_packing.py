"""Padding-free batches: no padding, and no attention across examples (logits equal each example alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from thinkforge.train.packing import CountingCollator


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_flattened_examples_do_not_attend_to_each_other(tiny_dir: Path, attn: str) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_dir, attn_implementation=attn).eval()
    examples = [{"input_ids": list(range(100, 117)), "labels": list(range(100, 117))},
                {"input_ids": list(range(300, 309)), "labels": list(range(300, 309))}]  # fmt: skip
    collator = CountingCollator(pad_token_id=2, padding_free=True)
    batch = collator(examples)
    assert batch["input_ids"].shape == (1, 26) and "attention_mask" not in batch
    assert collator.padding_share == 0.0
    with torch.no_grad():
        # use_cache=False as in training (TRL sets it): with a cache transformers skips the packed-sequence mask.
        flat = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits[0]
        alone = [model(input_ids=torch.tensor([e["input_ids"]])).logits[0] for e in examples]
    torch.testing.assert_close(flat[:17], alone[0], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(flat[17:], alone[1], atol=1e-5, rtol=1e-4)


def test_padded_batches_count_their_padding() -> None:
    collator = CountingCollator(pad_token_id=2, padding_free=False)
    collator([{"input_ids": [5] * 6, "labels": [5] * 6}, {"input_ids": [5] * 2, "labels": [5] * 2}])
    assert collator.real_tokens == 8 and collator.positions == 12
    assert collator.padding_share == pytest.approx(4 / 12)

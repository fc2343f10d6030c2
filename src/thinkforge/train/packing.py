"""Batching without padding: each micro-batch flattened into one row with per-example position ids.

With ``padding_free`` the collator (TRL's own) concatenates the examples of a micro-batch and restarts the
position ids at every example. transformers turns restarting position ids into a block-diagonal causal mask
for the sdpa and eager attention implementations, and into ``cu_seq_lens`` for flash attention, so no token
attends across examples. The loss is unchanged: it is summed over trained tokens and divided by their count.

:class:`CountingCollator` wraps the collator and counts real and padded positions, for the padding share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trl.trainer.sft_trainer import DataCollatorForLanguageModeling


@dataclass
class CountingCollator:
    """A TRL collator that also counts the positions it emits and how many of them are padding."""

    pad_token_id: int
    padding_free: bool = True
    real_tokens: int = 0
    positions: int = 0
    inner: DataCollatorForLanguageModeling = field(init=False)

    def __post_init__(self) -> None:
        self.inner = DataCollatorForLanguageModeling(pad_token_id=self.pad_token_id, padding_free=self.padding_free)

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        batch = self.inner(examples)
        self.real_tokens += sum(len(e["input_ids"]) for e in examples)
        self.positions += int(batch["input_ids"].numel())
        return batch

    @property
    def padding_share(self) -> float:
        """Padded positions / all positions computed so far (0.0 before the first batch)."""
        return 1.0 - self.real_tokens / self.positions if self.positions else 0.0

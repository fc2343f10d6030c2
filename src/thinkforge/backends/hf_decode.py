"""The hf backend's decode loop: a KV cache, one forward pass per step, finished rows leave the batch.

``model.generate`` keeps every row of a batch in each forward pass until the longest row ends, so a batch
of short answers with one rambling sample costs the rambling sample's length times the batch size. Here a
row leaves the batch (and its slice of the KV cache) as soon as it ends — at an end-of-sequence token, at
its budget, or at a stop string — so a step costs only the rows still writing. Short, uneven completions
(a small model answering arithmetic; graders' cut-off samples) then run several times faster.

The forward passes are the ones ``generate`` makes (same padding, positions, cache), and each row picks
its token from its own logits, so a row's output does not depend on when the other rows end, up to the
floating-point effect of the batch's size.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Sequence

#: Picks one token per active row from that step's logits; the rows are given by their batch indices.
Picker = Callable[[Any, Sequence[int]], Any]
#: True when a row's tokens so far end in one of its stop strings.
StopCheck = Callable[[list[int]], bool]


@dataclass(frozen=True)
class DecodeInput:
    """A left-padded batch and what ends each row."""

    input_ids: Any  # (rows, width) long tensor, left-padded
    attention_mask: Any  # (rows, width), 0 on padding
    budgets: Sequence[int]  # new tokens each row may have
    eos_ids: frozenset[int]


def greedy_picker(logits: Any, rows: Sequence[int]) -> Any:
    """The highest-scoring token of each row."""
    return logits.argmax(dim=-1)


def decode(model: Any, batch: DecodeInput, pick: Picker = greedy_picker, stopped: StopCheck | None = None) -> list[list[int]]:
    """New tokens of each row (its end-of-sequence token included), rows dropped as they finish."""
    import torch
    from transformers import DynamicCache

    rows = batch.input_ids.shape[0]
    out: list[list[int]] = [[] for _ in range(rows)]
    active = list(range(rows))
    mask = batch.attention_mask
    positions = (mask.long().cumsum(-1) - 1).clamp(min=0)
    cache = DynamicCache(config=model.config)
    cache_arg = _cache_argument(model)
    logits = _prefill(model, batch.input_ids, mask, positions, cache, cache_arg)
    positions = positions[:, -1:]
    while True:  # ends when no row is left
        chosen = pick(logits, active).tolist()
        keep: list[int] = []
        for slot, (row, token) in enumerate(zip(active, chosen)):
            out[row].append(int(token))
            ended = int(token) in batch.eos_ids or len(out[row]) >= batch.budgets[row]
            if not ended and stopped is not None:
                ended = stopped(out[row])
            if not ended:
                keep.append(slot)
        if not keep:
            break
        next_ids = torch.tensor(chosen, device=mask.device).unsqueeze(-1)
        positions = positions + 1
        if len(keep) < len(active):
            index = torch.tensor(keep, device=mask.device)
            cache.batch_select_indices(index)
            mask, next_ids, positions = mask[index], next_ids[index], positions[index]
            active = [active[slot] for slot in keep]
        mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=-1)
        logits = _forward(model, next_ids, mask, positions, cache, cache_arg)
    return out


def _prefill(model: Any, input_ids: Any, mask: Any, positions: Any, cache: Any, cache_arg: str) -> Any:
    """Last-position logits of every row after its prompt; rows with the same prompt (the k samples of
    one problem) share one forward pass, and their cache is copied afterwards."""
    import torch

    _, group_of = torch.unique(input_ids, dim=0, return_inverse=True)
    first: dict[int, int] = {}
    for row, group in enumerate(group_of.tolist()):
        first.setdefault(group, row)
    index = torch.tensor([first[g] for g in range(len(first))], device=mask.device)
    logits = _forward(model, input_ids[index], mask[index], positions[index], cache, cache_arg)
    if index.tolist() == list(range(input_ids.shape[0])):
        return logits  # every prompt distinct and already in group order
    expand = group_of.to(mask.device)  # back to the batch's rows (groups are in sorted-prompt order)
    cache.batch_select_indices(expand)
    return logits[expand]


def _forward(model: Any, ids: Any, mask: Any, positions: Any, cache: Any, cache_arg: str) -> Any:
    """One forward pass that extends ``cache``; the logits of each row's last position."""
    return model(
        input_ids=ids, attention_mask=mask, position_ids=positions,
        use_cache=True, logits_to_keep=1, **{cache_arg: cache},
    ).logits[:, -1, :]


def _cache_argument(model: Any) -> str:
    """The keyword a model's ``forward`` takes its KV cache by (``cache``; older code: ``past_key_values``)."""
    forward = getattr(model, "forward", None)
    try:
        parameters = inspect.signature(forward).parameters if forward is not None else {}
    except (TypeError, ValueError):
        parameters = {}
    return "cache" if "cache" in parameters else "past_key_values"

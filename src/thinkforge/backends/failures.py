"""Per-request failures for the batch backends (hf, vllm): one bad request fails alone, never its batch.

A request that can be judged bad up front (a prompt that leaves no room in the context window) becomes a
failure sample without being run. If running a batch still raises, the batch is split in halves and each half
retried, down to single requests, so only the culprit comes back as a failure sample
(``finish_reason == "error"``, the reason in ``provenance["error"]``) and the rest of the batch is kept.
"""

from __future__ import annotations

import logging
from typing import Callable, Sequence

from thinkforge.backends.base import GenerationRequest, error_completion
from thinkforge.records import Sample

log = logging.getLogger(__name__)

#: Runs a batch of requests; returns one sample per request, in order.
RunBatch = Callable[[Sequence[GenerationRequest]], list[Sample]]
#: Says why a request cannot be run (None when it can).
CheckRequest = Callable[[GenerationRequest], "str | None"]


def context_problem(prompt_tokens: int, window: int | None) -> str | None:
    """Why a prompt cannot run in a context window of ``window`` tokens (None when at least one token fits)."""
    if window is None or prompt_tokens < window:
        return None
    return f"prompt has {prompt_tokens} tokens; the model's context window is {window} (no room for an answer)"


def run_isolated(
    batch: Sequence[GenerationRequest], run: RunBatch, backend: str, check: CheckRequest | None = None
) -> list[Sample]:
    """One sample per request of ``batch``, in order: rejected and failing requests fail alone."""
    reasons = [check(r) if check is not None else None for r in batch]
    runnable = [r for r, reason in zip(batch, reasons) if reason is None]
    produced = iter(_run_split(runnable, run, backend) if runnable else [])
    return [
        next(produced) if reason is None else request.to_sample(error_completion(reason), backend)
        for request, reason in zip(batch, reasons)
    ]


def _run_split(batch: Sequence[GenerationRequest], run: RunBatch, backend: str) -> list[Sample]:
    """``run(batch)``; if it raises, each half on its own, down to the single request that fails."""
    try:
        samples = run(batch)
        if len(samples) != len(batch):
            raise RuntimeError(f"{len(samples)} results for a batch of {len(batch)} requests")
    except Exception as exc:  # noqa: BLE001 - any failure of a batch is narrowed down to its requests
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if len(batch) == 1:
            log.warning("request %s#%d failed: %s", batch[0].problem_id, batch[0].index, reason)
            return [batch[0].to_sample(error_completion(reason), backend)]
        log.warning("a batch of %d requests failed (%s); retrying it in halves", len(batch), reason,
                    exc_info=log.isEnabledFor(logging.DEBUG))
        middle = len(batch) // 2
        return _run_split(batch[:middle], run, backend) + _run_split(batch[middle:], run, backend)
    return samples

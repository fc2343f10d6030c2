"""The ``hf`` backend: transformers models on CPU or GPU, batched with left padding.

Prompts are rendered with the tokenizer's chat template, sorted by length (longest first) and cut into
batches of ``batch_size`` so that little padding is computed. Each batch runs through a KV-cache decode
loop in which a row leaves the batch as soon as it ends (:mod:`.hf_decode`). Sampling uses one ``torch.Generator`` per row,
seeded with the sample's own seed: a row's random draws do not depend on the other rows of its batch.

What is guaranteed: the same requests with the same batch size give the same texts (the batch plan is a
pure function of the requests, and resuming after a crash removes whole batches, so the remaining batches
are planned exactly as before); greedy decoding gives the same texts whatever the batching, up to the
floating-point effect of padding, which can in rare cases flip a near-tie between two tokens.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from thinkforge.backends.base import Completion, GenerationRequest, SamplingParams
from thinkforge.backends.failures import context_problem, run_isolated
from thinkforge.backends.hf_decode import DecodeInput, decode, greedy_picker
from thinkforge.defaults import BACKENDS
from thinkforge.errors import ConfigError
from thinkforge.runs.contract import invocation, setting
from thinkforge.records import Sample

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HFOptions:
    """Settings of the hf backend: throughput knobs (not part of a run's identity) and the dtype (part of it)."""

    batch_size: int = invocation(BACKENDS.hf_batch_size, flag="--batch-size", help="prompts per batch")
    device: str = invocation(BACKENDS.hf_device, flag="--device", help="auto, cpu or cuda")
    dtype: str = setting(BACKENDS.hf_dtype, flag="--dtype", help="auto (bf16 on GPU, fp32 on CPU), float32, bfloat16, float16")


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when a GPU is visible, else ``cpu``."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def resolve_dtype(dtype: str, device: str) -> Any:
    """``auto`` → bfloat16 on GPU, float32 on CPU; otherwise the named torch dtype."""
    import torch

    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    try:
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
    except KeyError:
        raise ConfigError(f"hf dtype must be auto, float32, bfloat16 or float16, got {dtype!r}") from None


def load_model_and_tokenizer(path: str, device: str, dtype: Any) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer from a local directory or hub id (offline-friendly)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    model.to(device)
    model.eval()
    return model, tokenizer


def plan_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches: longest first, ties in input order (a pure function of its input)."""
    if batch_size < 1:
        raise ConfigError(f"batch size must be >= 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def encode_prompt(tokenizer: Any, request: GenerationRequest) -> list[int]:
    """Token ids of a request's chat-templated prompt, generation prompt appended."""
    text = tokenizer.apply_chat_template(request.messages, add_generation_prompt=True, tokenize=False)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def plan_requests(
    requests: Sequence[GenerationRequest], tokenizer: Any, batch_size: int
) -> list[list[GenerationRequest]]:
    """Batches of requests by prompt length; requests with different sampling never share a batch.

    A pure function of the requests: the Ray runner plans in the driver with this same function, so a
    replica runs exactly the batch a single process would have run.
    """
    groups: dict[SamplingParams, list[GenerationRequest]] = {}
    for request in requests:
        groups.setdefault(request.sampling, []).append(request)
    batches: list[list[GenerationRequest]] = []
    for group in groups.values():
        lengths = [len(encode_prompt(tokenizer, r)) for r in group]
        batches.extend([[group[i] for i in batch] for batch in plan_batches(lengths, batch_size)])
    return batches


class PerRowSampler:
    """Samples each row with its own generator, seeded with the row's sample seed.

    A row's draws therefore do not depend on the other rows of its batch, nor on when they end.
    """

    def __init__(self, seeds: Sequence[int], temperature: float, top_p: float, device: str) -> None:
        import torch

        self.temperature = temperature
        self.top_p = top_p
        self.generators = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]

    def pick(self, scores: Any, rows: Sequence[int]) -> Any:
        """One token per row of ``scores``, row ``j`` drawn with the generator of batch row ``rows[j]``."""
        import torch

        probs = self._probabilities(scores)
        return torch.cat(
            [torch.multinomial(probs[j], 1, generator=self.generators[row]) for j, row in enumerate(rows)]
        )

    def _probabilities(self, scores: Any) -> Any:
        """Temperature-scaled probabilities with top-p applied (the smallest prefix reaching ``top_p``)."""
        import torch

        logits = scores.float() / self.temperature
        probs = torch.softmax(logits, dim=-1)
        if self.top_p < 1.0:
            sorted_probs, sorted_idx = torch.sort(probs, descending=True, dim=-1)
            cumulative = torch.cumsum(sorted_probs, dim=-1)
            drop_sorted = cumulative - sorted_probs > self.top_p  # keep the smallest prefix reaching top_p
            drop = torch.zeros_like(drop_sorted).scatter(-1, sorted_idx, drop_sorted)
            probs = probs.masked_fill(drop, 0.0)
        return probs


class HFBackend:
    """Batched transformers generation; yields the samples of each batch as soon as it finishes."""

    name = "hf"

    def __init__(
        self,
        model: str,
        options: HFOptions = HFOptions(),
        *,
        model_obj: Any = None,
        tokenizer: Any = None,
    ) -> None:
        """Load ``model`` (a path or hub id), or use an already loaded ``model_obj`` + ``tokenizer``."""
        self.options = options
        self.device = resolve_device(options.device)
        if model_obj is None or tokenizer is None:
            model_obj, tokenizer = load_model_and_tokenizer(model, self.device, resolve_dtype(options.dtype, self.device))
        self.model = model_obj
        self.tokenizer = tokenizer
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.eos_ids = _eos_ids(model_obj, tokenizer)
        #: Positions the model was built for (None: unknown, no limit applied).
        config = getattr(model_obj, "config", None)
        self.context_window: int | None = getattr(config, "max_position_embeddings", None)

    # ------------------------------------------------------------------ planning
    def encode(self, request: GenerationRequest) -> list[int]:
        """Token ids of the request's chat-templated prompt (generation prompt appended)."""
        return encode_prompt(self.tokenizer, request)

    def plan(self, requests: Sequence[GenerationRequest]) -> list[list[GenerationRequest]]:
        """The batches ``generate`` will run, in order (see :func:`plan_requests`)."""
        return plan_requests(requests, self.tokenizer, self.options.batch_size)

    # ------------------------------------------------------------------ generation
    def generate(self, requests: Sequence[GenerationRequest]) -> Iterator[list[Sample]]:
        """Yield the samples of each batch as it finishes; a bad request fails alone (see ``failures``)."""
        for batch in self.plan(requests):
            yield run_isolated(batch, self.generate_batch, self.name, check=self.check)

    def check(self, request: GenerationRequest) -> str | None:
        """Why ``request`` cannot run (its prompt fills the context window), or None."""
        return context_problem(len(self.encode(request)), self.context_window)

    def generate_batch(self, batch: Sequence[GenerationRequest]) -> list[Sample]:
        """Run one batch (all with the same sampling) through the decode loop (:mod:`.hf_decode`).

        Like vLLM, a row stops at the end of the context window (``finish_reason="length"``).
        """
        import torch

        sampling = batch[0].sampling
        encoded = [self.encode(r) for r in batch]
        budgets = [self._budget(len(e), sampling.max_tokens) for e in encoded]
        width = max(len(e) for e in encoded)
        inputs = DecodeInput(
            input_ids=torch.tensor([[self.pad_id] * (width - len(e)) + e for e in encoded], device=self.device),
            attention_mask=torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded], device=self.device),
            budgets=budgets,
            eos_ids=frozenset(self.eos_ids),
        )
        pick = greedy_picker
        if not sampling.greedy:
            pick = PerRowSampler([r.seed for r in batch], sampling.temperature, sampling.top_p, self.device).pick
        stopped = self._stop_check(sampling.stop) if sampling.stop else None
        start = time.perf_counter()
        with torch.inference_mode():
            generated = decode(self.model, inputs, pick, stopped)
        elapsed = time.perf_counter() - start
        return [
            request.to_sample(self._completion(tokens, len(prompt), sampling, elapsed), self.name)
            for request, prompt, tokens in zip(batch, encoded, generated)
        ]

    def _stop_check(self, stops: Sequence[str]) -> Callable[[list[int]], bool]:
        """Whether a row's tokens now hold a stop string: decodes only the row's last few tokens.

        A token is at least one character in practice, so the last ``len(longest stop) + 1`` tokens hold
        any stop string that the newest token completed; the text is cut at the stop afterwards.
        """
        window = max(len(s) for s in stops) + 1

        def stopped(tokens: list[int]) -> bool:
            tail = self.tokenizer.decode(tokens[-window:], skip_special_tokens=True)
            return _first_stop(tail, stops) is not None

        return stopped

    def _budget(self, prompt_tokens: int, max_tokens: int) -> int:
        """New tokens a row may have: ``max_tokens``, cut to what is left of the context window."""
        if self.context_window is None:
            return max_tokens
        return max(1, min(max_tokens, self.context_window - prompt_tokens))

    def _completion(self, tokens: list[int], prompt_tokens: int, sampling: SamplingParams, elapsed: float) -> Completion:
        """Cut a row at its end-of-sequence token or stop string and say why it ended."""
        end = next((i for i, t in enumerate(tokens) if t in self.eos_ids or t == self.pad_id), None)
        kept = tokens if end is None else tokens[:end]
        text = self.tokenizer.decode(kept, skip_special_tokens=True)
        cut = _first_stop(text, sampling.stop)
        if cut is not None:
            # Finished by a stop string (rows are padded afterwards): the stop string is not part of the text.
            return Completion(text[:cut], "stop", prompt_tokens, len(kept), elapsed)
        if end is not None and tokens[end] in self.eos_ids:
            return Completion(text, "stop", prompt_tokens, end + 1, elapsed)
        return Completion(text, "length", prompt_tokens, len(kept), elapsed)

    def close(self) -> None:
        self.model = None


def _first_stop(text: str, stops: Sequence[str]) -> int | None:
    """Position of the earliest stop string in ``text``, if any."""
    hits = [text.find(s) for s in stops if s and s in text]
    return min(hits) if hits else None


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    ids: set[int] = set()
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif configured:
        ids.update(int(i) for i in configured)
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    if not ids:
        raise ConfigError("the model defines no end-of-sequence token; cannot tell finished rows apart")
    return ids

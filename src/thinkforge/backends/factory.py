"""Building a backend from a picklable spec, so a Ray replica can build the same backend as the driver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Sequence, get_args

from thinkforge.backends.base import Backend, GenerationRequest
from thinkforge.backends.hf import HFOptions
from thinkforge.backends.openai import OpenAIOptions
from thinkforge.backends.vllm import VLLMOptions
from thinkforge.errors import ConfigError

BackendKind = Literal["hf", "openai", "vllm"]
BACKEND_KINDS: tuple[str, ...] = get_args(BackendKind)


@dataclass(frozen=True)
class BackendSpec:
    """Which backend, for which model (as the user named it), with which options."""

    kind: BackendKind
    model: str
    hf: HFOptions = field(default_factory=HFOptions)
    openai: OpenAIOptions = field(default_factory=OpenAIOptions)
    vllm: VLLMOptions = field(default_factory=VLLMOptions)
    #: openai: the model name sent to the server (default: ``model``).
    server_model: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in BACKEND_KINDS:
            raise ConfigError(f"unknown backend '{self.kind}': use one of {', '.join(BACKEND_KINDS)}")

    def build(self) -> Backend:
        """Instantiate the backend (loads the model for hf and vllm)."""
        if self.kind == "hf":
            from thinkforge.backends.hf import HFBackend
            from thinkforge.models import resolve

            return HFBackend(resolve(self.model), self.hf)
        if self.kind == "openai":
            from thinkforge.backends.openai import OpenAIBackend

            return OpenAIBackend(self.server_model or self.model, self.openai)
        from thinkforge.backends.vllm import VLLMBackend
        from thinkforge.models import resolve

        return VLLMBackend(resolve(self.model), self.vllm)

    def plan(self, requests: Sequence[GenerationRequest]) -> list[list[GenerationRequest]]:
        """Split requests into the units a replica runs at once, as the single-process backend would."""
        if self.kind == "hf":
            from transformers import AutoTokenizer

            from thinkforge.backends.hf import plan_requests
            from thinkforge.models import resolve

            tokenizer = AutoTokenizer.from_pretrained(resolve(self.model))
            return plan_requests(requests, tokenizer, self.hf.batch_size)
        size = self.vllm.chunk_size if self.kind == "vllm" else self.openai.concurrency
        return [list(requests[i : i + size]) for i in range(0, len(requests), size)]


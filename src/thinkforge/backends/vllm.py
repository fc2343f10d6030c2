"""The ``vllm`` backend: vLLM's offline ``LLM`` engine (optional extra ``thinkforge[vllm]``, imported lazily).

Each request becomes one prompt with ``n=1`` and its own seed, so a sample does not depend on which other
requests share the engine. Requests go to ``LLM.chat`` in chunks; each chunk's samples are yielded (and
stored) before the next chunk starts.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from thinkforge.backends.base import Completion, GenerationRequest
from thinkforge.defaults import BACKENDS, BackendDefaults
from thinkforge.errors import MissingDependencyError
from thinkforge.runs.contract import invocation, setting
from thinkforge.records import Sample

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VLLMOptions:
    """Engine settings of the vllm backend."""

    chunk_size: int = invocation(BACKENDS.vllm_chunk_size, help="requests per LLM.chat call")
    gpu_memory_utilization: float = invocation(BACKENDS.vllm_gpu_memory_utilization, help="share of GPU memory for the engine")
    tensor_parallel_size: int = invocation(BACKENDS.vllm_tensor_parallel_size, help="GPUs per engine (tensor parallel)")
    dtype: str = setting("auto", help="weights/activations dtype: auto, bfloat16, float16, float32")
    max_model_len: int | None = setting(None, help="context length of the engine (prompt + new tokens)")

    @classmethod
    def from_defaults(cls, defaults: BackendDefaults) -> "VLLMOptions":
        return cls(
            chunk_size=defaults.vllm_chunk_size,
            gpu_memory_utilization=defaults.vllm_gpu_memory_utilization,
            tensor_parallel_size=defaults.vllm_tensor_parallel_size,
        )


def import_vllm() -> Any:
    """Import vllm, or raise :class:`MissingDependencyError` saying how to install it."""
    try:
        import vllm
    except ImportError:
        raise MissingDependencyError(
            "the vllm backend needs vLLM on a CUDA machine: pip install 'thinkforge[vllm]' "
            "(or use --backend hf, or --backend openai against a running vLLM server)"
        ) from None
    return vllm


class VLLMBackend:
    """Offline batched generation with ``vllm.LLM``."""

    name = "vllm"

    def __init__(self, model: str, options: VLLMOptions = VLLMOptions()) -> None:
        """Start the engine for ``model`` (a local path or hub id)."""
        vllm = import_vllm()
        self.options = options
        self._vllm = vllm
        kwargs: dict[str, Any] = {
            "model": model,
            "dtype": options.dtype,
            "tensor_parallel_size": options.tensor_parallel_size,
            "gpu_memory_utilization": options.gpu_memory_utilization,
        }
        if options.max_model_len is not None:
            kwargs["max_model_len"] = options.max_model_len
        self.llm = vllm.LLM(**kwargs)

    def _params(self, request: GenerationRequest) -> Any:
        s = request.sampling
        return self._vllm.SamplingParams(
            n=1,
            temperature=s.temperature,
            top_p=s.top_p,
            max_tokens=s.max_tokens,
            seed=request.seed,
            stop=list(s.stop) or None,
        )

    def generate(self, requests: Sequence[GenerationRequest]) -> Iterator[list[Sample]]:
        """Yield the samples of each chunk of requests as the engine finishes it."""
        size = max(1, self.options.chunk_size)
        for start in range(0, len(requests), size):
            chunk = list(requests[start : start + size])
            began = time.perf_counter()
            outputs = self.llm.chat(
                [r.messages for r in chunk],
                sampling_params=[self._params(r) for r in chunk],
                use_tqdm=False,
            )
            elapsed = time.perf_counter() - began
            yield [request.to_sample(_completion(out, elapsed), self.name) for request, out in zip(chunk, outputs)]

    def close(self) -> None:
        self.llm = None


def _completion(output: Any, elapsed: float) -> Completion:
    """Map one ``vllm.RequestOutput`` (n=1) to a :class:`Completion`."""
    choice = output.outputs[0]
    return Completion(
        text=choice.text,
        finish_reason="length" if choice.finish_reason == "length" else "stop",
        prompt_tokens=len(output.prompt_token_ids or []),
        completion_tokens=len(choice.token_ids),
        latency_s=elapsed,
    )

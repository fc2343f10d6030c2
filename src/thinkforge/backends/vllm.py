"""The ``vllm`` backend: vLLM's offline ``LLM`` engine (optional extra ``thinkforge[vllm]``, imported lazily).

Each request becomes one prompt with ``n=1`` and its own seed, so a sample does not depend on which other
requests share the engine. Requests go to ``LLM.chat`` in chunks; each chunk's samples are yielded (and
stored) before the next chunk starts. A prompt that fills ``max_model_len`` fails alone, up front; a chunk
that still makes the engine raise is retried in halves, so only the culprit fails (see ``failures``).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from thinkforge.backends.base import Completion, GenerationRequest
from thinkforge.backends.failures import context_problem, run_isolated
from thinkforge.backends.hf import encode_prompt
from thinkforge.defaults import BACKENDS
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
        self.llm: Any = vllm.LLM(**kwargs)
        self.tokenizer: Any = self.llm.get_tokenizer()
        self.context_window = engine_context_window(self.llm)

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
            yield run_isolated(requests[start : start + size], self._run_chunk, self.name, check=self.check)

    def check(self, request: GenerationRequest) -> str | None:
        """Why ``request`` cannot run (its prompt fills ``max_model_len``), or None."""
        try:
            prompt_tokens = len(encode_prompt(self.tokenizer, request))
        except Exception:  # noqa: BLE001 - a tokenizer we cannot drive here: the engine validates the prompt
            return None
        return context_problem(prompt_tokens, self.context_window)

    def _run_chunk(self, chunk: Sequence[GenerationRequest]) -> list[Sample]:
        began = time.perf_counter()
        outputs = self.llm.chat(
            [r.messages for r in chunk],
            sampling_params=[self._params(r) for r in chunk],
            use_tqdm=False,
        )
        elapsed = time.perf_counter() - began
        return [request.to_sample(_completion(out, elapsed), self.name) for request, out in zip(chunk, outputs)]

    def close(self) -> None:
        """Shut the engine down and give its GPU memory back (a later backend can load another model)."""
        llm, self.llm, self.tokenizer = self.llm, None, None
        if llm is None:
            return
        shutdown_engine(llm)
        del llm
        free_engine_memory()


def engine_context_window(llm: Any) -> int | None:
    """The engine's ``max_model_len`` (None when this vLLM version does not expose it)."""
    try:
        return int(llm.llm_engine.model_config.max_model_len)
    except (AttributeError, TypeError, ValueError):
        return None


def shutdown_engine(llm: Any) -> None:
    """Stop a ``vllm.LLM``'s engine (V1: its engine-core process) and drop the LLM's references to it."""
    engine = getattr(llm, "llm_engine", None)
    core_shutdown = getattr(getattr(engine, "engine_core", None), "shutdown", None)
    if callable(core_shutdown):
        core_shutdown()
    for holder, name in ((engine, "model_executor"), (llm, "llm_engine")):
        with contextlib.suppress(AttributeError):
            delattr(holder, name)


def free_engine_memory() -> None:
    """Collect the dropped engine, undo vLLM's parallel state (this version's functions) and empty CUDA's cache."""
    import torch

    gc.collect()
    try:
        parallel_state: Any = importlib.import_module("vllm.distributed.parallel_state")
    except ImportError:
        parallel_state = None
    cleanup = getattr(parallel_state, "cleanup_dist_env_and_memory", None)
    if cleanup is not None:
        cleanup()  # also destroys the process group, collects and empties the cache
    elif parallel_state is not None:
        parallel_state.destroy_model_parallel()
        parallel_state.destroy_distributed_environment()
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


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

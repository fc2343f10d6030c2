"""The generate recipe: what defines a run (task, model, backend, prompt, sampling) and how to run it.

Only the *identity* (:func:`identity`) is stored in the run directory and checked on resume. ``n``,
``limit`` and ``ids`` are not part of it: re-running with a larger ``--n`` or ``--limit`` extends the same
run (finished samples are kept, the new ones are added), and a smaller one just selects fewer units.
Throughput knobs (batch size, concurrency, retries, Ray replicas) can change between sessions freely.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from thinkforge.backends.base import SamplingParams
from thinkforge.backends.factory import BackendSpec
from thinkforge.backends.hf import HFOptions
from thinkforge.backends.openai import OpenAIOptions
from thinkforge.backends.ray_data import RayOptions
from thinkforge.backends.vllm import VLLMOptions
from thinkforge.defaults import BACKENDS, GENERATION, PRICING, GenerationDefaults
from thinkforge.errors import ConfigError

#: Version of the generate stage's record semantics; part of the run identity.
STAGE_VERSION = 1


@dataclass(frozen=True)
class SamplingConfig:
    """Sampling flags as given; ``None`` falls back to the task's default, then :class:`GenerationDefaults`."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class HFConfig:
    batch_size: int = BACKENDS.hf_batch_size
    device: str = BACKENDS.hf_device
    dtype: str = BACKENDS.hf_dtype


@dataclass(frozen=True)
class OpenAIConfig(OpenAIOptions):
    """The openai backend's options, plus the model name sent to the server."""

    #: Model name sent to the server (default: ``model``).
    server_model: str | None = None

    def options(self) -> OpenAIOptions:
        """The backend's options (everything but ``server_model``)."""
        return OpenAIOptions(**{f.name: getattr(self, f.name) for f in dataclasses.fields(OpenAIOptions)})


#: The vllm backend's engine settings are the recipe's ``vllm`` section as they are.
VLLMConfig = VLLMOptions


@dataclass(frozen=True)
class RayConfig:
    enabled: bool = False
    replicas: int = BACKENDS.ray_replicas
    cpus_per_replica: float = BACKENDS.ray_cpus_per_replica
    gpus_per_replica: float = BACKENDS.ray_gpus_per_replica
    address: str | None = None


@dataclass(frozen=True)
class PricingConfig:
    usd_per_1m_prompt_tokens: float = PRICING.usd_per_1m_prompt_tokens
    usd_per_1m_completion_tokens: float = PRICING.usd_per_1m_completion_tokens
    usd_per_gpu_hour: float = PRICING.usd_per_gpu_hour
    gpus: int = PRICING.gpus


@dataclass(frozen=True)
class GenerateConfig:
    """Everything ``thinkforge generate`` needs (a YAML recipe maps onto these keys)."""

    task: str = ""
    model: str = "default"
    backend: Literal["hf", "openai", "vllm"] = "hf"
    out: str = ""
    n: int | None = None
    limit: int | None = None
    ids: tuple[str, ...] | None = None
    system_prompt: str | None = None
    overwrite: bool = False
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    hf: HFConfig = field(default_factory=HFConfig)
    openai: OpenAIConfig = field(default_factory=OpenAIConfig)
    vllm: VLLMConfig = field(default_factory=VLLMConfig)
    ray: RayConfig = field(default_factory=RayConfig)
    pricing: PricingConfig = field(default_factory=PricingConfig)


def resolve_sampling(
    config: SamplingConfig, task_default: Mapping[str, Any], defaults: GenerationDefaults = GENERATION
) -> SamplingParams:
    """Flag / recipe value, else the task's default, else thinkforge's default — per parameter."""

    def pick(name: str) -> Any:
        value = getattr(config, name)
        if value is not None:
            return value
        if task_default.get(name) is not None:
            return task_default[name]
        return getattr(defaults, name)

    stop = tuple(config.stop) or tuple(task_default.get("stop") or ())
    return SamplingParams(
        temperature=float(pick("temperature")),
        top_p=float(pick("top_p")),
        max_tokens=int(pick("max_tokens")),
        seed=int(pick("seed")),
        stop=stop,
    )


def resolve_n(config: GenerateConfig, task_default: Mapping[str, Any], defaults: GenerationDefaults = GENERATION) -> int:
    """Samples per problem: ``--n``, else the task's default, else 1."""
    n = config.n if config.n is not None else int(task_default.get("n") or defaults.n)
    if n < 1:
        raise ConfigError(f"n must be >= 1, got {n}")
    return n


def system_prompt_name(config: GenerateConfig, defaults: GenerationDefaults = GENERATION) -> str:
    return config.system_prompt if config.system_prompt is not None else defaults.system_prompt


def identity(config: GenerateConfig, sampling: SamplingParams) -> dict[str, Any]:
    """What defines the run: stored in the run directory and compared on resume."""
    return {
        "stage_version": STAGE_VERSION,
        "task": config.task,
        "model": config.model,
        "backend": config.backend,
        "system_prompt": system_prompt_name(config),
        "sampling": sampling.to_dict(),
    }


def backend_spec(config: GenerateConfig) -> BackendSpec:
    """The backend the config asks for."""
    o = config.openai
    return BackendSpec(
        kind=config.backend,
        model=config.model,
        hf=HFOptions(batch_size=config.hf.batch_size, device=config.hf.device, dtype=config.hf.dtype),
        openai=o.options(),
        vllm=config.vllm,
        server_model=o.server_model,
    )


def ray_options(config: GenerateConfig) -> RayOptions:
    r = config.ray
    return RayOptions(
        replicas=r.replicas, cpus_per_replica=r.cpus_per_replica, gpus_per_replica=r.gpus_per_replica, address=r.address
    )

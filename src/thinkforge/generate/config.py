"""The generate recipe: what defines a run (task, model, backend, prompt, sampling) and how to run it.

Every field declares whether it belongs to the run's identity (``thinkforge.runs.contract``). ``n``,
``limit`` and ``ids`` do not: re-running with a larger ``--n`` or ``--limit`` extends the same run (finished
samples are kept, the new ones are added), and a smaller one just selects fewer units. Throughput knobs
(batch size, concurrency, retries, Ray replicas) and prices can change between sessions freely. The task and
the model enter the identity by *content* (:func:`identity`), never by the path or name as typed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from thinkforge.backends.base import SamplingParams
from thinkforge.backends.factory import BACKEND_KINDS, BackendSpec
from thinkforge.backends.hf import HFOptions
from thinkforge.backends.openai import OpenAIOptions
from thinkforge.backends.ray_data import RayOptions
from thinkforge.backends.vllm import VLLMOptions
from thinkforge.defaults import BACKENDS, GENERATION, PRICING, GenerationDefaults
from thinkforge.errors import ConfigError
from thinkforge.runs.contract import identity_of, invocation, setting

#: Version of the generate stage's record semantics; part of the run identity.
STAGE_VERSION = 2


@dataclass(frozen=True)
class SamplingConfig:
    """Sampling flags as given; ``None`` falls back to the task's default, then :class:`GenerationDefaults`."""

    temperature: float | None = setting(None, flag="--temperature", help="0 = greedy")
    top_p: float | None = setting(None, flag="--top-p", help="nucleus sampling mass")
    max_tokens: int | None = setting(None, flag="--max-tokens", help="most new tokens per sample")
    seed: int | None = setting(None, flag="--seed", help="run seed (each sample's seed derives from it)")
    stop: tuple[str, ...] = setting((), flag="--stop", help="stop string (repeatable)")


#: The hf backend's options are the recipe's ``hf`` section as they are.
HFConfig = HFOptions


@dataclass(frozen=True)
class OpenAIConfig(OpenAIOptions):
    """The openai backend's options, plus the model name sent to the server."""

    #: Model name sent to the server (default: ``model``).
    server_model: str | None = setting(None, flag="--server-model", help="openai: model name sent to the server (default: --model)")

    def options(self) -> OpenAIOptions:
        """The backend's options (everything but ``server_model``)."""
        return OpenAIOptions(**{f.name: getattr(self, f.name) for f in dataclasses.fields(OpenAIOptions)})


#: The vllm backend's engine settings are the recipe's ``vllm`` section as they are.
VLLMConfig = VLLMOptions


@dataclass(frozen=True)
class RayConfig:
    """Scale-out with Ray Data: how many replicas, where (never part of a run's identity)."""

    enabled: bool = invocation(False, flag="--ray", help="scale out with Ray Data")
    replicas: int = invocation(BACKENDS.ray_replicas, flag="--replicas", help="Ray: backend replicas")
    cpus_per_replica: float = invocation(BACKENDS.ray_cpus_per_replica)
    gpus_per_replica: float = invocation(BACKENDS.ray_gpus_per_replica)
    address: str | None = invocation(None, help="Ray cluster address (default: start a local one)")


@dataclass(frozen=True)
class PricingConfig:
    """Prices of the cost estimate (never part of a run's identity)."""

    usd_per_1m_prompt_tokens: float = invocation(PRICING.usd_per_1m_prompt_tokens)
    usd_per_1m_completion_tokens: float = invocation(PRICING.usd_per_1m_completion_tokens)
    usd_per_gpu_hour: float = invocation(PRICING.usd_per_gpu_hour)
    gpus: int = invocation(PRICING.gpus)


@dataclass(frozen=True)
class GenerateConfig:
    """Everything ``thinkforge generate`` needs (a YAML recipe maps onto these keys)."""

    task: str = setting("", identity=False, flag="--task", short="-t",
                        help="task name (see `thinkforge tasks`) or a task YAML file")
    model: str = setting("default", identity=False, flag="--model", short="-m",
                         help="'default', a local path or hub id (openai: the server's model)")
    backend: Literal["hf", "openai", "vllm"] = setting("hf", flag="--backend", short="-b", help="generation backend")
    out: str = invocation("", flag="--out", short="-o", help="run directory")
    n: int | None = invocation(None, flag="--n", help="samples per problem")
    limit: int | None = invocation(None, flag="--limit", help="only the first N problems")
    ids: tuple[str, ...] | None = invocation(None, flag="--ids", help="only these problem ids (comma-separated)")
    template: str | None = setting(None, flag="--template", help="prompt template (default: the task's; see `tasks show --template`)")
    system_prompt: str | None = setting(None, flag="--system-prompt", help="sky_t1, qwen, none, or literal text")
    overwrite: bool = invocation(False, flag="--overwrite", help="discard this stage's earlier results")
    sampling: SamplingConfig = setting(default_factory=SamplingConfig, identity=False)
    hf: HFConfig = setting(default_factory=HFConfig)
    openai: OpenAIConfig = setting(default_factory=OpenAIConfig)
    vllm: VLLMConfig = setting(default_factory=VLLMConfig)
    ray: RayConfig = setting(default_factory=RayConfig, identity=False)
    pricing: PricingConfig = setting(default_factory=PricingConfig, identity=False)


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


def model_identity(config: GenerateConfig) -> dict[str, Any]:
    """What the samples come from: the weights (hf, vllm) or the served model and server (openai)."""
    from thinkforge.models.identity import model_identity as local_identity
    from thinkforge.models.identity import served_model_identity

    section = identity_of(getattr(config, config.backend))
    if config.backend == "openai":
        o = config.openai
        base = served_model_identity(o.server_model or config.model, o.base_url, o.endpoint)
    else:
        base = local_identity(config.model)
    return {"backend": config.backend, **base, "options": section}


def identity(
    config: GenerateConfig, sampling: SamplingParams, task: Mapping[str, Any], model: Mapping[str, Any]
) -> dict[str, Any]:
    """What defines the run: the declared identity fields, the task and model by content, the resolved sampling.

    Only the chosen backend's section counts (the openai server address does not matter to an hf run).
    """
    declared = identity_of(config)
    for kind in BACKEND_KINDS:
        if kind != config.backend:
            declared.pop(kind, None)
    return {
        "stage_version": STAGE_VERSION,
        **declared,
        "system_prompt": system_prompt_name(config),
        "task": dict(task),
        "model": dict(model),
        "sampling": sampling.to_dict(),
    }


def backend_spec(config: GenerateConfig) -> BackendSpec:
    """The backend the config asks for."""
    o = config.openai
    return BackendSpec(
        kind=config.backend,
        model=config.model,
        hf=config.hf,
        openai=o.options(),
        vllm=config.vllm,
        server_model=o.server_model,
    )


def ray_options(config: GenerateConfig) -> RayOptions:
    r = config.ray
    return RayOptions(
        replicas=r.replicas, cpus_per_replica=r.cpus_per_replica, gpus_per_replica=r.gpus_per_replica, address=r.address
    )

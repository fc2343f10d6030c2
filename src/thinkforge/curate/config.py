"""The curate recipe (``recipes/curate-*.yaml``) as a frozen dataclass, and the dry-run plan.

``pools`` maps a pool name to its settings (:class:`~thinkforge.curate.pools.PoolConfig` fields but
``name``), so overrides read ``pools.numina_math.target=100``; a relative task-YAML ``source`` is relative
to the recipe file. ``out``, ``overwrite`` and ``dry_run`` say how a
run is invoked, not what it is (``metadata={"identity": False}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from thinkforge.backends.hf import HFOptions
from thinkforge.config import build_dataclass, load_config
from thinkforge.curate.export import FORMATS
from thinkforge.curate.pools import PoolConfig, load_pool
from thinkforge.curate.reformat import reformat_prompt
from thinkforge.curate.select import POLICIES
from thinkforge.defaults import CURATE, RAY_GRADING
from thinkforge.grading.extract import ANSWER_SOURCES
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.generate.config import RayConfig
from thinkforge.grading.stage import RayGradeConfig
from thinkforge.tasks.registry import get_task
from thinkforge.tasks.prompts import render_messages

BACKEND_KINDS: tuple[str, ...] = ("hf", "openai", "vllm")


@dataclass(frozen=True)
class TeacherConfig:
    """The model that writes the traces; ``k`` samples per problem."""

    model: str = "default"
    backend: str = "hf"
    base_url: str | None = None
    system_prompt: str = "qwen"
    temperature: float = CURATE.reformat_temperature
    top_p: float = 1.0
    max_tokens: int = CURATE.teacher_max_tokens
    seed: int = 0
    k: int = 1
    usd_per_1m_prompt_tokens: float = 0.0
    usd_per_1m_completion_tokens: float = 0.0
    #: The hf backend's settings (``batch_size``, ``device``: how it runs; ``dtype``: part of the identity).
    hf: HFOptions = field(default_factory=HFOptions)


@dataclass(frozen=True)
class ReformatConfig:
    """The optional rewrite into Sky-T1's thought/solution layout (re-graded after)."""

    enabled: bool = False
    model: str = CURATE.reformat_model
    backend: str = "openai"
    base_url: str | None = None
    temperature: float = CURATE.reformat_temperature
    max_tokens: int = CURATE.reformat_max_tokens
    usd_per_1m_prompt_tokens: float = 0.0
    usd_per_1m_completion_tokens: float = 0.0


@dataclass(frozen=True)
class CleanConfig:
    """Dedup and decontamination of pools (before sampling) and of the final rows."""

    dedup: bool = True
    near_duplicates: bool = True
    decontaminate: bool = True
    #: Evaluation tasks to decontaminate against: ``all`` or a comma-separated list.
    against: str = "all"


@dataclass(frozen=True)
class SelectConfig:
    """Which correct traces to keep and how to balance groups (``balance``: pool, domain, task or none)."""

    policy: str = "first"
    max_per_problem: int = 1
    #: Keep only traces whose verified answer the grader read from one of these places (``boxed``, ``phrase``,
    #: ``prose``, ``bare``, ``last_number`` …; empty: any). ``[boxed]`` is Sky-T1's own rule: its curation
    #: read answers from ``\boxed{}`` only.
    answer_sources: list[str] = field(default_factory=list)
    balance: str = "pool"
    targets: dict[str, int] = field(default_factory=dict)
    seed: int = CURATE.select_seed


@dataclass(frozen=True)
class ExportConfig:
    formats: list[str] = field(default_factory=lambda: list(FORMATS))
    system_prompt: str = "sky_t1"
    name: str = "thinkforge_curated"


@dataclass(frozen=True)
class EstimateConfig:
    """Assumptions of the dry-run plan where nothing is measured yet."""

    #: Mean completion tokens of one teacher trace (QwQ traces are long; 16k is the cap).
    completion_tokens: int = CURATE.est_completion_tokens
    #: Prompt tokens of a problem from a pool that is not loaded (hub pools with a declared ``size``).
    prompt_tokens: int = CURATE.est_prompt_tokens
    #: Characters per token when counting prompts of loaded pools.
    chars_per_token: float = CURATE.est_chars_per_token
    #: Share of traces expected to pass grading (reformat requests = passing traces).
    acceptance: float = 1.0


@dataclass(frozen=True)
class CurateRayConfig(RayConfig):
    """``ray``: one Ray session for the teacher's replicas (as eval's ``ray``) and the grading actors.

    ``replicas: 0`` keeps the teacher off Ray (an OpenAI-compatible endpoint scales itself) while the traces
    are graded on Ray; ``grade_actors: 0`` keeps grading in the local pool.
    """

    grade_actors: int = field(default=RAY_GRADING.actors,
                              metadata={"help": "Ray: grading actors (0: grade in the local pool)"})
    cpus_per_grade_actor: float = field(default=RAY_GRADING.cpus_per_actor,
                                        metadata={"help": "Ray: CPUs per grading actor (code judges per actor)"})

    def teacher(self) -> RayConfig:
        """The teacher's generate ``ray`` section."""
        return RayConfig(enabled=self.enabled and self.replicas > 0, replicas=self.replicas,
                         cpus_per_replica=self.cpus_per_replica, gpus_per_replica=self.gpus_per_replica,
                         address=self.address)

    def grading(self) -> RayGradeConfig:
        """The grading actors' settings."""
        return RayGradeConfig(enabled=self.enabled and self.grade_actors > 0, actors=self.grade_actors,
                              cpus_per_actor=self.cpus_per_grade_actor, address=self.address)

    def cpus(self) -> float:
        """CPUs a local Ray session needs for both."""
        teacher = self.replicas * self.cpus_per_replica if self.teacher().enabled else 0.0
        grading = self.grade_actors * self.cpus_per_grade_actor if self.grading().enabled else 0.0
        return teacher + grading


@dataclass(frozen=True)
class CurateConfig:
    """A curate recipe."""

    name: str = "curate"
    pools: dict[str, Any] = field(default_factory=dict)
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    reformat: ReformatConfig = field(default_factory=ReformatConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    select: SelectConfig = field(default_factory=SelectConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    estimate: EstimateConfig = field(default_factory=EstimateConfig)
    ray: CurateRayConfig = field(default_factory=CurateRayConfig, metadata={"identity": False})
    out: str | None = field(default=None, metadata={"identity": False})
    overwrite: bool = field(default=False, metadata={"identity": False})
    dry_run: bool = field(default=False, metadata={"identity": False})

    def __post_init__(self) -> None:
        if not self.pools:
            raise ConfigError("a curate recipe needs at least one pool under 'pools'")
        self.pool_configs()
        for section, backend in (("teacher", self.teacher.backend), ("reformat", self.reformat.backend)):
            if backend not in BACKEND_KINDS:
                raise ConfigError(f"{section}.backend must be one of {', '.join(BACKEND_KINDS)}, got {backend!r}")
        if self.teacher.k < 1:
            raise ConfigError(f"teacher.k must be >= 1, got {self.teacher.k}")
        unknown_sources = sorted(set(self.select.answer_sources) - set(ANSWER_SOURCES))
        if unknown_sources:
            raise ConfigError(f"select.answer_sources: unknown source '{unknown_sources[0]}' "
                              f"(known: {', '.join(ANSWER_SOURCES)})")
        if self.select.policy not in POLICIES:
            raise ConfigError(f"select.policy must be one of {', '.join(POLICIES)}, got {self.select.policy!r}")
        unknown = sorted(set(self.export.formats) - set(FORMATS))
        if unknown:
            raise ConfigError(f"export.formats: unknown format '{unknown[0]}' (known: {', '.join(FORMATS)})")
        if self.ray.replicas < 0 or self.ray.grade_actors < 0:
            raise ConfigError(f"ray.replicas and ray.grade_actors must be >= 0, got {self.ray.replicas} and "
                              f"{self.ray.grade_actors}")
        if not 0 < self.estimate.acceptance <= 1:
            raise ConfigError(f"estimate.acceptance must be in (0, 1], got {self.estimate.acceptance}")

    def pool_configs(self) -> list[PoolConfig]:
        """The pools in recipe order, validated."""
        pools = []
        for name, settings in self.pools.items():
            if not isinstance(settings, dict):
                raise ConfigError(f"pools.{name} must be a mapping (source, filters, target, size)")
            pools.append(build_dataclass(PoolConfig, {**settings, "name": name}, prefix=f"pools.{name}."))
        return pools


def load_curate_config(path: str | Path | None, overrides: list[str] | tuple[str, ...] = ()) -> CurateConfig:
    """Read a curate recipe plus ``key=value`` overrides; a pool's relative task-YAML path is relative to the recipe."""
    config = load_config(CurateConfig, path, list(overrides))
    return config if path is None else resolve_pool_sources(config, Path(path).resolve().parent)


def resolve_pool_sources(config: CurateConfig, base: Path) -> CurateConfig:
    """The recipe with every relative task-YAML pool ``source`` made relative to ``base`` (the recipe's folder)."""
    pools = {}
    for name, settings in config.pools.items():
        source = str(settings.get("source", "")) if isinstance(settings, dict) else ""
        if source.endswith((".yaml", ".yml")) and not Path(source).is_absolute():
            settings = {**settings, "source": str(base / source)}
        pools[name] = settings
    return replace(config, pools=pools)


def _pool_counts(pool: PoolConfig, config: CurateConfig) -> dict[str, Any]:
    """Problems and prompt tokens of one pool: loaded when local, declared (``size``) when on the hub."""
    if pool.hub:
        try:
            get_task(pool.source)  # the task spec must exist (a YAML is read, nothing is downloaded)
        except ThinkforgeError as exc:
            raise ConfigError(f"pools.{pool.name}: {exc}") from None
        if pool.size is None:
            raise ConfigError(f"pools.{pool.name} reads the hub; declare 'size: N' (problems after filters) for an offline plan")
        problems = pool.size if pool.target is None else min(pool.size, pool.target)
        return {"pool": pool.name, "source": pool.source, "hub": True, "problems": problems, "counted": "declared",
                "prompt_tokens": problems * config.estimate.prompt_tokens}
    loaded = load_pool(pool)
    chars = sum(len(m["content"]) for p in loaded for m in render_messages(p, config.teacher.system_prompt))
    return {"pool": pool.name, "source": pool.source, "hub": False, "problems": len(loaded), "counted": "loaded",
            "prompt_tokens": round(chars / config.estimate.chars_per_token)}


def _cost(prompt: float, completion: float, usd_prompt: float, usd_completion: float) -> float:
    return round(prompt / 1e6 * usd_prompt + completion / 1e6 * usd_completion, 2)


def plan(config: CurateConfig) -> dict[str, Any]:
    """What a run would do: problems per pool, teacher and reformat requests, estimated tokens and cost.

    Local pools are loaded and their rendered prompts counted; hub pools use their declared ``size`` (nothing
    is downloaded). Completion tokens are the ``estimate`` assumptions.
    """
    est = config.estimate
    k = config.teacher.k
    pools = [_pool_counts(p, config) for p in config.pool_configs()]
    problems = sum(p["problems"] for p in pools)
    requests = problems * k
    teacher_prompt = sum(p["prompt_tokens"] for p in pools) * k
    per_trace = min(est.completion_tokens, config.teacher.max_tokens)
    teacher_completion = requests * per_trace
    out: dict[str, Any] = {
        "name": config.name,
        "pools": pools,
        "problems": problems,
        "teacher": {"model": config.teacher.model, "backend": config.teacher.backend, "k": k, "requests": requests,
                    "max_tokens": config.teacher.max_tokens, "prompt_tokens": teacher_prompt,
                    "completion_tokens": teacher_completion,
                    "cost_usd": _cost(teacher_prompt, teacher_completion, config.teacher.usd_per_1m_prompt_tokens,
                                      config.teacher.usd_per_1m_completion_tokens)},
    }
    total = out["teacher"]["cost_usd"]
    if config.reformat.enabled:
        rewrites = round(requests * est.acceptance)
        overhead = round(len(reformat_prompt("")) / est.chars_per_token)
        r_prompt = rewrites * (overhead + per_trace)
        r_completion = rewrites * per_trace
        out["reformat"] = {"model": config.reformat.model, "requests": rewrites, "prompt_tokens": r_prompt,
                           "completion_tokens": r_completion,
                           "cost_usd": _cost(r_prompt, r_completion, config.reformat.usd_per_1m_prompt_tokens,
                                             config.reformat.usd_per_1m_completion_tokens)}
        total += out["reformat"]["cost_usd"]
    out["cost_usd"] = round(total, 2)
    out["assumptions"] = {"completion_tokens_per_trace": per_trace, "acceptance": est.acceptance,
                          "prompt_tokens_per_hub_problem": est.prompt_tokens, "chars_per_token": est.chars_per_token}
    return out

"""The eval recipe: a model, a backend, and tasks with their own settings (``recipes/eval-*.yaml``).

The per-task settings (``tasks.<name>.n``, ``.limit``, ``.sampling``, ``.reference`` …) win over the task
registry's defaults; values given on the command line (``--n``, ``--limit``, ``--max-tokens`` …) win over both.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

from thinkforge.config import build_dataclass, load_config, read_yaml
from thinkforge.errors import ConfigError
from thinkforge.generate.config import (
    GenerateConfig,
    HFConfig,
    OpenAIConfig,
    PricingConfig,
    RayConfig,
    SamplingConfig,
    VLLMConfig,
)
from thinkforge.runs.contract import invocation, setting, sub_run

#: Where ``--recipe NAME`` looks for ``NAME.yaml`` (besides a path as given): ./recipes, then the repository's.
RECIPE_DIRS: tuple[Path, ...] = (Path("recipes"), Path(__file__).resolve().parents[3] / "recipes")


@dataclass(frozen=True)
class TaskEval:
    """One task's settings in an eval recipe (``tasks.<name>``)."""

    n: int | None = None
    limit: int | None = None
    ids: tuple[str, ...] | None = None
    template: str | None = None
    system_prompt: str | None = None
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    #: Published score to show beside the measured one: ``{value, source, subsets}``.
    reference: dict[str, Any] | None = None


@dataclass(frozen=True)
class EvalConfig:
    """Everything ``thinkforge eval`` needs (a recipe YAML maps onto these keys)."""

    tasks: Any = setting(default_factory=dict, identity=False, flag="--tasks",
                         help="comma-separated task names or task YAML files (a recipe maps each to its settings)")
    model: str = setting("default", flag="--model", short="-m", help="'default', a local path or hub id (openai: the server's model)")
    backend: Literal["hf", "openai", "vllm"] = setting("hf", flag="--backend", short="-b", help="generation backend")
    system_prompt: str | None = setting(None, flag="--system-prompt", help="sky_t1, qwen, none, or literal text")
    n: int | None = invocation(None, flag="--n", help="samples per problem for every task (overrides the recipe)")
    limit: int | None = invocation(None, flag="--limit", help="only the first N problems of every task")
    ks: tuple[int, ...] | None = invocation(None, flag="--ks", help="pass@k values to report, e.g. 1,2,4 (default: powers of 2 up to n)")
    workers: int = invocation(1, flag="--workers", help="grading processes for math / multiple choice")
    out: str = invocation("", flag="--out", short="-o", help="eval run directory")
    overwrite: bool = invocation(False, flag="--overwrite", help="discard earlier samples and verdicts of these tasks")
    sampling: SamplingConfig = setting(default_factory=SamplingConfig, identity=False)
    hf: HFConfig = setting(default_factory=HFConfig)
    openai: OpenAIConfig = setting(default_factory=OpenAIConfig)
    vllm: VLLMConfig = setting(default_factory=VLLMConfig)
    ray: RayConfig = setting(default_factory=RayConfig, identity=False)
    pricing: PricingConfig = setting(default_factory=PricingConfig, identity=False)


def find_recipe(name: str, kind: str = "eval", pattern: str = "eval*.yaml") -> Path:
    """A recipe file: a path as given, else ``NAME.yaml`` in ./recipes or the repository's recipes folder; the
    error lists the recipes matching ``pattern`` (``kind`` names them)."""
    path = Path(name)
    if path.is_file():
        return path
    for folder in RECIPE_DIRS:
        for candidate in (folder / name, folder / f"{name}.yaml"):
            if candidate.is_file():
                return candidate
    known = sorted({p.stem for folder in RECIPE_DIRS if folder.is_dir() for p in folder.glob(pattern)})
    raise ConfigError(f"recipe not found: {name!r} (known {kind} recipes: {', '.join(known) or 'none'})")


def load_eval_config(recipe: str | None, overrides: Sequence[str], only_tasks: str | None = None) -> EvalConfig:
    """Defaults ← recipe ← ``key=value`` overrides; ``only_tasks`` (``--tasks``) picks tasks, keeping recipe settings."""
    path = find_recipe(recipe) if recipe else None
    config = load_config(EvalConfig, path, overrides)
    lines = read_yaml(path)[1] if path else {}
    if only_tasks is not None:
        entries = _task_entries(config.tasks)
        config = replace(config, tasks={name: entries.get(name, {}) for name in _names(only_tasks)})

    def where(key: str) -> str:
        return f"{path}:{lines[key]}: " if path is not None and key in lines else ""

    return with_checked_tasks(config, where)


def with_checked_tasks(config: EvalConfig, where: Any = lambda key: "", prefix: str = "") -> EvalConfig:
    """``config`` with its tasks as a checked mapping of name → settings; ``where(key)`` names a key's file:line."""
    entries = _task_entries(config.tasks)
    if not entries:
        raise ConfigError(f"no task given: pass --tasks NAME[,NAME…] or a recipe with a '{prefix}tasks' section")
    for name, entry in entries.items():
        key = f"{prefix}tasks.{name}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where(key)}config key '{key}' must be a mapping of settings")
        build_dataclass(TaskEval, entry, where=where, prefix=f"{key}.")
    return replace(config, tasks=entries)


def _names(text: str | Sequence[str]) -> list[str]:
    items = text.split(",") if isinstance(text, str) else list(text)
    return [t.strip() for t in items if str(t).strip()]


def _task_entries(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return {str(k): dict(v or {}) if isinstance(v, Mapping) or v is None else v for k, v in raw.items()}
    if isinstance(raw, (str, list, tuple)):
        return {name: {} for name in _names(raw)}
    raise ConfigError(f"config key 'tasks' must be a list of task names or a mapping, got {raw!r}")


def task_evals(config: EvalConfig) -> dict[str, TaskEval]:
    """The tasks of an eval, each with its settings, in recipe order."""
    return {name: build_dataclass(TaskEval, entry or {}) for name, entry in _task_entries(config.tasks).items()}


def _merge_sampling(task: SamplingConfig, cli: SamplingConfig) -> SamplingConfig:
    """Per parameter: the command line's value, else the recipe's task value (else the task registry's)."""
    values = {}
    for f in dataclasses.fields(SamplingConfig):
        given = getattr(cli, f.name)
        values[f.name] = given if given not in (None, ()) else getattr(task, f.name)
    return SamplingConfig(**values)


def generate_config(config: EvalConfig, task: str, label: str, te: TaskEval) -> GenerateConfig:
    """The generate stage of one task, in the eval's sub-run ``OUT/<label>``."""
    return GenerateConfig(
        task=task,
        model=config.model,
        backend=config.backend,  # type: ignore[arg-type]
        out=str(sub_run(config.out, label)),
        n=config.n if config.n is not None else te.n,
        limit=config.limit if config.limit is not None else te.limit,
        ids=te.ids,
        template=te.template,
        system_prompt=te.system_prompt if te.system_prompt is not None else config.system_prompt,
        overwrite=config.overwrite,
        sampling=_merge_sampling(te.sampling, config.sampling),
        hf=config.hf,
        openai=config.openai,
        vllm=config.vllm,
        ray=config.ray,
        pricing=config.pricing,
    )

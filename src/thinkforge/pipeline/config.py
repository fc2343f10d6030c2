"""The whole-recipe file (``recipes/sky-t1.yaml``, ``recipes/demo-cpu.yaml``) as one frozen dataclass.

A recipe has one section per stage — ``curate`` (a curate recipe), ``train`` (a train recipe) and ``eval`` (an
eval recipe) — plus ``verdict``. The runner fills in what links the stages, so a recipe must not set it: the
curate and eval run folders, the training data (the curate export) and output, and the model of each eval
(``train.model`` before, the trained checkpoint after). Errors name the file, line and dotted key
(``recipes/demo-cpu.yaml:31: unknown config key 'train.lrr'``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from thinkforge.config import flatten, load_config, parse_override, read_yaml
from thinkforge.curate.config import CurateConfig, resolve_pool_sources
from thinkforge.defaults import RUN
from thinkforge.errors import ConfigError
from thinkforge.evaluate.compare import FORMAT_METRICS
from thinkforge.evaluate.config import EvalConfig, find_recipe, with_checked_tasks
from thinkforge.runs.contract import invocation, setting
from thinkforge.train.config import TrainConfig, validate

#: Metrics a verdict can judge: accuracy (share of samples that pass) and the per-problem format metrics.
VERDICT_METRICS: tuple[str, ...] = ("accuracy", *FORMAT_METRICS)
#: Keys the runner sets (each stage's output and the links between stages): a recipe giving one is refused.
LINKED_KEYS: dict[str, str] = {
    "curate.out": "the curate stage writes to RUN_DIR/curate",
    "train.data.path": "the training data is the curate stage's export",
    "train.out": "the trained model is written to RUN_DIR/train",
    "eval.model": "eval-before evaluates train.model and eval-after the trained checkpoint",
    "eval.out": "the evaluations are written to RUN_DIR/eval-before and RUN_DIR/eval-after",
}


@dataclass(frozen=True)
class VerdictConfig:
    """What the closing verdict judges: ``metrics`` per eval task, each as a paired before/after difference."""

    metrics: tuple[str, ...] = setting(("accuracy",), help="accuracy, answered, boxed, truncated: each judged per task")


@dataclass(frozen=True)
class RunEstimate:
    """Throughput assumptions of the ``--dry-run`` plan (nothing else reads them)."""

    #: Completion tokens per second of the teacher (and reformatter) over the whole curate stage.
    teacher_tokens_per_s: float = setting(RUN.teacher_tokens_per_s, help="teacher completion tokens per second")
    #: Completion tokens per second of the evaluated models.
    student_tokens_per_s: float = setting(RUN.student_tokens_per_s, help="evaluated models' completion tokens per second")
    #: Measured seconds per optimizer step (0: the train plan's FLOPs-based estimate).
    train_seconds_per_step: float = setting(0.0, help="measured seconds per step (0: the train plan's estimate)")


def _missing(section: str) -> Any:
    def build() -> Any:
        raise ConfigError(f"a recipe needs a '{section}' section")

    return build


@dataclass(frozen=True)
class RecipeConfig:
    """A whole recipe: curate → train → evaluate before and after."""

    name: str = setting("recipe", help="the recipe's name (default run directory: runs/<name>)")
    description: str = setting("", identity=False, help="one line on what the recipe does")
    curate: CurateConfig = field(default_factory=_missing("curate"))
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    verdict: VerdictConfig = field(default_factory=VerdictConfig)
    estimate: RunEstimate = field(default_factory=RunEstimate)
    out: str = invocation("", help="run directory: curate/, train/, eval-before/, eval-after/ and the verdict")
    overwrite: bool = invocation(False, help="redo every stage from scratch")
    dry_run: bool = invocation(False, help="print the plan of every stage; run nothing")


#: Whole recipes among the recipe files (the others are one stage's recipe: eval-*, curate-*, train-*).
WHOLE_RECIPES = "[!ect]*.yaml"


def load_recipe(recipe: str | Path, overrides: Sequence[str] = ()) -> RecipeConfig:
    """Read a recipe plus ``key=value`` overrides (``train.lr=1e-5``, ``eval.tasks.math500.n=4``) and check every
    section as its own stage would; relative pool sources are relative to the recipe file."""
    path = find_recipe(str(recipe), kind="whole", pattern=WHOLE_RECIPES)
    data, lines = read_yaml(path)
    given = {**flatten(data), **dict(parse_override(o) for o in overrides)}
    for key, why in LINKED_KEYS.items():
        if any(k == key or k.startswith(key + ".") for k in given):
            where = f"{path}:{lines[key]}: " if key in lines else ""
            raise ConfigError(f"{where}config key '{key}' is set by `thinkforge run`: {why}")
    config = load_config(RecipeConfig, path, overrides)

    def where(key: str) -> str:
        return f"{path}:{lines[key]}: " if key in lines else ""

    unknown = [m for m in config.verdict.metrics if m not in VERDICT_METRICS]
    if unknown:
        raise ConfigError(f"{where('verdict.metrics')}verdict.metrics: unknown metric '{unknown[0]}' "
                          f"(known: {', '.join(VERDICT_METRICS)})")
    validate(config.train)
    return replace(config, curate=resolve_pool_sources(config.curate, path.resolve().parent),
                   eval=with_checked_tasks(config.eval, where, prefix="eval."))

"""``thinkforge run RECIPE``: curate → train → evaluate before and after → compare, report, verdict.

    RUN_DIR/run.run.json       the runner's own record (the recipe as given; a lock against a second runner)
    RUN_DIR/stages.json        each stage's identity hash, when it started and finished
    RUN_DIR/curate/            a curate run (its export is the training data)
    RUN_DIR/train/             a train run (the fine-tuned model, a standard HF checkpoint)
    RUN_DIR/eval-before/       an eval run of ``train.model``
    RUN_DIR/eval-after/        an eval run of RUN_DIR/train
    RUN_DIR/compare.json, compare.md, report.html, verdict.txt

Every stage is a resumable run of its own. Before a stage runs, the runner hashes the stage's identity (its
config, and for train the data and base model by content, for eval the model by content); a stage whose hash
matches the stored one and that finished is reused, one that did not finish is resumed, and one whose hash
changed is redone from scratch. A changed training setting therefore re-trains and re-evaluates the trained
model (eval-before is reused), and a changed evaluation setting re-runs only the evaluations.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from thinkforge.curate.config import CurateConfig
from thinkforge.defaults import RUN
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.evaluate.config import EvalConfig
from thinkforge.jsonl import write_text_atomic
from thinkforge.pipeline.config import RecipeConfig
from thinkforge.pipeline.verdict import verdict_lines
from thinkforge.runs import RunStore, StageProgress, stable_hash, sub_run
from thinkforge.runs.contract import ProgressFn, identity_of
from thinkforge.train.config import TrainConfig

log = logging.getLogger(__name__)

STAGE = "run"
STAGE_VERSION = 1
STAGES: tuple[str, ...] = ("curate", "train", "eval-before", "eval-after")
STATE_FILE = "stages.json"
VERDICT_FILE = "verdict.txt"
#: EvalConfig fields outside its declared identity that still change what it measures (its sub-runs guard them).
_EVAL_SLICE = ("tasks", "n", "limit", "ks", "sampling", "system_prompt")

Action = Literal["ran", "resumed", "reused", "redone"]


@dataclass(frozen=True)
class StageOutcome:
    """What the runner did with one stage this session."""

    name: str
    action: Action
    run_dir: Path
    wall_s: float


@dataclass(frozen=True)
class RunSummary:
    """The outcome of ``thinkforge run``: the stages, the comparison of before and after, the verdict."""

    run_dir: Path
    stages: list[StageOutcome]
    comparison: dict[str, Any]
    verdict: list[str]
    report: Path | None


# ------------------------------------------------------------------------------ the stages' configs
def curate_config(recipe: RecipeConfig, out: Path, overwrite: bool = False) -> CurateConfig:
    return replace(recipe.curate, out=str(sub_run(out, "curate")), overwrite=overwrite, dry_run=False)


def training_data(out: Path) -> Path:
    """The curate stage's export: the training data."""
    from thinkforge.train.data import CURATE_EXPORT

    return sub_run(out, "curate") / CURATE_EXPORT


def train_config(recipe: RecipeConfig, out: Path, overwrite: bool = False) -> TrainConfig:
    data = replace(recipe.train.data, path=str(training_data(out)))
    train_dir = sub_run(out, "train")
    resume = (train_dir / "checkpoints").is_dir() and not overwrite  # continue an interrupted training
    return replace(recipe.train, data=data, out=str(train_dir), resume=resume, overwrite=overwrite, dry_run=False)


def eval_config(recipe: RecipeConfig, out: Path, which: Literal["before", "after"], overwrite: bool = False) -> EvalConfig:
    model = recipe.train.model if which == "before" else str(sub_run(out, "train"))
    return replace(recipe.eval, model=model, out=str(sub_run(out, f"eval-{which}")), overwrite=overwrite)


def stage_identity(name: str, config: Any) -> dict[str, Any]:
    """What a stage's result depends on (hashed to decide reuse, resume or redo)."""
    if name == "curate":
        return {k: v for k, v in identity_of(config).items() if k != "estimate"}  # dry-run assumptions only
    if name == "train":
        from thinkforge.train.config import identity

        return identity(config)
    from thinkforge.models.identity import model_identity

    # The eval's declared identity (backend, engine settings; not batch sizes or workers) plus what its per-task
    # sub-runs guard themselves (tasks, n, limit, sampling); the model by content, not by path.
    settings = {**identity_of(config), **{name: getattr(config, name) for name in _EVAL_SLICE}}
    settings.pop("model")
    return {"eval": json.loads(json.dumps(settings, default=_plain)), "model": model_identity(config.model)}


#: Curate settings whose change invalidates the teacher's samples (the rest — selection, export — is recomputed
#: from the stored samples on every curate run, so changing it needs no fresh sampling).
_CURATE_SAMPLING = ("name", "pools", "teacher", "reformat", "clean")


def reset_digest(name: str, identity: Mapping[str, Any]) -> str:
    """The hash of what a stage's stored work depends on: when it changes, the stage starts from scratch."""
    if name == "curate":
        return stable_hash({k: identity[k] for k in _CURATE_SAMPLING if k in identity})
    return stable_hash(identity)


def _plain(value: Any) -> Any:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else str(value)


# ------------------------------------------------------------------------------ state
def _read_state(out: Path) -> dict[str, Any]:
    path = out / STATE_FILE
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise ThinkforgeError(f"{path}: unreadable ({exc}); remove it or pass --overwrite") from None


def _write_state(out: Path, state: Mapping[str, Any]) -> None:
    write_text_atomic(out / STATE_FILE, json.dumps(state, indent=1) + "\n")


def decide(record: Mapping[str, Any] | None, digest: str, finished: bool) -> Action:
    """Reuse a finished stage with the same identity, resume an unfinished one, redo one whose identity changed."""
    if record is None:
        return "ran"
    if record.get("hash") != digest:
        return "redone"
    return "reused" if finished else "resumed"


def _finished(name: str, run_dir: Path) -> bool:
    stage = "eval" if name.startswith("eval") else name
    return RunStore.finished(run_dir, stage) is not None


# ------------------------------------------------------------------------------ run
def run_recipe(recipe: RecipeConfig, *, on_progress: ProgressFn | None = None,
               on_stage: Callable[[str, Action], None] | None = None) -> RunSummary:
    """Run (or resume) every stage of ``recipe`` into ``recipe.out``, then compare before and after."""
    if not recipe.out:
        raise ConfigError("no output directory given: pass --out RUN_DIR")
    out = Path(recipe.out)
    record = {"stage_version": STAGE_VERSION}
    outcomes: list[StageOutcome] = []
    with RunStore.open(out, record, stage=STAGE, overwrite=recipe.overwrite) as store:
        state = {} if recipe.overwrite else _read_state(out)
        for name in STAGES:
            outcome, errors = _run_stage(name, recipe, out, state, on_progress, on_stage)
            outcomes.append(outcome)
            if errors:  # the next stage would build on incomplete work
                raise ThinkforgeError(f"stage {name}: {errors} requests failed for good this session; "
                                      "re-run the same command to retry them (finished work is kept)")
        comparison, verdict, report = _conclude(recipe, out)
        store.mark_finished({"verdict": verdict})
    return RunSummary(out, outcomes, comparison, verdict, report)


def _run_stage(name: str, recipe: RecipeConfig, out: Path, state: dict[str, Any], on_progress: ProgressFn | None,
               on_stage: Callable[[str, Action], None] | None) -> tuple[StageOutcome, int]:
    """Decide what to do with one stage, do it, and record it in ``stages.json``."""
    config = _config(name, recipe, out)
    identity = stage_identity(name, config)
    digest, reset = stable_hash(identity), reset_digest(name, identity)
    run_dir = sub_run(out, name)
    record = state.get(name)
    action = decide(record, digest, _finished(name, run_dir))
    if recipe.overwrite and action == "ran" and run_dir.exists():
        action = "redone"
    if on_stage is not None:
        on_stage(name, action)
    if action == "reused":
        log.debug("%s: finished with the same settings; reused", name)
        return StageOutcome(name, action, run_dir, 0.0), 0
    # A redo starts afresh unless only what the stage recomputes anyway changed (curate's selection and export).
    fresh = recipe.overwrite or (action == "redone" and (record or {}).get("reset", reset) != reset)
    state[name] = {"hash": digest, "reset": reset, "started": _now()}
    _write_state(out, state)
    started = time.monotonic()
    errors = _execute(name, _config(name, recipe, out, overwrite=fresh), on_progress)
    for attempt in range(1, RUN.stage_attempts):
        if not errors:
            break
        # Requests that failed for good or verdicts that stayed transient (a symbolic deadline under load): the
        # stage's own resume retries exactly those units.
        log.warning("%s: %d units failed; retrying them (attempt %d of %d)", name, errors, attempt + 1, RUN.stage_attempts)
        errors = _execute(name, _config(name, recipe, out), on_progress)
    wall = time.monotonic() - started
    if errors == 0:
        state[name] = {**state[name], "finished": _now(), "wall_s": round(wall, 1)}
        _write_state(out, state)
    return StageOutcome(name, action, run_dir, wall), errors


def _config(name: str, recipe: RecipeConfig, out: Path, overwrite: bool = False) -> Any:
    if name == "curate":
        return curate_config(recipe, out, overwrite)
    if name == "train":
        return train_config(recipe, out, overwrite)
    return eval_config(recipe, out, "before" if name == "eval-before" else "after", overwrite)


def _execute(name: str, config: Any, on_progress: ProgressFn | None) -> int:
    """Run one stage; returns how many of its requests failed for good this session."""
    if name == "curate":
        from thinkforge.curate.stage import run_curate

        return run_curate(config, on_progress=on_progress).errors
    if name == "train":
        from thinkforge.train.stage import run_train

        run_train(config, on_progress=_train_progress(on_progress))
        return 0
    from thinkforge.evaluate.stage import run_eval

    return run_eval(config, on_progress=_tagged(on_progress, name)).errors


def _train_progress(on_progress: ProgressFn | None) -> Callable[[Any], None] | None:
    if on_progress is None:
        return None

    def update(p: Any) -> None:
        loss = f"loss {p.loss:.3f}" if p.loss is not None else ""
        on_progress(StageProgress("train", p.step, p.total_steps, loss))

    return update


def _tagged(on_progress: ProgressFn | None, prefix: str) -> ProgressFn | None:
    if on_progress is None:
        return None
    return lambda p: on_progress(StageProgress(f"{prefix} {p.stage}", p.done, p.total, p.info))


def _conclude(recipe: RecipeConfig, out: Path) -> tuple[dict[str, Any], list[str], Path | None]:
    """compare.json / compare.md, the HTML report of both evaluations, and the verdict (recomputed every run)."""
    from thinkforge.evaluate.compare import compare_results
    from thinkforge.evaluate.render import compare_markdown
    from thinkforge.evaluate.results import read_results
    from thinkforge.report import write_report

    before, after = sub_run(out, "eval-before"), sub_run(out, "eval-after")
    comparison = compare_results(read_results(before), read_results(after))
    comparison["a"] = {"path": str(before), **comparison["a"]}
    comparison["b"] = {"path": str(after), **comparison["b"]}
    rows = _curated_rows(out)
    verdict = verdict_lines(comparison, recipe.verdict.metrics, rows)
    write_text_atomic(out / "compare.json", json.dumps(comparison, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(out / "compare.md", compare_markdown(comparison))
    write_text_atomic(out / VERDICT_FILE, "\n".join(verdict) + "\n")
    report = write_report([before, after], out / "report.html", [comparison])
    return comparison, verdict, report


def _curated_rows(out: Path) -> int | None:
    done = RunStore.finished(sub_run(out, "curate"), "curate")
    return int(done["rows"]) if done and "rows" in done else None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


__all__ = ["RunSummary", "StageOutcome", "decide", "run_recipe", "stage_identity"]

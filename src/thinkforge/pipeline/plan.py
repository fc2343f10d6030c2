"""``thinkforge run RECIPE --dry-run``: what each stage would do — requests, tokens, time and cost — before any of it.

Nothing is generated, trained or downloaded: local pools and eval tasks are loaded and counted, hub pools use
their declared ``size``, training is planned from the curated rows the recipe targets, and times come from the
recipe's ``estimate`` section (throughput assumptions, printed beside the figures they produce).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from thinkforge.curate.config import plan as curate_plan
from thinkforge.pipeline.config import RecipeConfig
from thinkforge.pipeline.stage import curate_config, eval_config, train_config


def expected_rows(recipe: RecipeConfig, problems: int) -> int:
    """Curated rows the recipe aims at: the selection's targets when it balances, else every problem's quota."""
    select = recipe.curate.select
    if select.targets and select.balance != "none":
        return sum(select.targets.values())
    per_problem = min(recipe.curate.teacher.k, select.max_per_problem if select.policy in ("all", "at_most") else 1)
    return round(problems * per_problem * recipe.curate.estimate.acceptance)


def _curate(recipe: RecipeConfig, out: Path) -> dict[str, Any]:
    p = curate_plan(curate_config(recipe, out))
    tokens = p["teacher"]["completion_tokens"] + p.get("reformat", {}).get("completion_tokens", 0)
    rows = expected_rows(recipe, p["problems"])
    return {"stage": "curate", "requests": p["teacher"]["requests"] + p.get("reformat", {}).get("requests", 0),
            "completion_tokens": tokens, "hours": tokens / recipe.estimate.teacher_tokens_per_s / 3600,
            "usd": p["cost_usd"], "rows": rows, "detail": p}


def _train(recipe: RecipeConfig, out: Path, rows: int) -> dict[str, Any]:
    from thinkforge.train.config import global_batch
    from thinkforge.train.stage import run_train

    config = train_config(recipe, out)
    est = config.estimate
    mean = est.mean_tokens_per_example or recipe.curate.estimate.completion_tokens
    config = replace(config, dry_run=True, estimate=replace(est, examples=est.examples or rows, mean_tokens_per_example=mean))
    plan = run_train(config).plan
    assert plan is not None
    hours = plan.hours
    if recipe.estimate.train_seconds_per_step > 0:
        hours = plan.steps * recipe.estimate.train_seconds_per_step / 3600
    return {"stage": "train", "requests": 0, "completion_tokens": plan.tokens, "hours": hours, "usd": plan.usd,
            "examples": plan.train_examples, "steps": plan.steps, "epochs": config.epochs,
            "global_batch": global_batch(config), "detail": plan.lines()}


def _eval(recipe: RecipeConfig, out: Path, which: str) -> dict[str, Any]:
    from thinkforge.evaluate.stage import plan_eval

    config = eval_config(recipe, out, which)  # type: ignore[arg-type]
    if which == "after":
        config = replace(config, model=recipe.train.model)  # the checkpoint does not exist yet: plan as the base
    tasks = {}
    for tp in plan_eval(config):
        requests = len(tp.plan.requests)
        tasks[tp.label] = {"problems": len(tp.plan.problems), "n": tp.plan.n, "requests": requests,
                           "max_tokens": tp.plan.sampling.max_tokens,
                           "completion_tokens_max": requests * tp.plan.sampling.max_tokens}
    tokens = sum(t["completion_tokens_max"] for t in tasks.values())
    pricing = recipe.eval.pricing
    return {"stage": f"eval-{which}", "requests": sum(t["requests"] for t in tasks.values()),
            "completion_tokens": tokens, "hours": tokens / recipe.estimate.student_tokens_per_s / 3600,
            "usd": round(tokens / 1e6 * pricing.usd_per_1m_completion_tokens, 2), "tasks": tasks}


def plan_recipe(recipe: RecipeConfig) -> dict[str, Any]:
    """The whole run's plan: one entry per stage (requests, tokens, hours, USD) and the totals."""
    out = Path(recipe.out or "RUN_DIR")
    curate = _curate(recipe, out)
    stages = [curate, _train(recipe, out, curate["rows"]), _eval(recipe, out, "before"), _eval(recipe, out, "after")]
    return {
        "name": recipe.name,
        "stages": stages,
        "hours": sum(s["hours"] for s in stages),
        "usd": round(sum(s["usd"] for s in stages), 2),
        "assumptions": {"teacher_tokens_per_s": recipe.estimate.teacher_tokens_per_s,
                        "student_tokens_per_s": recipe.estimate.student_tokens_per_s,
                        "train_seconds_per_step": recipe.estimate.train_seconds_per_step or "from the train plan",
                        "eval completion tokens": "upper bound: every request runs to max_tokens"},
    }

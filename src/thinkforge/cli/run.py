"""``thinkforge run RECIPE``: the whole recipe — curate → train → evaluate before and after — with a verdict."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table

from thinkforge.cli.common import console, make_progress, stage_bars

ORDER = 6  # listed beside demo, before the stage commands (it runs them all)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="run a whole recipe: curate → train → eval before/after → compare, report, verdict",
        description=(
            "Run (or resume) every stage of a recipe into RUN_DIR (curate/, train/, eval-before/, eval-after/). "
            "A stage that finished with the same settings is reused, an interrupted one resumed, one whose "
            "settings changed redone (with what depends on it). Ends with a paired before/after comparison, the "
            "HTML report and a verdict line. --dry-run prints each stage's requests, tokens, time and cost."
        ),
    )
    p.add_argument("recipe", metavar="RECIPE", help="a recipe file or a name in recipes/ (demo-cpu, sky-t1)")
    p.add_argument("--out", "-o", metavar="RUN_DIR", help="run directory (default: runs/<recipe name>)")
    p.add_argument("--dry-run", action="store_true", help="print the plan of every stage; run nothing")
    p.add_argument("--overwrite", action="store_true", help="redo every stage from scratch")
    p.add_argument("--json", action="store_true", help="--dry-run: the plan as JSON")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="recipe overrides, e.g. train.lr=1e-4")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from thinkforge.pipeline.config import load_recipe

    recipe = load_recipe(args.recipe, list(args.overrides))
    recipe = replace(recipe, out=args.out or f"runs/{recipe.name}", overwrite=args.overwrite, dry_run=args.dry_run)
    if args.dry_run:
        from thinkforge.pipeline.plan import plan_recipe

        result = plan_recipe(recipe)
        if args.json:
            print(json.dumps(result, indent=1, default=str))
        else:
            print_plan(result)
        return 0
    from thinkforge.pipeline.stage import run_recipe

    with make_progress() as progress:
        summary = run_recipe(recipe, on_progress=stage_bars(progress), on_stage=announce(progress))
    print_summary(summary)
    return 0


_ACTIONS = {"ran": "running", "resumed": "resuming", "reused": "finished earlier with the same settings: reused",
            "redone": "settings changed: redoing"}


def announce(progress: Any) -> Any:
    """Print what the runner does with each stage (``train: settings changed: redoing``) above the bars."""
    return lambda name, action: progress.console.print(f"{name}: {_ACTIONS[action]}", markup=False, highlight=False)


def print_summary(summary: Any) -> None:
    """The stages' wall times, the before/after table and the verdict."""
    from thinkforge.evaluate.render import comparison_table

    stages = Table(title=f"thinkforge run → {summary.run_dir}")
    for col in ("stage", "this session", "wall"):
        stages.add_column(col)
    for s in summary.stages:
        stages.add_row(s.name, s.action, f"{s.wall_s:.0f} s" if s.action != "reused" else "-")
    console.print(stages)
    console.print(comparison_table(summary.comparison))
    console.print(format_table(summary.comparison))
    for line in summary.verdict:
        console.print(line, style="bold" if line.startswith("VERDICT") else None, markup=False, highlight=False)
    if summary.report:
        console.print(f"report: {summary.report}")


#: The format metrics as the table names them (the verdict spells them out).
SHORT_LABELS = {"answered": "answered", "boxed": "in \\boxed{}", "truncated": "cut off"}


def format_table(comparison: dict[str, Any]) -> Table:
    """Before/after of the format metrics (answered, boxed, cut off) per task, paired over shared problems."""
    table = Table(title="answer format, before → after (paired, 95% CI)")
    for col in ("task", "metric", "before", "after", "change (points)", "95% CI", "sig."):
        table.add_column(col, justify="left" if col in ("task", "metric") else "right")
    for name, task in comparison.get("tasks", {}).items():
        for metric, s in task.get("format", {}).items():
            if s.get("a") is None:
                continue
            ci = s.get("ci95")
            table.add_row(name, SHORT_LABELS[metric], f"{100 * s['a']:.1f}%", f"{100 * s['b']:.1f}%", f"{100 * s['diff']:+.1f}",
                          f"{100 * ci[0]:+.1f} … {100 * ci[1]:+.1f}" if ci else "-", "yes" if s.get("significant") else "no")
    return table


def print_plan(result: dict[str, Any]) -> None:
    """The dry-run plan as one table per run, then each stage's details."""
    table = Table(title=f"run {result['name']} — plan (nothing is run)")
    for col in ("stage", "requests", "completion tokens", "hours", "USD", "notes"):
        table.add_column(col, justify="left" if col in ("stage", "notes") else "right")
    for s in result["stages"]:
        table.add_row(s["stage"], f"{s['requests']:,}", f"{s['completion_tokens']:,}", f"{s['hours']:.2f}",
                      f"{s['usd']:,.2f}", _notes(s))
    table.add_row("total", "", "", f"{result['hours']:.2f}", f"{result['usd']:,.2f}", "")
    console.print(table)
    for s in result["stages"]:
        if s["stage"] == "train":
            console.print("[bold]train plan[/]")
            for line in s["detail"]:
                console.print(f"  {line}", markup=False, highlight=False)
        if s["stage"] == "curate":
            pools = ", ".join(f"{p['pool']} {p['problems']:,}" for p in s["detail"]["pools"])
            console.print(f"[bold]curate pools[/]: {pools}", highlight=False)
    console.print("assumptions: " + "; ".join(f"{k}: {v}" for k, v in result["assumptions"].items()), highlight=False)


def _notes(stage: dict[str, Any]) -> str:
    if stage["stage"] == "curate":
        return f"~{stage['rows']:,} curated rows targeted"
    if stage["stage"] == "train":
        return f"{stage['examples']:,} examples × {stage['epochs']:g} epochs, global batch {stage['global_batch']}, {stage['steps']:,} steps"
    return ", ".join(f"{name} {t['problems']}×{t['n']}" for name, t in stage["tasks"].items())


"""``thinkforge eval``: benchmark suites — generate + grade per task, metrics with CIs, results.json, report.md."""

from __future__ import annotations

import argparse
from typing import Any

from thinkforge.cli.common import console, err_console, make_progress, stage_bars
from thinkforge.cli.flags import add_flags, flag_values
from thinkforge.evaluate.config import EvalConfig, load_eval_config
from thinkforge.evaluate.stage import REPORT_FILE, RESULTS_FILE, plan_eval, rescore, run_eval

ORDER = 35


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "eval",
        help="evaluate a model on benchmark tasks: avg@n, pass@k, maj@k with 95%% CIs, results.json, report.md",
        description=(
            "For each task: generate (resumable) and grade while generating, under RUN_DIR/<task>/; then metrics "
            "into RUN_DIR/results.json and RUN_DIR/report.md. Per-task settings come from the task registry, "
            "then the recipe (--recipe), then the command line. --rescore RUN_DIR regrades an eval with today's "
            "graders and reports what moved."
        ),
    )
    p.add_argument("--recipe", "--config", "-c", dest="recipe", metavar="NAME|FILE",
                   help="eval recipe: a YAML file or a name in recipes/ (eval-sky-t1, eval-quick-cpu)")
    p.add_argument("--rescore", metavar="RUN_DIR", help="regrade the stored samples of an eval run (no generation)")
    add_flags(p, EvalConfig)
    p.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. sampling.max_tokens=512")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.rescore:
        return _rescore(args)
    flags = flag_values(args, EvalConfig)
    only = flags.pop("tasks", None)
    overrides = [f"{k}={_yaml(v)}" for k, v in flags.items()] + list(args.overrides)
    config = load_eval_config(args.recipe, overrides, only_tasks=only)
    plan_eval(config)  # every task validated before a progress bar is drawn or a file written
    with make_progress() as progress:
        update = stage_bars(progress)
        summary = run_eval(config, on_progress=update)
    from thinkforge.evaluate.render import summary_table

    console.print(summary_table(summary.results))
    console.print(f"{summary.run_dir / RESULTS_FILE} · {summary.run_dir / REPORT_FILE}")
    if summary.errors:
        err_console.print(f"[bold red]{summary.errors} samples failed to generate or grade[/]; "
                          "re-run the same command to retry them")
        return 1
    return 0


def _rescore(args: argparse.Namespace) -> int:
    from thinkforge.evaluate.render import comparison_table

    result = rescore(args.rescore, workers=args.cfg__workers or 1)
    console.print(comparison_table(result.comparison))
    for name, task in result.comparison.get("tasks", {}).items():
        for label, ids in (("now pass", task["flipped_to_pass"]), ("now fail", task["flipped_to_fail"])):
            if ids:
                console.print(f"{name}: {len(ids)} {label}: {', '.join(ids[:20])}{' …' if len(ids) > 20 else ''}")
        for metric, change in task.get("metrics", {}).items():
            if change.get("diff"):
                console.print(f"{name} {metric}: {change['a']:.4f} → {change['b']:.4f} ({change['diff']:+.4f})")
    console.print(f"old verdicts and results kept in {result.archive}")
    return 0


def _yaml(value: Any) -> str:
    import json

    return json.dumps(list(value) if isinstance(value, tuple) else value)

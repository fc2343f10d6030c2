"""``thinkforge demo``: what ``make demo`` runs — the whole loop on the default model, offline (recipes/demo-cpu.yaml)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from thinkforge.cli.common import make_progress, stage_bars
from thinkforge.defaults import DEMO

ORDER = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="offline demo: the default model curates its own verified answers, is fine-tuned on them, and is "
             "evaluated before and after on held-out problems",
        description=(
            f"`thinkforge run {DEMO.recipe} --out {DEMO.out}`: rejection-sampling fine-tuning of the default model "
            "on a generated arithmetic pool (curate → train → eval before/after), then a paired comparison, the HTML "
            "report and a verdict. A second run reuses every finished stage and only prints the results."
        ),
    )
    parser.add_argument("--out", default=DEMO.out, help=f"run directory (default: {DEMO.out})")
    parser.add_argument("--dry-run", action="store_true", help="print the plan of every stage; run nothing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from thinkforge.cli.run import print_plan, print_summary
    from thinkforge.pipeline.config import load_recipe

    recipe = replace(load_recipe(DEMO.recipe), out=args.out)
    if args.dry_run:
        from thinkforge.pipeline.plan import plan_recipe

        print_plan(plan_recipe(recipe))
        return 0
    from thinkforge.cli.run import announce
    from thinkforge.pipeline.stage import run_recipe

    with make_progress() as progress:
        summary = run_recipe(recipe, on_progress=stage_bars(progress), on_stage=announce(progress))
    print_summary(summary)
    return 0

"""``thinkforge curate RECIPE.yaml``: problem pools and a teacher → a clean, verified SFT dataset."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table

from thinkforge.cli.common import console, make_progress, stage_bars

ORDER = 32


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "curate",
        help="curate an SFT dataset: pools → clean → teacher traces → grade → reformat + re-grade → select → export",
        description=(
            "Run (or resume) a curation recipe into RUN_DIR: pools are deduplicated and decontaminated before "
            "sampling, the teacher's traces are graded by the shared grader and code judge (truncated traces never "
            "pass), optional rewrites are graded again, and the selection is exported as messages JSONL, ShareGPT "
            "(LLaMA-Factory) and a datasets folder, with a data card. --dry-run prints the plan and its cost."
        ),
    )
    p.add_argument("recipe", metavar="RECIPE.yaml", help="curation recipe (recipes/curate-cpu.yaml, curate-sky-t1.yaml)")
    p.add_argument("--out", "-o", metavar="RUN_DIR", help="run directory")
    p.add_argument("--dry-run", action="store_true", help="print what would be sampled, requests, tokens and cost")
    p.add_argument("--overwrite", action="store_true", help="discard earlier samples, verdicts and rewrites")
    p.add_argument("--workers", type=int, default=1, help="grading processes for math / multiple choice")
    p.add_argument("--ray", action="store_true",
                   help="scale out on Ray: grading actors (ray.grade_actors) and teacher replicas (ray.replicas; 0: off)")
    p.add_argument("--json", action="store_true", help="--dry-run: the plan as JSON")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="recipe overrides, e.g. teacher.k=4")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from thinkforge.curate.config import load_curate_config, plan
    from thinkforge.curate.stage import clean_pools, run_curate

    overrides = list(args.overrides)
    if args.out:
        overrides.append(f"out={json.dumps(args.out)}")
    if args.overwrite:
        overrides.append("overwrite=true")
    if args.ray:
        overrides.append("ray.enabled=true")
    config = load_curate_config(args.recipe, overrides)
    if args.dry_run:
        result = plan(config)
        if args.json:
            print(json.dumps(result, indent=1))
        else:
            console.print(plan_table(result))
        return 0
    clean_pools(config)  # pools, filters and cleaning checked before a progress bar is drawn
    with make_progress() as progress:
        update = stage_bars(progress)
        summary = run_curate(config, on_progress=update, workers=args.workers)
    table = Table(title=f"curate {config.name}: {summary.rows} rows exported")
    table.add_column("step")
    pools = sorted({pool for _, counts in summary.steps for pool in counts})
    for pool in pools:
        table.add_column(pool, justify="right")
    for step, counts in summary.steps:
        table.add_row(step, *[str(counts.get(pool, 0)) for pool in pools])
    console.print(table)
    for fmt, path in summary.exported.items():
        console.print(f"{fmt}: {path}")
    console.print(f"data card: {summary.card.get('markdown', summary.run_dir / 'card.md')}")
    return 1 if summary.errors else 0


def plan_table(result: dict[str, Any]) -> Table:
    """The dry-run plan: problems per pool, requests, tokens and cost per step."""
    table = Table(title=f"curate {result['name']} — plan (nothing is run)")
    for col in ("pool", "source", "problems", "requests", "prompt tokens"):
        table.add_column(col, justify="left" if col in ("pool", "source") else "right")
    for pool in result["pools"]:
        table.add_row(str(pool.get("pool")), str(pool.get("source")), f"{pool.get('problems', 0):,}",
                      f"{pool.get('requests', pool.get('problems', 0)):,}", f"{pool.get('prompt_tokens', 0):,}")
    t = result["teacher"]
    table.caption = (f"teacher {t['model']} ({t['backend']}): {t['requests']:,} requests, "
                     f"~{t['prompt_tokens']:,} prompt + ~{t['completion_tokens']:,} completion tokens, ${t['cost_usd']:,.2f}"
                     + (f"; reformat {result['reformat']['model']}: {result['reformat']['requests']:,} requests, "
                        f"${result['reformat']['cost_usd']:,.2f}" if "reformat" in result else "")
                     + f"; total ${result['cost_usd']:,.2f}")
    return table

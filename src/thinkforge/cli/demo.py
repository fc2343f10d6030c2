"""``thinkforge demo``: the default model answers 8 GSM8K questions offline; the answers are graded."""

from __future__ import annotations

import argparse

from rich.table import Table

from thinkforge.cli.common import console, make_progress
from thinkforge.defaults import DEMO, MODEL
from thinkforge.demo import run_demo
from thinkforge.runs import StageProgress

ORDER = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="offline demo: the default model answers GSM8K questions, then they are graded",
        description="Generate with the default model (hf backend) and grade, in a resumable run directory.",
    )
    parser.add_argument("--out", default=DEMO.out, help=f"run directory (default: {DEMO.out})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with make_progress() as progress:
        bar = progress.add_task("generate", total=None, info="")

        def update(p: StageProgress) -> None:
            progress.update(bar, completed=p.done, total=p.total, info=p.info)

        result = run_demo(out=args.out, on_progress=update)
    model = MODEL.display_name if DEMO.model == "default" else DEMO.model
    table = Table(title=f"{model} on {DEMO.task} ({len(result.rows)} questions, greedy)")
    table.add_column("question", overflow="fold", ratio=3)
    table.add_column("gold", justify="right")
    table.add_column("model's final answer", justify="right", overflow="fold")
    table.add_column("correct?", justify="center")
    for row in result.rows:
        answer = row.answer if row.answer is not None else f"[dim]({row.status})[/]"
        table.add_row(row.question, row.gold, answer, "[green]yes[/]" if row.correct else "[red]no[/]")
    console.print(table)
    gen = result.generate.run_total
    console.print(
        f"accuracy {result.grade.accuracy:.0%} ({result.grade.passed}/{result.grade.samples}); "
        f"{gen.completion_tokens:,} tokens generated at {gen.tokens_per_s:.1f} tok/s; run dir {args.out}"
    )
    return 0

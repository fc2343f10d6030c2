"""``thinkforge grade RUN_DIR``: grade every sample of a generate run, resumably."""

from __future__ import annotations

import argparse

from rich.table import Table

from thinkforge.cli.common import console, make_progress
from thinkforge.grading.stage import run_grade

ORDER = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="grade the samples of a generate run (math, multiple choice, code) into verdicts",
        description="Grade every sample of RUN_DIR that has no verdict yet; verdicts go to RUN_DIR/grade-*.jsonl.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by `thinkforge generate`")
    parser.add_argument("--workers", type=int, default=1, help="grading processes for math / multiple choice")
    parser.add_argument("--overwrite", action="store_true", help="drop stored verdicts and grade again")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with make_progress() as progress:
        bar = progress.add_task("grading", total=None, info="")

        def update(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)

        summary = run_grade(args.run_dir, workers=args.workers, overwrite=args.overwrite, on_progress=update)
    table = Table(title=f"{summary.task}: {summary.samples} samples graded ({summary.graded_now} now)")
    table.add_column("status")
    table.add_column("count", justify="right")
    for status, count in sorted(summary.by_status.items(), key=lambda kv: -kv[1]):
        table.add_row(status, str(count))
    console.print(table)
    console.print(f"accuracy (mean over samples): {summary.accuracy:.3f} ({summary.passed}/{summary.samples})")
    return 0

"""``thinkforge grade RUN_DIR``: grade every sample of a generate run, resumably."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from thinkforge.cli.common import add_config_arguments, config_from_args, console, err_console, make_progress
from thinkforge.cli.flags import add_flags, flag_values
from thinkforge.generate.stage import read_generate_run
from thinkforge.grading.stage import GradeConfig, run_grade
from thinkforge.runs import StageProgress

ORDER = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="grade the samples of a generate run (math, multiple choice, code) into verdicts",
        description="Grade every sample of RUN_DIR that has no verdict yet; verdicts go to RUN_DIR/grade-*.jsonl.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by `thinkforge generate`")
    add_flags(parser, GradeConfig)
    add_config_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(GradeConfig, args, {**flag_values(args, GradeConfig), "run_dir": args.run_dir})
    read_generate_run(Path(config.run_dir))  # a clear error before any progress bar
    with make_progress() as progress:
        bar = progress.add_task("grading", total=None, info="")

        def update(p: StageProgress) -> None:
            progress.update(bar, completed=p.done, total=p.total, info=p.info)

        summary = run_grade(config, on_progress=update)
    table = Table(title=f"{summary.task}: {summary.samples} samples graded ({summary.graded_now} now)")
    table.add_column("status")
    table.add_column("count", justify="right")
    for status, count in sorted(summary.by_status.items(), key=lambda kv: -kv[1]):
        table.add_row(status, str(count))
    console.print(table)
    console.print(f"accuracy (mean over samples): {summary.accuracy:.3f} ({summary.passed}/{summary.samples})")
    if summary.errors:
        err_console.print(f"[bold red]{summary.errors} samples could not be graded[/] after retries "
                          "(symbolic timeout or sandbox error); re-run the same command to grade them again")
        return 1
    return 0

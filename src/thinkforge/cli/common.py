"""Helpers shared by CLI subcommands: console, progress bars, config loading from flags."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any, Sequence, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from thinkforge.config import load_config
from thinkforge.records import Verdict

T = TypeVar("T")

#: Console for human-readable output (stdout); errors and logs go to stderr.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--config FILE`` and trailing ``key=value`` overrides to a subcommand."""
    parser.add_argument("--config", "-c", metavar="FILE", help="YAML recipe; flags and key=value overrides win")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. sampling.temperature=0.7")


def config_from_args(cls: type[T], args: argparse.Namespace, flag_values: dict[str, Any] | None = None) -> T:
    """Defaults ← YAML ``--config`` ← explicit flags ← ``key=value`` overrides."""
    flags = [f"{k}={json.dumps(v)}" for k, v in (flag_values or {}).items() if v is not None]
    return load_config(cls, getattr(args, "config", None), [*flags, *getattr(args, "overrides", [])])


def make_progress(transient: bool = False) -> Progress:
    """A rich progress bar with done/total, rate-friendly columns and ETA (drawn on stderr)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
    )


def print_json_line(obj: Any) -> None:
    """Write one JSON object per line to stdout (machine-readable output)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def summary_line(verdicts: Sequence[Verdict]) -> str:
    """``N graded: P passed (x%); pass 3, wrong 2`` — count, accuracy and status counts, most common first."""
    passed = sum(v.passed for v in verdicts)
    rate = f"{100 * passed / len(verdicts):.1f}%" if verdicts else "-"
    counts = Counter(v.status for v in verdicts).most_common()
    return f"{len(verdicts)} graded: {passed} passed ({rate}); " + ", ".join(f"{s} {n}" for s, n in counts)


def print_summary(verdicts: Sequence[Verdict]) -> None:
    """The summary line on stderr (stdout stays machine-readable)."""
    err_console.print(summary_line(verdicts), markup=False)


def stage_bars(progress: Progress) -> Any:
    """A progress callback that draws one bar per stage or sub-run (``StageProgress.stage``) on ``progress``."""
    bars: dict[str, Any] = {}

    def update(p: Any) -> None:
        if p.stage not in bars:
            bars[p.stage] = progress.add_task(p.stage, total=p.total, info="")
        progress.update(bars[p.stage], completed=p.done, total=p.total, info=p.info)

    return update

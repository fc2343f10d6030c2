"""``thinkforge report``: one self-contained HTML report of one or more eval runs (side by side when several)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any, Mapping

from thinkforge.cli.common import console
from thinkforge.defaults import REPORT

ORDER = 80

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="HTML report of eval runs: charts, comparison, sample browser",
        description=(
            "Write one self-contained HTML file (works offline, no network) for one or more eval run directories: "
            "summary table, charts, per-task metrics, provenance and a sample browser. With several runs, the first "
            "is the baseline the others are compared with."
        ),
    )
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="eval run directories (results.json + <task>/)")
    parser.add_argument("-o", "--out", metavar="FILE",
                        help=f"output file (default: RUN_DIR/{REPORT.html_file} of the first run)")
    parser.set_defaults(func=run)


def comparisons(run_dirs: list[Path]) -> list[Mapping[str, Any]]:
    """Paired comparisons of the first run with each other one, from their results.json (``{}`` where one lacks it)."""
    from thinkforge.report.load import RESULTS_FILE

    if len(run_dirs) < 2:
        return []
    try:
        from thinkforge.evaluate.compare import compare_results
        from thinkforge.evaluate.results import read_results
    except ImportError:
        log.warning("paired comparisons need thinkforge.evaluate; the report shows plain deltas")
        return []
    if not (run_dirs[0] / RESULTS_FILE).is_file():
        return []
    base = read_results(run_dirs[0] / RESULTS_FILE)
    return [compare_results(base, read_results(other / RESULTS_FILE)) if (other / RESULTS_FILE).is_file() else {}
            for other in run_dirs[1:]]


def run(args: argparse.Namespace) -> int:
    """Write the report and print where it is."""
    from thinkforge.report import write_report

    run_dirs = [Path(p) for p in args.run_dirs]
    out = Path(args.out) if args.out else run_dirs[0] / REPORT.html_file
    path = write_report(run_dirs, out, comparisons(run_dirs))
    console.print(f"report: {path}  (open it in a browser: file://{path.resolve()})")
    return 0

"""``thinkforge decontaminate DATA --against TASKS|all``: drop rows that copy an evaluation problem."""

from __future__ import annotations

import argparse
from pathlib import Path

from thinkforge.cli.common import err_console
from thinkforge.cli.dedup import add_data_arguments
from thinkforge.curate.datafile import read_dataset, texts_and_ids, write_json_atomic, write_rows_atomic
from thinkforge.curate.decontaminate import decontaminate, load_index, resolve_tasks

ORDER = 61


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``decontaminate`` subcommand."""
    parser = subparsers.add_parser(
        "decontaminate",
        help="drop rows that copy (or lightly edit) a benchmark problem",
        description="Drop rows whose prompt matches a problem of the given evaluation tasks: normalised exact "
                    "match, or enough shared word 8-grams (numbers blind). The report lists every dropped row "
                    "with the task, problem id and evidence.",
    )
    add_data_arguments(parser)
    parser.add_argument("--against", default="all", metavar="TASKS|all",
                        help="comma-separated task names, or 'all' evaluation tasks of the registry (default)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read DATA, check it against the tasks, write CLEAN.jsonl and REPORT.json, summary on stderr."""
    tasks = resolve_tasks(args.against)
    rows = read_dataset(args.data)
    texts, ids = texts_and_ids(rows, args.field, args.data)
    report = decontaminate(texts, load_index(tasks), ids)
    data = {"data": str(Path(args.data)), **report.to_dict()}
    write_rows_atomic(args.out, (rows[i] for i in report.kept))
    write_json_atomic(args.report, data)
    by_task = ", ".join(f"{k} {v}" for k, v in data["dropped_by_task"].items()) or "none"
    err_console.print(f"decontaminate: {data['rows']} rows against {len(tasks)} tasks, kept {data['kept']}, "
                      f"dropped {data['dropped']} ({by_task}) → {args.out}; report {args.report}")
    return 0

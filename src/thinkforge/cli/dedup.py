"""``thinkforge dedup DATA``: drop exact and near-duplicate prompts from any dataset (first copy kept)."""

from __future__ import annotations

import argparse
from pathlib import Path

from thinkforge.cli.common import err_console
from thinkforge.curate.datafile import read_dataset, texts_and_ids, write_json_atomic, write_rows_atomic
from thinkforge.curate.dedup import dedup

ORDER = 60


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """DATA, --out, --report and --field, shared by ``dedup`` and ``decontaminate``."""
    parser.add_argument("data", metavar="DATA", help="JSONL / JSON / Parquet file or a datasets save_to_disk folder")
    parser.add_argument("--out", required=True, metavar="CLEAN.jsonl", help="kept rows, all fields (written atomically)")
    parser.add_argument("--report", required=True, metavar="REPORT.json", help="every dropped row and what it matched")
    parser.add_argument("--field", metavar="NAME",
                        help="text column (default: prompt, else first user message of messages / conversations)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``dedup`` subcommand."""
    parser = subparsers.add_parser(
        "dedup",
        help="drop exact and near-duplicate prompts from a dataset",
        description="Keep the first occurrence of each prompt; drop exact copies (normalised text) and near "
                    "copies (MinHash LSH, Jaccard >= the threshold in defaults). The report names each dropped "
                    "row's id (or row number) and the row it duplicated.",
    )
    add_data_arguments(parser)
    parser.add_argument("--exact-only", action="store_true", help="skip near-duplicate detection")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read DATA, dedup, write CLEAN.jsonl and REPORT.json, print a one-line summary on stderr."""
    rows = read_dataset(args.data)
    texts, ids = texts_and_ids(rows, args.field, args.data)
    report = dedup(texts, ids, near=not args.exact_only)
    data = {"data": str(Path(args.data)), **report.to_dict()}
    write_rows_atomic(args.out, (rows[i] for i in report.kept))
    write_json_atomic(args.report, data)
    err_console.print(f"dedup: {data['rows']} rows, kept {data['kept']}, dropped {data['dropped']} "
                      f"({data['dropped_exact']} exact, {data['dropped_near']} near) → {args.out}; report {args.report}")
    return 0

"""``thinkforge compare RUN_A RUN_B``: per task, B − A over shared problems with a paired 95 % CI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from thinkforge.cli.common import console
from thinkforge.defaults import EVAL
from thinkforge.errors import ValidationError
from thinkforge.evaluate.compare import compare_results
from thinkforge.evaluate.render import compare_markdown, comparison_table
from thinkforge.evaluate.results import read_results
from thinkforge.jsonl import write_text_atomic

ORDER = 75


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="compare two eval runs: paired difference, 95%% CI, flipped problems",
        description=(
            "Read RUN_A/results.json and RUN_B/results.json and, for every task in both, report B − A over the "
            "problems both runs share, with a paired bootstrap 95%% CI, whether it is significant, and which "
            "problems flipped."
        ),
    )
    parser.add_argument("run_a", metavar="RUN_A", help="baseline eval run directory (or its results.json)")
    parser.add_argument("run_b", metavar="RUN_B", help="eval run directory to compare against it")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON instead of a table")
    parser.add_argument("--out", metavar="FILE", help="also write the comparison: FILE.json as JSON, else Markdown")
    parser.add_argument("--html", metavar="FILE",
                        help="the HTML report of both runs side by side (default: RUN_B/compare.html; 'none' to skip)")
    parser.add_argument("--resamples", type=int, default=EVAL.bootstrap_resamples,
                        help=f"paired bootstrap resamples (default: {EVAL.bootstrap_resamples})")
    parser.add_argument("--seed", type=int, default=EVAL.bootstrap_seed,
                        help=f"bootstrap seed (default: {EVAL.bootstrap_seed})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compare the two runs, print the result, write it when ``--out`` is given."""
    if args.resamples < 1:
        raise ValidationError("must be >= 1", field="--resamples")
    doc_a, doc_b = read_results(args.run_a), read_results(args.run_b)
    result = compare_results(doc_a, doc_b, resamples=args.resamples, seed=args.seed)
    result["a"] = {"path": str(args.run_a), **result["a"]}
    result["b"] = {"path": str(args.run_b), **result["b"]}
    as_json = json.dumps(result, indent=1, ensure_ascii=False)
    if args.out:
        out = Path(args.out)
        write_text_atomic(out, as_json + "\n" if out.suffix == ".json" else compare_markdown(result))
    html = _write_html(args, result)
    if args.json:
        print(as_json)
        return 0
    if not result["tasks"]:
        console.print("no task is in both runs")
    else:
        console.print(comparison_table(result))
    for side, label in (("only_a", "A"), ("only_b", "B")):
        if result[side]:
            console.print(f"only in {label}: {', '.join(result[side])}")
    if args.out:
        console.print(f"wrote {args.out}")
    if html:
        console.print(f"report: {html}")
    return 0


def _write_html(args: argparse.Namespace, result: dict) -> Path | None:
    """The offline HTML report of A and B with this comparison (skipped with ``--html none``)."""
    if args.html == "none":
        return None
    from thinkforge.report import write_report

    run_b = Path(args.run_b)
    target = Path(args.html) if args.html else (run_b if run_b.is_dir() else run_b.parent) / "compare.html"
    return write_report([_run_dir(args.run_a), _run_dir(args.run_b)], target, [result])


def _run_dir(path: str) -> Path:
    p = Path(path)
    return p if p.is_dir() else p.parent

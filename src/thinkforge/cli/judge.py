"""``thinkforge judge SOLUTIONS.jsonl --task NAME``: grade your own code outputs, one JSON verdict per line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from thinkforge.cli.common import make_progress, print_json_line
from thinkforge.defaults import JUDGE
from thinkforge.errors import ThinkforgeError, ValidationError

ORDER = 45


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "judge", help="run code solutions against a task's tests in the sandbox",
        description="Each line of SOLUTIONS.jsonl has 'problem_id' and 'response' (a model response or a bare "
                    "program); prints one JSON verdict per line, in input order.",
    )
    parser.add_argument("solutions", metavar="SOLUTIONS.jsonl")
    parser.add_argument("--task", required=True, help="task name (see 'thinkforge tasks')")
    parser.add_argument("--workers", type=int, default=None, help="parallel sandbox workers (default: cores)")
    parser.add_argument("--all-tests", action="store_true",
                        help="run every test even after a failure (per-test detail for evaluation)")
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help=f"per-test limit, wins over the task's own (default: the task's, else {JUDGE.timeout_s})")
    parser.set_defaults(func=run)


def _read_solutions(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ThinkforgeError(f"cannot read {path}: {exc.strerror}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"not valid JSON ({exc.msg})", path=path, line=number) from None
        if not isinstance(row, dict):
            raise ValidationError("expected a JSON object", path=path, line=number)
        for key in ("problem_id", "response"):
            if not isinstance(row.get(key), str):
                raise ValidationError("missing or not a string", field=key, path=path, line=number)
        row["_line"] = number
        rows.append(row)
    return rows


def run(args: argparse.Namespace) -> int:
    from thinkforge.grading.code import judge_iter
    from thinkforge.records import Sample
    from thinkforge.tasks import get_task

    path = Path(args.solutions)
    rows = _read_solutions(path)
    spec = get_task(args.task)  # a name, or a YAML file whose problems are named after the task's own name
    problems = {p.id: p for p in spec.load()}
    non_code = [p.id for p in problems.values() if p.domain != "code"]
    if non_code:
        raise ThinkforgeError(f"task {args.task!r} is not a code task (e.g. problem {non_code[0]!r})")
    for row in rows:  # accept the task's ids and the source's own ids ("HumanEval/0" for "humaneval/HumanEval/0")
        if row["problem_id"] not in problems and f"{spec.name}/{row['problem_id']}" in problems:
            row["problem_id"] = f"{spec.name}/{row['problem_id']}"
        if row["problem_id"] not in problems:
            raise ValidationError(f"unknown problem of task {args.task!r}: {row['problem_id']!r}",
                                  field="problem_id", path=path, line=row["_line"])
    samples = [
        Sample(problem_id=row["problem_id"], model=str(row.get("model", "")), index=int(row.get("index", 0)),
               text=row["response"], finish_reason=row.get("finish_reason"), task=args.task,
               key=f"{path.name}:{row['_line']}")
        for row in rows
    ]
    overrides: dict[str, Any] = {}  # explicit flags win over the task's own options
    if args.all_tests:
        overrides["stop_on_first_failure"] = False
    if args.timeout is not None:
        overrides["timeout_s"] = args.timeout
    passed = 0
    with make_progress(transient=True) as progress:  # on stderr: stdout stays one JSON verdict per line
        bar = progress.add_task("judging", total=len(samples), info="")
        verdicts = judge_iter(problems, samples, JUDGE, workers=args.workers or None, overrides=overrides)
        for done, verdict in enumerate(verdicts, 1):
            d = verdict.to_dict()
            detail = {k: v for k, v in d["detail"].items() if k != "tests"}
            print_json_line({"problem_id": d["problem_id"], "passed": d["passed"], "status": d["status"],
                             "tests": d["detail"].get("tests", []), "detail": detail,
                             "sample_key": d["sample_key"]})
            sys.stdout.flush()
            passed += verdict.passed
            progress.update(bar, completed=done, info=f"passed {passed}/{done}")
    return 0

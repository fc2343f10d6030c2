"""``thinkforge grade-pairs``: grade (gold, response) pairs from any source, one JSON verdict per line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from thinkforge.cli.common import print_json_line, print_summary
from thinkforge.errors import ValidationError
from thinkforge.grading import DOMAIN_ALIASES, AnswerPair, grade_many
from thinkforge.jsonl import iter_json_lines

ORDER = 40

_FIELDS = ("id", "gold", "response", "domain", "letters", "finish_reason")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``grade-pairs`` subcommand."""
    parser = subparsers.add_parser(
        "grade-pairs",
        help="grade gold/response pairs from a JSONL file",
        description=(
            "Grade each line of PAIRS.jsonl ({\"gold\": ..., \"response\": ..., optional \"id\", \"domain\" "
            "(math or mcq; default --domain), \"letters\" for mcq, \"finish_reason\"}) and write one JSON verdict "
            "per line to stdout: id, passed, status, extracted; a summary (count, accuracy, statuses) goes to "
            "stderr. Format: docs/grading.md."
        ),
    )
    parser.add_argument("pairs", metavar="PAIRS.jsonl", help="input file (.jsonl or .jsonl.gz)")
    parser.add_argument("--domain", type=_domain, choices=("math", "mcq"), default="math",
                        help="answer kind of lines without a 'domain' field: math or mcq (multiple choice; default: math)")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="grading processes (default: 1)")
    parser.add_argument(
        "--answers",
        action="store_true",
        help="'response' is already a final answer (bare, LaTeX or $...$): compare directly, no extraction",
    )
    parser.add_argument(
        "--fallback",
        choices=("none", "last_number"),
        default="none",
        help="math: what to read when there is no box or answer phrase (last_number for GSM8K)",
    )
    parser.add_argument("--detail", action="store_true", help="include each verdict's detail and grader")
    parser.set_defaults(func=run)


def _domain(name: str) -> str:
    """``--domain`` / a line's ``domain``: math or mcq; ``choice`` is read as mcq (deprecated)."""
    return DOMAIN_ALIASES.get(name, name)


def read_pairs(path: Path, args: argparse.Namespace) -> list[AnswerPair]:
    """Read and validate every line before anything is graded; errors name the file, line and field."""
    if not path.is_file():
        raise ValidationError("no such file", path=path)
    pairs: list[AnswerPair] = []
    for line_no, obj in iter_json_lines(path):
        try:
            pairs.append(_pair(obj, line_no, args))
        except ValidationError as exc:
            raise exc.at(path, line_no) from None
    return pairs


def _pair(obj: Any, line_no: int, args: argparse.Namespace) -> AnswerPair:
    if not isinstance(obj, dict):
        raise ValidationError(f"expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(_FIELDS))
    if unknown:
        raise ValidationError(f"unknown field (known: {', '.join(_FIELDS)})", field=unknown[0])
    for name in ("gold", "response"):
        if name not in obj:
            raise ValidationError("missing required field", field=name)
    gold, response = obj["gold"], obj["response"]
    if isinstance(gold, bool) or not isinstance(gold, (str, int, float)):
        raise ValidationError(f"expected a string or number, got {type(gold).__name__}", field="gold")
    if not isinstance(response, str):
        raise ValidationError(f"expected a string, got {type(response).__name__}", field="response")
    domain = obj.get("domain", args.domain)
    if not isinstance(domain, str) or _domain(domain) not in ("math", "mcq"):
        raise ValidationError(f"must be 'math' or 'mcq', got {domain!r}", field="domain")
    domain = _domain(domain)
    options: dict[str, Any] = {"answers_only": args.answers}
    if obj.get("finish_reason") == "length":
        options["truncated"] = True
    if domain == "mcq":
        letters = obj.get("letters", "ABCD")
        if not isinstance(letters, str) or not letters.isalpha() or not letters.isupper():
            raise ValidationError(f"expected upper-case letters such as 'ABCD', got {letters!r}", field="letters")
        options["letters"] = letters
        from thinkforge.grading.extract import letter_in

        if letter_in(str(gold), letters) is None:
            raise ValidationError(f"{gold!r} is not one of the letters {letters}", field="gold")
    else:
        options["fallback"] = args.fallback
    pair_id = obj.get("id", str(line_no))
    return AnswerPair(gold=gold, response=response, domain=domain, options=options, id=str(pair_id))


def run(args: argparse.Namespace) -> int:
    """Grade every pair and print the verdicts in input order."""
    if args.workers < 1:
        raise ValidationError("must be >= 1", field="--workers")
    pairs = read_pairs(Path(args.pairs), args)
    verdicts = grade_many(pairs, workers=args.workers)
    for pair, verdict in zip(pairs, verdicts):
        out = {"id": pair.id, "passed": verdict.passed, "status": verdict.status, "extracted": verdict.extracted}
        if args.detail:
            out["detail"] = verdict.detail
            out["grader"] = verdict.grader
        print_json_line(out)
    print_summary(verdicts)
    return 0

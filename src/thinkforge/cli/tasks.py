"""``thinkforge tasks``: list the registered tasks and show prompts exactly as the model will see them."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table

from thinkforge.cli.common import console, err_console
from thinkforge.errors import ThinkforgeError
from thinkforge.tasks import SYSTEM_PROMPT_NAMES, TaskSpec, get_task, list_tasks, render, task_from_mapping

ORDER = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tasks", help="list tasks; show rendered prompts with their references")
    sub = parser.add_subparsers(title="actions", metavar="ACTION")
    parser.set_defaults(func=lambda args: parser.print_help() or 1)

    lister = sub.add_parser("list", help="every task: name, domain, size, grader, source")
    lister.add_argument("--json", action="store_true", help="print a JSON list of objects")
    lister.set_defaults(func=run_list)

    show = sub.add_parser("show", help="render a task's first problems exactly as the model sees them")
    show.add_argument("name", nargs="?", help="task name or a YAML task spec (omit with --file)")
    show.add_argument("--n", type=int, default=3, help="number of problems to show (default 3)")
    show.add_argument("--ids", help="comma-separated problem ids to show instead of the first N")
    show.add_argument("--system-prompt", default="none", help=f"one of {', '.join(SYSTEM_PROMPT_NAMES)} or literal text")
    show.add_argument("--template", help="prompt template name or text with {problem} (overrides the task's)")
    show.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE", help="task load option, e.g. difficulty=hard")
    show.add_argument("--source", choices=("local", "hub"), help="read the data files (default) or datasets' hub/local dataset")
    show.add_argument("--file", help="a JSONL/JSON/CSV/Parquet file to read as a user task")
    show.add_argument("--map", help="field mapping for --file, e.g. prompt=question,answer=gold")
    show.add_argument("--domain", help="domain of the --file task: math, mcq or code")
    show.add_argument("--style", help="code style of the --file task: stdin, functional or assertion")
    show.add_argument("--json", action="store_true", help="print each problem and its messages as a JSON line")
    show.set_defaults(func=run_show)


def _row(spec: TaskSpec) -> dict[str, Any]:
    try:
        size: int | None = spec.size
        error = None
    except ThinkforgeError as exc:
        size, error = None, str(exc)
    row = {"name": spec.name, "domain": spec.domain, "size": size, "grader": spec.grader, "source": spec.source,
           "template": spec.template, "default_sampling": dict(spec.default_sampling), "description": spec.description}
    if error:
        row["error"] = error
    return row


def run_list(args: argparse.Namespace) -> int:
    rows = [_row(spec) for spec in list_tasks()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    table = Table(title=f"{len(rows)} tasks")
    for column in ("name", "domain", "size", "grader", "source"):
        table.add_column(column, justify="right" if column == "size" else "left")
    for row in rows:
        size = "[red]missing[/]" if row["size"] is None else str(row["size"])
        table.add_row(row["name"], row["domain"], size, row["grader"], row["source"])
    console.print(table)
    return 0


def _parse_options(items: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ThinkforgeError(f"--option '{item}' is not of the form key=value")
        key, raw = item.split("=", 1)
        try:
            options[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            options[key.strip()] = raw
    return options


def _spec_from_args(args: argparse.Namespace) -> TaskSpec:
    if args.file:
        if not args.map or not args.domain:
            raise ThinkforgeError("--file needs --map (e.g. prompt=question,answer=gold) and --domain (math, mcq or code)")
        return task_from_mapping(args.file, args.map, args.domain, style=args.style)
    if not args.name:
        raise ThinkforgeError("give a task name (see 'thinkforge tasks list') or --file with --map and --domain")
    return get_task(args.name)


def run_show(args: argparse.Namespace) -> int:
    spec = _spec_from_args(args)
    flags = {"template": args.template, "source": args.source}  # a flag wins over -o only when given
    options = {**_parse_options(args.option), **{k: v for k, v in flags.items() if v is not None}}
    ids = [i.strip() for i in args.ids.split(",")] if args.ids else None
    problems = spec.load(limit=None if ids else args.n, ids=ids, **options)
    for problem in problems:
        rendered = render(problem, args.system_prompt)
        if args.json:
            print(json.dumps({"problem": problem.to_dict(), "messages": rendered.messages, "template_hash": rendered.template_hash}, ensure_ascii=False))
            continue
        console.rule(f"[bold]{problem.id}[/]  template {problem.meta.get('template')}  hash {rendered.template_hash}")
        for message in rendered.messages:
            console.print(f"[bold cyan]<{message['role']}>[/]")
            console.out(message["content"], highlight=False)
        console.print("[bold green]<reference>[/]")
        console.out(json.dumps(problem.reference, ensure_ascii=False, indent=1)[:4000], highlight=False)
    summary = f"{spec.name}: showed {len(problems)} of {spec.size} problems; sampling {dict(spec.default_sampling)}"
    (err_console if args.json else console).print(f"[dim]{summary}[/]")  # --json: stdout holds JSON lines only
    return 0

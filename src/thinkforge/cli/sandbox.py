"""``thinkforge sandbox``: check the isolation layers, or run one program in the sandbox."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from thinkforge.cli.common import console
from thinkforge.defaults import SANDBOX
from thinkforge.errors import ThinkforgeError
from thinkforge.sandbox.types import LAYERS, OPTIONAL_LAYERS, RunResult

ORDER = 60


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sandbox", help="check the code sandbox or run a program in it",
                                   description="Isolated execution of untrusted programs.")
    sub = parser.add_subparsers(title="actions", metavar="ACTION")
    check = sub.add_parser("check", help="list each isolation layer as active or missing, and why")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(func=run_check)
    run = sub.add_parser(
        "run", help="run PROGRAM.py in the sandbox",
        description="Run PROGRAM.py in the sandbox; ARGS (anywhere after PROGRAM.py; put '--' before any that start "
                    "with '-') are passed to it. The exit code is the program's own; 128+N when signal N killed it "
                    "(137 after the time limit); 1 when the sandbox failed. A status other than ok is also "
                    "printed on stderr.")
    run.add_argument("program", metavar="PROGRAM.py")
    run.add_argument("--stdin", metavar="FILE", help="file fed to the program's stdin")
    run.add_argument("--timeout", type=float, default=SANDBOX.timeout_s, metavar="S", help="wall-clock limit (s)")
    run.add_argument("--memory-mb", type=int, default=SANDBOX.memory_mb, metavar="M",
                     help="memory cap over all of the program's processes (MiB)")
    run.add_argument("--strict", action="store_true", help=_strict_help())
    run.add_argument("--json", action="store_true", help="print one JSON object with the result")
    run.add_argument("args", nargs="*", help="arguments passed to the program")
    run.set_defaults(func=run_program, extra_args="args")
    parser.set_defaults(func=lambda args: (parser.print_help(), 1)[1])


def _strict_help() -> str:
    counted = [layer for layer in LAYERS if layer not in OPTIONAL_LAYERS]
    return (f"refuse to run if any of these layers is missing: {', '.join(counted)} "
            f"(not {' or '.join(sorted(OPTIONAL_LAYERS))}: root needs no user namespace, the memory watchdog "
            "stands in for a cgroup)")


def exit_code(result: RunResult) -> int:
    """The command's exit code: the program's own, 128+N for signal N, 1 when the sandbox itself failed."""
    if result.exit_code is not None:
        return result.exit_code
    if result.signal is not None:
        return 128 + result.signal
    return 1


def run_check(args: argparse.Namespace) -> int:
    from thinkforge.sandbox import check_layers

    report = check_layers()
    if args.json:
        print(json.dumps({"active": list(report.active), "missing": report.missing}))
        return 0
    for layer in [*report.active, *report.missing]:
        if layer in report.missing:
            console.print(f"[yellow]missing[/]  {layer}: {report.missing[layer]}")
        else:
            console.print(f"[green]active[/]   {layer}")
    if report.degraded:
        console.print(f"{len(report.degraded)} of {len(LAYERS)} layers missing: the sandbox runs degraded "
                      "('--strict' refuses to run)")
    return 0


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ThinkforgeError(f"cannot read {what} {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ThinkforgeError(f"{what} {path} is not UTF-8 text") from None


def run_program(args: argparse.Namespace) -> int:
    from thinkforge.sandbox import Limits, Program, SandboxPool

    source = _read(args.program, "program")
    stdin = _read(args.stdin, "stdin file") if args.stdin else ""
    if args.timeout <= 0 or args.memory_mb <= 0:
        raise ThinkforgeError("--timeout and --memory-mb must be > 0")
    limits = dataclasses.replace(Limits.from_defaults(SANDBOX), timeout_s=args.timeout, cpu_s=args.timeout,
                                 memory_mb=args.memory_mb)
    with SandboxPool(1, limits=limits, strict=args.strict) as pool:
        result = pool.run(Program(source=source, filename=Path(args.program).name), stdin, args=args.args)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if result.status != "ok":
            sys.stderr.write(f"[sandbox] status={result.status} exit_code={result.exit_code} "
                             f"signal={result.signal} wall={result.wall_s:.3f}s\n")
    return exit_code(result)

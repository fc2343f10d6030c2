"""Entry point of the ``thinkforge`` command."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import re
import sys
from types import ModuleType
from typing import Sequence

import thinkforge.cli as cli_pkg
from thinkforge import __version__
from thinkforge.cli.common import err_console
from thinkforge.errors import ThinkforgeError

log = logging.getLogger("thinkforge")

_NOT_COMMANDS = {"main", "common"}
_OVERRIDE = re.compile(r"^[A-Za-z_][\w.-]*=")
#: Commands whose ``ORDER`` falls in this range are the pipeline's stages (shown, in order, in the tagline).
STAGE_ORDERS = range(10, 40)
_VERBOSE_HELP = "debug logging (-vv: libraries too)"


def _command_modules() -> list[ModuleType]:
    """Every module of :mod:`thinkforge.cli` that defines ``register``, in ``ORDER``."""
    modules = []
    for info in pkgutil.iter_modules(cli_pkg.__path__):
        if info.name in _NOT_COMMANDS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"thinkforge.cli.{info.name}")
        if hasattr(module, "register"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    """Accept ``-v`` after the subcommand too (counted separately: a subparser's default would reset it)."""
    parser.add_argument("-v", "--verbose", dest="verbose_after", action="count", default=argparse.SUPPRESS,
                        help=_VERBOSE_HELP)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _add_verbose(child)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every discovered subcommand; its tagline names the stages that exist."""
    parser = argparse.ArgumentParser(prog="thinkforge", epilog="Run 'thinkforge COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"thinkforge {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help=_VERBOSE_HELP)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    stages = []
    for module in _command_modules():
        before = set(subparsers.choices)
        module.register(subparsers)
        if getattr(module, "ORDER", 100) in STAGE_ORDERS:
            stages += [name for name in subparsers.choices if name not in before]
    for child in dict.fromkeys(subparsers.choices.values()):
        _add_verbose(child)
    parser.description = f"The Sky-T1 reasoning recipe, stage by stage: {' → '.join(stages)}."
    return parser


def setup_logging(verbosity: int) -> None:
    """INFO for thinkforge by default, DEBUG with -v; third-party libraries stay at WARNING unless -vv."""
    from rich.logging import RichHandler

    handler = RichHandler(console=err_console, show_path=verbosity > 0, rich_tracebacks=verbosity > 0)
    logging.basicConfig(level=logging.WARNING if verbosity < 2 else logging.DEBUG, handlers=[handler], format="%(message)s")
    logging.getLogger("thinkforge").setLevel(logging.DEBUG if verbosity else logging.INFO)


def _take_extra_args(args: argparse.Namespace, extra: list[str]) -> list[str]:
    """Append leftover positionals to the list ``args.extra_args`` names (e.g. a program's arguments that follow
    options); everything after ``--`` counts as positional. Returns what is still unrecognized."""
    taken: list[str] = []
    rest: list[str] = []
    for i, item in enumerate(extra):
        if item == "--":
            taken += extra[i + 1:]
            break
        (rest if item.startswith("-") else taken).append(item)
    setattr(args, args.extra_args, [*getattr(args, args.extra_args), *taken])
    return rest


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (errors: one clear line on stderr, exit 2)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # key=value overrides may stand anywhere on the line, also after options (argparse only takes them in one run).
    overrides = [a for a in extra if _OVERRIDE.match(a)]
    if overrides and hasattr(args, "overrides"):
        args.overrides = [*args.overrides, *overrides]
        extra = [a for a in extra if a not in overrides]
    if extra and hasattr(args, "extra_args"):
        extra = _take_extra_args(args, extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.verbose += getattr(args, "verbose_after", 0)
    setup_logging(args.verbose)
    if not hasattr(args, "func"):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except ThinkforgeError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
        if args.verbose:
            log.exception("details")
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted; finished work is saved and a re-run resumes it")
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Command-line flags derived from a config dataclass: each field that declares ``flag=`` becomes an option.

The flag's type, choices and help come from the field's type hint and metadata, so the parser and the config
cannot drift apart and no command keeps a hand-written flag → key map.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from typing import Any, Iterator, Literal, get_args, get_origin

from thinkforge.runs.contract import FLAG, HELP, SHORT


def _dest(dotted: str) -> str:
    return "cfg__" + dotted.replace(".", "__")


def flag_fields(cls: type, prefix: str = "") -> Iterator[tuple[str, dataclasses.Field, Any]]:  # type: ignore[type-arg]
    """Every (dotted key, field, type hint) of ``cls`` and its nested config sections that declares a flag."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from flag_fields(tp, f"{prefix}{f.name}.")  # type: ignore[arg-type]
        elif FLAG in f.metadata:
            yield f"{prefix}{f.name}", f, tp


def _strip_none(tp: Any) -> Any:
    if get_origin(tp) in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if len(options) == 1:
            return options[0]
    return tp


def add_flags(parser: argparse.ArgumentParser, cls: type) -> None:
    """Add one option per flagged field of ``cls`` (unset options stay ``None``: the recipe's value wins)."""
    for dotted, f, hint in flag_fields(cls):
        names = [f.metadata[FLAG], *([f.metadata[SHORT]] if SHORT in f.metadata else [])]
        kwargs: dict[str, Any] = {"dest": _dest(dotted), "default": None, "help": f.metadata.get(HELP) or None}
        tp = _strip_none(hint)
        origin = get_origin(tp)
        if tp is bool:
            kwargs["action"] = "store_true"
        elif origin is Literal:
            kwargs["choices"] = list(get_args(tp))
        elif origin is tuple and hint is tp:
            kwargs["action"] = "append"  # a list flag given several times (--stop a --stop b)
        elif tp in (int, float):
            kwargs["type"] = tp
        parser.add_argument(*names, **kwargs)


def flag_values(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The dotted config keys of every flag given on the command line, with their values."""
    values = {}
    for dotted, _f, _hint in flag_fields(cls):
        value = getattr(args, _dest(dotted), None)
        if value is not None:
            values[dotted] = value
    return values

"""Recipes: YAML files plus ``key=value`` overrides, parsed into (nested) frozen dataclasses.

An unknown key, or a value of the wrong type, raises one :class:`ConfigError` that names the key and, for
keys read from a file, the file and line.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence, TypeVar, get_args, get_origin

import yaml

from thinkforge.errors import ConfigError

T = TypeVar("T")


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``a.b=value``; the value is read as YAML (``3`` → int, ``[1,2]`` → list, ``x`` → str)."""
    if "=" not in text:
        raise ConfigError(f"override '{text}' is not of the form key=value")
    key, raw = text.split("=", 1)
    key = key.strip().lstrip("-").replace("-", "_")
    if not key:
        raise ConfigError(f"override '{text}' has an empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def _key_lines(path: Path, text: str) -> dict[str, int]:
    """Map dotted keys of a YAML mapping to their 1-based line numbers."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = f"{prefix}{k.value}"
                lines[name] = k.start_mark.line + 1
                walk(v, name + ".")

    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if root is not None:
        walk(root, "")
    return lines


def read_yaml(path: str | Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Read a YAML mapping and the line of each dotted key; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    lines = _key_lines(path, text)
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file must hold a mapping of keys, got {type(data).__name__}")
    return data, lines


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``data["a"]["b"] = value`` for ``key == "a.b"``, creating intermediate mappings."""
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def load_config(
    cls: type[T],
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    base: Mapping[str, Any] | None = None,
) -> T:
    """Build ``cls`` from defaults ← ``base`` ← YAML file ← ``key=value`` overrides (later wins)."""
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, value in (base or {}).items():
        set_dotted(data, key, value)
    source = "override"
    if path is not None:
        file_data, lines = read_yaml(path)
        for key, value in flatten(file_data).items():
            set_dotted(data, key, value)
        source = str(path)
    for text in overrides:
        key, value = parse_override(text)
        set_dotted(data, key, value)
        lines.pop(key, None)

    def where(key: str) -> str:
        if key in lines and path is not None:
            return f"{path}:{lines[key]}: "
        return "" if path is None or key not in lines else f"{source}: "

    return build_dataclass(cls, data, where=where)


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings into dotted keys (``{"a": {"b": 1}}`` → ``{"a.b": 1}``); empty mappings stay leaves."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def build_dataclass(cls: type[T], data: Mapping[str, Any], *, where: Any = lambda k: "", prefix: str = "") -> T:
    """Instantiate dataclass ``cls`` from a nested mapping, validating keys and value types."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{where(dotted)}unknown config key '{dotted}' (known keys here: {known})")
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where(dotted)}config key '{dotted}' must be a mapping")
            kwargs[key] = build_dataclass(tp, value, where=where, prefix=dotted + ".")  # type: ignore[arg-type]
        else:
            kwargs[key] = coerce(value, tp, dotted, where(dotted))
    return cls(**kwargs)


def coerce(value: Any, tp: Any, key: str, where: str = "") -> Any:
    """Check ``value`` against a type hint, with the few coercions YAML needs (int → float, list → tuple)."""
    origin = get_origin(tp)
    fail = ConfigError(f"{where}config key '{key}' expects {_name(tp)}, got {value!r}")
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        for option in get_args(tp):
            try:
                return coerce(value, option, key, where)
            except ConfigError:
                continue
        raise fail
    if origin is Literal:
        if value in get_args(tp):
            return value
        raise ConfigError(f"{where}config key '{key}' must be one of {list(get_args(tp))}, got {value!r}")
    if tp is type(None):
        if value is None:
            return None
        raise fail
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise fail
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise fail
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise fail
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise fail
    if origin in (tuple, list) or tp in (tuple, list):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise fail
        args = [a for a in get_args(tp) if a is not Ellipsis]
        items = [coerce(v, args[0], key, where) for v in value] if args else list(value)
        return tuple(items) if (origin is tuple or tp is tuple) else items
    if origin is dict or tp is dict:
        if isinstance(value, Mapping):
            return dict(value)
        raise fail
    return value


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def to_dict(obj: Any) -> dict[str, Any]:
    """A dataclass config as a plain nested dict (tuples become lists)."""
    return dataclasses.asdict(obj)

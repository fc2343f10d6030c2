"""Recipes: YAML files plus ``key=value`` overrides, parsed into (nested) frozen dataclasses.

An unknown key, or a value of the wrong type, raises one :class:`ConfigError` that names the key and, for
keys read from a file, the file and line.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import json
import re
import textwrap
import types
import typing
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence, TypeVar, get_args, get_origin

import yaml

from thinkforge import defaults
from thinkforge.errors import ConfigError

T = TypeVar("T")

#: A number in exponent notation without a dot (``1e-4``), which YAML 1.1 leaves a string.
_FLOAT_TEXT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


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
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f"did you mean '{prefix}{close[0]}'? " if close else ""
            raise ConfigError(f"{where(dotted)}unknown config key '{dotted}' ({hint}known keys here: {known})")
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
        if isinstance(value, str) and _FLOAT_TEXT.fullmatch(value.strip()):
            return float(value)  # YAML 1.1 reads "1e-4" (no dot) as a string
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
        if args and args[0] in (int, float):  # "1,4" from a command-line flag: numbers written as text
            value = [_number(v, args[0]) for v in value]
        items = [coerce(v, args[0], key, where) for v in value] if args else list(value)
        return tuple(items) if (origin is tuple or tp is tuple) else items
    if origin is dict or tp is dict:
        if isinstance(value, Mapping):
            return dict(value)
        raise fail
    return value


def _number(value: Any, tp: type) -> Any:
    """``"4"`` → 4 for a list of numbers given as text; anything else is left for :func:`coerce` to judge."""
    if isinstance(value, str):
        try:
            return tp(value.strip())
        except ValueError:
            return value
    return value


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def to_dict(obj: Any) -> dict[str, Any]:
    """A dataclass config as a plain nested dict (tuples become lists)."""
    return dataclasses.asdict(obj)


@dataclass(frozen=True)
class KeyDoc:
    """One config key for the reference: dotted name, type, default (as YAML/JSON) and what it means."""

    key: str
    type: str
    default: str
    help: str


@dataclass(frozen=True)
class SectionDoc:
    """A config dataclass (the whole config or a nested section) and its own keys."""

    name: str
    doc: str
    keys: tuple[KeyDoc, ...]


_FIELD_LINE = re.compile(r"^    (\w+)\s*:\s*[^=]+?(?:=\s*(.+))?$")
_DEFAULTS_REF = re.compile(r"^([A-Z][A-Z_]*)\.(\w+)$")
#: The same reference as the first argument of a declared field: ``invocation(BACKENDS.x, ...)``.
_DEFAULTS_CALL = re.compile(r"^(?:setting|invocation)\(\s*([A-Z][A-Z_]*)\.(\w+)\s*[,)]")


def _comments(cls: type) -> dict[str, tuple[str, str | None]]:
    """Per field of ``cls`` (its own source only): the ``#:`` comment right above it and its default expression."""
    try:
        lines = textwrap.dedent(inspect.getsource(cls)).splitlines()
    except (OSError, TypeError):
        return {}
    found: dict[str, tuple[str, str | None]] = {}
    comment: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#:"):
            comment.append(stripped[2:].strip())
            continue
        match = _FIELD_LINE.match(line)
        if match:
            found[match.group(1)] = (" ".join(comment), match.group(2))
        comment = []
    return found


def _help(cls: type, field: dataclasses.Field) -> str:
    """A field's help: ``metadata["help"]``, else its ``#:`` comment, else that of the defaults it reads."""
    if field.metadata.get("help"):
        return str(field.metadata["help"])
    for owner in (c for c in cls.__mro__ if dataclasses.is_dataclass(c)):
        comment, default = _comments(owner).get(field.name, ("", None))
        if comment:
            return comment
        ref = _DEFAULTS_REF.match(default or "") or _DEFAULTS_CALL.match(default or "")
        instance = getattr(defaults, ref.group(1), None) if ref else None
        if ref and dataclasses.is_dataclass(instance):
            return _comments(type(instance)).get(ref.group(2), ("", None))[0]
    return ""


def _type_name(tp: Any) -> str:
    if get_origin(tp) is Literal:
        return " | ".join(str(a) for a in get_args(tp))
    if get_origin(tp) in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in get_args(tp))
    if get_origin(tp) in (tuple, list):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        return f"list of {_type_name(args[0])}" if args else "list"
    return "null" if tp is type(None) else _name(tp)


def _default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def describe_config(cls: type, name: str = "") -> list[SectionDoc]:
    """Every key of config dataclass ``cls``, section by section (nested dataclasses recursively)."""
    hints = typing.get_type_hints(cls)
    keys: list[KeyDoc] = []
    nested: list[SectionDoc] = []
    prefix = f"{name}." if name else ""
    for field in dataclasses.fields(cls):
        tp = hints[field.name]
        if dataclasses.is_dataclass(tp):
            nested += describe_config(tp, prefix + field.name)  # type: ignore[arg-type]
            continue
        value = _default(field)
        shown = "required" if value is dataclasses.MISSING else json.dumps(value, ensure_ascii=False)
        keys.append(KeyDoc(prefix + field.name, _type_name(tp), shown, _help(cls, field)))
    doc = inspect.cleandoc(cls.__doc__ or "") if "__doc__" in vars(cls) else ""
    return [SectionDoc(name, "" if doc.startswith(f"{cls.__name__}(") else doc, tuple(keys)), *nested]


def _markdown(text: str) -> str:
    """Docstring markup as Markdown on one line (``x`` and :class:`X` become `x` and `X`)."""
    return re.sub(r":\w+:`([^`]+)`", r"`\1`", text.replace("``", "`")).replace("\n", " ")


def reference_markdown(configs: Mapping[str, type]) -> str:
    """The config-key reference page (docs/config-reference.md) of the named config dataclasses."""
    out = ["# Config keys", "",
           "Every key a recipe (`--config FILE`) or a `key=value` override can set, with its type and default.",
           "Generated from the config dataclasses by `thinkforge config keys > docs/config-reference.md`;",
           "a test fails when this page and the code disagree.", ""]
    cell = lambda text: _markdown(text).replace("|", "\\|")  # noqa: E731
    for stage, cls in configs.items():
        out += [f"## {stage}", ""]
        for section in describe_config(cls):
            if section.name:
                out += [f"### {section.name}", ""]
            if section.doc:
                out += [_markdown(section.doc), ""]
            out += ["| key | type | default | meaning |", "|---|---|---|---|"]
            out += [f"| `{k.key}` | {cell(k.type)} | `{cell(k.default)}` | {cell(k.help)} |" for k in section.keys]
            out.append("")
    return "\n".join(out)

"""Bring your own task: any local JSONL/JSON/CSV/Parquet file (or ``datasets`` source) plus a field mapping.

The mapping names, for each :class:`Problem` part, the source field that holds it (dots walk into nested
objects). Keys: ``id`` (optional; else the row number), ``prompt``; math: ``answer`` (+ optional
``answer_type``, ``unit``, ``multiple``); mcq: ``choices`` (a list field, or columns joined by ``+``) and
``answer`` (a letter, a 0-based index, or the text of the correct choice); code: ``tests``, ``func_name``,
``class_name``, ``test_program``, ``test_setup``, ``prefix``, ``entry_point``; ``meta.<key>`` copies a field into
meta. Assertion-style tasks give either ``test_program`` (one test) or ``tests`` (a list of assert snippets, each
its own test, MBPP-style).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Mapping

from thinkforge.config import build_dataclass, read_yaml
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.records import DOMAINS, Problem
from thinkforge.tasks import convert as cv
from thinkforge.tasks.io import Row
from thinkforge.tasks.registry import GREEDY
from thinkforge.tasks.spec import HubSource, TaskSpec

#: Mapping keys understood per domain (besides ``meta.<key>``).
MAPPING_KEYS: dict[str, tuple[str, ...]] = {
    "math": ("id", "prompt", "answer", "answer_type", "unit", "multiple"),
    "mcq": ("id", "prompt", "choices", "answer"),
    "code": ("id", "prompt", "tests", "func_name", "class_name", "test_program", "test_setup", "prefix",
             "entry_point"),
}
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {"math": ("prompt", "answer"), "mcq": ("prompt", "choices", "answer"), "code": ("prompt",)}
DEFAULT_TEMPLATE: dict[str, str] = {"math": "math", "mcq": "choice", "code": "plain"}
DEFAULT_GRADER: dict[str, str] = {"math": "math", "mcq": "choice", "code": "code"}
CODE_STYLES: tuple[str, ...] = ("stdin", "functional", "assertion")
ANSWER_EXTRACTS: tuple[str, ...] = ("none", "boxed", "gsm8k")


@dataclass(frozen=True)
class HubConfig:
    """``datasets.load_dataset(id, config, split=split)`` (a hub id, a data folder or a saved dataset)."""

    id: str = ""
    split: str = "test"
    config: str | None = None


@dataclass(frozen=True)
class UserTaskConfig:
    """A user task as written in YAML (``path`` is relative to the YAML file)."""

    name: str = ""
    domain: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    path: str = ""
    format: str | None = None
    template: str | None = None
    grader: str | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    #: How the gold is read from the ``answer`` field: as is, the last ``\\boxed{}``, or after ``####``.
    answer_extract: str = "none"
    #: Code tasks: how tests are run (``stdin``, ``functional``, ``assertion``).
    style: str | None = None
    #: Options passed to the grader via ``reference["options"]`` (e.g. ``{fallback: last_number}``).
    grader_options: dict[str, Any] = field(default_factory=dict)
    hub: HubConfig | None = None
    description: str = ""


def parse_mapping(text: str) -> dict[str, str]:
    """``"prompt=question,answer=gold"`` → ``{"prompt": "question", "answer": "gold"}``."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise ThinkforgeError(f"field mapping '{part}' is not of the form key=source_field")
        key, source = (s.strip() for s in part.split("=", 1))
        if not key or not source:
            raise ThinkforgeError(f"field mapping '{part}' has an empty side")
        mapping[key] = source
    return mapping


def check_config(cfg: UserTaskConfig, where: str) -> None:
    """Validate a user task's domain, mapping keys and options; errors start with ``where``."""
    if cfg.domain not in DOMAINS:
        raise ConfigError(f"{where}: domain must be one of {', '.join(DOMAINS)}, got {cfg.domain!r}")
    if not cfg.name:
        raise ConfigError(f"{where}: a user task needs a name")
    known = MAPPING_KEYS[cfg.domain]
    for key in cfg.fields:
        if key not in known and not key.startswith("meta."):
            raise ConfigError(f"{where}: unknown field mapping key '{key}' for a {cfg.domain} task (known: {', '.join(known)}, meta.<key>)")
    missing = [k for k in REQUIRED_KEYS[cfg.domain] if k not in cfg.fields]
    if missing:
        raise ConfigError(f"{where}: the field mapping needs '{missing[0]}' for a {cfg.domain} task (e.g. {missing[0]}=<source field>)")
    if cfg.answer_extract not in ANSWER_EXTRACTS:
        raise ConfigError(f"{where}: answer_extract must be one of {', '.join(ANSWER_EXTRACTS)}")
    if cfg.domain == "code":
        if cfg.style not in CODE_STYLES:
            raise ConfigError(f"{where}: a code task needs style: one of {', '.join(CODE_STYLES)}")
        need = {"stdin": "tests", "functional": "tests", "assertion": "test_program"}[cfg.style]
        if cfg.style == "assertion" and "tests" in cfg.fields:
            need = "tests"
        if need not in cfg.fields or (cfg.style == "functional" and "func_name" not in cfg.fields):
            raise ConfigError(f"{where}: a {cfg.style} code task needs the mapping key '{need}'" + (" and 'func_name'" if cfg.style == "functional" else ""))
    if not cfg.path and cfg.hub is None:
        raise ConfigError(f"{where}: give a data file (path) or a hub source")


def _structured(row: Row, name: str) -> Any:
    value = cv.get(row, name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise row.error(f"expected JSON, got text that does not parse ({exc.msg})", field=name) from None
    return value


def _choices(row: Row, source: str) -> list[str]:
    if "+" in source:
        return [str(cv.get(row, part.strip())) for part in source.split("+")]
    value = _structured(row, source)
    if not isinstance(value, list) or len(value) < 2:
        raise row.error("expected a list of at least two choices", field=source)
    return [str(v) for v in value]


def _correct_index(row: Row, source: str, choices: list[str]) -> int:
    value = cv.get(row, source)
    letters = cv.LETTERS[: len(choices)]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(choices):
        return value
    text = str(value).strip()
    if len(text) == 1 and text.upper() in letters:
        return letters.index(text.upper())
    if text in choices:
        return choices.index(text)
    raise row.error(f"answer {text[:40]!r} is neither a letter {letters[0]}-{letters[-1]}, an index, nor one of the choices", field=source)


def _answer(row: Row, source: str, extract: str) -> str:
    raw = cv.get(row, source)
    if extract == "boxed":
        boxed = cv.last_boxed(str(raw))
        if not boxed:
            raise row.error("no \\boxed{} answer to extract", field=source)
        return boxed
    if extract == "gsm8k":
        text = str(raw)
        if "####" not in text:
            raise row.error("no '#### <answer>' line", field=source)
        return text.rsplit("####", 1)[1].strip().replace(",", "")
    gold = cv.answer_text(raw)
    if not gold:
        raise row.error("empty answer", field=source)
    return gold


def _code_reference(row: Row, cfg: UserTaskConfig) -> dict[str, Any]:
    f = cfg.fields
    if cfg.style == "assertion":
        if "tests" in f:  # a list of assert snippets, each its own test
            snippets = _structured(row, f["tests"])
            if not isinstance(snippets, list) or not snippets or not all(isinstance(t, str) and t.strip() for t in snippets):
                raise row.error("expected a non-empty list of assert snippets (strings)", field=f["tests"])
            reference: dict[str, Any] = {"style": "assertion", "tests": list(snippets)}
        else:
            reference = {"style": "assertion", "test_program": cv.text_of(row, f["test_program"])}
        for key in ("test_setup", "prefix", "entry_point"):
            if key in f:
                reference[key] = str(cv.get(row, f[key]))
        return reference
    tests = _structured(row, f["tests"])
    if isinstance(tests, Mapping) and "inputs" in tests:  # APPS/TACO {"inputs", "outputs"[, "fn_name"]}
        if len(tests["inputs"]) != len(tests.get("outputs", [])):
            raise row.error("input_output has different numbers of inputs and outputs", field=f["tests"])
        if tests.get("fn_name"):  # a call-based problem: judged by calling fn_name, whatever the task's style
            starter = str(cv.get(row, f["meta.starter_code"]) or "") if "meta.starter_code" in f else ""
            reference, _ = cv.apps_reference(tests, starter)
            reference.pop("outputs_unwrapped")
            return reference
        tests = [{"input": i, "output": o} for i, o in zip(tests["inputs"], tests["outputs"])]
    if not isinstance(tests, list) or not tests:
        raise row.error("expected a non-empty list of tests", field=f["tests"])
    need = ("input", "output") if cfg.style == "stdin" else ("args", "expected")
    for i, test in enumerate(tests):
        if not isinstance(test, Mapping) or any(k not in test for k in need):
            raise row.error(f"test {i} needs keys {need[0]!r} and {need[1]!r}", field=f["tests"])
    if cfg.style == "stdin":
        return {"style": "stdin", "tests": [{"input": str(t["input"]), "output": str(t["output"])} for t in tests]}
    class_name = cv.get(row, f["class_name"]) if "class_name" in f else None
    return {"style": "functional", "func_name": cv.text_of(row, f["func_name"]), "class_name": class_name,
            "tests": [{"args": list(t["args"]), "expected": t["expected"]} for t in tests]}


def convert_user_row(row: Row, ctx: cv.Context, *, cfg: UserTaskConfig) -> Problem:
    """One row of a user task → a problem, following ``cfg.fields``."""
    f = cfg.fields
    local_id = str(cv.get(row, f["id"])) if "id" in f else str(ctx.index)
    question = cv.text_of(row, f["prompt"])
    meta = {key[5:]: cv.get(row, source) for key, source in f.items() if key.startswith("meta.")}
    meta["question"] = question
    if cfg.domain == "mcq":
        choices = _choices(row, f["choices"])
        return cv.mcq_problem(ctx, local_id, question, choices, _correct_index(row, f["answer"], choices), meta)
    if cfg.domain == "math":
        reference: dict[str, Any] = {"answer": _answer(row, f["answer"], cfg.answer_extract)}
        for key in ("answer_type", "unit"):
            if key in f:
                reference[key] = str(cv.get(row, f[key]))
        if "multiple" in f:
            reference["multiple"] = str(cv.get(row, f["multiple"])).lower() in ("true", "1", "yes")
    else:
        reference = _code_reference(row, cfg)
    if cfg.grader_options:
        reference["options"] = dict(cfg.grader_options)
    template = None
    if reference.get("style") == "functional" and (cfg.template or "") == "apps_stdin":
        template = "apps_functional"  # Sky-T1's call-based prompt for a call-based row of an APPS/TACO task
    return cv.make_problem(ctx, local_id, question, reference, meta, template=template)


def make_user_task(cfg: UserTaskConfig, *, where: str = "user task", base_dir: Path | None = None) -> TaskSpec:
    """Build a :class:`TaskSpec` from a validated user-task config."""
    check_config(cfg, where)
    path = Path(cfg.path).expanduser() if cfg.path else None
    if path is not None and not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    hub = HubSource(cfg.hub.id, cfg.hub.split, cfg.hub.config) if cfg.hub and cfg.hub.id else None
    return TaskSpec(
        name=cfg.name,
        domain=cfg.domain,
        grader=cfg.grader or DEFAULT_GRADER[cfg.domain],
        source=str(path) if path is not None else (hub.id if hub else ""),
        template=cfg.template or DEFAULT_TEMPLATE[cfg.domain],
        default_sampling={**GREEDY, **cfg.sampling},
        convert=partial(convert_user_row, cfg=cfg),
        description=cfg.description or f"user task from {path if path is not None else hub.id if hub else '?'}",
        hub=hub,
        fmt=cfg.format,
        absolute=True,
        options={"source": "local" if path is not None else "hub"},
    )


def task_from_yaml(path: str | Path) -> TaskSpec:
    """Read a user task spec from YAML; unknown keys and wrong types name the file and line."""
    path = Path(path)
    data, lines = read_yaml(path)
    data.setdefault("name", path.stem)

    def where(key: str) -> str:
        return f"{path}:{lines[key]}: " if key in lines else f"{path}: "

    hub = data.pop("hub", None)
    cfg = build_dataclass(UserTaskConfig, data, where=where)
    if hub is not None:
        if not isinstance(hub, Mapping):
            raise ConfigError(f"{where('hub')}hub must be a mapping: {{id: ..., split: ..., config: ...}}")
        cfg = replace(cfg, hub=build_dataclass(HubConfig, hub, where=where, prefix="hub."))
    return make_user_task(cfg, where=str(path), base_dir=path.parent)


def task_from_mapping(
    path: str | Path, mapping: str | Mapping[str, str], domain: str, *, name: str | None = None, **extra: Any
) -> TaskSpec:
    """A user task from a file and a mapping such as ``"prompt=question,answer=gold"`` (the CLI's flags)."""
    fields = parse_mapping(mapping) if isinstance(mapping, str) else dict(mapping)
    cfg = UserTaskConfig(name=name or Path(path).name.split(".")[0], domain=domain, fields=fields, path=str(path), **extra)
    return make_user_task(cfg, where=f"--file {path}")

"""The declarative task spec and its loader (with an in-process cache keyed by task, file and options)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterator, Mapping, Sequence

from thinkforge.errors import ThinkforgeError
from thinkforge.records import Problem
from thinkforge.runs.keys import canonical_json
from thinkforge.tasks.convert import Context, Converter
from thinkforge.tasks.io import Row, read_hub_rows, read_rows, resolve_data_file

log = logging.getLogger(__name__)

#: Load options every task understands, besides its own.
COMMON_OPTIONS: dict[str, Any] = {"template": None, "source": "local"}


@dataclass(frozen=True)
class HubSource:
    """Where ``--source hub`` reads the task: ``datasets.load_dataset(id, config, split=split)``."""

    id: str
    split: str = "test"
    config: str | None = None


@dataclass(frozen=True)
class TaskSpec:
    """One benchmark or problem source: where its data is, how rows become problems, how to prompt and grade.

    ``source`` is a path relative to the data folder (built-in tasks), an absolute path (user tasks), or a
    description; ``options`` lists the task's own load options with their defaults.
    """

    name: str
    domain: str
    grader: str
    source: str
    template: str
    default_sampling: Mapping[str, Any]
    convert: Converter = field(repr=False, compare=False)
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    hub: HubSource | None = None
    #: File format when the suffix does not tell (``jsonl``, ``json``, ``csv``, ``parquet``).
    fmt: str | None = None
    #: ``source`` is a path of its own (a user task), not one inside the data folder.
    absolute: bool = False

    def resolved_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults ← ``options``; an unknown option raises an error listing the known ones."""
        known = {**COMMON_OPTIONS, **self.options}
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise ThinkforgeError(f"task {self.name} has no option '{unknown[0]}' (options: {', '.join(sorted(known))})")
        merged = {**known, **{k: v for k, v in options.items() if v is not None}}
        if merged["source"] not in ("local", "hub"):
            raise ThinkforgeError(f"source must be 'local' or 'hub', got {merged['source']!r}")
        return merged

    def data_path(self) -> Path:
        """The local data file (an error saying how to point at the data if it is missing)."""
        if self.absolute:
            path = Path(self.source)
            if not path.exists():
                raise ThinkforgeError(f"task {self.name}: data file not found: {path}")
            return path
        return resolve_data_file(self.source)

    def rows(self, options: Mapping[str, Any]) -> Iterator[Row]:
        """The raw records, from the local file or (``source="hub"``) from ``datasets``."""
        if options["source"] == "hub":
            if self.hub is None:
                raise ThinkforgeError(f"task {self.name} has no hub id; it reads {self.source} only")
            return read_hub_rows(self.hub.id, self.hub.split, self.hub.config)
        return read_rows(self.data_path(), self.fmt)

    def load(self, limit: int | None = None, ids: Sequence[str] | None = None, **options: Any) -> list[Problem]:
        """The task's problems, in source order; ``ids`` selects by ``Problem.id``, ``limit`` keeps the first N."""
        problems = _load_all(self, self.resolved_options(options))
        if ids is not None:
            known = {p.id for p in problems}
            wanted = set()
            unknown = []
            for query in ids:
                try:
                    wanted.add(resolve_id(self.name, known, query))
                except UnknownProblemError:
                    unknown.append(query)
            if unknown:
                example = min(known, default=None)
                hint = f"; ids look like {example!r} or {example.removeprefix(self.name + '/')!r}" if example else ""
                raise ThinkforgeError(f"task {self.name} has no problem with id {', '.join(unknown[:3])} "
                                      f"({len(unknown)} unknown{hint})")
            problems = tuple(p for p in problems if p.id in wanted)
        if limit is not None:
            if limit < 0:
                raise ThinkforgeError(f"limit must be >= 0, got {limit}")
            problems = problems[:limit]
        return list(problems)

    @property
    def size(self) -> int:
        """Number of problems with default options (loads the task once; then cached)."""
        return len(_load_all(self, self.resolved_options({})))


class UnknownProblemError(ThinkforgeError):
    """A problem id that names no problem of the task."""


def resolve_id(task: str, known: Collection[str], query: str) -> str:
    """The full problem id ``query`` names: the full form (``humaneval/HumanEval/3``), the short form without
    the task prefix (``HumanEval/3``), or the prefix spelt in another case (``Mbpp/2`` for ``mbpp/2``).

    An id that matches two problems in different forms is an error listing both.
    """
    head, _, rest = query.partition("/")
    forms = [query, f"{task}/{query}"]
    if rest and head.lower() == task.lower():
        forms.append(f"{task}/{rest}")
    matches = list(dict.fromkeys(form for form in forms if form in known))
    if not matches:
        raise UnknownProblemError(f"unknown problem of task {task}: {query!r}")
    if len(matches) > 1:
        raise ThinkforgeError(f"problem id {query!r} of task {task} is ambiguous: it names {' and '.join(map(repr, matches))}")
    return matches[0]


_CACHE: dict[str, tuple[Problem, ...]] = {}
_CACHE_LOCK = threading.Lock()


def _cache_key(spec: TaskSpec, options: Mapping[str, Any]) -> str:
    if options["source"] == "hub" and spec.hub is not None:
        origin: Any = [spec.hub.id, spec.hub.split, spec.hub.config]
    else:
        path = spec.data_path()
        stat = path.stat()
        origin = [str(path.resolve()), stat.st_mtime_ns, stat.st_size]
    convert = getattr(spec.convert, "func", spec.convert)
    bound = getattr(spec.convert, "keywords", {})
    return canonical_json([spec.name, spec.domain, spec.template, origin, getattr(convert, "__qualname__", str(convert)), bound, dict(options)])


def _load_all(spec: TaskSpec, options: Mapping[str, Any]) -> tuple[Problem, ...]:
    key = _cache_key(spec, options)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    task_options = {k: v for k, v in options.items() if k != "source"}
    for index, row in enumerate(spec.rows(options)):
        ctx = Context(task=spec.name, domain=spec.domain, template=spec.template, options=task_options, index=index)
        converted = spec.convert(row, ctx)
        for problem in [converted] if isinstance(converted, Problem) else (converted or []):
            if problem.id in seen:
                raise row.error(f"duplicate problem id {problem.id!r} (first at {seen[problem.id]})", field="id")
            seen[problem.id] = row.where
            problems.append(problem)
    log.debug("task %s: %d problems", spec.name, len(problems))
    result = tuple(problems)
    with _CACHE_LOCK:
        _CACHE[key] = result
    return result


def clear_cache() -> None:
    """Forget every loaded task (tests; long-lived processes after data files change)."""
    with _CACHE_LOCK:
        _CACHE.clear()

"""A task's identity by content: its spec and a hash of its problems, never the path it was typed as."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from thinkforge.records import Problem
from thinkforge.runs.keys import stable_hash
from thinkforge.tasks.spec import TaskSpec


def problem_hash(problem: Problem) -> str:
    """Content hash of one problem (prompt or messages, reference, meta): the answer key is part of it."""
    return stable_hash(problem.to_dict())


def problems_hash(problems: Sequence[Problem]) -> str:
    """Hash of a list of problems, order included."""
    return stable_hash([problem_hash(p) for p in problems])


def task_identity(spec: TaskSpec, options: Mapping[str, Any], problems: Sequence[Problem]) -> dict[str, Any]:
    """What a run's task *is*: its name, domain, grader, template and load options, and its problems' hash.

    ``problems`` is the whole task as loaded with ``options`` (before any ``--limit``/``--ids`` selection), so a
    larger slice of the same data keeps the identity while an edited data file or another shuffle seed changes it.
    """
    return {
        "name": spec.name,
        "domain": spec.domain,
        "grader": spec.grader,
        "template": options.get("template") or spec.template,
        "options": {k: v for k, v in options.items() if k not in ("template", "source")},
        "problems": problems_hash(problems),
    }


def task_sources(spec: TaskSpec, typed_name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Where the task came from, as absolute paths (recorded for provenance; not part of the identity)."""
    typed = Path(typed_name)
    spec_file = str(typed.resolve()) if typed.suffix in (".yaml", ".yml") and typed.is_file() else None
    if options.get("source") == "hub" and spec.hub is not None:
        data = f"hub:{spec.hub.id}:{spec.hub.config or ''}:{spec.hub.split}"
    else:
        data = str(spec.data_path().resolve())
    return {"task": spec.name, "task_file": spec_file, "data": data}

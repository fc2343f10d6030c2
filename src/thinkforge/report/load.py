"""Read an eval run directory for the report: results.json, each task's samples, verdicts and problems.

Nothing here fails on a half-finished run: every piece that is absent is named in ``missing`` instead.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from thinkforge.errors import ThinkforgeError
from thinkforge.generate.accounting import ACCOUNTING_FILE
from thinkforge.generate.stage import problems_of
from thinkforge.records import Problem, Sample, Verdict
from thinkforge.runs import RunStore

log = logging.getLogger(__name__)

RESULTS_FILE = "results.json"
_STAGES = ("generate", "grade")


@dataclass(frozen=True)
class TaskData:
    """One task of one run: its results entry (``None`` before metrics exist) and its records."""

    name: str
    result: dict[str, Any] | None
    samples: list[Sample]
    verdicts: dict[str, Verdict]
    problems: dict[str, Problem]
    accounting: dict[str, Any] | None
    missing: list[str] = field(default_factory=list)

    @property
    def domain(self) -> str | None:
        if self.result and self.result.get("domain"):
            return str(self.result["domain"])
        return next((p.domain for p in self.problems.values()), None)


@dataclass(frozen=True)
class RunData:
    """One eval run directory as the report sees it."""

    path: Path
    label: str
    results: dict[str, Any] | None
    tasks: dict[str, TaskData]
    missing: list[str] = field(default_factory=list)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable (%s)", path, exc)
        return None
    return data if isinstance(data, dict) else None


def _records(root: Path, stage: str, cls: type[Any]) -> list[Any] | None:
    """Every record of a stage of a sub-run, or ``None`` when the stage is not there."""
    try:
        return RunStore.read(root, stage=stage).records(cls)
    except ThinkforgeError:
        return None


def _task_names(run_dir: Path, results: dict[str, Any] | None) -> list[str]:
    names = list((results or {}).get("tasks", {}))
    for sub in sorted(p for p in run_dir.iterdir() if p.is_dir()):
        if sub.name not in names and any((sub / f"{stage}.yaml").is_file() for stage in _STAGES):
            names.append(sub.name)
    return names


def _config_task(sub: Path) -> str | None:
    """The task named in a sub-run's generate config, if any."""
    try:
        task = RunStore.read(sub, stage="generate").config.get("task")
    except ThinkforgeError:
        return None
    name = task.get("name") if isinstance(task, dict) else task
    return str(name) if name else None


def load_task(sub: Path, name: str, result: dict[str, Any] | None) -> TaskData:
    """Read the (sub-)run ``sub`` of task ``name``; whatever is absent goes into ``missing``."""
    missing: list[str] = [str(m) for m in (result or {}).get("missing", [])]
    if result is None:
        missing.append(f"metrics for task {name} (no entry in {RESULTS_FILE})")
    samples = _records(sub, "generate", Sample)
    if samples is None:
        missing.append(f"samples of task {name} (no generate stage in {sub})")
    verdicts = _records(sub, "grade", Verdict)
    if verdicts is None:
        missing.append(f"verdicts of task {name} (not graded yet: no grade stage in {sub})")
    accounting = (result or {}).get("accounting")
    if accounting is None and (sub / ACCOUNTING_FILE).is_file():
        accounting = _read_json(sub / ACCOUNTING_FILE)
    if accounting is None:
        missing.append(f"accounting of task {name} (no {ACCOUNTING_FILE}: tokens, wall time and cost unknown)")
    samples = samples or []
    problems: dict[str, Problem] = {}
    try:
        problems = problems_of(sub, samples)
    except ThinkforgeError as exc:
        missing.append(f"problems of task {name} ({exc})")
    return TaskData(
        name=name,
        result=result,
        samples=samples,
        verdicts={v.sample_key: v for v in verdicts or []},
        problems=problems,
        accounting=accounting,
        missing=missing,
    )


def load_run(run_dir: str | Path, label: str | None = None) -> RunData:
    """Read an eval run directory; raises :class:`ThinkforgeError` only when it is not a directory at all."""
    path = Path(run_dir)
    if not path.is_dir():
        raise ThinkforgeError(f"{path}: not a run directory (no such directory)")
    missing: list[str] = []
    results = _read_json(path / RESULTS_FILE) if (path / RESULTS_FILE).is_file() else None
    if results is None:
        missing.append(f"{RESULTS_FILE} (metrics not computed yet: run `thinkforge eval` to finish)")
    if results is None and (path / "generate.yaml").is_file():
        # A plain generate (+ grade) run directory rather than an eval run: one task, at the top.
        name = _config_task(path) or path.name
        tasks = {name: load_task(path, name, None)}
    else:
        tasks = {
            name: load_task(path / name, name, (results or {}).get("tasks", {}).get(name))
            for name in _task_names(path, results)
        }
    if not tasks:
        missing.append(f"tasks (no sub-run with samples under {path})")
    return RunData(path=path, label=label or path.name, results=results, tasks=tasks, missing=missing)


def run_labels(paths: Sequence[Path]) -> list[str]:
    """Short distinct labels for runs: directory names, or longer path tails where names repeat."""
    for depth in range(1, 8):
        labels = ["/".join(p.resolve().parts[-depth:]) for p in paths]
        if len(set(labels)) == len(labels):
            return labels
    return [f"run {i + 1}: {p}" for i, p in enumerate(paths)]

"""The grade stage: every sample of a generate run → one verdict, stored beside it, resumable.

Reads ``RUN_DIR/generate.yaml`` to find the task, reloads its problems, grades each sample that has no verdict
yet (math and multiple choice in a process pool, code in the shared sandbox pool) and appends the verdicts to
the ``grade`` stage of the same run directory in chunks, so an interrupted grading resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from thinkforge.defaults import GRADING
from thinkforge.errors import ThinkforgeError
from thinkforge.grading.choice import GRADER as CHOICE_GRADER
from thinkforge.grading.math import GRADER as MATH_GRADER
from thinkforge.records import Problem, Sample, Verdict
from thinkforge.runs import RunStore

log = logging.getLogger(__name__)

#: Bumped when grading changes in a way that should invalidate stored verdicts.
GRADE_STAGE_VERSION = 1


@dataclass(frozen=True)
class GradeSummary:
    """Counts over every verdict stored for the run (not only this session's)."""

    run_dir: Path
    task: str
    samples: int
    graded_now: int
    passed: int
    by_status: dict[str, int]

    @property
    def accuracy(self) -> float:
        """Mean of ``passed`` over all samples (avg@n, the pass@1 estimate)."""
        return self.passed / self.samples if self.samples else 0.0


def read_generate_run(run_dir: Path) -> RunStore:
    """The generate stage of ``run_dir``, read-only; a clear error when it is not a generate run."""
    if not (run_dir / "generate.yaml").is_file():
        raise ThinkforgeError(f"{run_dir} is not a generate run directory (no generate.yaml); run `thinkforge generate` first")
    return RunStore.read(run_dir, stage="generate")


def _grade_chunk(problems: dict[str, Problem], samples: Sequence[Sample], workers: int) -> list[Verdict]:
    from thinkforge.grading import grade_many

    code = [s for s in samples if problems[s.problem_id].domain == "code"]
    other = [s for s in samples if problems[s.problem_id].domain != "code"]
    verdicts: dict[str, Verdict] = {}
    if other:
        for sample, verdict in zip(other, grade_many([(problems[s.problem_id], s) for s in other], workers=workers)):
            verdicts[sample.key] = verdict
    if code:
        from thinkforge.grading.code import judge_many

        for sample, verdict in zip(code, judge_many(problems, code)):
            verdicts[sample.key] = verdict
    return [verdicts[s.key] for s in samples]


def run_grade(
    run_dir: str | Path,
    *,
    workers: int = 1,
    overwrite: bool = False,
    chunk_size: int = GRADING.chunk_size,
    on_progress: Callable[[int, int], None] | None = None,
) -> GradeSummary:
    """Grade every sample of a generate run that has no verdict yet; returns counts over the whole run."""
    run_dir = Path(run_dir)
    from thinkforge.tasks import get_task

    gen_store = read_generate_run(run_dir)
    task_name = str(gen_store.config.get("task", ""))
    samples = gen_store.records(Sample)
    problems = {p.id: p for p in get_task(task_name).load()}
    unknown = sorted({s.problem_id for s in samples} - set(problems))
    if unknown:
        raise ThinkforgeError(f"{run_dir}: samples refer to problems not in task {task_name!r}: {unknown[:5]}")
    identity = {
        "stage_version": GRADE_STAGE_VERSION,
        "task": task_name,
        "graders": {"math": MATH_GRADER, "choice": CHOICE_GRADER, "code": _code_grader()},
        # The generate run these verdicts belong to: a regenerated (--overwrite) run invalidates them.
        "generate_run": _generate_run_id(run_dir),
    }
    if not overwrite and _stored_generate_run(run_dir) not in (None, identity["generate_run"]):
        log.info("the samples in %s were regenerated since they were graded: grading afresh", run_dir)
        overwrite = True
    with RunStore.open(run_dir, identity, stage="grade", overwrite=overwrite) as store:
        done = store.done_keys()
        todo = [s for s in samples if s.key not in done]
        log.info("%d samples, %d already graded, %d to grade", len(samples), len(samples) - len(todo), len(todo))
        finished = len(samples) - len(todo)
        if on_progress:
            on_progress(finished, len(samples))
        for start in range(0, len(todo), chunk_size):
            chunk = todo[start : start + chunk_size]
            store.append(_grade_chunk(problems, chunk, workers))
            finished += len(chunk)
            if on_progress:
                on_progress(finished, len(samples))
        verdicts = {v.sample_key: v for v in store.records(Verdict)}
    relevant = [verdicts[s.key] for s in samples if s.key in verdicts]
    return GradeSummary(
        run_dir=run_dir,
        task=task_name,
        samples=len(relevant),
        graded_now=len(todo),
        passed=sum(v.passed for v in relevant),
        by_status=dict(Counter(v.status for v in relevant)),
    )


def _generate_run_id(run_dir: Path) -> str:
    """Identity of one generate run: its config hash and run id (a new id after ``--overwrite``)."""
    meta = json.loads((run_dir / "generate.run.json").read_text(encoding="utf-8"))
    return f"{meta.get('config_hash', '')}@{meta.get('run_id', meta.get('created', ''))}"


def _stored_generate_run(run_dir: Path) -> str | None:
    """The generate run that the stored verdicts were made for, if any."""
    if not (run_dir / "grade.yaml").is_file():
        return None
    return RunStore.read(run_dir, stage="grade").config.get("generate_run")


def _code_grader() -> str:
    from thinkforge.grading.code import GRADER

    return GRADER


def load_verdicts(run_dir: str | Path) -> dict[str, Verdict]:
    """Stored verdicts of a run by sample key (empty when the run was not graded)."""
    run_dir = Path(run_dir)
    if not (run_dir / "grade.yaml").is_file():
        return {}
    return {v.sample_key: v for v in RunStore.read(run_dir, stage="grade").records(Verdict)}

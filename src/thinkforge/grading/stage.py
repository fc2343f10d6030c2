"""The grade stage: every sample of a generate run → one verdict, stored beside it, resumable and streaming.

Problems come from the generate run's own ``problems`` stream (each sample names the content hash of the
problem it was made for), never from today's copy of the task, so an edited task file cannot grade old samples
against a new answer key. Grading runs on one warm :class:`~thinkforge.grading.pool.Grader` for the whole run
and takes samples as they arrive (:meth:`GradeRun.feed`): ``eval`` grades while it generates. With
``ray.enabled`` that grader is a :class:`~thinkforge.grading.ray_pool.RayGrader` (warm grading actors, the same
verdicts). Verdicts whose status is transient are retried in the session and graded again by the next session.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from thinkforge.defaults import GRADING, RAY_GRADING
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.grading.choice import GRADER as CHOICE_GRADER
from thinkforge.grading.math import GRADER as MATH_GRADER
from thinkforge.grading.pool import Grader, is_transient
from thinkforge.records import Problem, Sample, Verdict
from thinkforge.runs import RunStore, StageProgress
from thinkforge.runs.contract import ProgressFn, invocation

log = logging.getLogger(__name__)

STAGE = "grade"
#: Bumped when grading changes in a way that should invalidate stored verdicts.
GRADE_STAGE_VERSION = 3


@dataclass(frozen=True)
class RayGradeConfig:
    """Grading on Ray (``--ray``): warm grading actors and where they run (never part of a run's identity)."""

    enabled: bool = invocation(False, flag="--ray", help="grade on Ray: warm grading actors (math, choice, code)")
    actors: int = invocation(RAY_GRADING.actors, flag="--actors", help="Ray: grading actors")
    cpus_per_actor: float = invocation(RAY_GRADING.cpus_per_actor, help="Ray: CPUs per actor (code judges per actor)")
    address: str | None = invocation(None, help="Ray cluster address (default: start a local one)")
    batch_size: int = invocation(RAY_GRADING.batch_size, help="Ray: items per actor call")


def open_grader(workers: int = 1, retries: int = GRADING.retries, ray: RayGradeConfig | None = None) -> Grader:
    """A warm grading context: the local pool, or Ray grading actors when ``ray.enabled`` (same verdicts)."""
    if ray is None or not ray.enabled:
        return Grader(workers=workers, retries=retries)
    from thinkforge.grading.ray_pool import RayGrader

    return RayGrader(actors=ray.actors, cpus_per_actor=ray.cpus_per_actor, address=ray.address, retries=retries,
                     batch_size=ray.batch_size)


@dataclass(frozen=True)
class GradeConfig:
    """``thinkforge grade RUN_DIR``: nothing here changes a verdict, so no field is part of the identity."""

    run_dir: str = invocation("", help="a directory written by `thinkforge generate`")
    workers: int = invocation(1, flag="--workers", help="grading processes for math / multiple choice")
    retries: int = invocation(GRADING.retries, flag="--retries", help="further attempts for a transient status")
    overwrite: bool = invocation(False, flag="--overwrite", help="drop stored verdicts and grade again")
    chunk_size: int = invocation(GRADING.chunk_size, help="verdicts per durable write")
    ray: RayGradeConfig = invocation(default_factory=RayGradeConfig)


@dataclass(frozen=True)
class GradeSummary:
    """Counts over every verdict stored for the samples graded (not only this session's)."""

    run_dir: Path
    task: str
    samples: int
    graded_now: int
    passed: int
    by_status: dict[str, int]
    #: Verdicts that stayed transient after retries (grading failed; the next session grades them again).
    errors: int = 0
    retried: int = 0
    verdicts: dict[str, Verdict] = field(default_factory=dict, repr=False)

    @property
    def accuracy(self) -> float:
        """Mean of ``passed`` over all samples (avg@n, the pass@1 estimate)."""
        return self.passed / self.samples if self.samples else 0.0


def graders() -> dict[str, str]:
    """The version of every grader; part of the grade stage's identity."""
    from thinkforge.grading.code import GRADER as CODE_GRADER

    return {"math": MATH_GRADER, "mcq": CHOICE_GRADER, "code": CODE_GRADER}


class GradeRun:
    """An open grade stage of one generate run: ``feed`` samples (as they arrive), then ``finish``."""

    def __init__(
        self,
        config: GradeConfig,
        *,
        problems: Mapping[str, Problem] | None = None,
        on_progress: ProgressFn | None = None,
        grader: Grader | None = None,
    ) -> None:
        """``grader`` shares one warm grading context across sub-runs (the caller closes it)."""
        from thinkforge.generate.stage import load_problems, read_generate_run

        if not config.run_dir:
            raise ConfigError("no run directory given: pass RUN_DIR")
        self.config = config
        self.root = Path(config.run_dir)
        parent = read_generate_run(self.root)
        self.task = str(parent.config.get("task", {}).get("name", ""))
        self.problems = dict(load_problems(self.root))
        self.problems.update(problems or {})
        self._domains = {p.id: p.domain for p in self.problems.values()}
        self._parent = parent
        self._on_progress = on_progress
        self._own_grader = grader is None
        self._grader = grader or open_grader(config.workers, config.retries, config.ray)
        self._pending: list[tuple[list[Sample], "Future[list[Verdict]]"]] = []
        self._buffer: list[Verdict] = []
        self._fed = 0
        self._graded = 0
        self._retried = 0
        self.store: RunStore | None = None

    def __enter__(self) -> "GradeRun":
        identity = {"stage_version": GRADE_STAGE_VERSION, "graders": graders(),
                    "generate_run": self._parent.run_id}
        overwrite = self.config.overwrite
        if not overwrite and RunStore.exists(self.root, STAGE):
            stored = RunStore.read(self.root, stage=STAGE).config.get("generate_run")
            if stored != self._parent.run_id:
                log.info("the samples in %s were regenerated since they were graded: grading afresh", self.root)
                overwrite = True
        self.store = RunStore.open(self.root, identity, stage=STAGE, overwrite=overwrite,
                                   parents=[self._parent.lineage()])
        stored = self.store.records(Verdict)
        # A transient verdict is not a result: the next session grades that sample again.
        self.done = {v.sample_key: v for v in stored if not self._transient(v)}
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self._drain(wait_all=True)
        finally:
            if self._own_grader:
                self._grader.close()
            assert self.store is not None
            self.store.close()

    def _transient(self, verdict: Verdict) -> bool:
        domain = self._domains.get(verdict.problem_id)
        return domain is not None and is_transient(domain, verdict)

    def problem_of(self, sample: Sample) -> Problem:
        """The exact problem a sample was generated for."""
        digest = sample.provenance.get("problem_hash")
        problem = self.problems.get(str(digest))
        if problem is None:
            raise ThinkforgeError(
                f"{self.root}: sample {sample.key} refers to problem {sample.problem_id!r} (content {digest}) "
                "that this run did not store; regenerate it with --overwrite"
            )
        return problem

    def feed(self, samples: Iterable[Sample]) -> None:
        """Start grading every sample that has no verdict yet; store the verdicts that are ready."""
        todo = []
        for sample in samples:
            self._fed += 1
            if sample.key not in self.done:
                todo.append(sample)
        start = 0
        for count, future in self._grader.submit_many([(self.problem_of(s), s) for s in todo]):
            self._pending.append((todo[start : start + count], future))
            start += count
        self._drain(wait_all=False)

    def poll(self) -> int:
        """Store the verdicts that are ready now; returns how many are still being graded."""
        self._drain(wait_all=False)
        return sum(len(batch) for batch, _ in self._pending)

    def _drain(self, wait_all: bool) -> None:
        assert self.store is not None
        if wait_all and self._pending:
            wait([f for _, f in self._pending])
        ready = [(s, f) for s, f in self._pending if f.done()]
        self._pending = [(s, f) for s, f in self._pending if not f.done()]
        for batch, future in ready:
            for sample, verdict in zip(batch, future.result(), strict=True):
                self._retried += bool(verdict.detail.get("retried"))
                self._buffer.append(verdict)
                self.done[sample.key] = verdict
                self._graded += 1
        if self._buffer and (wait_all or len(self._buffer) >= self.config.chunk_size):
            self.store.append(self._buffer)
            self._buffer = []
        if self._on_progress:
            waiting = sum(len(batch) for batch, _ in self._pending)
            self._on_progress(StageProgress(STAGE, self._fed - waiting, self._fed,
                                            f"{self._graded} graded"))

    def finish(self, samples: Iterable[Sample]) -> GradeSummary:
        """Wait for every verdict, store them, and count over the verdicts of ``samples``.

        The finished marker is written when every sample has a verdict and none stayed transient.
        """
        assert self.store is not None
        self._drain(wait_all=True)
        samples = list(samples)
        relevant = [self.done[s.key] for s in samples if s.key in self.done]
        errors = sum(self._transient(v) for v in relevant)
        summary = GradeSummary(
            run_dir=self.root, task=self.task, samples=len(relevant), graded_now=self._graded,
            passed=sum(v.passed for v in relevant), by_status=dict(Counter(v.status for v in relevant)),
            errors=errors, retried=self._retried, verdicts={v.sample_key: v for v in relevant},
        )
        if len(relevant) == len(samples) and errors == 0:
            self.store.mark_finished({"samples": summary.samples, "passed": summary.passed, "errors": 0})
        return summary


def run_grade(config: GradeConfig | str | Path, *, on_progress: ProgressFn | None = None) -> GradeSummary:
    """Grade every sample of a generate run that has no verdict yet; returns counts over the whole run."""
    from thinkforge.generate.stage import read_generate_run

    if not isinstance(config, GradeConfig):
        config = GradeConfig(run_dir=str(config))
    samples = read_generate_run(Path(config.run_dir)).records(Sample)
    with GradeRun(config, on_progress=on_progress) as run:
        for start in range(0, len(samples), config.chunk_size):
            run.feed(samples[start : start + config.chunk_size])
        return run.finish(samples)


def load_verdicts(run_dir: str | Path) -> dict[str, Verdict]:
    """Stored verdicts of a run by sample key (empty when the run was not graded)."""
    run_dir = Path(run_dir)
    if not RunStore.exists(run_dir, STAGE):
        return {}
    return {v.sample_key: v for v in RunStore.read(run_dir, stage=STAGE).records(Verdict)}

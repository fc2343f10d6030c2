"""The generate stage: task problems → requests → backend → samples in the run store, resumable and streaming.

One request per (problem, sample index); its key hashes the rendered messages, the sampling, the model's
identity and the problem's content (:func:`thinkforge.runs.unit_key`). Finished keys found in the run directory
are skipped. Each group of samples the backend returns is appended with one durable write and then handed to
the caller (:meth:`GenerateRun.groups`), so another stage — grading in ``eval`` — consumes samples as they
arrive. The problems the samples were made for are stored beside them (stream ``problems``), so grading never
depends on today's copy of the task. A failed request (``finish_reason == "error"``) is not stored as a sample:
it is appended to the ``failures`` stream (the history of every failure, never deleted) and a re-run retries it.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from thinkforge.backends.base import Backend, GenerationRequest, SamplingParams, sample_seed
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.generate.accounting import ACCOUNTING_FILE, Prices, Usage, accounting_record, cost_usd, read_sessions
from thinkforge.generate.config import (
    GenerateConfig,
    backend_spec,
    identity,
    model_identity,
    ray_options,
    resolve_n,
    resolve_sampling,
    system_prompt_name,
)
from thinkforge.records import Problem, Sample
from thinkforge.runs import RunStore, StageProgress, unit_key
from thinkforge.runs.contract import ProgressFn

log = logging.getLogger(__name__)

STAGE = "generate"
#: Side streams of the generate stage: the problems samples refer to, and every failed request.
PROBLEMS_STREAM = "problems"
FAILURES_STREAM = "failures"


@dataclass(frozen=True)
class GeneratePlan:
    """Everything a generate run will ask for, computed without opening anything."""

    identity: dict[str, Any]
    problems: list[Problem]
    requests: list[GenerationRequest]
    sources: dict[str, Any]
    n: int
    sampling: SamplingParams


@dataclass(frozen=True)
class GenerateSummary:
    """The outcome of one ``generate`` session."""

    run_dir: Path
    total: int
    already_done: int
    generated: int
    failures: list[dict[str, Any]]
    session: Usage
    run_total: Usage
    session_cost_usd: float
    run_cost_usd: float
    accounting: dict[str, Any] = field(repr=False)

    @property
    def errors(self) -> int:
        """Requests of this session that failed for good (a re-run retries them)."""
        return len(self.failures)

    @property
    def finished(self) -> bool:
        return self.already_done + self.generated == self.total


def build_requests(
    problems: Sequence[Problem],
    *,
    model: str,
    model_id: dict[str, Any],
    sampling: SamplingParams,
    n: int,
    system_prompt: str,
) -> list[GenerationRequest]:
    """One request per (problem, index in 0..n-1), in problem order, each with its derived seed and content key."""
    from thinkforge.tasks import render
    from thinkforge.tasks.identity import problem_hash

    requests = []
    for problem in problems:
        rendered = render(problem, system_prompt)
        p_hash = problem_hash(problem)
        for index in range(n):
            key = unit_key(
                problem_id=problem.id, index=index, problem_hash=p_hash, messages=rendered.messages,
                sampling=sampling.to_dict(), model=model_id,
            )
            requests.append(
                GenerationRequest(
                    key=key,
                    problem_id=problem.id,
                    task=problem.task,
                    model=model,
                    index=index,
                    messages=rendered.messages,
                    sampling=sampling,
                    seed=sample_seed(sampling.seed, problem.id, index),
                    provenance={"template_hash": rendered.template_hash, "system_prompt": system_prompt,
                                "problem_hash": p_hash},
                )
            )
    return requests


def plan_run(config: GenerateConfig, problems: Sequence[Problem] | None = None) -> GeneratePlan:
    """The run identity and every request of the selected slice (nothing is opened or started).

    ``problems`` replaces the task's own (curation passes filtered pools and rewrite requests this way); the
    task then only names the prompt template, default sampling and grader.
    """
    from thinkforge.tasks import get_task
    from thinkforge.tasks.identity import task_identity, task_sources

    if not config.task:
        raise ConfigError("no task given: pass --task NAME (see `thinkforge tasks`)")
    spec = get_task(config.task)
    options = {"template": config.template} if config.template else {}
    sampling = resolve_sampling(config.sampling, spec.default_sampling)
    n = resolve_n(config, spec.default_sampling)
    if problems is None:
        everything = spec.load(**options)
        selected = spec.load(limit=config.limit, ids=list(config.ids) if config.ids else None, **options)
        sources = task_sources(spec, config.task, spec.resolved_options(options))
    else:
        everything = selected = list(problems)
        sources = {"task": spec.name, "task_file": None, "data": "in-memory problems"}
    task_id = task_identity(spec, spec.resolved_options(options), everything)
    if problems is not None:
        # A caller's problem list may grow between sessions (a larger curation target): the units are keyed by
        # each problem's content, so the run identity names the task, not this list.
        task_id["problems"] = "in-memory"
    model_id = model_identity(config)
    requests = build_requests(
        selected, model=config.model, model_id=model_id, sampling=sampling, n=n, system_prompt=system_prompt_name(config)
    )
    sources = {**sources, "model": config.model}
    return GeneratePlan(identity(config, sampling, task_id, model_id), list(selected), requests, sources, n, sampling)


def make_backend(config: GenerateConfig) -> Backend:
    """The configured backend, wrapped in Ray Data when ``ray.enabled``."""
    spec = backend_spec(config)
    if config.ray.enabled:
        from thinkforge.backends.ray_data import RayBackend

        return RayBackend(spec, ray_options(config))
    return spec.build()


class GenerateRun:
    """An open generate stage: ``with GenerateRun(config) as run: for group in run.groups(): ...``.

    ``stored()`` gives the samples of this plan already in the run directory; ``groups()`` generates the rest,
    yielding each group right after it is stored. ``summary`` is set when the ``with`` block ends.
    """

    def __init__(
        self,
        config: GenerateConfig,
        *,
        backend: Backend | None = None,
        on_progress: ProgressFn | None = None,
        plan: GeneratePlan | None = None,
    ) -> None:
        if not config.out:
            raise ConfigError("no output directory given: pass --out RUN_DIR")
        self.config = config
        self.plan = plan or plan_run(config)
        self._backend = backend
        self._own_backend = False
        self._on_progress = on_progress
        self._session_id = uuid.uuid4().hex[:12]
        self._session = Usage()
        self._failures: list[dict[str, Any]] = []
        self._written: set[str] = set()
        self._start = 0.0
        self.store: RunStore | None = None
        self.summary: GenerateSummary | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "GenerateRun":
        self.store = RunStore.open(
            self.config.out, self.plan.identity, stage=STAGE, overwrite=self.config.overwrite, sources=self.plan.sources
        )
        try:
            self._store_problems()
            done = self.store.done_keys()
            self.todo = [r for r in self.plan.requests if r.key not in done]
            self.already = len(self.plan.requests) - len(self.todo)
        except BaseException:
            self.store.close()
            raise
        log.info("%d samples requested, %d already done, %d to generate", len(self.plan.requests), self.already, len(self.todo))
        self._start = time.perf_counter()
        self._report()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.store is not None
        try:
            if self._own_backend and self._backend is not None:
                self._backend.close()
            self.summary = self._finish()
        finally:
            self.store.close()

    # ------------------------------------------------------------------ work
    def stored(self) -> list[Sample]:
        """Samples of this plan that an earlier session already stored, in plan order."""
        return [s for s in self.samples() if s.key not in self._written]

    def samples(self) -> list[Sample]:
        """Every stored sample of this plan (earlier sessions' and this one's), in plan order."""
        assert self.store is not None, "use GenerateRun in a with block"
        wanted = {r.key for r in self.plan.requests}
        have = {obj["key"]: obj for obj in self.store.iter_dicts() if obj.get("key") in wanted}
        return [Sample.from_dict(have[r.key]) for r in self.plan.requests if r.key in have]

    def groups(self) -> Iterator[list[Sample]]:
        """Generate every missing sample; yield each group of stored samples as soon as it is durable."""
        assert self.store is not None, "use GenerateRun in a with block"
        if not self.todo:
            return
        if self._backend is None:
            self._backend = make_backend(self.config)
            self._own_backend = True
        for group in self._backend.generate(self.todo):
            self._session = self._session.add(group)
            fresh = [s for s in group if s.finish_reason != "error" and s.key not in self._written]
            failed = [self._failure(s) for s in group if s.finish_reason == "error"]
            self.store.append(fresh)
            self.store.append(failed, stream=FAILURES_STREAM)
            self._written.update(s.key for s in fresh)
            self._failures.extend(failed)
            self._report()
            if fresh:
                yield fresh

    def _store_problems(self) -> None:
        from thinkforge.tasks.identity import problem_hash

        assert self.store is not None
        have = self.store.done_keys(PROBLEMS_STREAM)
        new = {}
        for problem in self.plan.problems:
            digest = problem_hash(problem)
            if digest not in have:
                new[digest] = {"key": digest, "problem": problem.to_dict()}
        self.store.append(new.values(), stream=PROBLEMS_STREAM)

    def _report(self) -> None:
        if self._on_progress is None:
            return
        elapsed = time.perf_counter() - self._start
        rate = self._session.completion_tokens / elapsed if elapsed > 0 else 0.0
        done = self.already + len(self._written)
        self._on_progress(StageProgress(STAGE, done, len(self.plan.requests), f"{rate:7.1f} tok/s"))

    def _failure(self, sample: Sample) -> dict[str, Any]:
        return {
            "key": f"{sample.key}@{self._session_id}",
            "unit": sample.key,
            "problem_id": sample.problem_id,
            "index": sample.index,
            "error": sample.provenance.get("error", ""),
            "session": self._session_id,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    def _finish(self) -> GenerateSummary:
        """Write the accounting, the finished marker when nothing is missing, and build the summary."""
        assert self.store is not None
        session = Usage(
            samples=self._session.samples,
            failed=self._session.failed,
            prompt_tokens=self._session.prompt_tokens,
            completion_tokens=self._session.completion_tokens,
            wall_s=time.perf_counter() - self._start,
        )
        p = self.config.pricing
        prices = Prices(p.usd_per_1m_prompt_tokens, p.usd_per_1m_completion_tokens, p.usd_per_gpu_hour, p.gpus)
        total = len(self.plan.requests)
        extra = {"ray": self.config.ray.enabled, "requested": total, "already_done": self.already,
                 "generated": len(self._written), "session": self._session_id}
        record = accounting_record(read_sessions(self.store.root), session, prices, self.config.backend, extra)
        self.store.write_artifact(ACCOUNTING_FILE, record)
        run_total = Usage.from_dict(record["total"])
        summary = GenerateSummary(
            run_dir=self.store.root,
            total=total,
            already_done=self.already,
            generated=len(self._written),
            failures=self._failures,
            session=session,
            run_total=run_total,
            session_cost_usd=cost_usd(session, prices),
            run_cost_usd=cost_usd(run_total, prices),
            accounting=record,
        )
        if summary.finished:
            self.store.mark_finished({"requested": total, "errors": 0, "run_total": run_total.to_dict()})
        return summary


def run_generate(
    config: GenerateConfig,
    *,
    backend: Backend | None = None,
    on_progress: ProgressFn | None = None,
    problems: Sequence[Problem] | None = None,
) -> GenerateSummary:
    """Generate every missing sample of the configured slice into ``config.out``; returns a summary.

    ``backend`` overrides the configured one (the caller keeps ownership of it); ``problems`` replaces the
    task's own problems (see :func:`plan_run`).
    """
    with GenerateRun(config, backend=backend, on_progress=on_progress, plan=plan_run(config, problems)) as run:
        for _ in run.groups():
            pass
    assert run.summary is not None
    return run.summary


def load_problems(run_dir: str | Path) -> dict[str, Problem]:
    """The problems a generate run's samples were made for, by content hash (``provenance["problem_hash"]``)."""
    store = read_generate_run(Path(run_dir))
    return {obj["key"]: Problem.from_dict(obj["problem"]) for obj in store.iter_dicts(PROBLEMS_STREAM)}


def problems_of(run_dir: str | Path, samples: Sequence[Sample]) -> dict[str, Problem]:
    """The problems ``samples`` were made for, by problem id, in sample order (from the run's own snapshot)."""
    by_hash = load_problems(run_dir) if samples else {}
    out: dict[str, Problem] = {}
    for sample in samples:
        problem = by_hash.get(str(sample.provenance.get("problem_hash")))
        if problem is not None:
            out.setdefault(problem.id, problem)
    return out


def read_generate_run(run_dir: Path) -> RunStore:
    """The generate stage of ``run_dir``, read-only; a clear error when it is not a generate run."""
    if not RunStore.exists(run_dir, STAGE):
        raise ThinkforgeError(f"{run_dir} is not a generate run directory (no {STAGE}.run.json); run `thinkforge generate` first")
    return RunStore.read(run_dir, stage=STAGE)


def failures_of(run_dir: str | Path) -> list[dict[str, Any]]:
    """The latest failure of every request that no later session has made good (the whole history stays in the
    failures stream)."""
    store = read_generate_run(Path(run_dir))
    done = store.done_keys()
    latest = {f["unit"]: f for f in store.iter_dicts(FAILURES_STREAM) if f["unit"] not in done}
    return list(latest.values())

"""The generate stage: task problems → requests → backend → samples in the run store, resumable.

One request per (problem, sample index); its key is :func:`thinkforge.runs.unit_key` of the problem id,
index, model, sampling and prompt hash. Finished keys found in the run directory are skipped. Each group of
samples the backend returns is appended with one durable write, so a crash loses at most the work in
flight. Failed requests (``finish_reason == "error"``) are not stored: they are listed in
``generate.failures.json`` and a re-run retries them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from thinkforge.backends.base import Backend, GenerationRequest, SamplingParams, sample_seed
from thinkforge.errors import ConfigError
from thinkforge.generate.accounting import ACCOUNTING_FILE, Prices, Usage, accounting_record, cost_usd, read_sessions
from thinkforge.generate.config import (
    GenerateConfig,
    backend_spec,
    identity,
    ray_options,
    resolve_n,
    resolve_sampling,
    system_prompt_name,
)
from thinkforge.records import Problem, Sample
from thinkforge.runs import RunStore, unit_key

log = logging.getLogger(__name__)

FAILURES_FILE = "generate.failures.json"


@dataclass(frozen=True)
class Progress:
    """Where a running generation stands (sent to the progress callback after each stored group)."""

    done: int
    total: int
    session: Usage
    elapsed_s: float


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


def build_requests(
    problems: Sequence[Problem],
    *,
    model: str,
    sampling: SamplingParams,
    n: int,
    system_prompt: str,
) -> list[GenerationRequest]:
    """One request per (problem, index in 0..n-1), in problem order, each with its derived seed and key."""
    from thinkforge.tasks import render

    requests = []
    for problem in problems:
        rendered = render(problem, system_prompt)
        for index in range(n):
            key = unit_key(problem.id, index, model, sampling.to_dict(), rendered.template_hash)
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
                    provenance={"template_hash": rendered.template_hash, "system_prompt": system_prompt},
                )
            )
    return requests


def plan_run(config: GenerateConfig) -> tuple[dict[str, Any], list[GenerationRequest]]:
    """The run identity and every request of the selected slice (nothing is opened or started)."""
    from thinkforge.tasks import get_task

    if not config.task:
        raise ConfigError("no task given: pass --task NAME (see `thinkforge tasks`)")
    spec = get_task(config.task)
    sampling = resolve_sampling(config.sampling, spec.default_sampling)
    n = resolve_n(config, spec.default_sampling)
    problems = spec.load(limit=config.limit, ids=list(config.ids) if config.ids else None)
    requests = build_requests(
        problems, model=config.model, sampling=sampling, n=n, system_prompt=system_prompt_name(config)
    )
    return identity(config, sampling), requests


def make_backend(config: GenerateConfig) -> Backend:
    """The configured backend, wrapped in Ray Data when ``ray.enabled``."""
    spec = backend_spec(config)
    if config.ray.enabled:
        from thinkforge.backends.ray_data import RayBackend

        return RayBackend(spec, ray_options(config))
    return spec.build()


def run_generate(
    config: GenerateConfig,
    *,
    backend: Backend | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> GenerateSummary:
    """Generate every missing sample of the configured slice into ``config.out``; returns a summary.

    ``backend`` overrides the configured one (the caller keeps ownership of it).
    """
    if not config.out:
        raise ConfigError("no output directory given: pass --out RUN_DIR")
    run_identity, requests = plan_run(config)
    with RunStore.open(config.out, run_identity, stage="generate", overwrite=config.overwrite) as store:
        done = store.done_keys()
        todo = [r for r in requests if r.key not in done]
        already = len(requests) - len(todo)
        log.info("%d samples requested, %d already done, %d to generate", len(requests), already, len(todo))
        own_backend = backend is None and bool(todo)
        active = make_backend(config) if own_backend else backend
        start = time.perf_counter()
        session = Usage()
        failures: list[dict[str, Any]] = []
        written: set[str] = set()
        if on_progress:
            on_progress(Progress(already, len(requests), session, 0.0))
        try:
            if todo:
                assert active is not None
                for group in active.generate(todo):
                    session = session.add(group)
                    fresh = [s for s in group if s.finish_reason != "error" and s.key not in written]
                    store.append(fresh)
                    written.update(s.key for s in fresh)
                    failures.extend(_failure(s) for s in group if s.finish_reason == "error")
                    if on_progress:
                        elapsed = time.perf_counter() - start
                        on_progress(Progress(already + len(written), len(requests), session, elapsed))
        finally:
            if own_backend and active is not None:
                active.close()
            session = Usage(
                samples=session.samples,
                failed=session.failed,
                prompt_tokens=session.prompt_tokens,
                completion_tokens=session.completion_tokens,
                wall_s=time.perf_counter() - start,
            )
            summary = _finish(store, config, session, failures, len(requests), already, len(written))
    return summary


def _failure(sample: Sample) -> dict[str, Any]:
    return {
        "key": sample.key,
        "problem_id": sample.problem_id,
        "index": sample.index,
        "error": sample.provenance.get("error", ""),
    }


def _finish(
    store: RunStore,
    config: GenerateConfig,
    session: Usage,
    failures: list[dict[str, Any]],
    total: int,
    already: int,
    generated: int,
) -> GenerateSummary:
    """Write the accounting and failure artifacts and build the summary."""
    p = config.pricing
    prices = Prices(p.usd_per_1m_prompt_tokens, p.usd_per_1m_completion_tokens, p.usd_per_gpu_hour, p.gpus)
    extra = {
        "ray": config.ray.enabled,
        "requested": total,
        "already_done": already,
        "generated": generated,
    }
    record = accounting_record(read_sessions(store.root), session, prices, config.backend, extra)
    store.write_artifact(ACCOUNTING_FILE, record)
    failures_path = store.root / FAILURES_FILE
    if failures:
        store.write_artifact(FAILURES_FILE, {"failed": failures})
    else:
        failures_path.unlink(missing_ok=True)
    run_total = Usage.from_dict(record["total"])
    return GenerateSummary(
        run_dir=store.root,
        total=total,
        already_done=already,
        generated=generated,
        failures=failures,
        session=session,
        run_total=run_total,
        session_cost_usd=cost_usd(session, prices),
        run_cost_usd=cost_usd(run_total, prices),
        accounting=record,
    )

"""The curate stage: pools → clean → sample (teacher) + grade → reformat + re-grade → select → clean → export.

Every expensive step is a stage of the run store in its own sub-run, so a crash, a larger target or a larger
``k`` only does the missing work:

    RUN_DIR/curate.run.json        the recipe's identity; curate.done.json when the export is written
    RUN_DIR/pools.report.json      pools after filters, dedup and decontamination (before any teacher token)
    RUN_DIR/sample/<pool>/         generate + grade of the teacher's traces (graded while generated)
    RUN_DIR/reformat/<pool>/       generate of the rewrites (reformat.enabled), each re-checked
    RUN_DIR/export/                messages.jsonl, sharegpt.json + dataset_info.json, hf/
    RUN_DIR/card.md, card.json     the data card

The cheap steps (cleaning, selection, export, card) are recomputed from the stored records on every run and
written atomically, so a re-run after SIGKILL exports exactly what an uninterrupted run would.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ContextManager, Mapping, Sequence

from thinkforge.backends.base import Backend
from thinkforge.curate.card import CardInputs, TraceOutcome, card_data, token_lengths, write_card
from thinkforge.curate.config import CurateConfig, plan
from thinkforge.curate.decontaminate import decontaminate, load_index, problem_text, resolve_tasks
from thinkforge.curate.dedup import dedup
from thinkforge.curate.export import ExportRow, export
from thinkforge.curate.pools import PoolConfig, load_pool
from thinkforge.curate.reformat import check_rewrites, reformat_messages
from thinkforge.curate.select import Candidate, balance, select_per_problem
from thinkforge.curate.text import tokens
from thinkforge.errors import ThinkforgeError
from thinkforge.generate.config import GenerateConfig, OpenAIConfig, PricingConfig, SamplingConfig
from thinkforge.generate.stage import GenerateRun, plan_run
from thinkforge.grading.pool import Grader
from thinkforge.grading.stage import GradeConfig, GradeRun, open_grader
from thinkforge.jsonl import write_text_atomic
from thinkforge.records import Problem, Sample, Verdict
from thinkforge.runs import RunStore, StageProgress, sub_run
from thinkforge.runs.contract import ProgressFn

log = logging.getLogger(__name__)

STAGE = "curate"
STAGE_VERSION = 1


@dataclass(frozen=True)
class CurateSummary:
    """Counts after each step, the exported files and the data card."""

    run_dir: Path
    steps: list[tuple[str, dict[str, int]]]
    exported: dict[str, str]
    card: dict[str, str]
    rows: int
    errors: int


@dataclass(frozen=True)
class PoolTraces:
    """One pool's cleaned problems and its graded (and maybe rewritten) traces."""

    pool: PoolConfig
    problems: list[Problem]
    candidates: list[Candidate]
    outcomes: list[TraceOutcome]
    accounting: dict[str, Any]
    errors: int
    #: Passing traces whose answer came from an accepted place (``select.answer_sources``), before reformatting.
    accepted: int = 0


# ------------------------------------------------------------------------------------------- pools
def clean_pools(config: CurateConfig) -> tuple[dict[str, list[Problem]], dict[str, Any]]:
    """Every pool after filters, dedup (across pools, first occurrence kept) and decontamination, capped at its
    target — before a single teacher token is spent. Returns the problems by pool and the cleaning report."""
    loaded = {pc.name: load_pool(dataclasses.replace(pc, target=None)) for pc in config.pool_configs()}
    rows = [(name, p) for name, problems in loaded.items() for p in problems]
    texts = [problem_text(p) for _, p in rows]
    toks = [tokens(t) for t in texts]
    ids = [f"{name}:{p.id}" for name, p in rows]
    keep = set(range(len(rows)))
    report: dict[str, Any] = {"loaded": {n: len(v) for n, v in loaded.items()}}
    if config.clean.dedup:
        d = dedup(texts, ids, near=config.clean.near_duplicates, tokenized=toks)
        keep &= set(d.kept)
        report["dedup"] = d.to_dict()
    if config.clean.decontaminate:
        index = load_index(resolve_tasks(config.clean.against))
        c = decontaminate(texts, index, ids, tokenized=toks)
        keep &= set(c.kept)
        report["decontamination"] = c.to_dict()
    cleaned: dict[str, list[Problem]] = {name: [] for name in loaded}
    for i, (name, problem) in enumerate(rows):
        if i in keep:
            cleaned[name].append(problem)
    for pc in config.pool_configs():
        if pc.target is not None:
            cleaned[pc.name] = cleaned[pc.name][: pc.target]
        if not cleaned[pc.name]:
            raise ThinkforgeError(f"pool {pc.name} is empty after dedup and decontamination "
                                  f"({report['loaded'][pc.name]} problems before; see pools.report.json)")
    report["kept"] = {n: len(v) for n, v in cleaned.items()}
    return cleaned, report


# ------------------------------------------------------------------------------------------- configs
def teacher_config(config: CurateConfig, pool: PoolConfig, out: Path) -> GenerateConfig:
    """The generate stage of one pool's teacher traces."""
    t = config.teacher
    return GenerateConfig(
        task=pool.source, model=t.model, backend=t.backend, out=str(out), n=t.k, system_prompt=t.system_prompt,  # type: ignore[arg-type]
        overwrite=config.overwrite,
        sampling=SamplingConfig(temperature=t.temperature, top_p=t.top_p, max_tokens=t.max_tokens, seed=t.seed),
        openai=OpenAIConfig(base_url=t.base_url) if t.base_url else OpenAIConfig(),
        hf=t.hf,
        ray=config.ray.teacher(),
        pricing=PricingConfig(usd_per_1m_prompt_tokens=t.usd_per_1m_prompt_tokens,
                              usd_per_1m_completion_tokens=t.usd_per_1m_completion_tokens),
    )


def reformat_config(config: CurateConfig, pool: PoolConfig, out: Path) -> GenerateConfig:
    """The generate stage of one pool's rewrites (the reformat prompt is the problem's own messages)."""
    r = config.reformat
    return GenerateConfig(
        task=pool.source, model=r.model, backend=r.backend, out=str(out), n=1, system_prompt="none",  # type: ignore[arg-type]
        overwrite=config.overwrite,
        sampling=SamplingConfig(temperature=r.temperature, max_tokens=r.max_tokens, seed=config.teacher.seed),
        openai=OpenAIConfig(base_url=r.base_url) if r.base_url else OpenAIConfig(),
        pricing=PricingConfig(usd_per_1m_prompt_tokens=r.usd_per_1m_prompt_tokens,
                              usd_per_1m_completion_tokens=r.usd_per_1m_completion_tokens),
    )


def rewrite_problem(problem: Problem, sample: Sample) -> Problem:
    """The reformat request for one kept trace, as a problem: the same reference, Sky-T1's rewrite prompt."""
    return Problem(
        id=f"{problem.id}#{sample.index}", task=problem.task, domain=problem.domain, prompt="",
        reference=problem.reference, messages=reformat_messages(sample.text),
        meta={**problem.meta, "source_sample": sample.key, "source_problem": problem.id},
    )


# ------------------------------------------------------------------------------------------- run
def run_curate(
    config: CurateConfig,
    *,
    teacher: Backend | None = None,
    reformatter: Backend | None = None,
    on_progress: ProgressFn | None = None,
    workers: int = 1,
) -> CurateSummary:
    """Run (or resume) a curation into ``config.out``; returns counts, exported files and the card."""
    if not config.out:
        raise ThinkforgeError("no output directory given: pass --out RUN_DIR")
    cleaned, clean_report = clean_pools(config)  # every input checked before anything is written
    out = Path(config.out)
    # The sub-runs guard what their records depend on (teacher, sampling, problems); selection, cleaning and
    # export are recomputed on every run, so changing them needs no --overwrite.
    identity = {"stage_version": STAGE_VERSION, "name": config.name}
    with _ray(config), RunStore.open(out, identity, stage=STAGE, overwrite=config.overwrite) as store, \
            open_grader(workers, ray=config.ray.grading()) as grader:
        write_text_atomic(out / "pools.report.json", _json(clean_report))
        results = [
            _pool_traces(config, pc, cleaned[pc.name], out, grader, teacher, reformatter, on_progress)
            for pc in config.pool_configs()
        ]
        selected, steps, balance_report = _select(config, results)
        final, final_clean = _clean_rows(config, selected)
        steps.append(("cleaned rows", _per_pool(final)))
        rows = [_export_row(c) for c in final]
        # The card first: when nothing survives, it says why before export reports the empty set as an error.
        card = _card(config, results, steps, rows, clean_report, final_clean, balance_report, out)
        exported = export(rows, out / "export", name=config.export.name, system_prompt=config.export.system_prompt,
                          formats=config.export.formats)
        errors = sum(r.errors for r in results)
        summary = CurateSummary(out, steps, exported, card, len(rows), errors)
        if errors == 0:
            store.mark_finished({"rows": len(rows), "steps": steps})
    return summary


def _ray(config: CurateConfig) -> ContextManager[None]:
    """One Ray session for the teacher's replicas and the grading actors (so neither shuts it down under the
    other); nothing when ``ray`` is off."""
    if config.ray.cpus() == 0:
        return contextlib.nullcontext()
    from thinkforge.backends.ray_data import ray_session

    return ray_session(config.ray.address, config.ray.cpus())


def _pool_traces(config: CurateConfig, pc: PoolConfig, problems: list[Problem], out: Path, grader: Grader,
                 teacher: Backend | None, reformatter: Backend | None, on_progress: ProgressFn | None) -> PoolTraces:
    """Sample and grade (streaming) one pool's traces; reformat and re-check the passing ones."""
    gcfg = teacher_config(config, pc, sub_run(out, "sample", pc.name))
    samples, verdicts, accounting, errors = _generate_and_grade(gcfg, problems, grader, teacher,
                                                                _tagged(on_progress, f"sample {pc.name}"))
    by_id = {p.id: p for p in problems}
    accepted = set(config.select.answer_sources)
    candidates = [
        Candidate(by_id[s.problem_id], s, verdicts[s.key].passed and _source_ok(verdicts[s.key], accepted), pc.name)
        for s in samples if s.key in verdicts
    ]
    accepted_count = sum(c.passed for c in candidates)
    reasons: dict[str, str] = {}
    if config.reformat.enabled:
        candidates, reasons, r_errors = _reformat(config, pc, candidates, out, reformatter, grader,
                                                  _tagged(on_progress, f"reformat {pc.name}"))
        errors += r_errors
    outcomes = [
        TraceOutcome(pc.name, by_id[s.problem_id].domain, str(by_id[s.problem_id].meta.get("difficulty")
                     or by_id[s.problem_id].meta.get("level") or "-"), verdicts[s.key].status, reasons.get(s.key))
        for s in samples if s.key in verdicts
    ]
    return PoolTraces(pc, problems, candidates, outcomes, accounting, errors, accepted_count)


def _source_ok(verdict: Verdict, accepted: set[str]) -> bool:
    """The answer was read from an accepted place (``select.answer_sources``; empty: anywhere)."""
    return not accepted or verdict.detail.get("source") in accepted


def _generate_and_grade(gcfg: GenerateConfig, problems: Sequence[Problem], grader: Grader, backend: Backend | None,
                        on_progress: ProgressFn | None) -> tuple[list[Sample], dict[str, Verdict], dict[str, Any], int]:
    """One generate run over ``problems``, graded while it generates; truncated traces never pass."""
    plan_ = plan_run(gcfg, problems)
    with GenerateRun(gcfg, backend=backend, plan=plan_, on_progress=on_progress) as gen:
        with GradeRun(GradeConfig(run_dir=gcfg.out, overwrite=gcfg.overwrite), grader=grader) as grade:
            grade.feed(gen.stored())
            for group in gen.groups():
                grade.feed(group)
            samples = gen.samples()
            graded = grade.finish(samples)
    assert gen.summary is not None
    return samples, graded.verdicts, dict(gen.summary.accounting.get("total", {})), gen.summary.errors + graded.errors


def _reformat(config: CurateConfig, pc: PoolConfig, candidates: list[Candidate], out: Path, backend: Backend | None,
              grader: Grader, on_progress: ProgressFn | None) -> tuple[list[Candidate], dict[str, str], int]:
    """Rewrite every passing trace; keep a rewrite only when its markers are there and it grades as before (the
    rewrites are graded on the run's grader: the local pool or Ray grading actors)."""
    passing = [c for c in candidates if c.passed]
    if not passing:
        return candidates, {}, 0
    rewrites = [rewrite_problem(c.problem, c.sample) for c in passing]
    rcfg = reformat_config(config, pc, sub_run(out, "reformat", pc.name))
    with GenerateRun(rcfg, backend=backend, plan=plan_run(rcfg, rewrites), on_progress=on_progress) as gen:
        for _ in gen.groups():
            pass
        texts = {s.problem_id: s for s in gen.samples()}
    assert gen.summary is not None
    reasons: dict[str, str] = {}
    kept: list[Candidate] = [c for c in candidates if not c.passed]
    written = []
    for cand, problem in zip(passing, rewrites):
        rewrite = texts.get(problem.id)
        if rewrite is None:  # the request failed for good this session: counted as an error, retried next run
            reasons[cand.sample.key] = "empty"
        else:
            written.append((cand, dataclasses.replace(rewrite, problem_id=cand.problem.id)))
    checks = check_rewrites([(cand.problem, rewrite) for cand, rewrite in written], grader)
    for (cand, rewrite), check in zip(written, checks, strict=True):
        reasons[cand.sample.key] = check.reason
        kept.append(dataclasses.replace(cand, text=rewrite.text, passed=check.kept))
    log.info("reformat %s: %s", pc.name, dict(Counter(reasons.values())))
    return kept, reasons, gen.summary.errors


def _select(config: CurateConfig, results: Sequence[PoolTraces]) -> tuple[list[Candidate], list[tuple[str, dict[str, int]]], Any]:
    steps: list[tuple[str, dict[str, int]]] = [
        ("problems after cleaning", {r.pool.name: len(r.problems) for r in results}),
        ("traces sampled", {r.pool.name: len(r.outcomes) for r in results}),
        ("traces passed grading", {r.pool.name: sum(o.status == "pass" for o in r.outcomes) for r in results}),
    ]
    if config.select.answer_sources:
        steps.append((f"answer read from {'/'.join(config.select.answer_sources)}",
                      {r.pool.name: r.accepted for r in results}))
    if config.reformat.enabled:
        steps.append(("rewrites kept", {r.pool.name: sum(o.reformat == "kept" for o in r.outcomes) for r in results}))
    chosen = [c for r in results for c in select_per_problem(r.candidates, config.select.policy, config.select.max_per_problem)]
    steps.append((f"selected ({config.select.policy})", _per_pool(chosen)))
    balanced, report = balance(chosen, config.select.targets, config.select.balance, config.select.seed)
    steps.append((f"balanced ({config.select.balance})", _per_pool(balanced)))
    return balanced, steps, report


def _clean_rows(config: CurateConfig, rows: list[Candidate]) -> tuple[list[Candidate], dict[str, Any]]:
    """Dedup and decontaminate the final rows' prompts again (a pool cleaned before sampling stays clean; a trace
    set assembled from several runs or pools may not be)."""
    if not rows:
        return rows, {}
    texts = [problem_text(c.problem) for c in rows]
    toks = [tokens(t) for t in texts]
    ids = [f"{c.pool}:{c.problem.id}#{c.sample.index}" for c in rows]
    keep = set(range(len(rows)))
    report: dict[str, Any] = {}
    if config.clean.decontaminate:
        c = decontaminate(texts, load_index(resolve_tasks(config.clean.against)), ids, tokenized=toks)
        keep &= set(c.kept)
        report["decontamination"] = c.to_dict()
    return [r for i, r in enumerate(rows) if i in keep], report


def _export_row(c: Candidate) -> ExportRow:
    user = next((m["content"] for m in reversed(c.sample.messages) if m.get("role") == "user"), c.problem.prompt)
    return ExportRow(id=f"{c.problem.id}#{c.sample.index}", task=c.problem.task, pool=c.pool, domain=c.problem.domain,
                     user=str(user), assistant=c.final_text)


def _per_pool(rows: Sequence[Candidate]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in rows:
        counts[c.pool] = counts.get(c.pool, 0) + 1
    return counts


def _card(config: CurateConfig, results: Sequence[PoolTraces], steps: list[tuple[str, dict[str, int]]],
          rows: Sequence[ExportRow], clean_report: Mapping[str, Any], final_clean: Mapping[str, Any],
          balance_report: Any, out: Path) -> dict[str, str]:
    lengths: list[int] = []
    tokenizer_name = ""
    if rows and config.teacher.backend != "openai":
        from transformers import AutoTokenizer

        from thinkforge.models import resolve

        tokenizer_name = config.teacher.model
        tokenizer = AutoTokenizer.from_pretrained(resolve(config.teacher.model))
        lengths = token_lengths([r.assistant for r in rows], tokenizer)
    accounting = {r.pool.name: r.accounting for r in results}
    inputs = CardInputs(
        name=config.name, steps=[("problems loaded", dict(clean_report.get("loaded", {}))), *steps],
        outcomes=[o for r in results for o in r.outcomes], lengths=lengths, tokenizer=tokenizer_name,
        decontamination={"pools": _summary(clean_report.get("decontamination")),
                         "rows": _summary(final_clean.get("decontamination"))},
        dedup=_summary(clean_report.get("dedup")), accounting=accounting,
    )
    data = card_data(inputs)
    data["balance"] = getattr(balance_report, "groups", {})
    return write_card(data, out, lengths)


def _summary(report: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (report or {}).items() if k != "rows_dropped"}


def _tagged(on_progress: ProgressFn | None, label: str) -> ProgressFn | None:
    if on_progress is None:
        return None
    return lambda p: on_progress(StageProgress(label, p.done, p.total, p.info))


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj, indent=1, ensure_ascii=False, default=str) + "\n"


__all__ = ["CurateSummary", "clean_pools", "plan", "rewrite_problem", "run_curate"]

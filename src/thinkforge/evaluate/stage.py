"""The eval stage: for each task a generate + grade sub-run (``RUN_DIR/<task>/``), graded while it generates,
then metrics into ``results.json`` and ``report.md``.

It reuses the two stages as they are: :class:`GenerateRun` hands each stored group of samples to a
:class:`GradeRun` that shares one warm :class:`Grader` (and one backend: the model is loaded once for all
tasks). Every task is planned — and every input validated — before anything is written. ``rescore`` regrades
the stored samples of an eval with today's graders, keeps the old verdicts and results, and reports what moved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from thinkforge import __version__
from thinkforge.backends.base import Backend, GenerationRequest
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.evaluate.config import EvalConfig, TaskEval, generate_config, task_evals
from thinkforge.evaluate.results import RESULTS_FILE, read_results, results_document, task_results, write_results
from thinkforge.generate.config import GenerateConfig
from thinkforge.generate.stage import GeneratePlan, GenerateRun, make_backend, plan_run, problems_of, read_generate_run
from thinkforge.grading.pool import Grader
from thinkforge.grading.stage import STAGE as GRADE_STAGE
from thinkforge.grading.stage import GradeConfig, GradeRun, graders, load_verdicts, run_grade
from thinkforge.records import Problem, Sample, Verdict
from thinkforge.runs import RunStore, StageProgress, stable_hash, sub_run
from thinkforge.runs.contract import ProgressFn
from thinkforge.jsonl import write_text_atomic as atomic_write_text

log = logging.getLogger(__name__)

STAGE = "eval"
STAGE_VERSION = 1
REPORT_FILE = "report.md"


@dataclass(frozen=True)
class TaskPlan:
    """One task of an eval: its sub-run's generate config and plan, and the recipe's settings."""

    label: str
    generate: GenerateConfig
    plan: GeneratePlan
    settings: TaskEval


@dataclass(frozen=True)
class EvalSummary:
    """Where the results are, and the document written there."""

    run_dir: Path
    results: dict[str, Any]
    errors: int
    generated: int


class _SharedBackend:
    """One backend for every task of an eval, started only when some task has work (a resumed eval loads nothing)."""

    name = "shared"

    def __init__(self, config: GenerateConfig) -> None:
        self._config = config
        self._backend: Backend | None = None

    def generate(self, requests: Sequence[GenerationRequest]) -> Iterator[list[Sample]]:
        if self._backend is None:
            self._backend = make_backend(self._config)
        return self._backend.generate(requests)

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()


def plan_eval(config: EvalConfig) -> list[TaskPlan]:
    """Plan every task (loads problems, resolves sampling, checks ``ks``) without writing anything."""
    from thinkforge.tasks import get_task

    if not config.out:
        raise ConfigError("no output directory given: pass --out RUN_DIR")
    plans = []
    for task, settings in task_evals(config).items():
        label = get_task(task).name
        gcfg = generate_config(config, task, label, settings)
        plan = plan_run(gcfg)
        if config.ks and max(config.ks) > plan.n:
            raise ConfigError(f"--ks {max(config.ks)} is larger than n={plan.n} samples per problem of task {label}: "
                              f"pass@k needs k <= n (raise --n or drop that k)")
        if any(k < 1 for k in config.ks or ()):
            raise ConfigError(f"--ks values must be >= 1, got {list(config.ks or ())}")
        plans.append(TaskPlan(label, gcfg, plan, settings))
    labels = [p.label for p in plans]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"two tasks share a name: {labels}")
    return plans


def _eval_identity(config: EvalConfig, plans: Sequence[TaskPlan]) -> dict[str, Any]:
    first = plans[0].plan.identity
    return {"stage_version": STAGE_VERSION, "model": first["model"], "backend": config.backend}


def run_eval(config: EvalConfig, *, on_progress: ProgressFn | None = None,
             backend: Backend | None = None) -> EvalSummary:
    """Generate and grade every task's missing samples, then write results.json and report.md."""
    plans = plan_eval(config)
    out = Path(config.out)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    shared = backend or _SharedBackend(plans[0].generate)
    entries: dict[str, dict[str, Any]] = {}
    errors = generated = 0
    with RunStore.open(out, _eval_identity(config, plans), stage=STAGE, overwrite=config.overwrite,
                       sources={"tasks": [p.plan.sources for p in plans]}) as store, \
            Grader(workers=config.workers) as grader:
        try:
            for tp in plans:
                entry, gen_summary_errors, new = _eval_task(tp, config, shared, grader, started, on_progress)
                entries[tp.label] = entry
                errors += gen_summary_errors
                generated += new
                _write(out, entries, config, plans)
        finally:
            if backend is None:
                shared.close()
        doc = _write(out, entries, config, plans)
        _write_html(out)
        if errors == 0:
            store.mark_finished({"tasks": list(entries), "generated": generated})
    return EvalSummary(out, doc, errors, generated)


def _eval_task(tp: TaskPlan, config: EvalConfig, backend: Any, grader: Grader, started: str,
               on_progress: ProgressFn | None) -> tuple[dict[str, Any], int, int]:
    """Generate and grade one task (grading overlaps generation); its results.json entry."""
    def gen_progress(p: StageProgress) -> None:
        if on_progress:
            on_progress(StageProgress(f"{tp.label}", p.done, p.total, p.info))

    with GenerateRun(tp.generate, backend=backend, plan=tp.plan, on_progress=gen_progress) as gen:
        by_hash = {str(r.provenance["problem_hash"]): p for r, p in _request_problems(tp.plan)}
        with GradeRun(GradeConfig(run_dir=tp.generate.out, workers=config.workers, overwrite=config.overwrite),
                      problems=by_hash, grader=grader) as grade:
            grade.feed(gen.stored())
            for group in gen.groups():
                grade.feed(group)
            samples = gen.samples()
            graded = grade.finish(samples)
    summary = gen.summary
    assert summary is not None
    verdicts = [graded.verdicts[s.key] for s in samples if s.key in graded.verdicts]
    entry = task_results(
        tp.label, tp.plan.problems, samples, verdicts, ks=config.ks,
        reference=tp.settings.reference,
        provenance=_provenance(tp, config, started, samples),
        accounting=summary.accounting.get("total"),
    )
    return entry, summary.errors + graded.errors, summary.generated


def _request_problems(plan: GeneratePlan) -> Iterator[tuple[GenerationRequest, Problem]]:
    by_id = {p.id: p for p in plan.problems}
    for request in plan.requests:
        yield request, by_id[request.problem_id]


def _file_sha256(path: str) -> str | None:
    p = Path(path)
    if not p.is_file():
        return None
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _provenance(tp: TaskPlan, config: EvalConfig, started: str, samples: Sequence[Sample]) -> dict[str, Any]:
    """Everything needed to reproduce the task's numbers, recorded with them."""
    from thinkforge.tasks import system_prompt_text

    ident, sources = tp.plan.identity, tp.plan.sources
    system = ident.get("system_prompt")
    section = getattr(config, config.backend)
    template_hashes = sorted({str(s.provenance.get("template_hash")) for s in samples})
    return {
        "model": config.model,
        "model_identity": ident["model"],
        "backend": config.backend,
        "backend_options": dataclasses.asdict(section),
        "template": ident["task"].get("template"),
        "template_hash": template_hashes[0] if len(template_hashes) == 1 else template_hashes,
        "system_prompt": system,
        "system_prompt_hash": stable_hash(system_prompt_text(system) or ""),
        "sampling": tp.plan.sampling.to_dict(),
        "seed": tp.plan.sampling.seed,
        "n": tp.plan.n,
        "graders": graders(),
        "thinkforge_version": __version__,
        "dataset": {"source": sources.get("data"), "task_file": sources.get("task_file"),
                    "file_sha256": _file_sha256(str(sources.get("data"))), "problems_hash": ident["task"]["problems"]},
        "n_problems": len(tp.plan.problems),
        "run_dir": str(Path(tp.generate.out).resolve()),
        "generate_run": RunStore.read(tp.generate.out, stage="generate").run_id,
        "started": started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _run_info(config: EvalConfig, plans: Sequence[TaskPlan]) -> dict[str, Any]:
    return {"model": config.model, "backend": config.backend, "model_identity": plans[0].plan.identity["model"],
            "system_prompt": config.system_prompt, "tasks": [p.label for p in plans],
            "out": str(Path(config.out).resolve())}


def _write(out: Path, entries: Mapping[str, Any], config: EvalConfig, plans: Sequence[TaskPlan]) -> dict[str, Any]:
    """results.json and report.md (written after every task, so an interrupted eval leaves what it finished)."""
    from thinkforge.evaluate.render import results_markdown

    doc = results_document(entries, _run_info(config, plans))
    write_results(out / RESULTS_FILE, doc)
    atomic_write_text(out / REPORT_FILE, results_markdown(doc))
    return doc


def _write_html(out: Path) -> None:
    """The offline HTML report beside results.json (a failure to draw it never loses the eval's results)."""
    from thinkforge.defaults import REPORT
    from thinkforge.report import write_report

    try:
        write_report([out], out / REPORT.html_file)
    except Exception as exc:  # noqa: BLE001 - the results are written; the report is a view of them
        log.warning("could not write %s: %s (results.json and report.md are complete)", out / REPORT.html_file, exc)


# ---------------------------------------------------------------------------------------------- rescore
@dataclass(frozen=True)
class RescoreSummary:
    """What regrading an eval with today's graders changed."""

    run_dir: Path
    before: dict[str, Any]
    after: dict[str, Any]
    comparison: dict[str, Any]
    archive: Path


def _new_archive(parent: Path, stamp: str) -> Path:
    """A new folder ``parent/stamp`` (``stamp-2``, ``-3``, … when rescores fall within the same second)."""
    parent.mkdir(parents=True, exist_ok=True)
    path, attempt = parent / stamp, 1
    while True:
        try:
            path.mkdir()
            return path
        except FileExistsError:
            attempt += 1
            path = parent / f"{stamp}-{attempt}"


def rescore(run_dir: str | Path, *, workers: int = 1) -> RescoreSummary:
    """Regrade every task of an eval run (no generation); old verdicts and results are kept in ``previous/``."""
    from thinkforge.evaluate.compare import compare_results

    root = Path(run_dir)
    if not RunStore.exists(root, STAGE):
        raise ThinkforgeError(f"{root}: not an eval run directory (no {STAGE}.run.json); run `thinkforge eval --out {root}` first")
    before = read_results(root)
    archive = _new_archive(root / "previous", time.strftime("%Y%m%dT%H%M%S"))
    shutil.copy2(root / RESULTS_FILE, archive / RESULTS_FILE)
    entries = {}
    for label, old in before["tasks"].items():
        sub = sub_run(root, label)
        read_generate_run(sub)
        _archive_grades(sub, archive / label)
        summary = run_grade(GradeConfig(run_dir=str(sub), workers=workers))
        samples = _eval_samples(sub, old)
        problems = list(problems_of(sub, samples).values())
        verdicts = [summary.verdicts[s.key] for s in samples if s.key in summary.verdicts]
        provenance = {**old.get("provenance", {}), "graders": graders(), "thinkforge_version": __version__,
                      "rescored": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        ks = [int(k.split("@")[1]) for k in old.get("metrics", {}) if k.startswith("pass@")]
        entries[label] = task_results(label, problems, samples, verdicts, ks=ks or None,
                                      reference=old.get("reference"), provenance=provenance,
                                      accounting=old.get("accounting"))
    after = results_document(entries, {**before.get("run", {}), "rescored_from": str(archive)})
    write_results(root / RESULTS_FILE, after)
    from thinkforge.evaluate.render import results_markdown

    atomic_write_text(root / REPORT_FILE, results_markdown(after))
    _write_html(root)
    return RescoreSummary(root, before, after, compare_results(before, after), archive)


def _archive_grades(sub: Path, dest: Path) -> None:
    """Move a sub-run's grade stage (verdicts, run file, marker) aside, so it is graded afresh and kept."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in [*sub.glob(f"{GRADE_STAGE}.*"), *sub.glob(f"{GRADE_STAGE}-*.jsonl")]:
        shutil.move(str(path), dest / path.name)


def _eval_samples(sub: Path, old_entry: Mapping[str, Any]) -> list[Sample]:
    """The samples the eval scored: per problem, indices below the n it had."""
    per_problem = old_entry.get("per_problem", {})
    samples = read_generate_run(sub).records(Sample)
    return [s for s in samples if s.problem_id in per_problem and s.index < int(per_problem[s.problem_id]["n"])]


__all__ = ["EvalConfig", "EvalSummary", "RescoreSummary", "load_verdicts", "plan_eval", "rescore", "run_eval"]

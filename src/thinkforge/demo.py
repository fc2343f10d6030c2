"""The offline demo: the default model answers a few GSM8K questions, which are then graded.

It goes through the same path as a real run — ``generate`` (hf backend, resumable run directory) then
``grade`` — so a second run finds everything done and only prints the table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from thinkforge.defaults import DEMO, DemoDefaults
from thinkforge.errors import ConfigError
from thinkforge.generate import GenerateConfig, GenerateSummary, run_generate
from thinkforge.generate.config import SamplingConfig
from thinkforge.grading.stage import GradeConfig, GradeSummary, load_verdicts, run_grade
from thinkforge.records import Sample
from thinkforge.runs import RunStore, StageProgress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoRow:
    """One line of the demo's table."""

    problem_id: str
    question: str
    gold: str
    answer: str | None
    status: str
    correct: bool


@dataclass(frozen=True)
class DemoResult:
    rows: list[DemoRow]
    generate: GenerateSummary
    grade: GradeSummary


def demo_config(settings: DemoDefaults = DEMO, out: str | None = None) -> GenerateConfig:
    """The generate recipe of the demo: greedy, a chat prompt asking for ``\\boxed{}``."""
    base = GenerateConfig()
    return replace(
        base,
        task=settings.task,
        model=settings.model,
        backend="hf",
        out=out or settings.out,
        n=1,
        limit=settings.n_questions,
        system_prompt="none",
        sampling=SamplingConfig(temperature=0.0, max_tokens=settings.max_new_tokens, seed=0),
        hf=replace(base.hf, batch_size=settings.batch_size),
    )


def run_demo(
    settings: DemoDefaults = DEMO,
    out: str | None = None,
    on_progress: Callable[[StageProgress], None] | None = None,
) -> DemoResult:
    """Generate (or resume) the demo's samples, grade them, and return the table's rows."""
    from thinkforge.tasks import get_task

    config = demo_config(settings, out)
    try:
        gen = run_generate(config, on_progress=on_progress)
    except ConfigError:  # a demo run dir from another thinkforge version: the demo is disposable, start fresh
        log.info("the demo's settings changed since %s was written; starting it afresh", config.out)
        config = replace(config, overwrite=True)
        gen = run_generate(config, on_progress=on_progress)
    graded = run_grade(GradeConfig(run_dir=config.out, overwrite=config.overwrite))
    problems = {p.id: p for p in get_task(settings.task).load(limit=settings.n_questions)}
    samples = RunStore.read(Path(config.out), stage="generate").records(Sample)
    samples = [s for s in samples if s.key in set(graded.verdicts)]
    verdicts = load_verdicts(config.out)
    rows = []
    for sample in sorted(samples, key=lambda s: list(problems).index(s.problem_id) if s.problem_id in problems else 1e9):
        if sample.problem_id not in problems:
            continue
        problem = problems[sample.problem_id]
        verdict = verdicts[sample.key]
        question = str(problem.meta.get("question") or problem.prompt).replace("\n", " ")
        rows.append(
            DemoRow(
                problem_id=problem.id,
                question=question[: settings.question_chars] + ("…" if len(question) > settings.question_chars else ""),
                gold=str(problem.reference["answer"]),
                answer=verdict.extracted,
                status=verdict.status,
                correct=verdict.passed,
            )
        )
    return DemoResult(rows=rows, generate=gen, grade=graded)

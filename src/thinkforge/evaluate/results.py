"""One task's entry of results.json from its problems, samples and verdicts; the document and its file."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from thinkforge import __version__
from thinkforge.defaults import EVAL, EvalDefaults
from thinkforge.errors import ThinkforgeError, ValidationError
from thinkforge.evaluate import metrics as m
from thinkforge.jsonl import write_text_atomic
from thinkforge.records import STATUSES, Problem, Sample, Verdict

log = logging.getLogger(__name__)

#: File name of an eval run's metrics, in the run directory.
RESULTS_FILE = "results.json"
#: ``format`` marker of a results document (bumped when the schema changes incompatibly).
RESULTS_FORMAT = "thinkforge.results/1"


@dataclass(frozen=True)
class Graded:
    """One sample with its verdict, as metrics need it."""

    index: int
    passed: bool
    status: str
    extracted: str | None
    #: Where the grader read the answer (``boxed``, ``phrase``, ``last_number`` …; None without an answer).
    source: str | None = None


#: Statuses of a sample without a gradable answer (its format failed, whatever its content).
UNANSWERED: frozenset[str] = frozenset({"no_answer", "truncated"})


def format_counts(graded: Sequence[Graded]) -> dict[str, int]:
    """Per problem, how many samples gave an answer, gave it in ``\\boxed{}``, or were cut off (format metrics)."""
    return {
        "answered": sum(1 for g in graded if g.status not in UNANSWERED),
        "boxed": sum(1 for g in graded if g.source == "boxed"),
        "truncated": sum(1 for g in graded if g.status == "truncated"),
    }


def _join(
    problems: Sequence[Problem], samples: Sequence[Sample], verdicts: Sequence[Verdict]
) -> tuple[dict[str, list[Graded]], list[str]]:
    """Graded samples per problem id (sorted by index), and what is missing (see docs/evaluation.md)."""
    by_key = {v.sample_key: v for v in verdicts}  # a later verdict of the same sample wins
    known = {p.id for p in problems}
    graded: dict[str, list[Graded]] = {p.id: [] for p in problems}
    missing: list[str] = []
    sampled: set[str] = set()
    stray = 0
    for s in sorted(samples, key=lambda s: (s.problem_id, s.index)):
        if s.problem_id not in known:
            stray += 1
            continue
        sampled.add(s.problem_id)
        v = by_key.get(s.key)
        if v is None:
            missing.append(f"{s.problem_id}#{s.index}")
            continue
        source = v.detail.get("source") if v.extracted is not None else None
        graded[s.problem_id].append(Graded(s.index, v.passed, v.status, v.extracted, source))
    if stray:
        log.warning("%d samples belong to no problem of this task; they are left out", stray)
    missing.extend(pid for pid in sorted(known - sampled))
    return {pid: g for pid, g in sorted(graded.items()) if g}, missing


def _ks(requested: Sequence[int] | None, n_min: int) -> list[int]:
    if requested is None:
        return m.default_ks(n_min)
    ks = sorted(set(requested))
    for k in ks:
        if k < 1:
            raise ValidationError(f"k must be >= 1, got {k}", field="ks")
        if k > n_min:
            raise ValidationError(f"pass@{k} needs {k} graded samples per problem, but a problem has n={n_min}", field="ks")
    return ks


def task_metrics(
    graded: Mapping[str, Sequence[Graded]],
    domain: str,
    ks: Sequence[int] | None,
    options: m.IntervalOptions,
    answer_key: m.AnswerKey = m.strip_key,
) -> dict[str, dict[str, Any]]:
    """accuracy (avg@n), pass@k and maj@k (n > 1, not code), each with stderr and interval, over ``graded``."""
    if not graded:
        return {"accuracy": m.Estimate(None).to_dict()}
    passed = [[g.passed for g in gs] for gs in graded.values()]
    counts = [len(p) for p in passed]
    means = [m.problem_mean(p) for p in passed]
    out = {"accuracy": m.estimate(means, options).to_dict()}
    for k in sorted({1, *_ks(ks, min(counts))}):
        values = [m.pass_at_k(len(p), sum(p), k) for p in passed]
        out[f"pass@{k}"] = m.estimate(values, options).to_dict()
    n = max(counts)
    if n > 1 and domain != "code":
        votes = [
            float(m.maj_at_k([g.extracted for g in gs], [g.passed for g in gs], n, answer_key)) for gs in graded.values()
        ]
        out[f"maj@{n}"] = m.estimate(votes, options).to_dict()
    return out


def _subsets(
    problems: Sequence[Problem], graded: Mapping[str, Sequence[Graded]], options: m.IntervalOptions, defaults: EvalDefaults
) -> dict[str, dict[str, Any]]:
    metas = {p.id: p.meta for p in problems if p.id in graded}
    groups = m.subset_groups(metas, defaults.subset_keys, defaults.max_subset_values)
    out: dict[str, dict[str, Any]] = {}
    for key, by_value in groups.items():
        out[key] = {}
        for value, pids in by_value.items():
            means = [m.problem_mean([g.passed for g in graded[pid]]) for pid in pids]
            out[key][value] = {"n_problems": len(pids), "accuracy": m.estimate(means, options).to_dict()}
    return out


def _tokens(samples: Sequence[Sample], verdicts: Sequence[Verdict], known: set[str]) -> dict[str, Any]:
    by_key = {v.sample_key: v for v in verdicts}
    rows = []
    for s in sorted(samples, key=lambda s: (s.problem_id, s.index)):
        if s.problem_id not in known:
            continue
        v = by_key.get(s.key)
        truncated = s.finish_reason == "length" or (v is not None and v.status == "truncated")
        rows.append(m.TokenRow(s.completion_tokens, s.prompt_tokens, truncated, v.passed if v is not None else None))
    return m.token_stats(rows)


def task_results(
    task: str,
    problems: Sequence[Problem],
    samples: Sequence[Sample],
    verdicts: Sequence[Verdict],
    *,
    ks: Sequence[int] | None = None,
    reference: Mapping[str, Any] | None = None,
    provenance: Mapping[str, Any] | None = None,
    accounting: Mapping[str, Any] | None = None,
    options: m.IntervalOptions | None = None,
    defaults: EvalDefaults = EVAL,
    answer_key: m.AnswerKey = m.strip_key,
) -> dict[str, Any]:
    """One task's entry of results.json (schema in docs/evaluation.md); deterministic in its inputs.

    Samples without a verdict are listed under ``missing`` and left out of every metric; ``ks`` beyond the
    smallest graded n of a problem raise :class:`ValidationError`.
    """
    if not problems:
        raise ValidationError(f"task {task!r} has no problems to score", field="problems")
    options = options or m.IntervalOptions()
    graded, missing = _join(problems, samples, verdicts)
    statuses = [g.status for gs in graded.values() for g in gs]
    return {
        "task": task,
        "domain": problems[0].domain,
        "n_problems": len(graded),
        "n_samples": len(statuses),
        "n": max((len(gs) for gs in graded.values()), default=0),
        "metrics": task_metrics(graded, problems[0].domain, ks, options, answer_key),
        "subsets": _subsets(problems, graded, options, defaults),
        "status_counts": m.status_counts(statuses, STATUSES),
        "tokens": _tokens(samples, verdicts, {p.id for p in problems}),
        "per_problem": {pid: {"n": len(gs), "passed": sum(1 for g in gs if g.passed), **format_counts(gs)}
                        for pid, gs in graded.items()},
        "reference": dict(reference) if reference is not None else None,
        "provenance": dict(provenance or {}),
        "accounting": dict(accounting) if accounting is not None else None,
        "intervals": {"method": options.method, "level": options.level, "resamples": options.resamples, "seed": options.seed},
        "missing": missing,
    }


def results_document(
    tasks: Mapping[str, Mapping[str, Any]], run_info: Mapping[str, Any], *, created: str | None = None
) -> dict[str, Any]:
    """The whole results.json: format marker, thinkforge version, creation time, the run, every task."""
    return {
        "format": RESULTS_FORMAT,
        "thinkforge_version": __version__,
        "created": created or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "run": dict(run_info),
        "tasks": {name: dict(entry) for name, entry in tasks.items()},
    }


def write_results(path: str | Path, doc: Mapping[str, Any]) -> Path:
    """Write a results document atomically (``path`` may be the run directory)."""
    path = Path(path)
    if path.is_dir():
        path = path / RESULTS_FILE
    return write_text_atomic(path, json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n")


def read_results(path: str | Path) -> dict[str, Any]:
    """Read results.json from a file or an eval run directory; a clear error when it is not one."""
    path = Path(path)
    file = path / RESULTS_FILE if path.is_dir() else path
    if not file.is_file():
        where = "no such directory" if not path.exists() else f"no {RESULTS_FILE}"
        raise ThinkforgeError(
            f"{path}: {where}; not a finished eval run (run 'thinkforge eval ... --out {path}' first)"
        )
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON ({exc.msg})", path=file, line=exc.lineno) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tasks"), dict) or "thinkforge_version" not in doc:
        raise ValidationError("not a thinkforge results document (expected 'thinkforge_version' and 'tasks')", path=file)
    return doc

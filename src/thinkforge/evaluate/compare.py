"""Compare two eval runs task by task: paired difference over shared problems, its interval, what flipped."""

from __future__ import annotations

from typing import Any, Mapping

from thinkforge.defaults import EVAL, EvalDefaults
from thinkforge.evaluate import metrics as m

#: A difference of shares lies in [-1, 1].
_DIFF_BOUNDS = (-1.0, 1.0)


#: Per-problem format counts (results.json ``per_problem``) compared like accuracy when both runs have them.
FORMAT_METRICS: tuple[str, ...] = ("answered", "boxed", "truncated")


def problem_means(per_problem: Mapping[str, Mapping[str, int]], count: str = "passed") -> dict[str, float]:
    """Each problem's share of samples counted under ``count`` (``passed`` by default), from a results entry's
    ``per_problem``; problems with n = 0 or without that count (an older results file) are left out."""
    return {pid: row[count] / row["n"] for pid, row in per_problem.items() if row.get("n", 0) > 0 and count in row}


def flipped(a: float, b: float, threshold: float) -> bool:
    """A problem flipped when it went all-fail ↔ some-pass, or its mean moved by at least ``threshold``."""
    return (a == 0.0) != (b == 0.0) or abs(b - a) >= threshold


def paired_bootstrap_ci(
    diffs: list[float], *, resamples: int, seed: int, level: float
) -> tuple[float, float]:
    """Percentile interval of the mean difference, resampling problems (both runs' values move together)."""
    return m.bootstrap_ci(diffs, resamples=resamples, seed=seed, level=level, bounds=_DIFF_BOUNDS)


def metric_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, dict[str, float | None]]:
    """Each metric both entries report, with its value in a and b and the change b − a (all problems, unpaired)."""
    out = {}
    for name, est_a in a.get("metrics", {}).items():
        est_b = b.get("metrics", {}).get(name)
        if est_b is None:
            continue
        va, vb = est_a["value"], est_b["value"]
        out[name] = {"a": va, "b": vb, "diff": vb - va if va is not None and vb is not None else None}
    return out


def paired_difference(
    mean_a: Mapping[str, float], mean_b: Mapping[str, float], *, resamples: int, seed: int, level: float
) -> dict[str, Any]:
    """b − a over the problems both have: the mean difference, its clustered stderr, a paired bootstrap interval
    (significant when it excludes 0) and the normal-approximation interval beside it."""
    shared = sorted(set(mean_a) & set(mean_b))
    diffs = [mean_b[p] - mean_a[p] for p in shared]
    diff = m.mean(diffs)
    stderr = m.clustered_stderr(diffs)
    normal = m.normal_ci(diff, stderr, level, _DIFF_BOUNDS) if diff is not None and stderr is not None else None
    boot = paired_bootstrap_ci(diffs, resamples=resamples, seed=seed, level=level) if len(diffs) >= 2 else None
    return {
        "n_shared": len(shared),
        "a": m.mean(mean_a[p] for p in shared),
        "b": m.mean(mean_b[p] for p in shared),
        "diff": diff,
        "stderr": stderr,
        "ci95": list(boot) if boot is not None else None,
        "ci95_normal": list(normal) if normal is not None else None,
        "significant": boot is not None and (boot[0] > 0.0 or boot[1] < 0.0),
    }


def compare_task(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    resamples: int,
    seed: int,
    level: float = EVAL.ci_level,
    threshold: float = EVAL.flip_threshold,
) -> dict[str, Any]:
    """Paired comparison of one task's entries (b − a) over the problems both contain: accuracy (pass share)
    first, then the format metrics (``format``: share answered, boxed, cut off) where both runs record them."""
    mean_a, mean_b = problem_means(a["per_problem"]), problem_means(b["per_problem"])
    shared = sorted(set(mean_a) & set(mean_b))
    diffs = [mean_b[p] - mean_a[p] for p in shared]
    flips = [p for p in shared if flipped(mean_a[p], mean_b[p], threshold)]
    paired = dict(resamples=resamples, seed=seed, level=level)
    formats = {}
    for count in FORMAT_METRICS:
        fa, fb = problem_means(a["per_problem"], count), problem_means(b["per_problem"], count)
        if fa and fb:
            formats[count] = paired_difference(fa, fb, **paired)
    return {
        **paired_difference(mean_a, mean_b, **paired),
        "only_a": len(set(mean_a) - set(mean_b)),
        "only_b": len(set(mean_b) - set(mean_a)),
        "improved": sum(1 for d in diffs if d > 0),
        "worsened": sum(1 for d in diffs if d < 0),
        "unchanged": sum(1 for d in diffs if d == 0),
        "flipped_to_pass": [p for p in flips if mean_b[p] > mean_a[p]],
        "flipped_to_fail": [p for p in flips if mean_b[p] < mean_a[p]],
        "metrics": metric_changes(a, b),
        "format": formats,
    }


def compare_results(
    doc_a: Mapping[str, Any],
    doc_b: Mapping[str, Any],
    *,
    resamples: int = EVAL.bootstrap_resamples,
    seed: int = EVAL.bootstrap_seed,
    defaults: EvalDefaults = EVAL,
) -> dict[str, Any]:
    """Compare every task present in both results documents (b − a); tasks in one only are listed apart."""
    tasks_a, tasks_b = doc_a["tasks"], doc_b["tasks"]
    shared = [t for t in tasks_a if t in tasks_b]
    return {
        "a": doc_a.get("run", {}),
        "b": doc_b.get("run", {}),
        "settings": {"resamples": resamples, "seed": seed, "level": defaults.ci_level, "flip_threshold": defaults.flip_threshold},
        "tasks": {
            t: compare_task(
                tasks_a[t], tasks_b[t], resamples=resamples, seed=seed,
                level=defaults.ci_level, threshold=defaults.flip_threshold,
            )
            for t in shared
        },
        "only_a": [t for t in tasks_a if t not in tasks_b],
        "only_b": [t for t in tasks_b if t not in tasks_a],
    }


"""The plain-text verdict of a before/after comparison: what moved, by how much, and whether it is significant.

Every number is a paired difference over the problems both evaluations share (after − before), with the
paired bootstrap 95 % interval of :mod:`thinkforge.evaluate.compare`; a change is called significant only when
that interval excludes 0.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

#: How each metric is named in the verdict.
LABELS: dict[str, str] = {
    "accuracy": "accuracy",
    "answered": "share of answers the grader could read",
    "boxed": "share of answers given in \\boxed{}",
    "truncated": "share of answers cut off at the token limit",
}
#: Metrics where a decrease is the improvement.
LOWER_IS_BETTER: frozenset[str] = frozenset({"truncated"})


def _points(x: float) -> str:
    return f"{100 * x:+.1f}"


def metric_stats(task: Mapping[str, Any], metric: str) -> Mapping[str, Any] | None:
    """The paired statistics of one metric of one task's comparison (None when the runs lack it)."""
    return task if metric == "accuracy" else task.get("format", {}).get(metric)


def describe(task_name: str, metric: str, stats: Mapping[str, Any]) -> str:
    """One line: ``arithmetic accuracy: 12.0% → 30.5% (+18.5 points, 95% CI +11.0 to +26.0; 200 problems): improved, significant``."""
    a, b, diff, ci = stats["a"], stats["b"], stats["diff"], stats.get("ci95")
    if a is None or b is None or diff is None:
        return f"{task_name} {LABELS[metric]}: no shared problems to compare"
    interval = f", 95% CI {_points(ci[0])} to {_points(ci[1])}" if ci else ""
    better = diff < 0 if metric in LOWER_IS_BETTER else diff > 0
    if not stats.get("significant"):
        call = "no significant change"
    else:
        call = "improved, significant" if better else "worse, significant"
    return (f"{task_name} {LABELS[metric]}: {100 * a:.1f}% → {100 * b:.1f}% ({_points(diff)} points{interval}; "
            f"{stats['n_shared']} problems): {call}")


def verdict_lines(comparison: Mapping[str, Any], metrics: Sequence[str], rows: int | None = None) -> list[str]:
    """The verdict: one line per (task, metric), then a one-line conclusion."""
    lines, gains, losses = [], [], []
    for name, task in comparison.get("tasks", {}).items():
        for metric in metrics:
            stats = metric_stats(task, metric)
            if stats is None:
                lines.append(f"{name} {LABELS[metric]}: not recorded by one of the runs (re-run the evaluation)")
                continue
            lines.append(describe(name, metric, stats))
            if stats.get("significant") and stats.get("diff") is not None:
                better = (stats["diff"] < 0) if metric in LOWER_IS_BETTER else (stats["diff"] > 0)
                (gains if better else losses).append(f"{name} {LABELS[metric]} ({_points(stats['diff'])} points)")
    trained = f"fine-tuning on {rows} curated traces" if rows is not None else "fine-tuning"
    if gains and not losses:
        conclusion = f"VERDICT: {trained} improved {'; '.join(gains)}, significant at 95% on held-out problems."
    elif gains:
        conclusion = f"VERDICT: mixed: {trained} improved {'; '.join(gains)} but worsened {'; '.join(losses)}."
    elif losses:
        conclusion = f"VERDICT: {trained} made things worse: {'; '.join(losses)}."
    else:
        conclusion = f"VERDICT: no significant change after {trained} (every 95% interval includes 0)."
    return [*lines, conclusion]

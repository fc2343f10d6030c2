"""The report's charts, drawn with matplotlib and returned as inline SVG text (``None`` when there is no data)."""

from __future__ import annotations

import io
import re
from typing import Any, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from thinkforge.defaults import REPORT, ReportDefaults
from thinkforge.report.load import RunData, TaskData

_PASS_AT = re.compile(r"^pass@(\d+)$")
_CORRECT, _WRONG = "#2e7d32", "#c62828"
#: Status colours: passes green, answer problems warm, crashes and limits cool, infrastructure grey.
STATUS_COLOURS = {
    "pass": "#2e7d32", "wrong": "#c62828", "no_answer": "#ef6c00", "truncated": "#f9a825",
    "compile_error": "#6a1b9a", "runtime_error": "#8e24aa", "timeout": "#1565c0", "memory": "#00838f",
    "output_limit": "#4e342e", "sandbox_error": "#757575", "error": "#424242", "ungraded": "#bdbdbd",
}


def plain(label: str, limit: int) -> str:
    """A label matplotlib draws as given (a ``$`` would otherwise start mathtext), cut to ``limit`` characters."""
    if len(label) > limit:
        label = label[: limit - 1] + "…"
    return label.replace("$", r"\$")


def run_colour(index: int) -> str:
    """The colour of run ``index`` in every chart."""
    palette = matplotlib.colormaps["tab10"].colors
    return matplotlib.colors.to_hex(palette[index % len(palette)])


def to_svg(fig: Figure, name: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog), with ids unique to ``name``, text kept as text."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _figure(height: float, opts: ReportDefaults, ncols: int = 1, nrows: int = 1) -> tuple[Figure, Any]:
    fig = Figure(figsize=(opts.chart_width_in, height), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def _score(result: dict[str, Any] | None) -> dict[str, Any] | None:
    metrics = (result or {}).get("metrics") or {}
    return metrics.get("accuracy") or next(iter(metrics.values()), None)


def accuracy_chart(runs: Sequence[RunData], opts: ReportDefaults = REPORT) -> str | None:
    """Grouped bars: each task's accuracy per run, with 95 % CI whiskers."""
    tasks = list(dict.fromkeys(name for run in runs for name in run.tasks))
    if not any(_score(t.result) for run in runs for t in run.tasks.values()):
        return None
    fig, axes = _figure(3.2, opts)
    ax = axes[0][0]
    width = 0.8 / max(len(runs), 1)
    for r, run in enumerate(runs):
        xs, values, low, high = [], [], [], []
        for x, name in enumerate(tasks):
            score = _score(run.tasks[name].result) if name in run.tasks else None
            if not score or score.get("value") is None:
                continue
            value = float(score["value"])
            lo, hi = score.get("ci95") or (value, value)
            xs.append(x - 0.4 + width * (r + 0.5))
            values.append(value)
            low.append(max(value - float(lo), 0.0))
            high.append(max(float(hi) - value, 0.0))
        ax.bar(xs, values, width * 0.9, yerr=[low, high], capsize=3, color=run_colour(r),
               label=plain(run.label, opts.max_label_chars))
    ax.set_xticks(range(len(tasks)), [plain(t, opts.max_label_chars) for t in tasks])
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.05)
    ax.grid(axis="y", alpha=0.3)
    if len(runs) > 1:
        ax.legend(fontsize="small")
    return to_svg(fig, "accuracy")


def pass_at_k_chart(runs: Sequence[RunData], opts: ReportDefaults = REPORT) -> str | None:
    """pass@k against k for every (run, task) that has pass@k metrics."""
    lines = []
    for r, run in enumerate(runs):
        for t, (name, task) in enumerate(run.tasks.items()):
            metrics = (task.result or {}).get("metrics") or {}
            points = sorted(
                (int(m.group(1)), float(v["value"]))
                for key, v in metrics.items()
                if (m := _PASS_AT.match(key)) and isinstance(v, dict) and v.get("value") is not None
            )
            if points:
                lines.append((r, t, f"{name} · {run.label}" if len(runs) > 1 else name, points))
    if not lines:
        return None
    fig, axes = _figure(3.2, opts)
    ax = axes[0][0]
    markers = "osD^v<>ph*"
    for r, t, label, points in lines:
        ks, values = zip(*points)
        colour = run_colour(r if len(runs) > 1 else t)
        ax.plot(ks, values, marker=markers[t % len(markers)], color=colour, label=plain(label, opts.max_label_chars),
                linestyle=("-", "--", ":", "-.")[r % 4])
    ax.set_xscale("log", base=2)
    all_ks = sorted({k for *_, points in lines for k, _ in points})
    ax.set_xticks(all_ks, [str(k) for k in all_ks])
    ax.minorticks_off()
    ax.set_xlabel("k")
    ax.set_ylabel("pass@k")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return to_svg(fig, "passk")


def _lengths(task: TaskData) -> tuple[list[int], list[int], float]:
    """Completion tokens of correct and of wrong (or ungraded) samples, and the share truncated."""
    correct, wrong = [], []
    truncated = 0
    for s in task.samples:
        verdict = task.verdicts.get(s.key)
        truncated += s.finish_reason == "length" or (verdict is not None and verdict.status == "truncated")
        if s.completion_tokens is None:
            continue
        (correct if verdict is not None and verdict.passed else wrong).append(s.completion_tokens)
    share = truncated / len(task.samples) if task.samples else 0.0
    return correct, wrong, share


def length_chart(runs: Sequence[RunData], opts: ReportDefaults = REPORT) -> tuple[str | None, int]:
    """Histograms of completion length, correct vs wrong, one panel per (run, task); and panels left out."""
    panels = [(run, name, task) for run in runs for name, task in run.tasks.items() if task.samples]
    panels = [p for p in panels if any(s.completion_tokens is not None for s in p[2].samples)]
    shown = panels[: opts.max_length_panels]
    if not shown:
        return None, 0
    ncols = min(3, len(shown))
    nrows = -(-len(shown) // ncols)
    fig, axes = _figure(2.4 * nrows, opts, ncols=ncols, nrows=nrows)
    for i, (run, name, task) in enumerate(shown):
        ax = axes[i // ncols][i % ncols]
        correct, wrong, share = _lengths(task)
        graded = bool(task.verdicts)
        bins = np.linspace(0, max([*correct, *wrong, 1]), opts.hist_bins + 1)
        low = np.histogram(correct, bins)[0]
        high = low + np.histogram(wrong, bins)[0]
        ax.stairs(low, bins, fill=True, color=_CORRECT, label="correct")
        ax.stairs(high, bins, baseline=low, fill=True, color=_WRONG if graded else "#9e9e9e",
                  label="wrong" if graded else "ungraded")
        title = name if len(runs) == 1 else f"{name} · {run.label}"
        ax.set_title(f"{plain(title, opts.max_label_chars)}\ntruncated {share:.0%}", fontsize="small")
        ax.set_xlabel("completion tokens", fontsize="small")
        ax.tick_params(labelsize="small")
        if i == 0:
            ax.legend(fontsize="x-small")
    for j in range(len(shown), nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    return to_svg(fig, "lengths"), len(panels) - len(shown)


def status_counts(task: TaskData) -> dict[str, int]:
    """The task's status counts: from results.json, else counted from its verdicts and ungraded samples."""
    counts = (task.result or {}).get("status_counts")
    if counts:
        return {str(k): int(v) for k, v in counts.items()}
    out: dict[str, int] = {}
    for s in task.samples:
        verdict = task.verdicts.get(s.key)
        status = verdict.status if verdict else "ungraded"
        out[status] = out.get(status, 0) + 1
    return out


def status_chart(runs: Sequence[RunData], opts: ReportDefaults = REPORT) -> str | None:
    """Horizontal stacked bars: the share of each status per (run, task)."""
    rows = [(f"{name} · {run.label}" if len(runs) > 1 else name, status_counts(task))
            for run in runs for name, task in run.tasks.items()]
    rows = [(label, counts) for label, counts in rows if sum(counts.values())]
    if not rows:
        return None
    statuses = [s for s in STATUS_COLOURS if any(s in c for _, c in rows)]
    statuses += sorted({s for _, c in rows for s in c} - set(statuses))
    fig, axes = _figure(0.9 + 0.38 * len(rows), opts)
    ax = axes[0][0]
    labels = [plain(label, opts.max_label_chars) for label, _ in rows]
    left = [0.0] * len(rows)
    for status in statuses:
        shares = [c.get(status, 0) / sum(c.values()) for _, c in rows]
        ax.barh(labels, shares, left=left, color=STATUS_COLOURS.get(status, "#000000"), label=status)
        left = [a + b for a, b in zip(left, shares)]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of samples")
    fig.legend(fontsize="x-small", ncols=min(len(statuses), 6), loc="outside lower center")
    return to_svg(fig, "status")

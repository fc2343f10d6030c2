"""Reports of results and comparisons: Markdown (report.md) and rich tables for the terminal."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from rich.table import Table

from thinkforge.config import flatten
from thinkforge.defaults import EVAL

_NONE = "—"


def pct(value: float | None, signed: bool = False) -> str:
    """A share as a percentage with one decimal (``0.4167`` → ``41.7``); ``—`` when undefined."""
    if value is None:
        return _NONE
    return f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}"


def ci_text(ci: Sequence[float] | None, signed: bool = False) -> str:
    """An interval as ``[lo, hi]`` in percent."""
    return _NONE if ci is None else f"[{pct(ci[0], signed)}, {pct(ci[1], signed)}]"


def number(value: float | int | None) -> str:
    """A count or mean: integers as they are, other numbers with one decimal."""
    if value is None:
        return _NONE
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def listed(ids: Sequence[str], limit: int = EVAL.report_max_listed) -> str:
    """Ids joined by commas, the first ``limit`` of them, then ``… (+N)``."""
    more = f" … (+{len(ids) - limit})" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table (pipes in cells escaped)."""
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return [line(headers), "|" + "|".join("---" for _ in headers) + "|", *(line(r) for r in rows)]


def reference_text(reference: Mapping[str, Any] | None, subset: tuple[str, str] | None = None) -> str:
    """The published score (overall, or of one subset) in percent, ``—`` when there is none."""
    if not reference:
        return _NONE
    if subset is None:
        return pct(reference.get("value"))
    return pct(reference.get("subsets", {}).get(subset[0], {}).get(subset[1]))


def _metric_rows(metrics: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    return [[name, pct(e["value"]), pct(e["stderr"]), ci_text(e["ci95"])] for name, e in metrics.items()]


def _summary_rows(doc: Mapping[str, Any]) -> list[list[str]]:
    """One row per task, plus one per subset that has a published score (LiveCodeBench easy/medium/hard)."""
    rows = []
    for name, entry in doc["tasks"].items():
        acc = entry["metrics"]["accuracy"]
        ref = entry.get("reference")
        rows.append([
            name, str(entry["n_problems"]), str(entry["n"]), pct(acc["value"]), ci_text(acc["ci95"]),
            reference_text(ref), pct(entry["tokens"].get("truncated_share")),
        ])
        for key, published in ((ref or {}).get("subsets") or {}).items():
            for value in published:
                sub = entry.get("subsets", {}).get(key, {}).get(value)
                if sub is not None:
                    rows.append([
                        f"  {key}={value}", str(sub["n_problems"]), str(entry["n"]), pct(sub["accuracy"]["value"]),
                        ci_text(sub["accuracy"]["ci95"]), reference_text(ref, (key, value)), "",
                    ])
    return rows


_SUMMARY_HEADERS = ("task", "problems", "n", "accuracy %", "95% CI", "published %", "truncated %")


def _task_section(name: str, entry: Mapping[str, Any]) -> list[str]:
    out = [f"## {name}", "", f"{entry['n_problems']} problems × up to {entry['n']} samples ({entry['n_samples']} graded)."]
    ref = entry.get("reference")
    if ref:
        out.append(f"Published: {reference_text(ref)} ({ref.get('source', 'no source given')}).")
    out += ["", *md_table(("metric", "score %", "± stderr", "95% CI"), _metric_rows(entry["metrics"]))]
    for key, groups in entry.get("subsets", {}).items():
        rows = [
            [value, str(g["n_problems"]), pct(g["accuracy"]["value"]), ci_text(g["accuracy"]["ci95"]),
             reference_text(ref, (key, value))]
            for value, g in groups.items()
        ]
        out += ["", f"### by {key}", "", *md_table((key, "problems", "accuracy %", "95% CI", "published %"), rows)]
    total = sum(entry["status_counts"].values()) or 1
    statuses = [[s, str(c), pct(c / total)] for s, c in entry["status_counts"].items()]
    out += ["", "### status counts", "", *md_table(("status", "samples", "share %"), statuses)]
    tokens = entry["tokens"]
    out += ["", "### tokens", "", *md_table(
        ("mean completion", "median", "truncated %", "mean correct", "mean wrong", "prompt total", "completion total"),
        [[number(tokens["mean_completion"]), number(tokens["median_completion"]), pct(tokens["truncated_share"]),
          number(tokens["mean_correct"]), number(tokens["mean_wrong"]), number(tokens["prompt_total"]),
          number(tokens["completion_total"])]],
    )]
    if entry.get("missing"):
        out += ["", f"Missing ({len(entry['missing'])}, left out of every metric): {listed(entry['missing'])}"]
    out += _mapping_section("provenance", entry.get("provenance"))
    out += _mapping_section("accounting", entry.get("accounting"))
    return out


def _mapping_section(title: str, data: Mapping[str, Any] | None, heading: str = "###") -> list[str]:
    if not data:
        return []
    lines = [f"- `{k}`: {v if isinstance(v, (str, int, float)) else json.dumps(v)}" for k, v in flatten(data).items()]
    return ["", f"{heading} {title}", "", *lines]


def results_markdown(doc: Mapping[str, Any]) -> str:
    """report.md: a summary table, then per task metrics, subsets, statuses, tokens and provenance."""
    out = ["# Evaluation report", "", f"thinkforge {doc['thinkforge_version']}, created {doc['created']}."]
    out += _mapping_section("Run", doc.get("run"), heading="##")
    out += ["", "## Summary", "", *md_table(_SUMMARY_HEADERS, _summary_rows(doc))]
    for name, entry in doc["tasks"].items():
        out += ["", *_task_section(name, entry)]
    return "\n".join(out) + "\n"


def summary_table(doc: Mapping[str, Any]) -> Table:
    """One-screen terminal summary: per task accuracy, interval, published score, truncation."""
    table = Table(title="Evaluation summary (accuracy = avg@n, 95% CI clustered by problem)")
    for header in _SUMMARY_HEADERS:
        table.add_column(header, justify="left" if header == "task" else "right")
    for row in _summary_rows(doc):
        table.add_row(*row)
    return table


_COMPARE_HEADERS = ("task", "shared", "A %", "B %", "B − A", "95% CI (paired bootstrap)", "significant",
                    "improved", "worsened", "→ pass", "→ fail")


def _compare_rows(result: Mapping[str, Any]) -> list[list[str]]:
    return [
        [name, str(t["n_shared"]), pct(t["a"]), pct(t["b"]), pct(t["diff"], signed=True), ci_text(t["ci95"], signed=True),
         "yes" if t["significant"] else "no", str(t["improved"]), str(t["worsened"]),
         str(len(t["flipped_to_pass"])), str(len(t["flipped_to_fail"]))]
        for name, t in result["tasks"].items()
    ]


def compare_markdown(result: Mapping[str, Any]) -> str:
    """Markdown of a comparison: the per-task table, then the problems that flipped."""
    settings = result["settings"]
    out = [
        "# Comparison (B − A)", "",
        f"Paired over the problems both runs share; {settings['resamples']} bootstrap resamples, seed "
        f"{settings['seed']}; a problem flips when it goes all-fail ↔ some-pass or moves by ≥ "
        f"{settings['flip_threshold']:g}.",
        "", *md_table(_COMPARE_HEADERS, _compare_rows(result)),
    ]
    for side in ("only_a", "only_b"):
        if result[side]:
            out += ["", f"Tasks only in {side[-1].upper()}: {', '.join(result[side])}"]
    for name, t in result["tasks"].items():
        for label, key in (("now pass", "flipped_to_pass"), ("now fail", "flipped_to_fail")):
            if t[key]:
                out += ["", f"{name}, {label} ({len(t[key])}): {listed(t[key])}"]
    return "\n".join(out) + "\n"


def comparison_table(result: Mapping[str, Any]) -> Table:
    """The comparison as a terminal table (fits 80 columns: flips as ``+to pass/-to fail``)."""
    table = Table(title="B − A per task (paired over shared problems)")
    for header in ("task", "shared", "A %", "B %", "B − A", "95% CI", "sig.", "flips"):
        table.add_column(header, justify="left" if header == "task" else "right", no_wrap=header != "task")
    for name, t in result["tasks"].items():
        table.add_row(
            name, str(t["n_shared"]), pct(t["a"]), pct(t["b"]), pct(t["diff"], signed=True),
            ci_text(t["ci95"], signed=True), "yes" if t["significant"] else "no",
            f"+{len(t['flipped_to_pass'])}/-{len(t['flipped_to_fail'])}",
        )
    return table

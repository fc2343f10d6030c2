"""Assemble the report page: tables, charts, provenance and the sample browser, in one HTML document."""

from __future__ import annotations

import base64
import hashlib
import time
from importlib import resources
from typing import Any, Mapping, Sequence

from thinkforge import __version__
from thinkforge.config import flatten
from thinkforge.defaults import REPORT, ReportDefaults
from thinkforge.report import charts
from thinkforge.report.html import Markup, esc, join, table, tag
from thinkforge.report.load import RunData, TaskData
from thinkforge.report.samples import browser_data, script_json

#: Per task, the comparison of run 0 with run i (``thinkforge compare``'s dict), for i = 1 …; a whole compare
#: document (``{"tasks": {task: …}, …}``) is accepted too.
Comparisons = Sequence[Mapping[str, Any]]

_TOKEN_FIELDS = ("mean_completion", "median_completion", "truncated_share", "mean_correct", "mean_wrong",
                 "prompt_total", "completion_total")
_ACCOUNTING_FIELDS = ("wall_s", "tokens_per_s", "cost_usd", "samples", "failed")


def _asset(name: str) -> str:
    return resources.files("thinkforge.report").joinpath("assets", name).read_text(encoding="utf-8")


def pct(value: Any) -> str:
    """A share as a percentage with one decimal ('—' when unknown)."""
    return "—" if value is None else f"{100 * float(value):.1f}"


def ci_text(ci: Any) -> str:
    """A 95 % CI as ``[lo, hi]`` in percent."""
    if not isinstance(ci, (list, tuple)) or len(ci) != 2 or None in ci:
        return "—"
    return f"[{pct(ci[0])}, {pct(ci[1])}]"


def number(value: Any) -> str:
    """A count or measurement, compactly."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    return f"{value:.4g}"


def _score(task: TaskData | None) -> Mapping[str, Any]:
    metrics = ((task.result or {}).get("metrics") or {}) if task else {}
    return metrics.get("accuracy") or next(iter(metrics.values()), None) or {}


def _result(run: RunData, name: str) -> Mapping[str, Any]:
    """The results.json entry of task ``name`` in ``run`` (empty when there is none)."""
    task = run.tasks.get(name)
    return (task.result or {}) if task else {}


def _task_names(runs: Sequence[RunData]) -> list[str]:
    return list(dict.fromkeys(name for run in runs for name in run.tasks))


def _section(title: str, *body: Any, id_: str) -> Markup:
    return tag("section", tag("h2", title), *body, id=id_)


def missing_notice(runs: Sequence[RunData]) -> Markup:
    """What each run lacks, said plainly (empty when nothing is missing)."""
    items = []
    for run in runs:
        lacks = [*run.missing, *(m for t in run.tasks.values() for m in t.missing)]
        items.extend(tag("li", f"{run.label}: {m}") for m in lacks)
    if not items:
        return Markup("")
    return tag("div", tag("strong", "Missing from this report"), tag("ul", *items), class_="notice", id="missing")


def _delta_cells(name: str, runs: Sequence[RunData], comparisons: Comparisons) -> list[Any]:
    cells: list[Any] = []
    for i in range(1, len(runs)):
        comp = per_task(comparisons[i - 1]).get(name) if i - 1 < len(comparisons) else None
        if comp and comp.get("diff") is not None:
            significant = comp.get("significant")
            mark = tag("span", "★ significant" if significant else "n.s.", class_="sig" if significant else "ns")
            cells += [f"{float(comp['diff']) * 100:+.1f}", ci_text(comp.get("ci95")), mark]
            continue
        a, b = _score(runs[0].tasks.get(name)).get("value"), _score(runs[i].tasks.get(name)).get("value")
        diff = "—" if a is None or b is None else f"{(float(b) - float(a)) * 100:+.1f}"
        cells += [diff, tag("span", "no paired comparison", class_="ns"), ""]
    return cells


def summary_table(runs: Sequence[RunData], comparisons: Comparisons) -> Markup:
    """One row per task: score, CI and n per run, the published reference, deltas with paired CIs."""
    headers: list[Any] = ["task", "domain", *["score %", "95 % CI", "n"] * len(runs), "reference %"]
    headers += ["Δ points", "paired 95 % CI", "significance"] * (len(runs) - 1)
    groups = [(None, 2), *((run.label, 3) for run in runs), (None, 1)]
    groups += [(f"Δ {run.label} − {runs[0].label}", 3) for run in runs[1:]]
    rows = []
    for name in _task_names(runs):
        tasks = [run.tasks.get(name) for run in runs]
        row: list[Any] = [name, next((t.domain for t in tasks if t and t.domain), "—")]
        for task in tasks:
            score = _score(task)
            n = (task.result or {}).get("n") if task else None
            row += [pct(score.get("value")), ci_text(score.get("ci95")), number(n)]
        ref = next(((t.result or {}).get("reference") for t in tasks if t and (t.result or {}).get("reference")), None)
        row.append(f"{pct(ref.get('value'))} ({ref.get('source', '')})" if ref else "—")
        rows.append(row + _delta_cells(name, runs, comparisons))
    return table(headers, rows, class_="grid summary", groups=groups if len(runs) > 1 else None)


def per_task(doc: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    """The per-task comparisons of a comparison (a bare per-task dict, or a compare document with ``tasks``)."""
    tasks = doc.get("tasks")
    return tasks if isinstance(tasks, Mapping) else doc


def _share(task: TaskData | None, problem_id: str) -> float | None:
    entry = (((task.result or {}).get("per_problem") or {}).get(problem_id) if task else None) or {}
    return entry["passed"] / entry["n"] if entry.get("n") else None


def flipped_problems(comp: Mapping[str, Any], a: TaskData | None, b: TaskData | None) -> list[dict[str, Any]]:
    """Flipped problems with both runs' pass shares: from ``flipped``, else ``flipped_to_pass``/``_to_fail`` ids."""
    if comp.get("flipped"):
        return [dict(f) for f in comp["flipped"]]
    ids = [*(comp.get("flipped_to_pass") or []), *(comp.get("flipped_to_fail") or [])]
    return [{"problem_id": pid, "a": _share(a, pid), "b": _share(b, pid)} for pid in ids]


def comparison_section(runs: Sequence[RunData], comparisons: Comparisons, opts: ReportDefaults) -> Markup:
    """Per compared pair and task: shared problems, improved / worsened counts and the flipped problems."""
    parts = []
    for i, doc in enumerate(comparisons):
        if i + 1 >= len(runs):
            break
        comps = per_task(doc)
        b = runs[i + 1]
        parts.append(tag("h3", f"{b.label} vs {runs[0].label}"))
        rows = []
        for name, comp in comps.items():
            mark = "★" if comp.get("significant") else ""
            diff = comp.get("diff")
            rows.append([name, number(comp.get("n_shared")), pct(comp.get("a")), pct(comp.get("b")),
                         "—" if diff is None else f"{float(diff) * 100:+.1f}", ci_text(comp.get("ci95")), mark,
                         number(comp.get("improved")), number(comp.get("worsened"))])
        parts.append(table(["task", "shared problems", f"{runs[0].label} %", f"{b.label} %", "Δ points",
                            "paired 95 % CI", "significant", "improved", "worsened"], rows))
        for name, comp in comps.items():
            flipped = flipped_problems(comp, runs[0].tasks.get(name), b.tasks.get(name))
            if not flipped:
                continue
            listed = flipped[: opts.max_flipped_listed]
            more = f" (first {len(listed)} listed)" if len(flipped) > len(listed) else ""
            body = table(["problem", f"{runs[0].label}: % of samples passed", f"{b.label}: % of samples passed"],
                         [[f["problem_id"], pct(f.get("a")), pct(f.get("b"))] for f in listed])
            title = f"{name}: {len(flipped)} flipped problem{'s' * (len(flipped) != 1)}{more}"
            parts.append(tag("details", tag("summary", title), body, class_="flipped"))
    if not parts:
        return Markup("")
    return _section("Comparison", *parts, id_="comparison")


def chart_section(runs: Sequence[RunData], opts: ReportDefaults) -> Markup:
    """Accuracy bars, pass@k curves, completion lengths and status shares (each one inline SVG)."""
    lengths, left_out = charts.length_chart(runs, opts)
    figures = [
        ("accuracy", "Accuracy per task (bars: score, whiskers: 95 % CI)", charts.accuracy_chart(runs, opts)),
        ("passk", "pass@k", charts.pass_at_k_chart(runs, opts)),
        ("lengths", "Completion length, correct vs wrong"
         + (f" ({left_out} more panels left out)" if left_out else ""), lengths),
        ("status", "Status breakdown", charts.status_chart(runs, opts)),
    ]
    parts = []
    for key, caption, svg in figures:
        body = Markup(svg) if svg else tag("p", "no data for this chart yet", class_="empty")
        parts.append(tag("figure", tag("figcaption", caption), body, class_="chart", data_chart=key))
    return _section("Charts", tag("div", *parts, class_="charts"), id_="charts")


def _run_groups(runs: Sequence[RunData], lead: int, span: int) -> list[tuple[Any, int]] | None:
    """Header groups: ``lead`` ungrouped columns, then ``span`` columns per run (none for a single run)."""
    return [(None, lead), *((run.label, span) for run in runs)] if len(runs) > 1 else None


def metrics_table(name: str, runs: Sequence[RunData]) -> Markup:
    """Every metric of a task (accuracy, pass@k, maj@k) with its CI, one column pair per run."""
    keys = list(dict.fromkeys(k for run in runs for k in _result(run, name).get("metrics", {})))
    if not keys:
        return Markup("")
    headers: list[Any] = ["metric", *["%", "95 % CI"] * len(runs)]
    rows = []
    for key in keys:
        row: list[Any] = [key]
        for run in runs:
            m = (_result(run, name).get("metrics") or {}).get(key) or {}
            row += [pct(m.get("value")), ci_text(m.get("ci95"))]
        rows.append(row)
    return table(headers, rows, groups=_run_groups(runs, 1, 2))


def status_table(name: str, runs: Sequence[RunData]) -> Markup:
    """Sample counts per status, one column per run."""
    counts = [charts.status_counts(run.tasks[name]) if name in run.tasks else {} for run in runs]
    statuses = list(dict.fromkeys(s for c in counts for s in c))
    if not statuses:
        return Markup("")
    rows = [[s, *(number(c.get(s, 0)) for c in counts)] for s in statuses]
    return table(["status", *(run.label for run in runs)], rows)


def subset_tables(name: str, runs: Sequence[RunData]) -> Markup:
    """Accuracy per subset (difficulty, level, subject, domain …) for every metadata key."""
    subsets = [_result(run, name).get("subsets") or {} for run in runs]
    parts = []
    for key in dict.fromkeys(k for s in subsets for k in s):
        values = list(dict.fromkeys(v for s in subsets for v in s.get(key, {})))
        headers: list[Any] = [key, *["%", "95 % CI", "problems"] * len(runs)]
        rows = []
        for value in values:
            row: list[Any] = [value]
            for s in subsets:
                entry = s.get(key, {}).get(value) or {}
                acc = entry.get("accuracy") or {}
                row += [pct(acc.get("value")), ci_text(acc.get("ci95")), number(entry.get("n_problems"))]
            rows.append(row)
        parts.append(table(headers, rows, groups=_run_groups(runs, 1, 3)))
    return join(parts)


def usage_table(name: str, runs: Sequence[RunData]) -> Markup:
    """Token statistics, wall time and cost per run."""
    rows = []
    for run in runs:
        task = run.tasks.get(name)
        if task is None:
            continue
        tokens = (task.result or {}).get("tokens") or {}
        acc = task.accounting or {}
        total = acc.get("total", acc)
        rows.append([run.label, *(number(tokens.get(k)) for k in _TOKEN_FIELDS),
                     *(number(total.get(k)) for k in _ACCOUNTING_FIELDS)])
    if not rows:
        return Markup("")
    return table(["run", *_TOKEN_FIELDS, *_ACCOUNTING_FIELDS], rows)


def task_sections(runs: Sequence[RunData]) -> Markup:
    """Per task: metrics, statuses, subsets and usage."""
    parts = []
    for name in _task_names(runs):
        blocks = [("Metrics", metrics_table(name, runs)), ("Statuses", status_table(name, runs)),
                  ("Subsets", subset_tables(name, runs)), ("Tokens, wall time and cost", usage_table(name, runs))]
        body = [join([tag("h4", title), block]) for title, block in blocks if block]
        parts.append(tag("div", tag("h3", name), *body, class_="task", id=f"task-{name}"))
    return _section("Tasks", *parts, id_="tasks")


def provenance(run: RunData) -> dict[str, Any]:
    """Every provenance field of a run, flattened to dotted keys (run-level, then per task)."""
    results = run.results or {}
    out: dict[str, Any] = {"path": str(run.path)}
    for key in ("thinkforge_version", "created"):
        if key in results:
            out[key] = results[key]
    out.update(flatten(results.get("run") or {}, "run."))
    for name, task in run.tasks.items():
        out.update(flatten((task.result or {}).get("provenance") or {}, f"{name}."))
    return out


def provenance_section(runs: Sequence[RunData]) -> Markup:
    """A key × run table of provenance; rows whose values differ between runs are marked."""
    fields = [provenance(run) for run in runs]
    keys = list(dict.fromkeys(k for f in fields for k in f))
    rows = []
    for key in keys:
        values = [f.get(key) for f in fields]
        differs = len(runs) > 1 and key != "path" and len({repr(v) for v in values}) > 1
        label = join([key, tag("span", " ≠", class_="sig")]) if differs else key
        rows.append([label, *("—" if v is None else _plain(v) for v in values)])
    return _section("Provenance", table(["field", *(run.label for run in runs)], rows, class_="grid prov"),
                    id_="provenance")


def _plain(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def browser_section(runs: Sequence[RunData], opts: ReportDefaults) -> Markup:
    """The sample browser's controls and containers; rows are drawn by the inline script."""
    controls = tag(
        "div",
        tag("label", "task ", tag("select", id="f-task")),
        tag("label", "run ", tag("select", id="f-run")),
        tag("label", "status ", tag("select", id="f-status")),
        tag("label", "correct ", tag("select", tag("option", "all", value=""), tag("option", "correct", value="1"),
                                     tag("option", "wrong", value="0"), id="f-ok")),
        tag("input", type="search", id="f-text", placeholder="search problem, answer, response…"),
        tag("span", "", id="f-count", class_="count"),
        class_="filters",
    )
    header = tag("div", *(tag("span", h) for h in ("run", "task", "problem", "#", "status", "extracted", "tokens")),
                 class_="row head")
    listing = tag("div", tag("div", "", id="rows-spacer"), id="rows", class_="rows", tabindex="0")
    return _section("Samples", controls, header, listing, tag("div", "", id="detail", class_="detail", hidden=True),
                    id_="samples")


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def render_page(runs: Sequence[RunData], comparisons: Comparisons = (), opts: ReportDefaults = REPORT) -> str:
    """The whole report as one HTML document (CSS, script, charts and sample data inline)."""
    script = _asset("browser.js")
    title = "thinkforge report: " + ", ".join(run.label for run in runs)
    created = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    body = join([
        tag("header", tag("h1", title), tag("p", f"Written {created} by thinkforge {__version__}.", class_="meta")),
        missing_notice(runs),
        _section("Summary", summary_table(runs, comparisons), id_="summary"),
        comparison_section(runs, comparisons, opts),
        chart_section(runs, opts),
        task_sections(runs),
        provenance_section(runs),
        browser_section(runs, opts),
    ])
    data = script_json(browser_data(runs, opts))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_csp(script))}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title><style>{_asset('report.css')}</style></head>"
        f"<body>{body}"
        f'<script type="application/json" id="tf-data">{data}</script>'
        f"<script>{script}</script></body></html>\n"
    )

"""The report file: self-contained, every section present, untrusted text escaped, missing pieces named."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _report_runs import GSM8K, XSS_TEXTS, write_task
from thinkforge.cli.main import main
from thinkforge.errors import ThinkforgeError
from thinkforge.report import build_report, write_report
from thinkforge.report.html import esc, tag
from thinkforge.report.load import run_labels

_EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _data_blob(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="tf-data">(.*?)</script>', html, re.DOTALL)
    assert match, "the sample data element is missing"
    return json.loads(match.group(1))


def test_report_is_one_self_contained_file(report_a):
    html = report_a.read_text(encoding="utf-8")
    assert not _EXTERNAL.search(html), "the report must not load anything from the network"
    assert html.count("<script") == 2  # the data blob and the browser script, both inline
    assert "<style>" in html and "Content-Security-Policy" in html
    for key in ("accuracy", "passk", "lengths", "status"):
        figure = re.search(rf'<figure class="chart" data-chart="{key}">(.*?)</figure>', html, re.DOTALL)
        assert figure and "<svg" in figure.group(1), f"chart {key} missing"


def test_summary_shows_score_ci_n_and_reference(report_a):
    html = report_a.read_text(encoding="utf-8")
    summary = html[html.index('id="summary"') : html.index('id="charts"')]
    # gsm8k: 2 of 6 samples pass → 33.3 %, CI 33.3 ± 19.6, n = 2 samples per problem, published 82.0.
    for cell in ("gsm8k", "33.3", "[13.7, 52.9]", "82.0 (Sky-T1 blog)", "humaneval", "50.0"):
        assert f"<td>{cell}</td>" in summary


def test_every_provenance_field_is_shown(report_a):
    html = report_a.read_text(encoding="utf-8")
    for field in ("run.backend_options.dtype", "gsm8k.template_hash", "gsm8k.sampling.seed", "humaneval.grader",
                  "thinkforge_version"):
        assert f"<td>{field}</td>" in html


def test_model_output_is_never_markup(report_a):
    html = report_a.read_text(encoding="utf-8")
    for text in XSS_TEXTS:
        assert text not in html
    assert "<img" not in html and "javascript:" not in html.lower().replace("javascript:window.__pwned", "")
    rows = _data_blob(html)["samples"]
    answers = {row["a"] for row in rows}
    assert any(XSS_TEXTS[0] in a for a in answers)  # the data itself is intact, only encoded
    thinking = {row["th"] for row in rows}
    assert "Compute " + XSS_TEXTS[1] in thinking


def test_hostile_run_and_directory_names_are_text_too(run_a, tmp_path):
    hostile = tmp_path / r'r<img src=x onerror="window.__pwned=1">$\nope$'
    hostile.symlink_to(run_a, target_is_directory=True)
    html = build_report([run_a, hostile])  # two runs: the labels appear in the charts too
    assert "<img" not in html and "&lt;img src=x" in html


def test_escape_helpers():
    assert esc('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert tag("td", "<b>", title='"q"') == '<td title="&quot;q&quot;">&lt;b&gt;</td>'
    assert tag("td", tag("b", "x")) == "<td><b>x</b></td>"


def test_code_samples_carry_their_failing_test(report_a):
    rows = _data_blob(report_a.read_text(encoding="utf-8"))["samples"]
    failing = [r for r in rows if r["s"] == "runtime_error"]
    assert len(failing) == 1 and "ZeroDivisionError" in failing[0]["f"]
    problems = _data_blob(report_a.read_text(encoding="utf-8"))["problems"]
    assert set(problems) == {"gsm8k", "humaneval"} and all(p["q"] for p in problems["gsm8k"].values())


def test_two_runs_side_by_side_with_paired_deltas_and_flips(report_ab):
    html = report_ab.read_text(encoding="utf-8")
    summary = html[html.index('id="summary"') : html.index('id="comparison"')]
    assert "Δ run-b − run-a" in summary
    assert "<td>+66.7</td>" in summary and "[46.7, 86.7]" in summary and "★ significant" in summary
    comparison = html[html.index('id="comparison"') : html.index('id="charts"')]
    assert "gsm8k: 1 flipped problem<" in comparison and "gsm8k/2" in comparison
    provenance = html[html.index('id="provenance"') :]
    assert "run.model" in provenance and "≠" in provenance  # the runs differ in model
    assert _data_blob(html)["runs"] == ["run-a", "run-b"]


def test_a_whole_compare_document_with_flip_ids_is_understood(run_a, run_b):
    doc = {"a": {}, "b": {}, "tasks": {"gsm8k": {"n_shared": 3, "a": 0.333, "b": 1.0, "diff": 0.667, "ci95": None,
                                                 "significant": False, "improved": 3, "worsened": 0,
                                                 "flipped_to_pass": ["gsm8k/2"], "flipped_to_fail": []}}}
    html = build_report([run_a, run_b], [doc])
    comparison = html[html.index('id="comparison"') : html.index('id="charts"')]
    assert "<td>+66.7</td><td>—</td>" in comparison  # no bootstrap CI: shown as unknown, not invented
    assert "<tr><td>gsm8k/2</td><td>0.0</td><td>100.0</td></tr>" in comparison


def test_two_runs_without_a_comparison_show_plain_deltas(run_a, run_b):
    html = build_report([run_a, run_b])
    assert "<td>+66.7</td>" in html and "no paired comparison" in html
    assert 'id="comparison"' not in html


def test_half_finished_run_still_renders_and_says_what_is_missing(partial_run, tmp_path):
    out = write_report([partial_run], tmp_path / "partial.html")
    html = out.read_text(encoding="utf-8")
    missing = html[html.index('id="missing"') : html.index('id="summary"')]
    assert "results.json (metrics not computed yet" in missing
    assert "verdicts of task gsm8k (not graded yet" in missing
    assert "accounting of task gsm8k" in missing
    assert "no data for this chart yet" in html  # no metrics: no accuracy bars, no pass@k
    rows = _data_blob(html)["samples"]
    assert len(rows) == 6 and {r["s"] for r in rows} == {"ungraded"}


def test_cli_writes_the_report_into_the_first_run_by_default(run_a, capsys):
    assert main(["report", str(run_a)]) == 0
    assert (run_a / "report.html").is_file()
    assert "report.html" in capsys.readouterr().out


def test_cli_puts_several_runs_side_by_side(run_a, run_b, tmp_path):
    out = tmp_path / "ab.html"
    assert main(["report", str(run_a), str(run_b), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Δ run-b − run-a" in html and _data_blob(html)["runs"] == ["run-a", "run-b"]


def test_cli_rejects_a_missing_directory(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope"), "-o", str(tmp_path / "r.html")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_a_plain_generate_and_grade_run_is_reported_as_one_task(tmp_path):
    write_task(tmp_path, "gsm8k", GSM8K)
    html = build_report([tmp_path / "gsm8k"])
    rows = _data_blob(html)["samples"]
    assert len(rows) == 6 and {r["t"] for r in rows} == {"gsm8k"}
    assert "metrics for task gsm8k" in html and "results.json (metrics not computed yet" in html


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["/x/run-a", "/x/run-b"], ["run-a", "run-b"]),
        (["/x/base/eval", "/x/sft/eval"], ["base/eval", "sft/eval"]),
        (["/x/a", "/x/a"], ["run 1: /x/a", "run 2: /x/a"]),
    ],
)
def test_run_labels_are_short_and_distinct(paths, expected):
    assert run_labels([Path(p) for p in paths]) == expected


def test_an_empty_directory_is_reported_as_having_no_tasks(tmp_path):
    html = build_report([tmp_path])
    assert "tasks (no sub-run with samples" in html


def test_no_run_directories_is_an_error():
    with pytest.raises(ThinkforgeError, match="at least one run directory"):
        build_report([])

"""Report fixtures: a graded two-task eval run, a second run to compare with, and a half-finished run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _report_runs import compare_docs, make_run, write_task, GSM8K
from thinkforge.report import write_report

#: Run B answers every gsm8k sample right: gsm8k/2 (no pass in run a) flips, humaneval is unchanged.
ALL_PASS = [[("pass", "\\boxed{1}", "1", 100)] * 2] * 3


@pytest.fixture(scope="session")
def run_a(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("eval") / "run-a")


@pytest.fixture(scope="session")
def run_b(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("eval") / "run-b", model="m2", gsm8k=ALL_PASS)


@pytest.fixture(scope="session")
def partial_run(tmp_path_factory) -> Path:
    """No results.json, gsm8k generated but not graded, no accounting anywhere."""
    root = tmp_path_factory.mktemp("eval") / "run-partial"
    write_task(root, "gsm8k", GSM8K, grade=False)
    return root


@pytest.fixture(scope="session")
def comparison(run_a, run_b) -> dict:
    docs = [json.loads((r / "results.json").read_text()) for r in (run_a, run_b)]
    return compare_docs(*docs)


@pytest.fixture(scope="session")
def report_a(run_a, tmp_path_factory) -> Path:
    return write_report([run_a], tmp_path_factory.mktemp("html") / "a.html")


@pytest.fixture(scope="session")
def report_ab(run_a, run_b, comparison, tmp_path_factory) -> Path:
    return write_report([run_a, run_b], tmp_path_factory.mktemp("html") / "ab.html", [comparison])

"""The demo runs the real default model through generate → grade, prints the table, and resumes instantly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from thinkforge.defaults import DEMO
from thinkforge.demo import run_demo


@pytest.mark.slow
def test_demo_generates_grades_and_resumes(tmp_path):
    settings = replace(DEMO, n_questions=2, max_new_tokens=24, batch_size=2)
    first = run_demo(settings, out=str(tmp_path / "demo"))
    assert [row.problem_id for row in first.rows] == ["gsm8k/0", "gsm8k/1"]
    assert [row.gold for row in first.rows] == ["18", "3"]
    assert first.generate.generated == 2 and first.grade.samples == 2
    # Greedy decoding of the real default model is deterministic: gsm8k/0 is cut at the 24-token limit and must be
    # graded truncated, never mined for a number; gsm8k/1 stops on its own with "... 1 bolt of white fiber." and
    # the last-number fallback reads 1 (gold 3).
    assert [(row.status, row.answer, row.correct) for row in first.rows] == [
        ("truncated", None, False),
        ("wrong", "1", False),
    ]
    again = run_demo(settings, out=str(tmp_path / "demo"))
    assert again.generate.generated == 0 and again.grade.graded_now == 0
    assert again.rows == first.rows


@pytest.mark.slow
def test_demo_starts_afresh_when_its_settings_changed(tmp_path):
    out = str(tmp_path / "demo")
    run_demo(replace(DEMO, n_questions=1, max_new_tokens=8, batch_size=1), out=out)
    changed = run_demo(replace(DEMO, n_questions=1, max_new_tokens=12, batch_size=1), out=out)
    assert changed.generate.generated == 1 and changed.grade.graded_now == 1

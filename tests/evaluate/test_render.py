"""report.md and the terminal tables: structure and number formatting."""

from __future__ import annotations

import pytest
from _eval_factory import document, graded, problem, task_entry
from rich.console import Console

from thinkforge.evaluate.compare import compare_results
from thinkforge.evaluate.render import (
    ci_text,
    compare_markdown,
    comparison_table,
    listed,
    pct,
    results_markdown,
    summary_table,
)
from thinkforge.evaluate.results import task_results


@pytest.mark.parametrize(
    ("value", "signed", "expected"),
    [(0.41666, False, "41.7"), (1.0, False, "100.0"), (0.0, False, "0.0"), (None, False, "—"),
     (0.125, True, "+12.5"), (-0.05, True, "-5.0")],
)
def test_pct(value: float | None, signed: bool, expected: str) -> None:
    assert pct(value, signed) == expected


def test_ci_text_and_listed() -> None:
    assert ci_text([0.1, 0.25]) == "[10.0, 25.0]"
    assert ci_text(None) == "—"
    assert listed(["a", "b", "c"], limit=2) == "a, b … (+1)"
    assert listed(["a"], limit=2) == "a"


def _doc() -> dict:
    problems = [problem("p1", difficulty="easy"), problem("p2", difficulty="hard"), problem("p3", difficulty="easy")]
    s1, v1 = graded("p1", [(True, "1"), (True, "1")], tokens=[10, 20])
    s2, v2 = graded("p2", [(False, "2"), (False, None)], tokens=[30, 40])
    s3, v3 = graded("p3", [(True, "1"), (False, "3")], tokens=[10, 10])
    reference = {"value": 0.864, "source": "NovaSky blog", "subsets": {"difficulty": {"easy": 0.863}}}
    entry = task_results("lcb", problems, [*s1, *s2, *s3], [*v1, *v2, *v3], reference=reference,
                         provenance={"model": "m", "sampling": {"temperature": 0.0}})
    return document({"lcb": entry})


def test_results_markdown_structure() -> None:
    text = results_markdown(_doc())
    lines = text.splitlines()
    summary = lines.index("## Summary")
    assert lines[summary + 2].startswith("| task | problems | n | accuracy % | 95% CI | published % |")
    assert lines[summary + 4].startswith("| lcb | 3 | 2 | 50.0 | [")
    assert "| 86.4 |" in lines[summary + 4]  # published side by side
    assert lines[summary + 5].startswith("|   difficulty=easy | 2 | 2 | 75.0 | [")  # subset with a published score
    assert "| 86.3 |" in lines[summary + 5]
    assert "| accuracy | 50.0 |" in text and "| pass@2 |" in text and "| maj@2 |" in text
    assert "### by difficulty" in text
    assert "| easy | 2 | 75.0 | [" in text and text.count("| 86.3 |") == 2  # the subset's published score
    assert "| hard | 1 | 0.0 | — | — |" in text
    assert "| pass | 3 | 50.0 |" in text and "| no_answer | 1 | 16.7 |" in text
    assert "| 20.0 | 15.0 | 0.0 | 13.3 | 26.7 | 30 | 120 |" in text  # token stats
    assert "- `sampling.temperature`: 0.0" in text


def _comparison() -> dict:
    a = {f"p{i:02d}": (4, 0) for i in range(30)}
    b = {f"p{i:02d}": (4, 4 if i < 25 else 0) for i in range(30)}
    doc_a = document({"math500": task_entry(a), "gsm8k": task_entry({"x": (1, 1)})})
    doc_b = document({"math500": task_entry(b)})
    return compare_results(doc_a, doc_b, resamples=500, seed=0)


def test_compare_markdown_structure() -> None:
    text = compare_markdown(_comparison())
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| task |"))
    row = lines[header + 2]
    assert row.startswith("| math500 | 30 | 0.0 | 83.3 | +83.3 | [+")
    assert row.endswith("| yes | 25 | 0 | 25 | 0 |")
    assert "Tasks only in A: gsm8k" in text
    assert "math500, now pass (25): p00, p01" in text and "… (+5)" in text


def test_terminal_tables_render() -> None:
    console = Console(width=200, record=True)
    console.print(summary_table(_doc()))
    console.print(comparison_table(_comparison()))
    out = console.export_text()
    assert "lcb" in out and "50.0" in out and "86.4" in out
    assert "math500" in out and "+83.3" in out and "yes" in out

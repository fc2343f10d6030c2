"""``thinkforge compare`` through the CLI entry point, on results.json files written with results_document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _eval_factory import document, task_entry

from thinkforge.cli.main import main
from thinkforge.evaluate.results import write_results


def _runs(tmp_path: Path) -> tuple[Path, Path]:
    a = {f"p{i:02d}": (4, 0) for i in range(30)}
    b = {f"p{i:02d}": (4, 4 if i < 20 else 0) for i in range(30)}
    run_a, run_b = tmp_path / "a", tmp_path / "b"
    run_a.mkdir()
    run_b.mkdir()
    write_results(run_a, document({"math500": task_entry(a), "gsm8k": task_entry({"x": (1, 1)})}, "base"))
    write_results(run_b, document({"math500": task_entry(b)}, "tuned"))
    return run_a, run_b


def test_compare_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_a, run_b = _runs(tmp_path)
    assert main(["compare", str(run_a), str(run_b), "--resamples", "300"]) == 0
    out = capsys.readouterr().out
    assert "math500" in out and "+66.7" in out and "yes" in out
    assert "only in A: gsm8k" in out


def test_compare_json_and_markdown_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_a, run_b = _runs(tmp_path)
    report = tmp_path / "cmp.md"
    assert main(["compare", str(run_a), str(run_b), "--json", "--resamples", "300", "--out", str(report)]) == 0
    result = json.loads(capsys.readouterr().out)
    task = result["tasks"]["math500"]
    assert task["diff"] == pytest.approx(2 / 3) and task["significant"] is True
    assert len(task["flipped_to_pass"]) == 20
    assert result["a"] == {"path": str(run_a), "name": "base"}
    assert report.read_text().startswith("# Comparison (B − A)")
    out_json = tmp_path / "cmp.json"
    assert main(["compare", str(run_a), str(run_b), "--resamples", "300", "--out", str(out_json)]) == 0
    assert json.loads(out_json.read_text())["tasks"]["math500"] == task  # same seed, same numbers


def test_a_directory_without_results_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_a, _ = _runs(tmp_path)
    empty = tmp_path / "generate-only"
    empty.mkdir()
    assert main(["compare", str(run_a), str(empty)]) == 2
    err = capsys.readouterr().err
    assert "no results.json" in err and "generate-only" in err


def test_bad_resamples_is_exit_2(tmp_path: Path) -> None:
    run_a, run_b = _runs(tmp_path)
    assert main(["compare", str(run_a), str(run_b), "--resamples", "0"]) == 2

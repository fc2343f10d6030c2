"""``thinkforge grade-pairs``: the real CLI, as a subprocess and in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from thinkforge.cli.main import main

REPO = Path(__file__).resolve().parents[2]
EXE = REPO / ".venv" / "bin" / "thinkforge"

MATH_PAIRS = [
    {"id": "half", "gold": "\\frac{1}{2}", "response": "<think>let me see</think> So the answer is $\\boxed{0.5}$."},
    {"id": "x100", "gold": "5", "response": "The final answer is $\\boxed{500}$."},
    {"id": "cut", "gold": "7", "response": "<think>maybe 7", "finish_reason": "stop"},
    {"gold": 27.0, "response": "Answer: 27"},
    {"id": "sym", "gold": "2\\sqrt{3}", "response": "\\boxed{\\sqrt{12}}"},
]
MATH_EXPECTED = [
    {"id": "half", "passed": True, "status": "pass", "extracted": "0.5"},
    {"id": "x100", "passed": False, "status": "wrong", "extracted": "500"},
    {"id": "cut", "passed": False, "status": "truncated", "extracted": None},
    {"id": "4", "passed": True, "status": "pass", "extracted": "27"},
    {"id": "sym", "passed": True, "status": "pass", "extracted": "\\sqrt{12}"},
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_cli_subprocess_grades_pairs_in_order(tmp_path: Path, workers: str) -> None:
    pairs = _write(tmp_path / "pairs.jsonl", MATH_PAIRS)
    proc = subprocess.run([str(EXE), "grade-pairs", str(pairs), "--workers", workers], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert _lines(proc.stdout) == MATH_EXPECTED


def test_cli_in_process_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"id": "g1", "gold": "B", "response": "\\boxed{B}. This is a good choice."},
        {"id": "g2", "gold": "J", "response": "The answer is (J).", "letters": "ABCDEFGHIJ"},
        {"id": "g3", "gold": "A", "response": "I like DNA and RNA.", "letters": "ABCD"},
    ]
    pairs = _write(tmp_path / "mcq.jsonl", rows)
    assert main(["grade-pairs", str(pairs), "--domain", "choice"]) == 0
    out = _lines(capsys.readouterr().out)
    assert [(o["id"], o["status"], o["extracted"]) for o in out] == [("g1", "pass", "B"), ("g2", "pass", "J"), ("g3", "no_answer", None)]


def test_cli_answers_mode_compares_answer_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"id": "a", "gold": "\\frac{1}{2}", "response": "$0.5$"},
        {"id": "b", "gold": "(1,3)", "response": "(3,1)"},
        {"id": "c", "gold": "123456", "response": "123460"},
        {"id": "d", "gold": "10", "response": "The answer is 10"},  # not an answer string: no extraction
    ]
    pairs = _write(tmp_path / "answers.jsonl", rows)
    assert main(["grade-pairs", str(pairs), "--answers"]) == 0
    out = _lines(capsys.readouterr().out)
    assert [o["status"] for o in out] == ["pass", "wrong", "wrong", "wrong"]


def test_cli_gsm8k_fallback_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = _write(tmp_path / "gsm.jsonl", [{"gold": "18", "response": "16 - 3 - 4 = 9 eggs, 9 * 2 = 18 dollars."}])
    assert main(["grade-pairs", str(pairs), "--fallback", "last_number"]) == 0
    assert _lines(capsys.readouterr().out)[0]["status"] == "pass"
    assert main(["grade-pairs", str(pairs)]) == 0
    assert _lines(capsys.readouterr().out)[0]["status"] == "no_answer"


@pytest.mark.parametrize(
    "content,message",
    [
        ('{"gold": "1", "response": "1"}\n{"gold": "2"}\n', "bad.jsonl:2: field 'response'"),
        ('{"gold": "1", "response": "1"}\nnot json\n', "bad.jsonl:2: malformed JSON"),
        ('{"gold": "1", "response": 5}\n', "bad.jsonl:1: field 'response'"),
        ('{"gold": "1", "response": "1", "colour": "red"}\n', "bad.jsonl:1: field 'colour'"),
    ],
)
def test_bad_input_is_one_clear_error_and_no_output(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    proc = subprocess.run([str(EXE), "grade-pairs", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in " ".join(proc.stderr.split())


def test_bad_choice_gold_names_the_line(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.jsonl", [{"gold": "E", "response": "E", "letters": "ABCD"}])
    proc = subprocess.run([str(EXE), "grade-pairs", str(bad), "--domain", "choice"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "bad.jsonl:1: field 'gold'" in " ".join(proc.stderr.split())


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "grade-pairs", str(tmp_path / "nope.jsonl")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "no such file" in proc.stderr

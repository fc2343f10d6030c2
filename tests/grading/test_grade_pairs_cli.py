"""``thinkforge grade-pairs``: the real CLI, as a subprocess and in-process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from thinkforge.cli.main import main
from thinkforge.errors import ValidationError
from thinkforge.grading import grade_answer

THINKFORGE = [sys.executable, "-m", "thinkforge.cli.main"]  # the sources under test, whichever venv runs them

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
    proc = subprocess.run([*THINKFORGE, "grade-pairs", str(pairs), "--workers", workers], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert _lines(proc.stdout) == MATH_EXPECTED


def test_cli_in_process_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"id": "g1", "gold": "B", "response": "\\boxed{B}. This is a good choice."},
        {"id": "g2", "gold": "J", "response": "The answer is (J).", "letters": "ABCDEFGHIJ"},
        {"id": "g3", "gold": "A", "response": "I like DNA and RNA.", "letters": "ABCD"},
    ]
    pairs = _write(tmp_path / "mcq.jsonl", rows)
    assert main(["grade-pairs", str(pairs), "--domain", "mcq"]) == 0
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
    # No closing punctuation: not a complete statement, so only the GSM8K last-number fallback reads it.
    pairs = _write(tmp_path / "gsm.jsonl", [{"gold": "18", "response": "16 - 3 - 4 = 9 eggs, 9 * 2 = 18 dollars"}])
    assert main(["grade-pairs", str(pairs), "--fallback", "last_number"]) == 0
    assert _lines(capsys.readouterr().out)[0]["status"] == "pass"
    assert main(["grade-pairs", str(pairs)]) == 0
    assert _lines(capsys.readouterr().out)[0]["status"] == "no_answer"
    # The same sentence, complete: the prose reader takes the last value of the chain (Grading III).
    complete = _write(tmp_path / "gsm2.jsonl", [{"gold": "18", "response": "16 - 3 - 4 = 9 eggs, 9 * 2 = 18 dollars."}])
    assert main(["grade-pairs", str(complete)]) == 0
    assert _lines(capsys.readouterr().out)[0]["status"] == "pass"


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
    proc = subprocess.run([*THINKFORGE, "grade-pairs", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in " ".join(proc.stderr.split())


def test_bad_choice_gold_names_the_line(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.jsonl", [{"gold": "E", "response": "E", "letters": "ABCD"}])
    proc = subprocess.run([*THINKFORGE, "grade-pairs", str(bad), "--domain", "mcq"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "bad.jsonl:1: field 'gold'" in " ".join(proc.stderr.split())


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "grade-pairs", str(tmp_path / "nope.jsonl")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "no such file" in proc.stderr


MIXED = [
    {"id": "m1", "gold": "\\frac{1}{2}", "response": "so \\boxed{0.5}"},
    {"id": "c1", "domain": "mcq", "gold": "B", "response": "The answer is (B)."},
    {"id": "c2", "domain": "mcq", "gold": "C", "response": "The answer is (B).", "letters": "ABC"},
    {"id": "m2", "domain": "math", "gold": "7", "response": "no idea"},
    {"id": "c3", "domain": "choice", "gold": "A", "response": "\\boxed{A}"},  # the deprecated name still reads
]


def test_per_line_domain_and_summary_on_stderr(tmp_path: Path) -> None:
    pairs = _write(tmp_path / "mixed.jsonl", MIXED)
    proc = subprocess.run([*THINKFORGE, "grade-pairs", str(pairs)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [(o["id"], o["status"], o["extracted"]) for o in _lines(proc.stdout)] == [
        ("m1", "pass", "0.5"), ("c1", "pass", "B"), ("c2", "wrong", "B"), ("m2", "no_answer", None), ("c3", "pass", "A")]
    assert proc.stderr.strip() == "5 graded: 3 passed (60.0%); pass 3, wrong 1, no_answer 1"


def test_domain_flag_is_the_default_for_lines_without_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = _write(tmp_path / "p.jsonl", [{"gold": "B", "response": "(B)"}, {"domain": "math", "gold": "2", "response": "\\boxed{2}"}])
    for domain in ("mcq", "choice"):
        assert main(["grade-pairs", str(pairs), "--domain", domain]) == 0
        assert [o["status"] for o in _lines(capsys.readouterr().out)] == ["pass", "pass"]
    assert "mcq" in subprocess.run([*THINKFORGE, "grade-pairs", "--help"], capture_output=True, text=True).stdout


@pytest.mark.parametrize("domain", ["code", 3, ["math"]])
def test_bad_line_domain_names_the_line(tmp_path: Path, domain) -> None:
    bad = _write(tmp_path / "bad.jsonl", [{"gold": "1", "response": "1"}, {"gold": "1", "response": "1", "domain": domain}])
    proc = subprocess.run([*THINKFORGE, "grade-pairs", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "bad.jsonl:2: field 'domain': must be 'math' or 'mcq'" in " ".join(proc.stderr.split())


def test_grade_answer_domain_is_mcq_and_choice_is_a_deprecated_alias() -> None:
    verdict = grade_answer("B", "The answer is (B).", domain="mcq")
    assert verdict.status == "pass"
    with pytest.warns(DeprecationWarning, match="'choice' is deprecated, use 'mcq'"):
        assert grade_answer("B", "The answer is (B).", domain="choice") == verdict
    with pytest.raises(ValidationError, match="must be 'math' or 'mcq'"):
        grade_answer("B", "B", domain="code")


def test_the_documented_grade_pairs_example_gives_the_documented_output(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "grading.md").read_text(encoding="utf-8")
    body = text.split("## `grade-pairs` input", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", body, re.M | re.S)
    (example,) = [b for lang, b in blocks if lang == "jsonl"]
    (shown,) = [b for lang, b in blocks if b.startswith("$ thinkforge grade-pairs")]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(example, encoding="utf-8")
    proc = subprocess.run([*THINKFORGE, "grade-pairs", str(pairs)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _lines(proc.stdout) == [json.loads(line) for line in shown.splitlines() if line.startswith("{")]
    summary = next(line for line in shown.splitlines() if "graded:" in line)
    assert proc.stderr.strip() == summary.split("(stderr)")[0].strip()

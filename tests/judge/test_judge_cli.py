"""``thinkforge judge`` on a user's own solutions file."""

from __future__ import annotations

import gzip
import json

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

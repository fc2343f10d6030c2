"""Problem ids in the short form (``HumanEval/3``, ``p2``) and the full form (``humaneval/HumanEval/3``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from thinkforge.cli.main import main
from thinkforge.errors import ThinkforgeError
from thinkforge.tasks import UnknownProblemError, get_task, resolve_id

KNOWN = {"humaneval/HumanEval/3", "mbpp/11", "t/a", "t/t/a"}


@pytest.mark.parametrize("task,query,expected", [
    ("humaneval", "humaneval/HumanEval/3", "humaneval/HumanEval/3"),
    ("humaneval", "HumanEval/3", "humaneval/HumanEval/3"),
    ("mbpp", "11", "mbpp/11"),
    ("mbpp", "mbpp/11", "mbpp/11"),
    ("mbpp", "Mbpp/11", "mbpp/11"),  # evalplus spells the task prefix its own way
    ("t", "t/t/a", "t/t/a"),
])
def test_resolve_id_accepts_short_and_full_forms(task, query, expected):
    assert resolve_id(task, KNOWN, query) == expected


@pytest.mark.parametrize("task,query", [("humaneval", "3"), ("mbpp", "12"), ("mbpp", "mbpp/mbpp/11")])
def test_resolve_id_unknown(task, query):
    with pytest.raises(UnknownProblemError, match="unknown problem"):
        resolve_id(task, KNOWN, query)


def test_resolve_id_ambiguous_lists_the_candidates():
    with pytest.raises(ThinkforgeError, match="ambiguous: it names 't/a' and 't/t/a'"):
        resolve_id("t", KNOWN, "t/a")


def _user_task(tmp_path: Path) -> Path:
    rows = [{"id": f"p{i}", "q": f"What is {i}+{i}?", "a": str(2 * i)} for i in range(1, 4)]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = tmp_path / "my_math.yaml"
    spec.write_text("name: my_math\ndomain: math\npath: d.jsonl\nfields: {id: id, prompt: q, answer: a}\n")
    return spec


def test_load_selects_by_short_or_full_id(tmp_path):
    spec = get_task(str(_user_task(tmp_path)))
    assert [p.id for p in spec.load(ids=["p2", "my_math/p3"])] == ["my_math/p2", "my_math/p3"]
    with pytest.raises(ThinkforgeError, match="no problem with id p9 .*ids look like 'my_math/p1' or 'p1'"):
        spec.load(ids=["p9"])


def test_tasks_show_accepts_the_source_id(capsys):
    assert main(["tasks", "show", "humaneval", "--ids", "HumanEval/3", "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["problem"]["id"] == "humaneval/HumanEval/3"


def test_generate_accepts_a_short_id(tmp_path):
    task = _user_task(tmp_path)
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "generate", "--task", str(task), "--ids", "p2",
                           "--limit", "0", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_tasks_doc_shows_every_user_task_key(repo_root):
    """docs/tasks.md's YAML example names every key a user task accepts (grader_options included)."""
    import dataclasses
    import re

    from thinkforge.tasks import UserTaskConfig

    text = (repo_root / "docs" / "tasks.md").read_text(encoding="utf-8")
    block = re.search(r"## User tasks \(YAML\)\n```yaml\n(.*?)```", text, re.S).group(1)
    missing = [f.name for f in dataclasses.fields(UserTaskConfig) if not re.search(rf"(^|\s){f.name}:", block, re.M)]
    assert missing == []
    assert "### `grader_options:`" in text


def test_grader_options_from_a_task_yaml_reach_the_grader(tmp_path):
    from thinkforge.grading import grade
    from thinkforge.records import Sample

    (tmp_path / "d.jsonl").write_text(json.dumps({"q": "2*9?", "a": "18"}) + "\n")
    spec = tmp_path / "t.yaml"
    spec.write_text("name: t\ndomain: math\npath: d.jsonl\nfields: {prompt: q, answer: a}\n"
                    "grader_options: {fallback: last_number}\n")
    (problem,) = get_task(str(spec)).load()
    sample = Sample(problem_id=problem.id, model="m", index=0, text="2 * 9 = 18 dollars.", key="k")
    assert grade(problem, sample).status == "pass"

"""APPS/TACO rows through a user task (the Sky-T1 hub pools' YAMLs): a call-based row (``fn_name``) is judged by
calling the function, with Sky-T1's call-based prompt; a stdin row stays stdin — one task may hold both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from thinkforge.errors import ThinkforgeError
from thinkforge.tasks.user import task_from_yaml

REPO = Path(__file__).resolve().parents[2]
ROWS = [
    {"question": "Read n, print n + 1.", "starter_code": "", "difficulty": "EASY",
     "input_output": json.dumps({"inputs": ["1\n", "41\n"], "outputs": ["2\n", "42\n"]})},
    {"question": "Return the sum of a list.", "starter_code": "def total(xs):\n", "difficulty": "EASY",
     "input_output": json.dumps({"fn_name": "total", "inputs": [[[1, 2]], [[]]], "outputs": [[3], [0]]})},
    {"question": "Twice x.", "starter_code": "class Solution:\n    def twice(self, x):\n", "difficulty": "MEDIUM",
     "input_output": json.dumps({"fn_name": "twice", "inputs": [[2]], "outputs": [4]})},
]


@pytest.mark.parametrize("shipped", ["apps_test", "taco_train", "taco_test"])
def test_hub_pool_yamls_judge_call_based_rows_by_calling(shipped: str, tmp_path: Path) -> None:
    spec = yaml.safe_load((REPO / "recipes" / "tasks" / f"{shipped}.yaml").read_text())
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    local = {k: v for k, v in spec.items() if k != "hub"} | {"path": str(data), "name": f"{shipped}_local"}
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(local))
    stdin, call, method = task_from_yaml(path).load()
    assert stdin.reference["style"] == "stdin" and stdin.reference["tests"][1] == {"input": "41\n", "output": "42\n"}
    assert "take stdin as input" in stdin.prompt and stdin.meta["template"] == "apps_stdin"
    assert call.reference["style"] == "functional" and call.reference["func_name"] == "total"
    assert call.reference["tests"] == [{"args": [[1, 2]], "expected": 3}, {"args": [[]], "expected": 0}]
    assert call.meta["template"] == "apps_functional" and "take stdin as input" not in call.prompt
    assert method.reference["class_name"] == "Solution" and method.reference["tests"] == [{"args": [2], "expected": 4}]


def test_mismatched_inputs_and_outputs_name_the_field(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    row = {**ROWS[1], "input_output": json.dumps({"fn_name": "f", "inputs": [[1]], "outputs": []})}
    data.write_text(json.dumps(row) + "\n")
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", "domain": "code", "style": "stdin", "path": str(data),
                                    "fields": {"prompt": "question", "tests": "input_output"}}))
    with pytest.raises(ThinkforgeError, match="input_output"):
        task_from_yaml(path).load()

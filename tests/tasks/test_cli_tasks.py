"""``thinkforge tasks list`` and ``thinkforge tasks show``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from thinkforge.cli.main import main


def test_list_json_has_every_task_with_name_domain_size(capsys) -> None:
    assert main(["tasks", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in rows}
    assert by_name["aime24"]["size"] == 30 and by_name["aime24"]["domain"] == "math"
    assert by_name["livecodebench"]["size"] == 342 and by_name["livecodebench"]["grader"] == "code"
    assert by_name["gpqa_diamond"]["domain"] == "mcq"
    assert all({"name", "domain", "size", "grader", "source"} <= set(r) for r in rows)


def test_list_table(capsys) -> None:
    assert main(["tasks", "list"]) == 0
    out = capsys.readouterr().out
    assert "math500" in out and "1319" in out


def test_show_renders_messages_exactly_with_the_reference(capsys) -> None:
    assert main(["tasks", "show", "amc23", "--n", "2", "--system-prompt", "qwen", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(lines) == 2
    first = lines[0]
    assert first["messages"][0] == {"role": "system", "content": "You are a helpful and harmless assistant. You are Qwen developed by Alibaba. You should think step-by-step."}
    assert first["messages"][1]["content"].startswith("Return your final response within \\boxed{}. Cities $A$ and $B$")
    assert first["problem"]["reference"] == {"answer": "27"}
    assert len(first["template_hash"]) == 24


def test_show_human_readable_with_options(capsys) -> None:
    assert main(["tasks", "show", "livecodebench", "--n", "1", "-o", "platform=leetcode"]) == 0
    out = capsys.readouterr().out
    assert "livecodebench/" in out and "Return the function body" in out and '"style": "functional"' in out


def test_show_a_user_file_with_a_mapping(tmp_path: Path, capsys) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"question": "1+1?", "gold": 2}) + "\n")
    assert main(["tasks", "show", "--file", str(path), "--map", "prompt=question,answer=gold", "--domain", "math", "--json"]) == 0
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert line["problem"]["id"] == "data/0" and line["problem"]["reference"] == {"answer": "2"}


def test_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "tasks", "show", "aime2024"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unknown task 'aime2024'" in result.stderr and "aime24" in result.stderr
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"question": "1+1?", "gold": 2}) + "\n")
    result = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "tasks", "show", "--file", str(path),
                             "--map", "prompt=question,answer=answer", "--domain", "math"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "field 'answer'" in result.stderr.replace("\n", " ") and "data.jsonl:1" in result.stderr


def test_show_json_keeps_stdout_pure_json(capsys) -> None:
    assert main(["tasks", "show", "gsm8k", "--n", "2", "--json"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(line)["problem"]["id"] for line in captured.out.splitlines()] == ["gsm8k/0", "gsm8k/1"]
    assert "showed 2 of" in captured.err


def _first_prompt(capsys, *args: str) -> str:
    assert main(["tasks", "show", "gsm8k", "--n", "1", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out.splitlines()[0])["messages"][-1]["content"]


def test_template_option_takes_effect_like_the_flag(capsys) -> None:
    default = _first_prompt(capsys)
    by_option = _first_prompt(capsys, "-o", "template=plain")
    by_flag = _first_prompt(capsys, "--template", "plain")
    assert by_option == by_flag != default
    assert _first_prompt(capsys, "-o", "template=plain", "--template", "math") == _first_prompt(capsys, "--template", "math")

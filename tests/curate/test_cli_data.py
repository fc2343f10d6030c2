"""``thinkforge dedup`` / ``thinkforge decontaminate`` on a user's dataset in every supported layout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from thinkforge.cli.main import main
from thinkforge.curate.decontaminate import problem_text
from thinkforge.tasks import get_task

UNRELATED = "A farmer has 17 sheep and buys 5 more at the market on Tuesday. How many sheep does the farmer have now?"


def _rows() -> list[dict]:
    aime = problem_text(get_task("aime24").load()[3])
    return [
        {"id": "u1", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": UNRELATED},
                                  {"role": "assistant", "content": "22"}], "extra": 1},
        {"id": "c1", "messages": [{"role": "user", "content": aime}, {"role": "assistant", "content": "x"}]},
        {"id": "d1", "messages": [{"role": "user", "content": UNRELATED.upper()}, {"role": "assistant", "content": "22"}]},
    ]


def _write(tmp_path: Path, layout: str, rows: list[dict]) -> Path:
    if layout == "jsonl":
        path = tmp_path / "data.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif layout == "sharegpt":
        path = tmp_path / "data.json"
        converted = [{"id": r["id"], "system": "s", "conversations": [
            {"from": "human" if m["role"] == "user" else "gpt", "value": m["content"]}
            for m in r["messages"] if m["role"] != "system"]} for r in rows]
        path.write_text(json.dumps(converted))
    elif layout == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "data.parquet"
        pq.write_table(pa.Table.from_pylist([{"id": r["id"], "prompt": r["messages"][-2]["content"]} for r in rows]), path)
    else:
        import datasets

        path = tmp_path / "hf"
        datasets.Dataset.from_list([{"id": r["id"], "question": r["messages"][-2]["content"]} for r in rows]).save_to_disk(str(path))
    return path


@pytest.mark.parametrize("layout", ["jsonl", "sharegpt", "parquet", "datasets"])
def test_decontaminate_and_dedup_every_layout(tmp_path: Path, layout: str) -> None:
    data = _write(tmp_path, layout, _rows())
    field = ["--field", "question"] if layout == "datasets" else []
    out, report = tmp_path / "clean.jsonl", tmp_path / "report.json"
    assert main(["decontaminate", str(data), "--against", "all", "--out", str(out), "--report", str(report), *field]) == 0
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in kept] == ["u1", "d1"]
    rep = json.loads(report.read_text())
    assert rep["rows_dropped"][0]["id"] == "c1" and rep["rows_dropped"][0]["task"] == "aime24"
    assert main(["dedup", str(out), "--out", str(tmp_path / "dd.jsonl"), "--report", str(tmp_path / "dd.json"), *field]) == 0
    assert [json.loads(line)["id"] for line in (tmp_path / "dd.jsonl").read_text().splitlines()] == ["u1"]
    assert json.loads((tmp_path / "dd.json").read_text())["rows_dropped"][0]["duplicate_of_id"] == "u1"
    if layout == "jsonl":
        assert kept[0] == _rows()[0]  # every field kept as is


def test_rows_without_ids_are_named_by_row_number(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"prompt": UNRELATED}) + "\n" + json.dumps({"prompt": UNRELATED}) + "\n")
    assert main(["dedup", str(data), "--out", str(tmp_path / "o.jsonl"), "--report", str(tmp_path / "r.json")]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["rows_dropped"][0]["id"] == "1"


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('{"text": "x"}\n', [], "name the text column with --field"),
        ('{"prompt": "x"}\n', ["--field", "question"], "field 'question'"),
        ('{"prompt": "x"\n', [], "malformed JSON"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
                                      args: list[str], message: str) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(content)
    out = tmp_path / "o.jsonl"
    assert main(["dedup", str(data), "--out", str(out), "--report", str(tmp_path / "r.json"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_unknown_task_is_an_error_with_suggestions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"prompt": UNRELATED}) + "\n")
    code = main(["decontaminate", str(data), "--against", "math5000", "--out", str(tmp_path / "o"), "--report", str(tmp_path / "r")])
    assert code == 2 and "did you mean math500" in capsys.readouterr().err


def test_cli_subprocess_prints_summary(tmp_path: Path) -> None:
    data = _write(tmp_path, "jsonl", _rows())
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "dedup", str(data), "--out",
                           str(tmp_path / "o.jsonl"), "--report", str(tmp_path / "r.json")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "dedup: 3 rows, kept 2, dropped 1" in proc.stderr

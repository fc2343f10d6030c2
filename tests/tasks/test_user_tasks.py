"""Bring-your-own tasks: local files with a field mapping (flags or YAML), the datasets path, clear errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from thinkforge.errors import ThinkforgeError
from thinkforge.tasks import get_task, render, task_from_mapping

ROWS = [
    {"qid": "q1", "question": "What is 2+3?", "gold": 5.0, "sol": "It is \\boxed{5}."},
    {"qid": "q2", "question": "What is 10*10?", "gold": "100", "sol": "So \\boxed{100}"},
]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_math_task_end_to_end(tmp_path: Path) -> None:
    spec = task_from_mapping(_jsonl(tmp_path / "mine.jsonl", ROWS), "id=qid,prompt=question,answer=gold", "math")
    problems = spec.load()
    assert [p.id for p in problems] == ["mine/q1", "mine/q2"]
    assert [p.reference["answer"] for p in problems] == ["5", "100"]
    assert problems[0].prompt == "Return your final response within \\boxed{}. What is 2+3?"
    assert render(problems[0], "qwen").messages[1]["content"] == problems[0].prompt
    assert spec.grader == "math" and spec.size == 2


def test_yaml_task_with_boxed_extraction_and_relative_path(tmp_path: Path) -> None:
    _jsonl(tmp_path / "d.jsonl", ROWS)
    (tmp_path / "pool.yaml").write_text(
        "name: pool\ndomain: math\npath: d.jsonl\nfields: {prompt: question, answer: sol, meta.src: qid}\n"
        "answer_extract: boxed\ntemplate: aime\nsampling: {temperature: 0.6, n: 4}\n"
    )
    spec = get_task(str(tmp_path / "pool.yaml"))
    problems = spec.load()
    assert [p.reference["answer"] for p in problems] == ["5", "100"]
    assert problems[1].id == "pool/1" and problems[1].meta["src"] == "q2"
    assert problems[0].prompt.endswith("\nReturn your final response within \\boxed{}")
    assert spec.default_sampling["temperature"] == 0.6 and spec.default_sampling["max_tokens"] == 32768


def test_csv_parquet_json_and_gzip_give_the_same_problems(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{k: str(v) for k, v in r.items()} for r in ROWS]
    (tmp_path / "t.csv").write_text("qid,question,gold\n" + "".join(f'{r["qid"]},"{r["question"]}",{r["gold"]}\n' for r in rows))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "t.parquet")
    (tmp_path / "t.json").write_text(json.dumps(rows))
    with gzip.open(tmp_path / "t.jsonl.gz", "wt") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in rows))
    results = []
    for name in ("t.csv", "t.parquet", "t.json", "t.jsonl.gz"):
        spec = task_from_mapping(tmp_path / name, "id=qid,prompt=question,answer=gold", "math", name="t")
        results.append([(p.id, p.prompt, p.reference["answer"]) for p in spec.load()])
    assert all(r == results[0] for r in results) and len(results[0]) == 2


def test_mcq_task_answer_by_letter_index_or_text(tmp_path: Path) -> None:
    rows = [
        {"q": "Sky colour?", "a": "red", "b": "blue", "c": "green", "key": "B"},
        {"q": "Grass colour?", "a": "red", "b": "blue", "c": "green", "key": "green"},
        {"q": "Blood colour?", "a": "red", "b": "blue", "c": "green", "key": 0},
    ]
    spec = task_from_mapping(_jsonl(tmp_path / "m.jsonl", rows), "prompt=q,choices=a+b+c,answer=key", "mcq")
    problems = spec.load()
    assert [p.reference["answer"] for p in problems] == ["B", "C", "A"]
    assert problems[0].reference == {"choices": ["red", "blue", "green"], "answer": "B", "letters": "ABC"}
    assert "(A, B, or C)" in problems[0].prompt and "\nC) green" in problems[0].prompt


def test_code_task_stdin_and_functional(tmp_path: Path) -> None:
    rows = [{"text": "Echo the input.", "tests": json.dumps([{"input": "1\n", "output": "1\n"}])}]
    spec = task_from_mapping(_jsonl(tmp_path / "c.jsonl", rows), "prompt=text,tests=tests", "code", style="stdin")
    assert spec.load()[0].reference == {"style": "stdin", "tests": [{"input": "1\n", "output": "1\n"}]}
    rows = [{"text": "Add.", "fn": "add", "tests": [{"args": [1, 2], "expected": 3}]}]
    spec = task_from_mapping(_jsonl(tmp_path / "f.jsonl", rows), "prompt=text,tests=tests,func_name=fn", "code", style="functional")
    assert spec.load()[0].reference == {"style": "functional", "func_name": "add", "class_name": None, "tests": [{"args": [1, 2], "expected": 3}]}


def test_code_task_assertion_program_or_assert_list(tmp_path: Path) -> None:
    rows = [{"text": "Inc.", "check": "assert inc(1) == 2\n"}]
    spec = task_from_mapping(_jsonl(tmp_path / "a.jsonl", rows), "prompt=text,test_program=check", "code", style="assertion")
    assert spec.load()[0].reference == {"style": "assertion", "test_program": "assert inc(1) == 2\n"}
    rows = [{"text": "Inc.", "asserts": ["assert inc(1) == 2", "assert inc(2) == 3"], "setup": "import math", "fn": "inc"}]
    spec = task_from_mapping(_jsonl(tmp_path / "b.jsonl", rows), "prompt=text,tests=asserts,test_setup=setup,entry_point=fn",
                             "code", style="assertion")
    assert spec.load()[0].reference == {"style": "assertion", "tests": ["assert inc(1) == 2", "assert inc(2) == 3"],
                                        "test_setup": "import math", "entry_point": "inc"}
    rows = [{"text": "Inc.", "asserts": {"not": "a list"}}]
    spec = task_from_mapping(_jsonl(tmp_path / "c.jsonl", rows), "prompt=text,tests=asserts", "code", style="assertion")
    with pytest.raises(ThinkforgeError, match=r"c\.jsonl:1.*assert snippets"):
        spec.load()


def test_wrong_mapping_names_the_missing_field_and_the_file(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "mine.jsonl", ROWS)
    spec = task_from_mapping(path, "prompt=question,answer=answer", "math")
    with pytest.raises(ThinkforgeError) as err:
        spec.load()
    message = str(err.value)
    assert f"{path}:1" in message and "'answer'" in message and "qid, question, gold, sol" in message


def test_mapping_errors_before_reading(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "mine.jsonl", ROWS)
    with pytest.raises(ThinkforgeError, match="needs 'answer'"):
        task_from_mapping(path, "prompt=question", "math")
    with pytest.raises(ThinkforgeError, match="unknown field mapping key 'anwser'"):
        task_from_mapping(path, "prompt=question,answer=gold,anwser=gold", "math")
    with pytest.raises(ThinkforgeError, match="not of the form key=source_field"):
        task_from_mapping(path, "prompt", "math")
    with pytest.raises(ThinkforgeError, match="domain must be one of"):
        task_from_mapping(path, "prompt=question,answer=gold", "maths")
    with pytest.raises(ThinkforgeError, match="needs style"):
        task_from_mapping(path, "prompt=question,tests=gold", "code")


def test_malformed_line_and_missing_file_are_clear(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{not json\n")
    with pytest.raises(ThinkforgeError, match=f"{path}:2: malformed JSON"):
        task_from_mapping(path, "prompt=question,answer=gold", "math").load()
    with pytest.raises(ThinkforgeError, match="data file not found"):
        task_from_mapping(tmp_path / "nope.jsonl", "prompt=question,answer=gold", "math").load()


def test_yaml_unknown_key_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("name: t\ndomain: math\npath: d.jsonl\nfeilds: {prompt: q}\n")
    with pytest.raises(ThinkforgeError, match=r"t.yaml:4: unknown config key 'feilds'"):
        get_task(str(tmp_path / "t.yaml"))


def test_hub_source_reads_a_local_data_files_folder_with_load_dataset(tmp_path: Path) -> None:
    folder = tmp_path / "hubdata"
    folder.mkdir()
    _jsonl(folder / "test.jsonl", ROWS)
    (tmp_path / "h.yaml").write_text(
        f"name: h\ndomain: math\nfields: {{id: qid, prompt: question, answer: gold}}\nhub: {{id: {folder}, split: test}}\n"
    )
    problems = get_task(str(tmp_path / "h.yaml")).load()
    assert [(p.id, p.reference["answer"]) for p in problems] == [("h/q1", "5"), ("h/q2", "100")]


def test_builtin_task_with_source_hub_reads_a_saved_dataset(tmp_path: Path, data, monkeypatch) -> None:
    """``--source hub`` on a built-in task goes through datasets; point its hub id at a save_to_disk copy."""
    import dataclasses

    import datasets

    from thinkforge.tasks.io import read_rows
    from thinkforge.tasks.spec import HubSource

    rows = [dict(r.data) for r in read_rows(data / "aime24/test.jsonl")]
    datasets.DatasetDict({"train": datasets.Dataset.from_list(rows)}).save_to_disk(str(tmp_path / "aime"))
    spec = dataclasses.replace(get_task("aime24"), hub=HubSource(str(tmp_path / "aime"), "train"))
    hub = spec.load(source="hub")
    assert [(p.id, p.prompt, p.reference) for p in hub] == [(p.id, p.prompt, p.reference) for p in spec.load()]
    with pytest.raises(ThinkforgeError, match="no split 'test'"):
        dataclasses.replace(spec, hub=HubSource(str(tmp_path / "aime"), "test")).load(source="hub")
    with pytest.raises(ThinkforgeError, match="has no hub id"):
        get_task("math").load(source="hub")


def test_missing_data_folder_says_how_to_point_at_it(tmp_path: Path, monkeypatch) -> None:
    from thinkforge.tasks import data_dir

    monkeypatch.setenv("THINKFORGE_DATA", str(tmp_path / "absent"))
    with pytest.raises(ThinkforgeError, match="THINKFORGE_DATA"):
        data_dir()
    monkeypatch.setenv("THINKFORGE_DATA", str(tmp_path))
    with pytest.raises(ThinkforgeError, match="task data file not found: .*aime24/test.jsonl"):
        get_task("aime24").data_path()

"""Training data: every accepted layout reads to the same conversations; bad rows name file, row and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _train_helpers import SYSTEM, trace

from thinkforge.errors import ValidationError
from thinkforge.train.data import load_conversations, split_heldout

MESSAGES = [trace(11, 22), trace(33, 44)]


def sharegpt(messages: list[dict[str, str]]) -> dict:
    names = {"user": "human", "assistant": "gpt"}
    return {
        "system": messages[0]["content"],
        "conversations": [{"from": names[m["role"]], "value": m["content"]} for m in messages[1:]],
    }


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def as_messages(path: Path) -> list[list[dict[str, str]]]:
    return [list(c.messages) for c in load_conversations(path)]


def test_every_layout_reads_to_the_same_conversations(tmp_path: Path) -> None:
    import datasets

    jsonl = write_jsonl(tmp_path / "m.jsonl", [{"messages": m} for m in MESSAGES])
    share_json = tmp_path / "s.json"
    share_json.write_text(json.dumps([sharegpt(m) for m in MESSAGES]), encoding="utf-8")
    share_jsonl = write_jsonl(tmp_path / "s.jsonl", [sharegpt(m) for m in MESSAGES])
    ds_dir = tmp_path / "ds"
    datasets.Dataset.from_list([{"messages": m} for m in MESSAGES]).save_to_disk(str(ds_dir))
    curate = tmp_path / "curate-run"
    (curate / "export").mkdir(parents=True)
    write_jsonl(curate / "export" / "messages.jsonl", [{"messages": m} for m in MESSAGES])
    for path in (jsonl, share_json, share_jsonl, ds_dir, curate):
        assert as_messages(path) == MESSAGES, path
    assert MESSAGES[0][0] == {"role": "system", "content": SYSTEM}


@pytest.mark.parametrize(
    ("row", "pattern"),
    [
        ({"messages": [{"role": "user", "content": "hi"}]}, r"bad.jsonl:2: field 'messages': row 2: no assistant turn"),
        ({"prompt": "hi", "answer": "yo"}, r"bad.jsonl:2: field 'messages': row 2: unknown column layout \(keys: answer, prompt\)"),
        ({"conversations": [{"from": "bot", "value": "x"}]}, r"bad.jsonl:2: field 'conversations\[0\].from': row 2: unknown speaker 'bot'"),
        ({"messages": [{"role": "user"}]}, r"bad.jsonl:2: field 'messages\[0\]': row 2: each message needs 'role' and 'content'"),
        ({"messages": [{"role": "assistant", "content": 3}]}, r"bad.jsonl:2: field 'messages\[0\].content': row 2: content must be text"),
        ({"messages": [{"role": "assistant", "content": "   "}]}, r"bad.jsonl:2: field 'messages': row 2: no assistant turn"),
    ],
)
def test_bad_rows_name_file_row_and_field(tmp_path: Path, row: dict, pattern: str) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"messages": MESSAGES[0]}, row])
    with pytest.raises(ValidationError, match=pattern):
        load_conversations(path)


def test_unknown_paths_and_file_types_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="training data not found"):
        load_conversations(tmp_path / "missing.jsonl")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(ValidationError, match="unknown data file type"):
        load_conversations(tmp_path / "x.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValidationError, match="neither a datasets save_to_disk directory nor a curate run"):
        load_conversations(tmp_path / "empty")


@pytest.mark.parametrize(("n", "fraction", "size", "n_eval"), [(20, 0.1, 0, 2), (20, 0.0, 0, 0), (20, 0.5, 3, 3), (3, 0.01, 0, 1)])
def test_heldout_split_sizes_and_determinism(tmp_path: Path, n: int, fraction: float, size: int, n_eval: int) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"messages": trace(10 + i, 20)} for i in range(n)])
    rows = load_conversations(path)
    train, held = split_heldout(rows, fraction=fraction, size=size, seed=1)
    assert len(held) == n_eval and len(train) == n - n_eval
    assert {r.row for r in train} | {r.row for r in held} == set(range(1, n + 1))
    assert split_heldout(rows, fraction=fraction, size=size, seed=1) == (train, held)


def test_a_heldout_split_that_leaves_nothing_to_train_fails(tmp_path: Path) -> None:
    rows = load_conversations(write_jsonl(tmp_path / "d.jsonl", [{"messages": m} for m in MESSAGES]))
    with pytest.raises(ValidationError, match="leaves no training rows"):
        split_heldout(rows, fraction=0.0, size=2, seed=0)

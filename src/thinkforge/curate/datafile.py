"""Reading a user's dataset for the standalone ``dedup``/``decontaminate`` commands, and atomic outputs.

DATA is a JSONL (optionally gzipped), JSON (a list of objects), Parquet file, or a ``datasets``
``save_to_disk`` directory. The text of a row is ``--field NAME`` when given, else ``prompt``, else the first
user message of ``messages``, else the first ``from: user``/``human`` turn of ShareGPT ``conversations``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from thinkforge.errors import ThinkforgeError, ValidationError
from thinkforge.jsonl import dumps, iter_json_lines, open_text

Row = dict[str, Any]


def read_dataset(path: str | Path) -> list[Row]:
    """Every row of DATA as a dict (see module docstring for the formats)."""
    path = Path(path)
    if path.is_dir():
        if not (path / "dataset_info.json").is_file() and not (path / "state.json").is_file():
            raise ThinkforgeError(f"{path}: a directory must be a datasets save_to_disk folder (no dataset_info.json)")
        import datasets

        loaded = datasets.load_from_disk(str(path))
        if isinstance(loaded, datasets.DatasetDict):
            raise ThinkforgeError(f"{path} holds several splits ({', '.join(loaded)}); point at one split's folder")
        return [dict(r) for r in loaded.to_list()]
    if not path.is_file():
        raise ThinkforgeError(f"data file not found: {path}")
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    if name.endswith((".jsonl", ".ndjson")):
        rows = [_object(obj, path, line) for line, obj in iter_json_lines(path)]
    elif name.endswith(".json"):
        with open_text(path) as fh:
            data = json.load(fh)
        if not isinstance(data, list):
            raise ValidationError("a JSON dataset must be a list of objects", path=path)
        rows = [_object(obj, path, i + 1) for i, obj in enumerate(data)]
    elif name.endswith(".parquet"):
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
    else:
        raise ThinkforgeError(f"{path}: unknown data format (use .jsonl, .json, .parquet or a datasets folder)")
    return rows


def _object(obj: Any, path: Path, line: int) -> Row:
    if not isinstance(obj, dict):
        raise ValidationError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=line)
    return obj


def row_text(row: Row, field: str | None = None) -> str:
    """The prompt text of one row (``field``, else prompt / messages / ShareGPT conversations)."""
    if field is not None:
        if field not in row:
            raise ValidationError("row has no such field", field=field)
        return _as_text(row[field], field)
    if isinstance(row.get("prompt"), str):
        return row["prompt"]
    for key, role_key, text_key, roles in (("messages", "role", "content", ("user",)),
                                           ("conversations", "from", "value", ("user", "human"))):
        turns = row.get(key)
        if isinstance(turns, list):
            for turn in turns:
                if isinstance(turn, dict) and turn.get(role_key) in roles:
                    return _as_text(turn.get(text_key), f"{key}.{text_key}")
    raise ValidationError("row has no 'prompt', user message in 'messages' or user turn in 'conversations'; "
                          "name the text column with --field")


def _as_text(value: Any, field: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # multimodal-style content parts
        return " ".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in value)
    raise ValidationError(f"expected text, got {type(value).__name__}", field=field)


def texts_and_ids(rows: list[Row], field: str | None, path: str | Path) -> tuple[list[str], list[str]]:
    """The text and report id (``id`` field, else row number from 0) of every row; errors name the row."""
    texts: list[str] = []
    ids: list[str] = []
    for i, row in enumerate(rows):
        try:
            texts.append(row_text(row, field))
        except ValidationError as exc:
            raise ValidationError(f"row {i}: {exc.message}", field=exc.field, path=path) from None
        ids.append(str(row["id"]) if row.get("id") is not None else str(i))
    return texts, ids


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write one JSON document atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_rows_atomic(path: str | Path, rows: Iterable[Row]) -> int:
    """Write rows as JSONL atomically; values JSON cannot hold (dates) become strings."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    count = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            try:
                fh.write(dumps(row) + "\n")
            except TypeError:
                fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            count += 1
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return count

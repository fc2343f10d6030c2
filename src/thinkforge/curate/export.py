"""Export of a curated set: TRL messages JSONL, LLaMA-Factory ShareGPT + ``dataset_info.json``, ``datasets`` dir.

Layout inside a curate run directory::

    RUN_DIR/export/messages.jsonl      {"messages": [system, user, assistant], "id", "task", "pool", "domain"}
    RUN_DIR/export/sharegpt.json       [{"system", "conversations": [{"from": "user"}, {"from": "assistant"}], ...}]
    RUN_DIR/export/dataset_info.json   LLaMA-Factory's registry entry for sharegpt.json
    RUN_DIR/export/hf/                 datasets.Dataset.save_to_disk of the messages rows

ShareGPT follows LLaMA-Factory's documented ``dataset_info.json`` fields (``file_name``, ``formatting:
sharegpt``, ``columns`` {messages, system}, ``tags`` {role_tag, content_tag, user_tag, assistant_tag}) with
Sky-T1's role names (``user``/``assistant``).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from thinkforge.curate.datafile import write_json_atomic, write_rows_atomic
from thinkforge.errors import ThinkforgeError
from thinkforge.tasks.prompts import system_prompt_text

FORMATS: tuple[str, ...] = ("messages", "sharegpt", "hf")
SHAREGPT_TAGS = {"role_tag": "from", "content_tag": "value", "user_tag": "user", "assistant_tag": "assistant"}


@dataclass(frozen=True)
class ExportRow:
    """One training example: the user prompt as the model saw it and the (reformatted) assistant text."""

    id: str
    task: str
    pool: str
    domain: str
    user: str
    assistant: str


def messages_row(row: ExportRow, system: str | None) -> dict[str, Any]:
    """TRL conversational form (``messages``), plus id/task/pool/domain columns."""
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": row.user}, {"role": "assistant", "content": row.assistant}]
    return {"messages": messages, "id": row.id, "task": row.task, "pool": row.pool, "domain": row.domain}


def sharegpt_row(row: ExportRow, system: str | None) -> dict[str, Any]:
    """Sky-T1's ShareGPT layout: system + conversations from user / assistant."""
    return {"system": system or "", "conversations": [{"from": "user", "value": row.user},
                                                      {"from": "assistant", "value": row.assistant}],
            "id": row.id, "task": row.task}


def dataset_info(name: str, file_name: str = "sharegpt.json") -> dict[str, Any]:
    """LLaMA-Factory's ``dataset_info.json`` entry for the ShareGPT file."""
    return {name: {"file_name": file_name, "formatting": "sharegpt",
                   "columns": {"messages": "conversations", "system": "system"}, "tags": dict(SHAREGPT_TAGS)}}


def export(rows: Sequence[ExportRow], out_dir: str | Path, name: str = "thinkforge_curated",
           system_prompt: str | None = "sky_t1", formats: Sequence[str] = FORMATS) -> dict[str, str]:
    """Write the requested formats into ``out_dir`` (each file atomically); returns format → path."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ThinkforgeError(f"unknown export format '{unknown[0]}' (known: {', '.join(FORMATS)})")
    if not rows:
        raise ThinkforgeError("nothing to export: the curated set is empty (see the data card for the drops)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    system = system_prompt_text(system_prompt)
    paths: dict[str, str] = {}
    messages = [messages_row(r, system) for r in rows]
    if "messages" in formats:
        write_rows_atomic(out / "messages.jsonl", messages)
        paths["messages"] = str(out / "messages.jsonl")
    if "sharegpt" in formats:
        write_json_atomic(out / "sharegpt.json", [sharegpt_row(r, system) for r in rows])
        write_json_atomic(out / "dataset_info.json", dataset_info(name))
        paths["sharegpt"] = str(out / "sharegpt.json")
        paths["dataset_info"] = str(out / "dataset_info.json")
    if "hf" in formats:
        paths["hf"] = str(_save_hf(messages, out / "hf"))
    return paths


def _save_hf(messages: list[dict[str, Any]], target: Path) -> Path:
    """``save_to_disk`` into a temp folder, then swap it in (a crash never leaves a half-written ``hf/``)."""
    import datasets

    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    datasets.Dataset.from_list(messages).save_to_disk(str(tmp))
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    return target

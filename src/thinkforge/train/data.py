"""Training data: conversations from messages JSONL, ShareGPT JSON/JSONL, a ``datasets`` directory or a curate run.

Every row becomes a :class:`Conversation` (a tuple of ``{"role", "content"}`` messages) that remembers the
file and row it came from, so that any later error (no assistant turn, a prompt longer than ``max_length``)
names them.

Layouts accepted per row:

* TRL conversational: ``{"messages": [{"role": "user", "content": ...}, {"role": "assistant", ...}]}``
* ShareGPT (LLaMA-Factory): ``{"system": ..., "conversations": [{"from": "user"|"human", "value": ...},
  {"from": "assistant"|"gpt", "value": ...}]}``
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from thinkforge.errors import ValidationError
from thinkforge.jsonl import iter_json_lines, open_text

#: ShareGPT speaker names → chat roles.
SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "system": "system",
}
ROLES = ("system", "user", "assistant")
#: Where a curate run keeps its messages export.
CURATE_EXPORT = Path("export") / "messages.jsonl"


@dataclass(frozen=True)
class Conversation:
    """One training conversation and where it came from (``row``: 1-based line or row number)."""

    messages: tuple[dict[str, str], ...]
    source: str
    row: int

    def error(self, message: str, field: str = "messages") -> ValidationError:
        """A :class:`ValidationError` located at this conversation's file and row."""
        return ValidationError(f"row {self.row}: {message}", field=field, path=self.source, line=self.row)


def resolve_data_path(path: str | Path) -> Path:
    """A file, a ``datasets`` directory, or a curate run directory (→ its ``export/messages.jsonl``)."""
    p = Path(path).expanduser()
    if not str(path):
        raise ValidationError("no training data given (use --data FILE_OR_DIR)", field="data.path")
    if not p.exists():
        raise ValidationError(f"training data not found: {p}", field="data.path")
    if p.is_dir() and (p / CURATE_EXPORT).is_file():
        return p / CURATE_EXPORT
    return p


def load_conversations(path: str | Path, limit: int = 0) -> list[Conversation]:
    """Read and validate every conversation of ``path`` (see the module docstring for the layouts)."""
    p = resolve_data_path(path)
    out: list[Conversation] = []
    for row, obj in _iter_rows(p):
        out.append(to_conversation(obj, str(p), row))
        if limit and len(out) >= limit:
            break
    if not out:
        raise ValidationError("no conversations in the training data", field="data.path", path=p)
    return out


def _iter_rows(p: Path) -> Iterator[tuple[int, Any]]:
    if p.is_dir():
        yield from _iter_datasets_dir(p)
        return
    name = p.name.removesuffix(".gz")
    if name.endswith(".jsonl"):
        yield from iter_json_lines(p)
    elif name.endswith(".json"):
        with open_text(p) as fh:
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"malformed JSON: {exc.msg}", path=p, line=exc.lineno) from None
        if isinstance(data, Mapping):
            data = [data]
        if not isinstance(data, list):
            raise ValidationError(f"a .json data file must hold a list of rows, got {type(data).__name__}", path=p)
        yield from enumerate(data, start=1)
    else:
        raise ValidationError(
            "unknown data file type (expected .jsonl, .json, a datasets directory or a curate run directory)",
            field="data.path",
            path=p,
        )


def _iter_datasets_dir(p: Path) -> Iterator[tuple[int, Any]]:
    import datasets

    try:
        ds = datasets.load_from_disk(str(p))
    except FileNotFoundError:
        raise ValidationError(
            "directory is neither a datasets save_to_disk directory nor a curate run (no export/messages.jsonl)",
            field="data.path",
            path=p,
        ) from None
    if isinstance(ds, datasets.DatasetDict):
        if "train" not in ds:
            raise ValidationError(f"DatasetDict has no 'train' split (splits: {sorted(ds)})", path=p)
        ds = ds["train"]
    for i, row in enumerate(ds, start=1):
        yield i, row


def to_conversation(obj: Any, source: str, row: int) -> Conversation:
    """Normalise one row (TRL ``messages`` or ShareGPT ``conversations``) into a validated conversation."""
    where = Conversation((), source, row)
    if not isinstance(obj, Mapping):
        raise where.error(f"a row must be a JSON object, got {type(obj).__name__}", field="row")
    if "messages" in obj:
        messages = _messages(obj["messages"], where)
    elif "conversations" in obj:
        messages = _sharegpt(obj, where)
    else:
        keys = ", ".join(sorted(map(str, obj))) or "none"
        raise where.error(
            f"unknown column layout (keys: {keys}); expected 'messages' (role/content) or ShareGPT "
            "'conversations' (from/value) with an optional 'system'",
            field="messages",
        )
    if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
        raise where.error("no assistant turn with text: nothing to train on", field="messages")
    return Conversation(tuple(messages), source, row)


def _messages(value: Any, where: Conversation) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise where.error(f"'messages' must be a list, got {type(value).__name__}")
    out = []
    for i, m in enumerate(value):
        field = f"messages[{i}]"
        if not isinstance(m, Mapping) or "role" not in m or "content" not in m:
            raise where.error("each message needs 'role' and 'content'", field=field)
        out.append(_message(m["role"], m["content"], where, field))
    return out


def _sharegpt(obj: Mapping[str, Any], where: Conversation) -> list[dict[str, str]]:
    turns = obj["conversations"]
    if not isinstance(turns, list):
        raise where.error(f"'conversations' must be a list, got {type(turns).__name__}", field="conversations")
    out = []
    system = obj.get("system")
    if system:
        out.append(_message("system", system, where, "system"))
    for i, t in enumerate(turns):
        field = f"conversations[{i}]"
        if not isinstance(t, Mapping) or "from" not in t or "value" not in t:
            raise where.error("each turn needs 'from' and 'value'", field=field)
        role = SHAREGPT_ROLES.get(str(t["from"]).lower())
        if role is None:
            known = ", ".join(sorted(SHAREGPT_ROLES))
            raise where.error(f"unknown speaker {t['from']!r} (known: {known})", field=f"{field}.from")
        out.append(_message(role, t["value"], where, field))
    return out


def _message(role: Any, content: Any, where: Conversation, field: str) -> dict[str, str]:
    if role not in ROLES:
        raise where.error(f"unknown role {role!r} (expected one of {', '.join(ROLES)})", field=f"{field}.role")
    if not isinstance(content, str):
        raise where.error(f"content must be text, got {type(content).__name__}", field=f"{field}.content")
    return {"role": str(role), "content": content}


def split_heldout(
    rows: Sequence[Conversation], *, fraction: float, size: int, seed: int
) -> tuple[list[Conversation], list[Conversation]]:
    """Cut a seeded held-out set (``size`` rows when > 0, else ``fraction``); both keep the input order."""
    n = len(rows)
    n_eval = size if size > 0 else round(n * fraction)
    if fraction > 0 and size == 0 and n >= 2:
        n_eval = max(1, n_eval)
    if n_eval >= n:
        raise ValidationError(
            f"held-out split of {n_eval} leaves no training rows (have {n})", field="data.eval_size"
        )
    picked = set(random.Random(seed).sample(range(n), n_eval))
    train = [r for i, r in enumerate(rows) if i not in picked]
    held = [r for i, r in enumerate(rows) if i in picked]
    return train, held

"""JSON Lines I/O: strict reading with file:line errors, and crash-safe appends."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, TypeVar

from thinkforge.errors import ValidationError
from thinkforge.records import Record

R = TypeVar("R", bound=Record)


def open_text(path: str | Path) -> IO[str]:
    """Open a text file for reading, transparently decompressing ``.gz``."""
    path = Path(path)
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def iter_json_lines(path: str | Path, *, allow_torn_tail: bool = False) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, object)`` for each non-empty line.

    A line that is not valid JSON raises :class:`ValidationError` naming ``path:line``. With
    ``allow_torn_tail``, an unterminated, unparsable *last* line (a write torn by a crash) is dropped.
    """
    with open_text(path) as fh:
        lines = fh.read().split("\n")
    # A file written by ``append_json_lines`` ends with "\n", so a complete file splits into [..., ""].
    last_index = len(lines) - 1
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            yield i + 1, json.loads(raw)
        except json.JSONDecodeError as exc:
            torn = i == last_index  # no trailing newline: the last write never finished
            if allow_torn_tail and torn:
                return
            raise ValidationError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=path, line=i + 1) from None


def read_records(path: str | Path, cls: type[R], *, allow_torn_tail: bool = False) -> list[R]:
    """Read every line of ``path`` as a ``cls`` record; errors name the file, line and field."""
    out: list[R] = []
    for line_no, obj in iter_json_lines(path, allow_torn_tail=allow_torn_tail):
        try:
            out.append(cls.from_dict(obj))
        except ValidationError as exc:
            raise exc.at(path, line_no) from None
    return out


def dumps(obj: Any) -> str:
    """Serialise one object as a single compact JSON line (no trailing newline)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def append_json_lines(path: str | Path, objects: Iterable[Any], *, fsync: bool = True) -> int:
    """Append objects as JSON lines with one ``write`` and (by default) an fsync; returns the count.

    Appending never rewrites existing bytes, so a crash can at worst leave a torn last line, which
    :func:`iter_json_lines` drops when ``allow_torn_tail`` is set.
    """
    payload = "".join(dumps(o) + "\n" for o in objects)
    if not payload:
        return 0
    data = payload.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
    return payload.count("\n")


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write a whole text file atomically (temp file + fsync + rename): readers see all of it or none."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path

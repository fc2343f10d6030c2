"""Reading task data: the data folder, local files (JSONL/JSON/CSV/Parquet, optionally gzipped) and the hub.

Every reader yields :class:`Row` objects that remember where they came from (``file:line``), so a bad
record or a wrong field mapping is reported at its place.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from thinkforge.defaults import DATA_ENV, TASKS, TaskDefaults
from thinkforge.errors import MissingDependencyError, ThinkforgeError, ValidationError
from thinkforge.jsonl import iter_json_lines, open_text

log = logging.getLogger(__name__)

#: File formats understood by :func:`read_rows`, by suffix (after stripping ``.gz``).
FORMATS: tuple[str, ...] = ("jsonl", "json", "csv", "parquet")


@dataclass(frozen=True)
class Row:
    """One source record and its location (``path``, 1-based ``line`` or record number)."""

    data: Mapping[str, Any]
    path: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def error(self, message: str, field: str | None = None) -> ValidationError:
        """A :class:`ValidationError` located at this row."""
        return ValidationError(message, field=field, path=self.path, line=self.line)


def repo_root() -> Path:
    """The source checkout holding this package (``src/thinkforge/tasks`` → three levels up)."""
    return Path(__file__).resolve().parents[3]


def data_dir(defaults: TaskDefaults = TASKS) -> Path:
    """The benchmark data folder: ``$THINKFORGE_DATA``, else ``../shared/data`` near the cwd or the repo."""
    env = os.environ.get(DATA_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise ThinkforgeError(f"${DATA_ENV} points to {path}, which is not a directory")
        return path
    tried: list[Path] = []
    for base in (Path.cwd(), repo_root()):
        for rel in defaults.data_dir_candidates:
            candidate = (base / rel).resolve()
            if candidate.is_dir():
                return candidate
            tried.append(candidate)
    raise ThinkforgeError(
        f"benchmark data folder not found (looked in {', '.join(str(t) for t in dict.fromkeys(tried))}); "
        f"set {DATA_ENV}=/path/to/data (the folder holding SOURCES.md) or run from the repository root"
    )


def resolve_data_file(relative: str) -> Path:
    """A file inside the data folder; a clear error if it is missing."""
    path = data_dir() / relative
    if not path.is_file():
        raise ThinkforgeError(f"task data file not found: {path} (is {DATA_ENV} pointing at the right folder?)")
    return path


def file_format(path: Path, declared: str | None = None) -> str:
    """The format of ``path``: ``declared``, else from its suffix (``x.jsonl.gz`` → ``jsonl``)."""
    if declared:
        if declared not in FORMATS:
            raise ThinkforgeError(f"unknown data format '{declared}' (known: {', '.join(FORMATS)})")
        return declared
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "ndjson":
        return "jsonl"
    if suffix not in FORMATS:
        raise ThinkforgeError(f"{path}: cannot tell the format from the suffix; give one of {', '.join(FORMATS)}")
    return suffix


def read_rows(path: str | Path, fmt: str | None = None) -> Iterator[Row]:
    """Yield the records of a local file; a malformed record raises an error naming ``file:line``."""
    path = Path(path)
    if not path.is_file():
        raise ThinkforgeError(f"data file not found: {path}")
    kind = file_format(path, fmt)
    if kind == "jsonl":
        for line, obj in iter_json_lines(path):
            yield _as_row(obj, path, line)
    elif kind == "json":
        yield from _read_json(path)
    elif kind == "csv":
        with open_text(path) as fh:
            reader = csv.DictReader(io.StringIO(fh.read(), newline=""))
            for obj in reader:
                # reader.line_num is the physical line where this record ended
                yield Row({k: v for k, v in obj.items() if k is not None}, str(path), reader.line_num)
    else:
        yield from _read_parquet(path)


def _as_row(obj: Any, path: Path, line: int) -> Row:
    if not isinstance(obj, Mapping):
        raise ValidationError(f"expected a JSON object per record, got {type(obj).__name__}", path=path, line=line)
    return Row(obj, str(path), line)


def _read_json(path: Path) -> Iterator[Row]:
    with open_text(path) as fh:
        text = fh.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno) from None
    if isinstance(data, Mapping):
        # {"data": [...]} or {"train": [...]} layouts: take the single list value
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise ValidationError("expected a JSON list of records (or an object holding exactly one list)", path=path)
        data = lists[0]
    if not isinstance(data, list):
        raise ValidationError(f"expected a JSON list of records, got {type(data).__name__}", path=path)
    for i, obj in enumerate(data):
        yield _as_row(obj, path, i + 1)


def _read_parquet(path: Path) -> Iterator[Row]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise ValidationError(f"cannot read Parquet: {exc}", path=path) from None
    for i, obj in enumerate(table.to_pylist()):
        yield Row(obj, str(path), i + 1)


def read_hub_rows(hub_id: str, split: str, config: str | None = None) -> Iterator[Row]:
    """Yield rows from ``datasets``: a hub id, a local data-files folder, or a ``save_to_disk`` folder.

    The hub itself needs network access; locally saved datasets and data folders work offline.
    """
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a core dependency
        raise MissingDependencyError("the hub source needs 'datasets': pip install datasets") from None
    local = Path(hub_id).expanduser()
    label = f"{hub_id}[{config + ':' if config else ''}{split}]"
    try:
        if local.is_dir() and ((local / "state.json").is_file() or (local / "dataset_dict.json").is_file()):
            loaded = datasets.load_from_disk(str(local))
            dataset = loaded[split] if isinstance(loaded, datasets.DatasetDict) else loaded
        else:
            dataset = datasets.load_dataset(hub_id, config, split=split)
    except KeyError:
        raise ThinkforgeError(f"dataset {hub_id} has no split '{split}'") from None
    except Exception as exc:  # datasets raises many types (connection, missing config, file not found)
        raise ThinkforgeError(f"cannot load dataset {label} with datasets: {exc}") from None
    log.info("loaded %d rows from %s", len(dataset), label)
    for i, obj in enumerate(dataset):
        yield Row(obj, label, i + 1)

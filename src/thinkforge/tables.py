"""Records as tables: Parquet files and ``datasets.Dataset`` objects.

Free-form mapping fields (``reference``, ``meta``, ``sampling``, ``provenance``, ``detail``) differ in shape from
record to record, which Arrow cannot hold in one column type; they are stored as JSON text columns and decoded
again on read, so a round trip returns equal records.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any, Sequence, TypeVar, get_origin

from thinkforge.errors import ValidationError
from thinkforge.records import Record

R = TypeVar("R", bound=Record)


def _json_columns(cls: type[Record]) -> list[str]:
    """Fields whose type is a free-form mapping or a list of mappings (stored as JSON text)."""
    hints = typing.get_type_hints(cls)
    names = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        tp = hints[f.name]
        text = str(tp)
        if get_origin(tp) is dict or "dict[" in text or "Message" in text:
            names.append(f.name)
    return names


def to_rows(records: Sequence[Record]) -> list[dict[str, Any]]:
    """Flat rows with JSON-encoded mapping fields (what Parquet and ``datasets`` store)."""
    if not records:
        return []
    columns = _json_columns(type(records[0]))
    rows = []
    for record in records:
        row = record.to_dict()
        for name in columns:
            row[name] = json.dumps(row[name], ensure_ascii=False)
        rows.append(row)
    return rows


def from_rows(rows: Sequence[dict[str, Any]], cls: type[R], source: str = "table") -> list[R]:
    """Decode rows written by :func:`to_rows` back into validated records (errors name the row)."""
    columns = _json_columns(cls)
    out = []
    for i, row in enumerate(rows):
        data = dict(row)
        for name in columns:
            if isinstance(data.get(name), str):
                data[name] = json.loads(data[name])
        try:
            out.append(cls.from_dict(data))
        except ValidationError as exc:
            raise exc.at(source, i + 1) from None
    return out


def to_dataset(records: Sequence[Record]) -> Any:
    """A ``datasets.Dataset`` of the records (mapping fields as JSON text)."""
    import datasets

    return datasets.Dataset.from_list(to_rows(records))


def write_parquet(records: Sequence[Record], path: str | Path) -> Path:
    """Write records to one Parquet file (atomically: temp file, then rename)."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(pa.Table.from_pylist(to_rows(records)), tmp)
    os.replace(tmp, path)
    return path


def read_parquet(path: str | Path, cls: type[R]) -> list[R]:
    """Read records written by :func:`write_parquet`."""
    import pyarrow.parquet as pq

    return from_rows(pq.read_table(path).to_pylist(), cls, source=str(path))

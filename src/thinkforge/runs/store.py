"""The run store: one directory per stage run, resumable and crash-safe.

Layout of ``RUN_DIR`` for a stage named ``generate``::

    generate.yaml          the resolved config (written once, atomically)
    generate.run.json      config hash, thinkforge version, creation time
    generate-00000.jsonl   append-only shards; every writer session starts a new shard
    generate-00001.jsonl

Every record carries a content-hashed key (``key``, or ``sample_key`` for verdicts). Re-running the same
command reads the shards, collects the finished keys and skips that work. A crash can at worst tear the last
line of the shard being written; that line is dropped on read and its unit is simply redone.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, TypeVar

import yaml

from thinkforge import __version__
from thinkforge.config import flatten
from thinkforge.defaults import STORE, StoreDefaults
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.jsonl import append_json_lines, iter_json_lines
from thinkforge.records import Record
from thinkforge.runs.keys import config_hash

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Record)


def record_key(record: Record | Mapping[str, Any]) -> str:
    """The unit key of a record (``key`` for samples, ``sample_key`` for verdicts, else ``id``)."""
    get = record.get if isinstance(record, Mapping) else lambda k, d=None: getattr(record, k, d)
    for name in ("key", "sample_key", "id"):
        value = get(name, None)
        if value:
            return str(value)
    raise ThinkforgeError(f"record has no key field: {record!r}")


def describe_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Human-readable lines for every dotted key whose value differs between two configs."""
    a, b = flatten(old), flatten(new)
    lines = []
    for key in sorted(set(a) | set(b)):
        if key not in a:
            lines.append(f"{key}: (absent) -> {b[key]!r}")
        elif key not in b:
            lines.append(f"{key}: {a[key]!r} -> (absent)")
        elif a[key] != b[key]:
            lines.append(f"{key}: {a[key]!r} -> {b[key]!r}")
    return lines


def _normalise(config: Mapping[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so that tuples, numbers and keys compare as they will after reading back."""
    return json.loads(json.dumps(dict(config), sort_keys=True, default=str))


class RunStore:
    """An open run directory for one stage. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, root: Path, stage: str, config: dict[str, Any], layout: StoreDefaults) -> None:
        self.root = root
        self.stage = stage
        self.config = config
        self.layout = layout
        self._lock_fh: Any = None
        self._shard: Path | None = None
        self._shard_count = 0
        self._readonly = False

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        root: str | Path,
        config: Mapping[str, Any],
        *,
        stage: str = "run",
        overwrite: bool = False,
        layout: StoreDefaults = STORE,
    ) -> "RunStore":
        """Open (creating, resuming or, with ``overwrite``, resetting) the run directory ``root``.

        A run directory whose stored config differs from ``config`` is refused with a :class:`ConfigError`
        that lists every differing key; pass ``overwrite=True`` to start fresh.
        """
        root = Path(root)
        resolved = _normalise(config)
        store = cls(root, stage, resolved, layout)
        root.mkdir(parents=True, exist_ok=True)
        store._acquire_lock()
        try:
            if overwrite:
                store._remove_stage_files()
            store._check_or_write_config()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def read(cls, root: str | Path, *, stage: str = "run", layout: StoreDefaults = STORE) -> "RunStore":
        """A read-only view of an existing stage (its stored config, its records); takes no lock."""
        root = Path(root)
        store = cls(root, stage, {}, layout)
        if not store.config_path.is_file():
            raise ThinkforgeError(f"{root}: no '{stage}' stage here ({store.config_path.name} is missing)")
        with open(store.config_path, encoding="utf-8") as fh:
            store.config = yaml.safe_load(fh) or {}
        store._readonly = True
        return store

    @property
    def config_path(self) -> Path:
        return self.root / f"{self.stage}.yaml"

    @property
    def meta_path(self) -> Path:
        return self.root / f"{self.stage}.run.json"

    def shards(self) -> list[Path]:
        """The stage's shard files in write order."""
        pattern = f"{self.stage}-*{self.layout.shard_suffix}"
        return sorted(p for p in self.root.glob(pattern) if p.name[len(self.stage) + 1 :].split(".")[0].isdigit())

    def _acquire_lock(self) -> None:
        lock_path = self.root / f".{self.stage}.lock"
        fh = open(lock_path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise ThinkforgeError(
                f"run directory {self.root} is in use by another thinkforge process (stage '{self.stage}')"
            ) from None
        self._lock_fh = fh

    def _remove_stage_files(self) -> None:
        # The config, its meta file, every side artifact of the stage (``<stage>.*``) and the shards.
        for path in [*self.root.glob(f"{self.stage}.*"), *self.shards()]:
            path.unlink(missing_ok=True)
        log.info("overwrite: cleared stage '%s' in %s", self.stage, self.root)

    def _check_or_write_config(self) -> None:
        if self.config_path.exists():
            with open(self.config_path, encoding="utf-8") as fh:
                stored = yaml.safe_load(fh) or {}
            if stored != self.config:
                diff = describe_diff(stored, self.config)
                raise ConfigError(
                    f"{self.config_path}: this run directory was made with a different config:\n  "
                    + "\n  ".join(diff)
                    + "\nRe-run with --overwrite to start fresh, or choose another output directory."
                )
            return
        if self.shards():
            raise ConfigError(
                f"{self.root}: shard files exist but {self.config_path.name} is missing; "
                "re-run with --overwrite to start fresh"
            )
        _atomic_write_text(self.config_path, yaml.safe_dump(self.config, sort_keys=True, allow_unicode=True))
        meta = {
            "stage": self.stage,
            "config_hash": config_hash(self.config),
            "thinkforge_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "run_id": uuid.uuid4().hex,
        }
        _atomic_write_text(self.meta_path, json.dumps(meta, indent=2) + "\n")

    @property
    def config_hash(self) -> str:
        return config_hash(self.config)

    # ------------------------------------------------------------------ reading
    def iter_dicts(self) -> Iterator[dict[str, Any]]:
        """Yield every stored record as a dict, shard by shard; a torn last line of a shard is dropped.

        When the same key was written twice (possible only if two writers raced), the first copy wins.
        """
        seen: set[str] = set()
        for shard in self.shards():
            for _, obj in iter_json_lines(shard, allow_torn_tail=True):
                key = record_key(obj)
                if key in seen:
                    continue
                seen.add(key)
                yield obj

    def records(self, cls: type[R]) -> list[R]:
        """All stored records, validated as ``cls``."""
        return [cls.from_dict(obj) for obj in self.iter_dicts()]

    def done_keys(self) -> set[str]:
        """Keys of every finished unit of work."""
        return {record_key(obj) for obj in self.iter_dicts()}

    # ------------------------------------------------------------------ writing
    def append(self, records: Iterable[Record | Mapping[str, Any]]) -> int:
        """Append records durably to this session's shard; returns how many were written."""
        if self._readonly:
            raise ThinkforgeError(f"{self.root}: stage '{self.stage}' was opened read-only")
        objs = [r.to_dict() if isinstance(r, Record) else dict(r) for r in records]
        if not objs:
            return 0
        if self._shard is None or self._shard_count >= self.layout.shard_max_records:
            self._shard = self._next_shard()
            self._shard_count = 0
        n = append_json_lines(self._shard, objs)
        self._shard_count += n
        return n

    def _next_shard(self) -> Path:
        existing = self.shards()
        number = 0
        if existing:
            number = int(existing[-1].name[len(self.stage) + 1 :].split(".")[0]) + 1
        return self.root / f"{self.stage}-{number:05d}{self.layout.shard_suffix}"

    def write_artifact(self, name: str, data: Mapping[str, Any]) -> Path:
        """Atomically write a JSON side file (run summary, accounting) next to the shards."""
        path = self.root / name
        _atomic_write_text(path, json.dumps(dict(data), indent=2, default=str) + "\n")
        return path

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def as_config(obj: Any) -> dict[str, Any]:
    """Turn a (nested) dataclass config into a plain dict suitable for :meth:`RunStore.open`."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return dict(obj)




def pending(store: RunStore, units: Iterable[Any], key: Any) -> list[Any]:
    """The units whose key (``key(unit)``) has no record in ``store`` yet, in input order."""
    done = store.done_keys()
    return [u for u in units if key(u) not in done]


__all__ = ["RunStore", "as_config", "describe_diff", "flatten", "pending", "record_key"]

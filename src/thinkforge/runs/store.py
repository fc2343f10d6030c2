"""The run store: one directory per stage run, resumable and crash-safe.

Layout of ``RUN_DIR`` for a stage named ``generate``::

    generate.run.json            identity config, its hash, version, run id, lineage, sources (one atomic write)
    generate.yaml                the same config, readable (a view; rewritten from run.json when missing)
    generate-00000.jsonl         append-only shards of the main stream; every writer session starts a new shard
    generate.problems-00000.jsonl shards of a named side stream (here: the problems the samples were made for)
    generate.done.json           the finished marker with the stage's summary (removed when work is added)
    generate.<name>.json         side artifacts (accounting, failures)

Sub-runs are sub-directories (``RUN_DIR/aime24/``), so stages of different sub-runs never share a file.
Every record carries a content-hashed key (``key``, ``sample_key`` for verdicts, else ``id``). Re-running the
same command reads the shards, collects the finished keys and skips that work. A crash can at worst tear the
last line of the shard being written; that line is dropped on read and its unit is simply redone. When a key
was written more than once (a verdict re-graded after a transient failure) the last copy wins.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence, TypeVar

import yaml

from thinkforge import __version__
from thinkforge.config import flatten
from thinkforge.defaults import STORE, StoreDefaults
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.jsonl import append_json_lines, iter_json_lines
from thinkforge.jsonl import write_text_atomic as atomic_write_text
from thinkforge.records import Record
from thinkforge.runs.keys import config_hash

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Record)

#: Stage and stream names: lower-case words, so ``<stage>.*`` and ``<stage>-NNNNN`` never match another stage.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def check_name(name: str, what: str = "stage") -> str:
    """Return ``name`` if it is a valid stage or stream name, else raise a clear error."""
    if not _NAME.match(name or ""):
        raise ConfigError(f"invalid {what} name {name!r}: use lower-case letters, digits and '_' (no '.', '-', '/')")
    return name


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
    """An open run directory for one stage. Use :meth:`open` or :meth:`read`; close it (or use ``with``)."""

    def __init__(self, root: Path, stage: str, config: dict[str, Any], layout: StoreDefaults) -> None:
        self.root = root
        self.stage = check_name(stage)
        self.config = config
        self.layout = layout
        self.meta: dict[str, Any] = {}
        self._lock_fh: Any = None
        self._shards: dict[str | None, tuple[Path, int]] = {}
        self._readonly = False

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        root: str | Path,
        config: Mapping[str, Any],
        *,
        stage: str,
        overwrite: bool = False,
        parents: Sequence[Mapping[str, Any]] = (),
        sources: Mapping[str, Any] | None = None,
        layout: StoreDefaults = STORE,
    ) -> "RunStore":
        """Open (creating, resuming or, with ``overwrite``, resetting) stage ``stage`` of run directory ``root``.

        ``config`` is the run's identity: a directory whose stored identity differs is refused with a
        :class:`ConfigError` listing every differing key. ``parents`` (lineage: the runs whose records this stage
        consumes) and ``sources`` (absolute paths of inputs, for provenance) are recorded, not compared.
        """
        root = Path(root)
        store = cls(root, stage, _normalise(config), layout)
        root.mkdir(parents=True, exist_ok=True)
        store._acquire_lock()
        try:
            if overwrite:
                store._remove_stage_files()
            store._check_or_create(parents, sources or {})
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def read(cls, root: str | Path, *, stage: str, layout: StoreDefaults = STORE) -> "RunStore":
        """A read-only view of an existing stage (its stored config and meta, its records); takes no lock."""
        root = Path(root)
        store = cls(root, stage, {}, layout)
        meta = store._read_meta()
        if meta is None:
            raise ThinkforgeError(f"{root}: no '{stage}' stage here ({store.meta_path.name} is missing)")
        store.meta = meta
        store.config = dict(meta.get("config", {}))
        store._readonly = True
        return store

    @staticmethod
    def exists(root: str | Path, stage: str) -> bool:
        """True when ``root`` holds stage ``stage`` (its run file exists)."""
        return (Path(root) / f"{check_name(stage)}.run.json").is_file()

    @staticmethod
    def finished(root: str | Path, stage: str) -> dict[str, Any] | None:
        """The summary stored by the stage's finished marker, or None when the stage has not finished."""
        path = Path(root) / f"{check_name(stage)}.done.json"
        if not path.is_file():
            return None
        return dict(json.loads(path.read_text(encoding="utf-8")))

    @property
    def config_path(self) -> Path:
        return self.root / f"{self.stage}.yaml"

    @property
    def meta_path(self) -> Path:
        return self.root / f"{self.stage}.run.json"

    @property
    def done_path(self) -> Path:
        return self.root / f"{self.stage}.done.json"

    @property
    def run_id(self) -> str:
        """A fresh id per run (a new one after ``--overwrite``)."""
        return str(self.meta.get("run_id", ""))

    def lineage(self) -> dict[str, Any]:
        """How a later stage names this one as its parent."""
        return {"path": str(self.root.resolve()), "stage": self.stage, "run_id": self.run_id,
                "config_hash": self.meta.get("config_hash", "")}

    def _prefix(self, stream: str | None) -> str:
        return self.stage if stream is None else f"{self.stage}.{check_name(stream, 'stream')}"

    def shards(self, stream: str | None = None) -> list[Path]:
        """The shard files of the main stream (or of ``stream``) in write order."""
        prefix = self._prefix(stream)
        pattern = f"{prefix}-*{self.layout.shard_suffix}"
        numbered = [p for p in self.root.glob(pattern) if p.name[len(prefix) + 1 :].split(".")[0].isdigit()]
        return sorted(numbered)

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
        # Names are validated, so ``<stage>.*`` and ``<stage>-NNNNN.jsonl`` belong to this stage alone.
        for path in [*self.root.glob(f"{self.stage}.*"), *self.shards()]:
            path.unlink(missing_ok=True)
        log.info("overwrite: cleared stage '%s' in %s", self.stage, self.root)

    def _read_meta(self) -> dict[str, Any] | None:
        if not self.meta_path.is_file():
            return None
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ThinkforgeError(f"{self.meta_path}: unreadable run file ({exc}); re-run with --overwrite") from None
        if not isinstance(meta, dict) or "config" not in meta:
            raise ThinkforgeError(f"{self.meta_path}: not a thinkforge run file; re-run with --overwrite")
        return meta

    def _check_or_create(self, parents: Sequence[Mapping[str, Any]], sources: Mapping[str, Any]) -> None:
        meta = self._read_meta()
        if meta is not None:
            stored = meta["config"]
            if stored != self.config:
                diff = describe_diff(stored, self.config)
                raise ConfigError(
                    f"{self.meta_path}: this run directory was made with a different config:\n  "
                    + "\n  ".join(diff)
                    + "\nRe-run with --overwrite to start fresh, or choose another output directory."
                )
            self.meta = meta
            if not self.config_path.is_file():
                self._write_view()
            return
        if self.shards():
            raise ConfigError(
                f"{self.root}: shard files of stage '{self.stage}' exist but {self.meta_path.name} is missing; "
                "re-run with --overwrite to start fresh"
            )
        self.meta = {
            "stage": self.stage,
            "config": self.config,
            "config_hash": config_hash(self.config),
            "thinkforge_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "run_id": uuid.uuid4().hex,
            "parents": [dict(p) for p in parents],
            "sources": _normalise(sources),
        }
        # One atomic write holds the identity and the meta: no crash can leave one without the other.
        atomic_write_text(self.meta_path, json.dumps(self.meta, indent=2, sort_keys=True) + "\n")
        self._write_view()

    def _write_view(self) -> None:
        atomic_write_text(self.config_path, yaml.safe_dump(self.config, sort_keys=True, allow_unicode=True))

    @property
    def config_hash(self) -> str:
        return config_hash(self.config)

    # ------------------------------------------------------------------ reading
    def iter_dicts(self, stream: str | None = None) -> Iterator[dict[str, Any]]:
        """Yield every stored record of a stream as a dict; a torn last line of a shard is dropped.

        When the same key was written more than once, the last copy wins (at the position of the first).
        """
        latest: dict[str, dict[str, Any]] = {}
        for shard in self.shards(stream):
            for _, obj in iter_json_lines(shard, allow_torn_tail=True):
                latest[record_key(obj)] = obj
        yield from latest.values()

    def records(self, cls: type[R], stream: str | None = None) -> list[R]:
        """All stored records of a stream, validated as ``cls``."""
        return [cls.from_dict(obj) for obj in self.iter_dicts(stream)]

    def done_keys(self, stream: str | None = None) -> set[str]:
        """Keys of every finished unit of work."""
        return {record_key(obj) for obj in self.iter_dicts(stream)}

    def pending(self, units: Iterable[Any], key: Any) -> list[Any]:
        """The units whose key (``key(unit)``) has no record yet, in input order."""
        done = self.done_keys()
        return [u for u in units if key(u) not in done]

    # ------------------------------------------------------------------ writing
    def append(self, records: Iterable[Record | Mapping[str, Any]], stream: str | None = None) -> int:
        """Append records durably (one write + fsync) to this session's shard; returns how many were written.

        Adding work to a finished stage removes its finished marker until the stage finishes again.
        """
        if self._readonly:
            raise ThinkforgeError(f"{self.root}: stage '{self.stage}' was opened read-only")
        objs = [r.to_dict() if isinstance(r, Record) else dict(r) for r in records]
        if not objs:
            return 0
        self.done_path.unlink(missing_ok=True)
        shard, count = self._shards.get(stream, (None, 0))
        if shard is None or count >= self.layout.shard_max_records:
            shard, count = self._next_shard(stream), 0
        n = append_json_lines(shard, objs)
        self._shards[stream] = (shard, count + n)
        return n

    def _next_shard(self, stream: str | None) -> Path:
        prefix = self._prefix(stream)
        existing = self.shards(stream)
        number = int(existing[-1].name[len(prefix) + 1 :].split(".")[0]) + 1 if existing else 0
        return self.root / f"{prefix}-{number:05d}{self.layout.shard_suffix}"

    def write_artifact(self, name: str, data: Mapping[str, Any]) -> Path:
        """Atomically write a JSON side file (run summary, accounting) next to the shards."""
        if not name.startswith(f"{self.stage}."):
            raise ThinkforgeError(f"artifact {name!r} of stage '{self.stage}' must be named '{self.stage}.<name>'")
        path = self.root / name
        atomic_write_text(path, json.dumps(dict(data), indent=2, default=str) + "\n")
        return path

    def mark_finished(self, summary: Mapping[str, Any]) -> Path:
        """Write the finished marker (with the stage's summary): every unit of the requested work is done."""
        record = {"finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "run_id": self.run_id, **dict(summary)}
        atomic_write_text(self.done_path, json.dumps(record, indent=2, default=str) + "\n")
        return self.done_path

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


__all__ = ["RunStore", "check_name", "describe_diff", "record_key"]

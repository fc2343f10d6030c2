"""The stage contract: what every stage (generate, grade, eval, curate, train) shares.

- A frozen config dataclass whose fields *declare* whether they belong to the run's identity
  (:func:`setting` with ``identity=False`` for how a run is invoked: output folder, overwrite, throughput knobs);
  :func:`identity_of` reads the declarations, so no stage keeps a hand-written list that can miss a field.
- Fields may also declare their command-line flag (``flag="--max-tokens"``); :mod:`thinkforge.cli.flags` builds
  the parser from them.
- ``run_<stage>(config, ..., on_progress=...) -> Summary``; progress is one :class:`StageProgress` type.
- Sub-runs (``RUN_DIR/<task>/``) are plain sub-directories named by :func:`sub_run`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any, Callable

from thinkforge.errors import ConfigError

#: Field-metadata key: ``False`` excludes a field (and everything under it) from the run identity.
IDENTITY = "identity"
#: Field-metadata keys for the command line.
FLAG = "flag"
SHORT = "short"
HELP = "help"

_SUB_RUN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


def setting(
    default: Any = MISSING,
    *,
    default_factory: Any = MISSING,
    identity: bool = True,
    flag: str | None = None,
    short: str | None = None,
    help: str = "",
) -> Any:
    """A config field with its declarations: part of the run identity or not, its CLI flag and help."""
    metadata: dict[str, Any] = {IDENTITY: identity, HELP: help}
    if flag:
        metadata[FLAG] = flag
    if short:
        metadata[SHORT] = short
    if default_factory is not MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def invocation(default: Any = MISSING, **kwargs: Any) -> Any:
    """A field that says how a run is invoked (``out``, ``overwrite``, concurrency…), not what it is."""
    return setting(default, identity=False, **kwargs)


def is_identity(f: dataclasses.Field) -> bool:  # type: ignore[type-arg]
    """Fields belong to the identity unless they declare otherwise (forgetting errs on the safe side)."""
    return bool(f.metadata.get(IDENTITY, True))


def identity_of(config: Any) -> dict[str, Any]:
    """The identity part of a (nested) config dataclass as plain data: every field not declared ``identity=False``."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"identity_of expects a dataclass instance, got {type(config).__name__}")
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        if not is_identity(f):
            continue
        value = getattr(config, f.name)
        out[f.name] = identity_of(value) if dataclasses.is_dataclass(value) else _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class StageProgress:
    """Where a running stage stands: ``done`` of ``total`` units (``total`` None while unknown)."""

    stage: str
    done: int
    total: int | None
    #: Short human text for a progress bar (e.g. "97.3 tok/s", "12 passed").
    info: str = ""


ProgressFn = Callable[[StageProgress], None]


def sub_run(root: str | Path, *parts: str) -> Path:
    """``root/part/...`` for a named sub-run (``eval/aime24``); names are checked so they cannot escape ``root``."""
    path = Path(root)
    for part in parts:
        if not _SUB_RUN.match(part) or part in (".", ".."):
            raise ConfigError(f"invalid sub-run name {part!r}: use letters, digits, '_', '.', '+', '-'")
        path = path / part
    return path


__all__ = [
    "IDENTITY",
    "ProgressFn",
    "StageProgress",
    "identity_of",
    "invocation",
    "is_identity",
    "setting",
    "sub_run",
]

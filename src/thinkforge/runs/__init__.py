"""Run directories: identity config, append-only JSONL shards, content-hashed keys, resume, the stage contract."""

from thinkforge.runs.contract import StageProgress, identity_of, invocation, setting, sub_run
from thinkforge.runs.keys import config_hash, stable_hash, unit_key
from thinkforge.runs.store import RunStore

__all__ = [
    "RunStore",
    "StageProgress",
    "config_hash",
    "identity_of",
    "invocation",
    "setting",
    "stable_hash",
    "sub_run",
    "unit_key",
]

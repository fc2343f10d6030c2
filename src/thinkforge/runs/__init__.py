"""Run directories: resolved config, append-only JSONL shards, content-hashed keys, resume."""

from thinkforge.runs.keys import config_hash, stable_hash, unit_key
from thinkforge.runs.store import RunStore, pending

__all__ = ["RunStore", "pending", "config_hash", "stable_hash", "unit_key"]

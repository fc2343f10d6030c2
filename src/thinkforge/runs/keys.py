"""Content hashes: the identity of a unit of work and of a config."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping, Sequence

#: Hex characters kept from a sha256 digest: 96 bits, collision-free for any realistic run.
KEY_HEX_CHARS = 24


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: equal values give equal strings."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def stable_hash(obj: Any, n_chars: int = KEY_HEX_CHARS) -> str:
    """Return a short sha256 hex digest of ``obj``'s canonical JSON (strings are hashed as text)."""
    text = obj if isinstance(obj, str) else canonical_json(obj)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n_chars]


def unit_key(
    *,
    problem_id: str,
    index: int,
    problem_hash: str,
    messages: Sequence[Mapping[str, Any]],
    sampling: Mapping[str, Any],
    model: Mapping[str, Any],
) -> str:
    """The key of one generation unit: the content of what is asked, not the names it was asked by.

    It hashes the rendered request (``messages``), the sampling, the model's identity (hub id + revision, or a
    fingerprint of a local checkpoint's weights, or the served model and server) and the problem's content
    hash (its reference included), so a changed prompt, shuffle, answer key or retrained checkpoint never
    reuses a stale sample.
    """
    return stable_hash(
        {
            "problem_id": problem_id,
            "index": index,
            "problem": problem_hash,
            "messages": [dict(m) for m in messages],
            "sampling": dict(sampling),
            "model": dict(model),
        }
    )


def config_hash(config: Mapping[str, Any]) -> str:
    """Hash of a resolved config, stored beside it in the run directory."""
    return stable_hash(dict(config))

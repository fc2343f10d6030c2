"""Content hashes: the identity of a unit of work and of a config."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

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
    problem_id: str,
    index: int,
    model: str,
    sampling: Mapping[str, Any],
    template_hash: str,
) -> str:
    """The key of one generation unit: same problem, sample index, model, sampling and prompt → same key."""
    return stable_hash(
        {
            "problem_id": problem_id,
            "index": index,
            "model": model,
            "sampling": dict(sampling),
            "template": template_hash,
        }
    )


def config_hash(config: Mapping[str, Any]) -> str:
    """Hash of a resolved config, stored beside it in the run directory."""
    return stable_hash(dict(config))

"""Per-run accounting: tokens, wall time, throughput and a cost estimate, summed over resumed sessions."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from thinkforge.records import Sample

log = logging.getLogger(__name__)

#: Artifact name in the run directory.
ACCOUNTING_FILE = "generate.accounting.json"


@dataclass(frozen=True)
class Usage:
    """Token counts and time of one session (or of a whole run, summed)."""

    samples: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_s: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        """Completion tokens per second of wall time."""
        return self.completion_tokens / self.wall_s if self.wall_s > 0 else 0.0

    def add(self, samples: Iterable[Sample]) -> "Usage":
        """This usage plus a group of finished samples (failures counted apart, their tokens ignored)."""
        ok = failed = prompt = completion = 0
        for s in samples:
            if s.finish_reason == "error":
                failed += 1
                continue
            ok += 1
            prompt += s.prompt_tokens or 0
            completion += s.completion_tokens or 0
        return dataclasses.replace(
            self,
            samples=self.samples + ok,
            failed=self.failed + failed,
            prompt_tokens=self.prompt_tokens + prompt,
            completion_tokens=self.completion_tokens + completion,
        )

    def plus(self, other: "Usage") -> "Usage":
        return Usage(
            samples=self.samples + other.samples,
            failed=self.failed + other.failed,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            wall_s=self.wall_s + other.wall_s,
        )

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "tokens_per_s": round(self.tokens_per_s, 3)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Usage":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Prices:
    """US$ per million prompt / completion tokens (APIs) and per GPU-hour (local engines)."""

    usd_per_1m_prompt_tokens: float
    usd_per_1m_completion_tokens: float
    usd_per_gpu_hour: float
    gpus: int


def cost_usd(usage: Usage, prices: Prices) -> float:
    """Token cost (APIs) plus GPU time cost (local engines); either part is 0 when its price or GPUs are 0."""
    tokens = (
        usage.prompt_tokens * prices.usd_per_1m_prompt_tokens
        + usage.completion_tokens * prices.usd_per_1m_completion_tokens
    ) / 1e6
    gpu = usage.wall_s / 3600.0 * prices.gpus * prices.usd_per_gpu_hour
    return tokens + gpu


def read_sessions(run_dir: Path) -> list[dict[str, Any]]:
    """Sessions recorded by earlier runs in this directory (empty when none).

    A file that cannot be read as sessions is never overwritten with its history lost: it is moved aside to
    ``<name>.corrupt-<timestamp>`` with a warning, and the run goes on with a fresh history.
    """
    path = run_dir / ACCOUNTING_FILE
    if not path.is_file():
        return []
    try:
        sessions = json.loads(path.read_text(encoding="utf-8"))["sessions"]
        _check_sessions(sessions)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        moved = _move_aside(path)
        log.warning("%s is unreadable (%s); moved it to %s and started a new history", path, exc, moved.name)
        return []
    return list(sessions)


def _check_sessions(sessions: Any) -> None:
    """Raise ValueError unless ``sessions`` is a list of objects whose usage counts are numbers."""
    if not isinstance(sessions, list):
        raise ValueError("'sessions' is not a list")
    counts = [f.name for f in dataclasses.fields(Usage)]
    for i, entry in enumerate(sessions):
        if not isinstance(entry, dict):
            raise ValueError(f"session {i} is not an object")
        for name in counts:
            if not isinstance(entry.get(name, 0), (int, float)) or isinstance(entry.get(name), bool):
                raise ValueError(f"session {i}: {name!r} is not a number")


def _move_aside(path: Path) -> Path:
    """Rename ``path`` to a free ``<name>.corrupt-<timestamp>[-k]`` next to it; return the new path."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    k = 0
    while True:
        target = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{k}" if k else ""))
        if not target.exists():
            os.replace(path, target)
            return target
        k += 1


def accounting_record(
    sessions: list[dict[str, Any]], session: Usage, prices: Prices, backend: str, extra: Mapping[str, Any]
) -> dict[str, Any]:
    """The accounting artifact: every session plus the run total and its cost estimate."""
    entry = {
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "backend": backend,
        **session.to_dict(),
        "cost_usd": round(cost_usd(session, prices), 6),
        **dict(extra),
    }
    all_sessions = [*sessions, entry]
    total = Usage()
    for s in all_sessions:
        total = total.plus(Usage.from_dict(s))
    return {
        "total": {**total.to_dict(), "cost_usd": round(cost_usd(total, prices), 6)},
        "prices": dataclasses.asdict(prices),
        "sessions": all_sessions,
    }

"""Problem pools for curation: a task (registered, or a task YAML with a local file or hub source) plus filters.

Filters read the problems' ``meta`` as the shipped tasks fill it: ``difficulty`` (LiveCodeBench ``easy``…,
APPS ``interview``, AIME 1983-2023 a number), ``level`` (MATH: ``Level 3`` or ``3``), ``subject`` (MATH-500
``subject``, MATH ``type``), and any other meta key through ``meta: {key: [values]}``. Values compare as
case-insensitive text. ``ids`` then ``limit`` are applied last.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.records import Problem
from thinkforge.tasks.registry import get_task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoolFilters:
    """Per-pool filters (empty lists: no filter)."""

    difficulty: list[str] = field(default_factory=list)
    level: list[str] = field(default_factory=list)
    subject: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    limit: int | None = None

    def describe(self) -> str:
        """The filters that are set, for error messages (``none`` when none)."""
        parts = [f"{k}={v}" for k, v in (("difficulty", self.difficulty), ("level", self.level),
                                         ("subject", self.subject), ("meta", self.meta), ("ids", self.ids))
                 if v]
        if self.limit is not None:
            parts.append(f"limit={self.limit}")
        return ", ".join(parts) or "none"


@dataclass(frozen=True)
class PoolConfig:
    """One problem pool: ``source`` is a registered task name or a task YAML; ``hub`` reads its hub source.

    ``target`` caps the problems taken (first ``target`` after filters; ``None``: all). ``size`` declares how
    many problems the pool has after filters, so ``plan`` works offline for hub pools without downloading.
    """

    name: str = ""
    source: str = ""
    hub: bool = False
    filters: PoolFilters = field(default_factory=PoolFilters)
    target: int | None = None
    size: int | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigError("a pool needs a name")
        if not self.source:
            raise ConfigError(f"pool {self.name}: give a source (a task name or a task YAML)")
        for key, value in (("target", self.target), ("size", self.size), ("filters.limit", self.filters.limit)):
            if value is not None and value < 0:
                raise ConfigError(f"pool {self.name}: {key} must be >= 0, got {value}")


def _text(value: Any) -> str:
    return str(value).strip().lower()


def _level(value: Any) -> str:
    match = re.search(r"\d+", str(value))
    return match.group() if match else _text(value)


def _matches(problem: Problem, filters: PoolFilters) -> bool:
    meta = problem.meta
    if filters.difficulty and _text(meta.get("difficulty")) not in {_text(v) for v in filters.difficulty}:
        return False
    if filters.level and _level(meta.get("level")) not in {_level(v) for v in filters.level}:
        return False
    if filters.subject:
        wanted = {_text(v) for v in filters.subject}
        if not {_text(meta.get("subject")), _text(meta.get("type"))} & wanted:
            return False
    for key, values in filters.meta.items():
        if _text(meta.get(key)) not in {_text(v) for v in values}:
            return False
    return True


def apply_filters(problems: list[Problem], filters: PoolFilters) -> list[Problem]:
    """The problems that pass ``filters``, in source order (``ids`` and ``limit`` last)."""
    kept = [p for p in problems if _matches(p, filters)]
    if filters.ids:
        wanted = set(filters.ids)
        kept = [p for p in kept if p.id in wanted]
    if filters.limit is not None:
        kept = kept[: filters.limit]
    return kept


def load_pool(config: PoolConfig) -> list[Problem]:
    """The pool's problems after filters and target; an empty pool is an error naming pool and filters."""
    try:
        spec = get_task(config.source)
    except ThinkforgeError as exc:
        raise ThinkforgeError(f"pool {config.name}: {exc}") from None
    try:
        problems = spec.load(source="hub" if config.hub else "local")
    except ThinkforgeError as exc:
        raise ThinkforgeError(f"pool {config.name}: {exc}") from None
    kept = apply_filters(problems, config.filters)
    if not kept:
        raise ThinkforgeError(
            f"pool {config.name} ({spec.name}) is empty after filters ({config.filters.describe()}); "
            f"it has {len(problems)} problems before filtering"
        )
    if config.target is not None:
        kept = kept[: config.target]
    log.info("pool %s: %d problems from %s", config.name, len(kept), spec.name)
    return kept


def pool_summary(problems: list[Problem]) -> Mapping[str, int]:
    """Problems per domain (for plans and data cards)."""
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.domain] = counts.get(problem.domain, 0) + 1
    return counts

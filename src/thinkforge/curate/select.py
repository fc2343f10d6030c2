"""Selection and mixing: which correct traces of each problem to keep, and balancing groups to target counts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

from thinkforge.errors import ConfigError
from thinkforge.records import Problem, Sample

Policy = Literal["first", "shortest", "all", "at_most"]
POLICIES: tuple[str, ...] = ("first", "shortest", "all", "at_most")


@dataclass(frozen=True)
class Candidate:
    """One graded trace of one problem, with the pool it came from (``text`` may be the reformatted rewrite)."""

    problem: Problem
    sample: Sample
    passed: bool
    pool: str = ""
    text: str | None = None

    @property
    def final_text(self) -> str:
        return self.sample.text if self.text is None else self.text

    @property
    def length(self) -> int:
        """Completion tokens when known, else characters (for ``shortest``)."""
        return self.sample.completion_tokens if self.sample.completion_tokens is not None else len(self.final_text)

    def group(self, by: str) -> str:
        """The balancing group: ``pool`` / ``source`` (the pool), ``domain`` or ``task``."""
        if by in ("pool", "source"):
            return self.pool or self.problem.task
        if by == "domain":
            return self.problem.domain
        if by == "task":
            return self.problem.task
        raise ConfigError(f"select.balance must be one of pool, source, domain, task, none; got {by!r}")


def select_per_problem(candidates: Sequence[Candidate], policy: str = "first", max_per_problem: int = 1) -> list[Candidate]:
    """Correct traces kept per problem, problems in first-seen order.

    ``first``: the lowest sample index; ``shortest``: the fewest completion tokens (ties: lowest index);
    ``all``: every correct one; ``at_most``: the first ``max_per_problem`` by index.
    """
    if policy not in POLICIES:
        raise ConfigError(f"select.policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if max_per_problem < 1:
        raise ConfigError(f"select.max_per_problem must be >= 1, got {max_per_problem}")
    groups: dict[str, list[Candidate]] = {}
    for cand in candidates:
        if cand.passed:
            groups.setdefault(f"{cand.problem.task}\0{cand.problem.id}", []).append(cand)
    out: list[Candidate] = []
    for group in groups.values():
        by_index = sorted(group, key=lambda c: c.sample.index)
        if policy == "first":
            out.append(by_index[0])
        elif policy == "shortest":
            out.append(min(by_index, key=lambda c: (c.length, c.sample.index)))
        elif policy == "all":
            out.extend(by_index)
        else:
            out.extend(by_index[:max_per_problem])
    return out


@dataclass(frozen=True)
class BalanceReport:
    """Per group: target, available and selected rows."""

    by: str
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def short(self) -> dict[str, int]:
        """Groups that fell short of their target, with the missing count."""
        return {g: v["target"] - v["selected"] for g, v in self.groups.items()
                if v["target"] is not None and v["selected"] < v["target"]}


def balance(selected: Sequence[Candidate], targets: Mapping[str, int], by: str = "pool",
            seed: int = 0) -> tuple[list[Candidate], BalanceReport]:
    """Down-sample each group to its target (seeded per group, input order kept); groups without a target stay whole.

    ``by="none"`` returns the input unchanged.
    """
    if by == "none":
        return list(selected), BalanceReport(by)
    groups: dict[str, list[int]] = {}
    for i, cand in enumerate(selected):
        groups.setdefault(cand.group(by), []).append(i)
    unknown = sorted(set(targets) - set(groups))
    keep: set[int] = set()
    report: dict[str, dict[str, Any]] = {}
    for name, rows in groups.items():
        target = targets.get(name)
        chosen = rows if target is None or len(rows) <= target else sorted(random.Random(f"{seed}:{name}").sample(rows, target))
        keep.update(chosen)
        report[name] = {"target": target, "available": len(rows), "selected": len(chosen)}
    for name in unknown:
        report[name] = {"target": targets[name], "available": 0, "selected": 0}
    return [c for i, c in enumerate(selected) if i in keep], BalanceReport(by, report)

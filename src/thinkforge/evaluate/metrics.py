"""Evaluation metrics as pure functions: pass@k, avg@n, maj@k, clustered standard errors and intervals.

Nothing here reads files, clocks or global random state: the same inputs give bit-identical outputs (sums use
:func:`math.fsum`, the bootstrap draws from a generator seeded by the caller). Formulas: docs/evaluation.md.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable, Mapping, Sequence

import numpy as np

from thinkforge.defaults import EVAL
from thinkforge.errors import ValidationError

#: Normalises an extracted answer before votes are counted (default: surrounding whitespace stripped).
AnswerKey = Callable[[str], Hashable]

#: Most problem-index draws held in memory at once by the bootstrap (rows x problems).
_BOOTSTRAP_CHUNK = 2_000_000


@dataclass(frozen=True)
class Estimate:
    """A score with its clustered standard error and confidence interval (``None`` when undefined)."""

    value: float | None
    stderr: float | None = None
    ci: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``{"value", "stderr", "ci95"}`` object of results.json."""
        return {"value": self.value, "stderr": self.stderr, "ci95": list(self.ci) if self.ci is not None else None}


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean, exactly rounded (order-independent); ``None`` for no values."""
    items = list(values)
    return math.fsum(items) / len(items) if items else None


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one problem with ``c`` correct among ``n`` samples (Chen et al. 2021).

    ``1 - C(n-c, k) / C(n, k)``, computed as ``1 - prod_{i=n-c+1}^{n} (1 - k/i)`` so no binomial overflows.
    """
    if k < 1:
        raise ValidationError(f"k must be >= 1, got {k}", field="k")
    if not 0 <= c <= n:
        raise ValidationError(f"correct count {c} must lie in 0..n={n}", field="c")
    if k > n:
        raise ValidationError(f"pass@{k} needs at least {k} samples per problem, but a problem has n={n}", field="k")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def default_ks(n: int) -> list[int]:
    """The k of pass@k reported by default: powers of two up to ``n``, plus ``n``."""
    ks = []
    k = 1
    while k <= n:
        ks.append(k)
        k *= 2
    if n >= 1 and ks[-1] != n:
        ks.append(n)
    return ks


def problem_mean(passed: Sequence[bool]) -> float:
    """avg@n of one problem: the share of its samples that passed."""
    if not passed:
        raise ValidationError("a problem needs at least one graded sample", field="passed")
    return sum(1 for p in passed if p) / len(passed)


def avg_at_n(per_problem: Sequence[Sequence[bool]]) -> float | None:
    """avg@n: the mean over problems of each problem's share of passing samples (the pass@1 estimate).

    Each problem weighs the same; with equal n per problem this is the mean over all samples.
    """
    return mean(problem_mean(p) for p in per_problem)


def strip_key(answer: str) -> str:
    """Default answer key for majority voting: the answer without surrounding whitespace."""
    return answer.strip()


def majority_vote(answers: Sequence[str | None], key: AnswerKey = strip_key) -> int | None:
    """Index of the sample whose answer wins the vote, or ``None`` when no sample has an answer.

    Missing answers (``None``) never vote. Ties go to the answer whose first occurrence is earliest; the
    returned index is that first occurrence.
    """
    counts: Counter[Hashable] = Counter()
    first: dict[Hashable, int] = {}
    for i, answer in enumerate(answers):
        if answer is None:
            continue
        k = key(answer)
        counts[k] += 1
        first.setdefault(k, i)
    if not counts:
        return None
    best = max(counts.values())
    return min(first[k] for k, c in counts.items() if c == best)


def maj_at_k(answers: Sequence[str | None], passed: Sequence[bool], k: int, key: AnswerKey = strip_key) -> bool:
    """maj@k of one problem: whether the majority answer of the first ``k`` samples is correct.

    The winning answer is correct when any of the first ``k`` samples with the same key passed (one answer,
    one verdict). A problem with fewer than ``k`` samples votes with all it has; no answers at all is wrong.
    """
    if k < 1:
        raise ValidationError(f"k must be >= 1, got {k}", field="k")
    if len(answers) != len(passed):
        raise ValidationError(f"{len(answers)} answers but {len(passed)} verdicts", field="answers")
    window = list(answers[:k])
    winner = majority_vote(window, key)
    if winner is None:
        return False
    win_key = key(window[winner])  # type: ignore[arg-type]
    return any(p for a, p in zip(window, passed[:k]) if a is not None and key(a) == win_key)


def clustered_stderr(problem_values: Sequence[float]) -> float | None:
    """Standard error of the mean over problems: ``sd(problem values, ddof=1) / sqrt(P)``.

    Samples of one problem are not independent, so each problem contributes one value (its mean); ``None``
    for fewer than two problems.
    """
    if len(problem_values) < 2:
        return None
    return statistics.stdev(problem_values) / math.sqrt(len(problem_values))


def z_value(level: float) -> float:
    """The two-sided standard-normal quantile for a confidence ``level`` (1.959964 for 0.95)."""
    if not 0.0 < level < 1.0:
        raise ValidationError(f"confidence level must lie in (0, 1), got {level}", field="ci_level")
    return statistics.NormalDist().inv_cdf(0.5 + level / 2.0)


def _clip(lo: float, hi: float, bounds: tuple[float, float]) -> tuple[float, float]:
    return max(bounds[0], lo), min(bounds[1], hi)


def normal_ci(
    value: float, stderr: float, level: float, bounds: tuple[float, float] = (0.0, 1.0)
) -> tuple[float, float]:
    """``value ± z * stderr``, clipped to ``bounds`` (a share cannot leave [0, 1])."""
    half = z_value(level) * stderr
    return _clip(value - half, value + half, bounds)


def bootstrap_means(problem_values: Sequence[float], *, resamples: int, seed: int) -> np.ndarray:
    """Means of ``resamples`` resamples of the problems, drawn with replacement by a generator seeded ``seed``."""
    if resamples < 1:
        raise ValidationError(f"resamples must be >= 1, got {resamples}", field="resamples")
    values = np.asarray(problem_values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    rows = max(1, _BOOTSTRAP_CHUNK // max(1, len(values)))
    out = []
    for start in range(0, resamples, rows):
        size = min(rows, resamples - start)
        idx = rng.integers(0, len(values), size=(size, len(values)))
        out.append(values[idx].mean(axis=1))
    return np.concatenate(out)


def bootstrap_ci(
    problem_values: Sequence[float],
    *,
    resamples: int,
    seed: int,
    level: float,
    bounds: tuple[float, float] = (0.0, 1.0),
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean over problems."""
    z_value(level)  # validates the level
    means = bootstrap_means(problem_values, resamples=resamples, seed=seed)
    alpha = 1.0 - level
    lo, hi = np.quantile(means, [alpha / 2.0, 1.0 - alpha / 2.0])
    return _clip(float(lo), float(hi), bounds)


@dataclass(frozen=True)
class IntervalOptions:
    """How intervals are computed: ``normal`` or ``bootstrap``, the level, and the bootstrap's draws."""

    method: str = EVAL.ci_method
    level: float = EVAL.ci_level
    resamples: int = EVAL.bootstrap_resamples
    seed: int = EVAL.bootstrap_seed

    def __post_init__(self) -> None:
        if self.method not in ("normal", "bootstrap"):
            raise ValidationError(f"must be 'normal' or 'bootstrap', got {self.method!r}", field="ci_method")


def estimate(
    problem_values: Sequence[float], options: IntervalOptions, bounds: tuple[float, float] = (0.0, 1.0)
) -> Estimate:
    """Mean over problems with its clustered stderr and an interval by ``options.method``."""
    value = mean(problem_values)
    stderr = clustered_stderr(problem_values)
    if value is None or stderr is None:
        return Estimate(value, stderr, None)
    if options.method == "bootstrap":
        ci = bootstrap_ci(problem_values, resamples=options.resamples, seed=options.seed, level=options.level, bounds=bounds)
    else:
        ci = normal_ci(value, stderr, options.level, bounds)
    return Estimate(value, stderr, ci)


def subset_groups(
    metas: Mapping[str, Mapping[str, Any]], keys: Sequence[str], max_values: int
) -> dict[str, dict[str, list[str]]]:
    """Problem ids grouped by each meta key in ``keys`` that the problems carry.

    A key is kept when every value is a string or integer and it has 2..``max_values`` distinct values;
    problems lacking the key go to the group ``"(none)"``. Values sort numerically when all are numbers.
    """
    out: dict[str, dict[str, list[str]]] = {}
    for key in keys:
        values = {pid: meta.get(key) for pid, meta in metas.items()}
        present = [v for v in values.values() if v is not None]
        if not present or any(isinstance(v, bool) or not isinstance(v, (str, int)) for v in present):
            continue
        distinct = set(present)
        if not 2 <= len(distinct) <= max_values:
            continue
        groups: dict[str, list[str]] = {}
        ordered = sorted(distinct, key=lambda v: (isinstance(v, str), v))
        for v in ordered:
            groups[str(v)] = []
        for pid in sorted(values):
            v = values[pid]
            groups.setdefault("(none)" if v is None else str(v), []).append(pid)
        out[key] = groups
    return out


def status_counts(statuses: Iterable[str], order: Sequence[str] = ()) -> dict[str, int]:
    """How many verdicts have each status: statuses in ``order`` first, then any others alphabetically."""
    counts = Counter(statuses)
    rank = {s: i for i, s in enumerate(order)}
    return {s: counts[s] for s in sorted(counts, key=lambda s: (rank.get(s, len(rank)), s))}


@dataclass(frozen=True)
class TokenRow:
    """What token statistics need of one sample: its token counts, whether it was cut off, its verdict."""

    completion_tokens: int | None
    prompt_tokens: int | None = None
    truncated: bool = False
    passed: bool | None = None


def token_stats(rows: Sequence[TokenRow]) -> dict[str, float | int | None]:
    """Mean/median completion tokens, share truncated, mean length of correct vs wrong samples, totals.

    Samples without a completion count are left out of the length figures; ``passed=None`` (ungraded) samples
    are left out of the correct/wrong means.
    """
    lengths = [r.completion_tokens for r in rows if r.completion_tokens is not None]
    return {
        "mean_completion": mean(lengths),
        "median_completion": float(statistics.median(lengths)) if lengths else None,
        "truncated_share": (sum(1 for r in rows if r.truncated) / len(rows)) if rows else None,
        "mean_correct": mean(r.completion_tokens for r in rows if r.passed is True and r.completion_tokens is not None),
        "mean_wrong": mean(r.completion_tokens for r in rows if r.passed is False and r.completion_tokens is not None),
        "prompt_total": sum(r.prompt_tokens or 0 for r in rows),
        "completion_total": sum(lengths),
    }

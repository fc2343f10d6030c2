"""Decontamination: drop rows that copy (or lightly edit) a problem of an evaluation task.

A row is contaminated by a benchmark item when

* its normalised text equals the item's (``exact``; :func:`thinkforge.curate.text.normalize`), or
* the item has fewer than ``min_matched_ngrams`` content n-grams (too short for n-grams to be specific) and
  the row's number-blind token sequence equals the item's (``template``: the same short problem with other
  numbers), or
* the row contains at least ``min_matched_ngrams`` of the item's distinct content n-grams and at least
  ``min_matched_share`` of them (``ngram``). A content n-gram is a window of ``ngram`` tokens holding at least
  ``ngram_min_words`` words of two or more letters (formula-only windows are not evidence) and occurring in
  fewer than ``ngram_max_items`` benchmark items (boilerplate such as "where m and n are relatively prime
  positive integers" or "The input is given from Standard Input" is not evidence either), or
* the same rule holds for n-grams that keep the numbers and need no content words (``ngram_numbers``):
  formula-heavy items (a list of compound names, ``Factor $x^3-9x^2+27x-35$``) have few content n-grams, and
  a formula with its own numbers is specific.

Numbers are one placeholder token in the first channel, so changed numbers, whitespace and LaTeX spacing do
not break the overlap; a reworded first sentence only removes the n-grams touching it. Asymptote figure code
(``[asy] … [/asy]``) is left out of both channels: drawing code is shared by unrelated problems.

The index is built once: the distinct hashed n-grams of every item, as a sorted uint64 array with a parallel
array of owning items, so a whole dataset is checked with a few vectorised ``searchsorted`` calls.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import xxhash

from thinkforge.defaults import CURATE, CurateDefaults, cache_dir
from thinkforge.errors import ThinkforgeError
from thinkforge.records import Problem
from thinkforge.runs.keys import stable_hash
from thinkforge.tasks.registry import POOL, get_task, list_tasks
from thinkforge.tasks.spec import TaskSpec
from thinkforge.curate.text import Encoded, drop_figures, encode, ngram_hashes, sequence_hashes, text_hash, tokens

log = logging.getLogger(__name__)

#: Mixed into the hashes of number-keeping n-grams so the two channels never collide.
_NUMBERS_SALT = np.uint64(0x5BD1E9955BD1E995)
#: Bump when tokenisation or index layout changes: cached indexes of older versions are ignored.
_INDEX_VERSION = 2
_MEMO: dict[str, "BenchmarkIndex"] = {}
_BITMAP_BITS = 24
_BITMAP_MASK = np.uint64((1 << _BITMAP_BITS) - 1)


def is_evaluation_task(spec: TaskSpec) -> bool:
    """True for benchmarks; False for training pools (tasks whose default sampling is the registry's ``POOL``

    profile: ``*_train``, ``aime_1983_2023``, ``apps`` — the problem sources curation samples from).
    """
    return dict(spec.default_sampling) != POOL


def evaluation_tasks() -> list[str]:
    """Names of every evaluation task in the registry, in registry order."""
    return [spec.name for spec in list_tasks() if is_evaluation_task(spec)]


def resolve_tasks(against: str | Sequence[str]) -> list[str]:
    """``all`` → every evaluation task; else a comma-separated string or list of task names (checked)."""
    names = against.split(",") if isinstance(against, str) else list(against)
    names = [n.strip() for n in names if n.strip()]
    if names == ["all"]:
        return evaluation_tasks()
    if not names:
        raise ThinkforgeError("no tasks to decontaminate against; give task names or 'all'")
    return [get_task(n).name for n in names]


def problem_text(problem: Problem) -> str:
    """The problem statement without prompt boilerplate: ``meta.question``, else ``meta.prompt_code``, else the prompt."""
    for key in ("question", "prompt_code"):
        value = problem.meta.get(key)
        if isinstance(value, str) and value.strip():
            return value
    if problem.prompt:
        return problem.prompt
    return "\n".join(str(m.get("content", "")) for m in problem.messages or [] if m.get("role") == "user")


@dataclass(frozen=True)
class Match:
    """Why one row was dropped: the benchmark item it matched and the evidence."""

    task: str
    problem_id: str
    evidence: str  # exact | template | ngram | ngram_numbers
    matched_ngrams: int = 0
    item_ngrams: int = 0

    def to_dict(self) -> dict[str, Any]:
        share = round(self.matched_ngrams / self.item_ngrams, 4) if self.evidence.startswith("ngram") else None
        return {"task": self.task, "problem_id": self.problem_id, "evidence": self.evidence,
                "matched_ngrams": self.matched_ngrams, "item_ngrams": self.item_ngrams, "share": share}


@dataclass(frozen=True)
class BenchmarkIndex:
    """Hashed n-grams and normalised texts of benchmark items (build with :func:`build_index`)."""

    n: int
    tasks: tuple[str, ...]
    items: tuple[tuple[str, str], ...]  # (task, problem id)
    item_ngrams: np.ndarray  # distinct n-grams per (item, channel), at index 2 * item + channel
    hashes: np.ndarray  # sorted uint64 n-gram hashes, one entry per (hash, item, channel)
    owners: np.ndarray  # 2 * item + channel of each entry of ``hashes``
    exact: dict[int, int] = field(repr=False)  # hash of normalised text → item
    template: dict[int, int] = field(repr=False)  # hash of number-blind tokens of a short item → item

    @cached_property
    def unique_hashes(self) -> np.ndarray:
        """The distinct hashes, sorted."""
        return _unique_sorted(self.hashes)

    @cached_property
    def bitmap(self) -> np.ndarray:
        """A bit per value of the hashes' low bits: a cheap first test before ``searchsorted``."""
        bits = np.zeros(1 << _BITMAP_BITS, dtype=bool)
        bits[(self.unique_hashes & _BITMAP_MASK).astype(np.int64)] = True
        return bits

    def contains(self, grams: np.ndarray) -> np.ndarray:
        """Which of ``grams`` are indexed."""
        hit = self.bitmap[(grams & _BITMAP_MASK).astype(np.int64)]
        candidates = np.flatnonzero(hit)
        unique = self.unique_hashes
        pos = np.minimum(np.searchsorted(unique, grams[candidates]), len(unique) - 1)
        hit[candidates] = unique[pos] == grams[candidates]
        return hit


def _unique_sorted(sorted_arr: np.ndarray) -> np.ndarray:
    if len(sorted_arr) == 0:
        return sorted_arr
    keep = np.empty(len(sorted_arr), dtype=bool)
    keep[0] = True
    np.not_equal(sorted_arr[1:], sorted_arr[:-1], out=keep[1:])
    return sorted_arr[keep]


def _grams(enc: Encoded, n: int, min_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Both channels' n-grams of each (figure-free) token list: (hashes, owner ``2 * list + channel``)."""
    blind_h, blind_row = ngram_hashes(enc, n, min_words, blind_numbers=True, drop_brackets=True)
    exact_h, exact_row = ngram_hashes(enc, n, drop_brackets=True)
    hashes = np.concatenate([blind_h, exact_h ^ _NUMBERS_SALT])
    owners = np.concatenate([blind_row * 2, exact_row * 2 + 1])
    return hashes, owners


def build_index(tasks: Sequence[str], defaults: CurateDefaults = CURATE) -> BenchmarkIndex:
    """Index the problems of ``tasks``; an item whose normalised text was already indexed is skipped

    (LiveCodeBench's difficulty subsets, MATH-500 inside MATH), so a match names the first task listing it.
    """
    items: list[tuple[str, str]] = []
    token_lists: list[list[str]] = []
    exact: dict[int, int] = {}
    for name in tasks:
        for problem in get_task(name).load():
            toks = tokens(problem_text(problem))
            key = text_hash(" ".join(toks))
            if key in exact:
                continue
            exact[key] = len(items)
            items.append((problem.task, problem.id))
            token_lists.append(toks)
    enc = encode([drop_figures(t) for t in token_lists])
    hashes, owners = _grams(enc, defaults.ngram, defaults.ngram_min_words)
    order = np.lexsort((hashes, owners))
    hashes, owners = hashes[order], owners[order]
    distinct = np.ones(len(hashes), dtype=bool)
    distinct[1:] = (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])
    hashes, owners = hashes[distinct], owners[distinct].astype(np.int32)
    order = np.argsort(hashes, kind="stable")
    hashes, owners = hashes[order], owners[order]
    _, df = np.unique(hashes, return_counts=True)
    specific = np.repeat(df, df) < defaults.ngram_max_items  # boilerplate shared by many items is no evidence
    hashes, owners = hashes[specific], owners[specific]
    counts = np.bincount(owners, minlength=2 * len(items)).astype(np.int64)
    keys = sequence_hashes(enc, blind_numbers=True, drop_brackets=True)
    template = {int(keys[i]): i for i in reversed(range(len(items)))
                if counts[2 * i] < defaults.min_matched_ngrams and token_lists[i]}
    log.debug("benchmark index: %d items, %d n-grams from %d tasks", len(items), len(hashes), len(tasks))
    return BenchmarkIndex(defaults.ngram, tuple(tasks), tuple(items), counts, hashes, owners, exact, template)


def _index_key(tasks: Sequence[str], defaults: CurateDefaults) -> str | None:
    """Content key of an index: tasks, their data files' xxh64 digests, settings, format version."""
    files = []
    for name in tasks:
        spec = get_task(name)
        try:
            path = spec.data_path()
        except ThinkforgeError:
            return None
        digest = xxhash.xxh64()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        convert = getattr(spec.convert, "func", spec.convert)
        files.append([name, digest.hexdigest(), getattr(convert, "__qualname__", ""), getattr(spec.convert, "keywords", {})])
    return stable_hash({"version": _INDEX_VERSION, "files": files, "defaults": dataclasses.asdict(defaults)})


def load_index(tasks: Sequence[str], defaults: CurateDefaults = CURATE, cache: bool = True) -> BenchmarkIndex:
    """:func:`build_index`, memoised in the process and on disk (``cache_dir()/decontam``), keyed by the

    content of the tasks' data files and the settings; tasks without a local file are always rebuilt."""
    key = _index_key(tasks, defaults) if cache else None
    if key is None:
        return build_index(tasks, defaults)
    if key in _MEMO:
        return _MEMO[key]
    path = cache_dir() / "decontam" / f"{key}.npz"
    index = _read_index(path) if path.is_file() else None
    if index is None:
        index = build_index(tasks, defaults)
        _write_index(path, index)
    _MEMO[key] = index
    return index


def _write_index(path: Path, index: BenchmarkIndex) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}.npz")
    meta = json.dumps({"n": index.n, "tasks": list(index.tasks), "items": [list(i) for i in index.items]})
    np.savez(tmp, meta=np.array(meta), counts=index.item_ngrams, hashes=index.hashes, owners=index.owners,
             exact=np.array(list(index.exact.items()), dtype=np.uint64).reshape(-1, 2),
             template=np.array(list(index.template.items()), dtype=np.uint64).reshape(-1, 2))
    os.replace(tmp, path)


def _read_index(path: Path) -> BenchmarkIndex | None:
    try:
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            exact = {int(k): int(v) for k, v in data["exact"].tolist()}
            template = {int(k): int(v) for k, v in data["template"].tolist()}
            return BenchmarkIndex(meta["n"], tuple(meta["tasks"]), tuple(tuple(i) for i in meta["items"]),
                                  data["counts"], data["hashes"], data["owners"], exact, template)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable decontamination index cache %s: %s", path, exc)
        return None


def find_contamination(texts: Sequence[str], index: BenchmarkIndex, defaults: CurateDefaults = CURATE,
                       tokenized: Sequence[list[str]] | None = None) -> list[Match | None]:
    """For each text, the benchmark item it copies (see module docstring), or ``None``.

    ``tokenized`` may give :func:`~thinkforge.curate.text.tokens` of the texts when the caller has them.
    """
    token_lists = list(tokenized) if tokenized is not None else [tokens(t) for t in texts]
    results: list[Match | None] = [None] * len(texts)
    rest: list[int] = []
    for row, toks in enumerate(token_lists):
        item = index.exact.get(text_hash(" ".join(toks)))
        if item is None:
            rest.append(row)
        else:
            results[row] = _match(index, item, "exact")
    if not rest:
        return results
    enc = encode([drop_figures(token_lists[r]) for r in rest])
    keys = sequence_hashes(enc, blind_numbers=True, drop_brackets=True).tolist()
    still = []
    for local, (row, key) in enumerate(zip(rest, keys)):
        item = index.template.get(key)
        if item is None:
            still.append(local)
        else:
            results[row] = _match(index, item, "template")
    if not still or len(index.hashes) == 0:
        return results
    if len(still) < len(rest):
        enc, rest = enc.subset(still), [rest[i] for i in still]
    # Windows of a row need no content-word filter: they can only equal indexed (filtered) windows.
    grams, owner = _grams(enc, index.n, 0)
    hit = index.contains(grams)
    grams, row_of = grams[hit], owner[hit] // 2
    order = np.argsort(row_of, kind="stable")
    grams, row_of = grams[order], row_of[order]
    rows, starts, counts = np.unique(row_of, return_index=True, return_counts=True)
    for local, start, count in zip(rows.tolist(), starts.tolist(), counts.tolist()):
        if count >= defaults.min_matched_ngrams:
            results[rest[local]] = _best_item(np.unique(grams[start : start + count]), index, defaults)
    return results


def _match(index: BenchmarkIndex, item: int, evidence: str, matched: int = 0, channel: int = 0) -> Match:
    task, pid = index.items[item]
    return Match(task, pid, evidence, matched, int(index.item_ngrams[2 * item + channel]))


def _best_item(row_grams: np.ndarray, index: BenchmarkIndex, defaults: CurateDefaults) -> Match | None:
    """The item sharing the largest share of its n-grams with the row, if it passes both bars."""
    lo = np.searchsorted(index.hashes, row_grams, side="left")
    hi = np.searchsorted(index.hashes, row_grams, side="right")
    sizes = hi - lo
    starts = np.repeat(lo, sizes)
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    items, matched = np.unique(index.owners[starts + offsets], return_counts=True)
    totals = index.item_ngrams[items]
    share = matched / totals
    ok = (matched >= defaults.min_matched_ngrams) & (share >= defaults.min_matched_share)
    if not ok.any():
        return None
    candidates = np.flatnonzero(ok)
    best = candidates[np.lexsort((-matched[candidates], -share[candidates]))[0]]
    item, channel = divmod(int(items[best]), 2)
    return _match(index, item, ("ngram", "ngram_numbers")[channel], int(matched[best]), channel)


@dataclass(frozen=True)
class DecontaminationReport:
    """What :func:`decontaminate` kept and dropped (row numbers refer to the input order)."""

    tasks: tuple[str, ...]
    kept: tuple[int, ...]
    dropped: tuple[tuple[int, str, Match], ...]  # (row, row id, match)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        by_task: dict[str, int] = {}
        by_evidence: dict[str, int] = {}
        for _, _, m in self.dropped:
            by_task[m.task] = by_task.get(m.task, 0) + 1
            by_evidence[m.evidence] = by_evidence.get(m.evidence, 0) + 1
        return {
            "against": list(self.tasks),
            "rows": len(self.kept) + len(self.dropped),
            "kept": len(self.kept),
            "dropped": len(self.dropped),
            "dropped_by_task": dict(sorted(by_task.items())),
            "dropped_by_evidence": dict(sorted(by_evidence.items())),
            "settings": dict(self.settings),
            "rows_dropped": [{"row": row, "id": rid, **m.to_dict()} for row, rid, m in self.dropped],
        }


def decontaminate(texts: Sequence[str], index: BenchmarkIndex, ids: Iterable[str] | None = None,
                  defaults: CurateDefaults = CURATE, tokenized: Sequence[list[str]] | None = None) -> DecontaminationReport:
    """Split rows into kept and dropped against ``index``; ``ids`` name rows in the report (default: row number)."""
    row_ids = [str(i) for i in (ids if ids is not None else range(len(texts)))]
    matches = find_contamination(texts, index, defaults, tokenized)
    kept = tuple(i for i, m in enumerate(matches) if m is None)
    dropped = tuple((i, row_ids[i], m) for i, m in enumerate(matches) if m is not None)
    settings = {"ngram": index.n, "min_matched_ngrams": defaults.min_matched_ngrams,
                "min_matched_share": defaults.min_matched_share}
    return DecontaminationReport(index.tasks, kept, dropped, settings)

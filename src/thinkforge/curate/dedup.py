"""Deduplication of prompts: exact (normalised text) and near duplicates (MinHash LSH over word shingles).

The first occurrence of a prompt is kept; every later copy is dropped and the report says which row it
duplicated. Near duplicates: the Jaccard similarity of the sets of ``minhash_shingle``-token shingles of the
normalised texts (numbers kept: the same problem with other numbers is a different training problem) is
estimated with ``minhash_num_perm`` MinHash hash functions (multiply-add-shift on 64-bit shingle hashes,
``(a·h + b) >> 32``), computed with numpy for all rows at once. Candidates come from LSH banding with the
(bands, rows) that ``datasketch.MinHashLSH`` picks for ``minhash_threshold`` (its false positive/negative
optimum); the bands are bucketed with numpy in one pass instead of per-row inserts and queries (same
candidates, see the tests), and a candidate counts when its estimated Jaccard reaches the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
from datasketch import MinHashLSH

from thinkforge.curate.text import ngram_hashes, text_hash, tokens
from thinkforge.defaults import CURATE, CurateDefaults



@dataclass(frozen=True)
class Duplicate:
    """A dropped row and the kept row it duplicates."""

    row: int
    id: str
    of_row: int
    of_id: str
    kind: str  # exact | near
    jaccard: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "id": self.id, "duplicate_of_row": self.of_row, "duplicate_of_id": self.of_id,
                "kind": self.kind, "jaccard": round(self.jaccard, 4)}


@dataclass(frozen=True)
class DedupReport:
    """What :func:`dedup` kept and dropped (row numbers refer to the input order)."""

    kept: tuple[int, ...]
    dropped: tuple[Duplicate, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        exact = sum(1 for d in self.dropped if d.kind == "exact")
        return {"rows": len(self.kept) + len(self.dropped), "kept": len(self.kept), "dropped": len(self.dropped),
                "dropped_exact": exact, "dropped_near": len(self.dropped) - exact, "settings": dict(self.settings),
                "rows_dropped": [d.to_dict() for d in self.dropped]}


def permutations(defaults: CurateDefaults = CURATE) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` coefficients of the MinHash hash functions (seeded: same across runs; ``a`` odd)."""
    rng = np.random.default_rng(defaults.minhash_seed)
    a = rng.integers(0, 2**63, size=defaults.minhash_num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=defaults.minhash_num_perm, dtype=np.uint64)
    return a, b


def signatures(token_lists: Sequence[list[str]], defaults: CurateDefaults = CURATE) -> np.ndarray:
    """MinHash signatures (uint32), shape ``(rows, num_perm)``; a text shorter than a shingle is one shingle."""
    k = defaults.minhash_shingle
    padded = [t if len(t) >= k else [*t, *([""] * (k - len(t)))] for t in token_lists]
    shingles, row_of = ngram_hashes(padded, k)
    a, b = permutations(defaults)
    sig = np.zeros((len(token_lists), len(a)), dtype=np.uint32)
    starts = np.searchsorted(row_of, np.arange(len(token_lists)))
    work = np.empty_like(shingles)
    for p in range(len(a)):  # one permutation over all shingles at a time: cache-sized arrays
        np.multiply(shingles, a[p], out=work)
        np.add(work, b[p], out=work)
        np.right_shift(work, np.uint64(32), out=work)
        sig[:, p] = np.minimum.reduceat(work, starts)
    return sig


def lsh_bands(defaults: CurateDefaults = CURATE) -> tuple[int, int]:
    """``(bands, rows per band)`` that datasketch's MinHashLSH chooses for the threshold and permutations."""
    lsh = MinHashLSH(threshold=defaults.minhash_threshold, num_perm=defaults.minhash_num_perm)
    return lsh.b, lsh.r


def candidate_pairs(sig: np.ndarray, bands: int, rows: int, max_group: int) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, whose signatures agree on at least one band (as MinHash LSH buckets them)."""
    pairs: list[np.ndarray] = []
    weights = np.uint64(0x9E3779B97F4A7C15) ** np.arange(rows, dtype=np.uint64)
    for band in range(bands):
        keys = (sig[:, band * rows : (band + 1) * rows].astype(np.uint64) * weights).sum(axis=1)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
        sizes = np.diff(np.append(starts, len(keys)))
        for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist()):
            members = order[start : start + size]  # ascending row order (stable sort)
            firsts = members[:max_group]
            i, j = np.meshgrid(firsts, members, indexing="ij")
            keep = i < j
            pairs.append(np.stack([i[keep], j[keep]], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(pairs), axis=0)


def near_duplicates(sig: np.ndarray, defaults: CurateDefaults = CURATE) -> dict[int, tuple[int, float]]:
    """Row → (kept row it duplicates, estimated Jaccard), scanning rows in order (the first copy is kept)."""
    bands, rows = lsh_bands(defaults)
    pairs = candidate_pairs(sig, bands, rows, defaults.minhash_max_bucket)
    if len(pairs) == 0:
        return {}
    jaccard = (sig[pairs[:, 0]] == sig[pairs[:, 1]]).mean(axis=1)
    close = jaccard >= defaults.minhash_threshold
    by_row: dict[int, list[tuple[int, float]]] = {}
    for (i, j), jac in zip(pairs[close].tolist(), jaccard[close].tolist()):
        by_row.setdefault(j, []).append((i, jac))
    found: dict[int, tuple[int, float]] = {}
    for j in sorted(by_row):
        alive = [(jac, -i) for i, jac in by_row[j] if i not in found]
        if alive:
            jac, neg_i = max(alive)
            found[j] = (-neg_i, jac)
    return found


def dedup(texts: Sequence[str], ids: Iterable[str] | None = None, near: bool = True,
          defaults: CurateDefaults = CURATE, tokenized: Sequence[list[str]] | None = None) -> DedupReport:
    """Keep the first occurrence of each prompt; drop exact and (with ``near``) near duplicates.

    ``tokenized`` may give :func:`~thinkforge.curate.text.tokens` of the texts when the caller has them.
    """
    row_ids = [str(i) for i in (ids if ids is not None else range(len(texts)))]
    token_lists = list(tokenized) if tokenized is not None else [tokens(t) for t in texts]
    first_of: dict[int, int] = {}
    dropped: list[Duplicate] = []
    survivors: list[int] = []
    for row, toks in enumerate(token_lists):
        key = text_hash(" ".join(toks))
        if key in first_of:
            of = first_of[key]
            dropped.append(Duplicate(row, row_ids[row], of, row_ids[of], "exact"))
        else:
            first_of[key] = row
            survivors.append(row)
    kept = survivors
    if near and survivors:
        sig = signatures([token_lists[r] for r in survivors], defaults)
        found = near_duplicates(sig, defaults)
        for local, (of_local, jac) in found.items():
            row, of = survivors[local], survivors[of_local]
            dropped.append(Duplicate(row, row_ids[row], of, row_ids[of], "near", jac))
        kept = [row for local, row in enumerate(survivors) if local not in found]
    settings = {"num_perm": defaults.minhash_num_perm, "shingle": defaults.minhash_shingle,
                "threshold": defaults.minhash_threshold, "near": near}
    return DedupReport(tuple(kept), tuple(sorted(dropped, key=lambda d: d.row)), settings)

"""Prompt normalisation shared by dedup and decontamination.

Two views of a text, both built from one tokenisation:

* :func:`normalize` — for exact matching: lower case, LaTeX spacing (``\\,`` ``\\ `` ``{,}`` ``~``) and ``$``
  dropped, ``\\left``/``\\right`` dropped, ``\\dfrac``→``\\frac``, sentence punctuation (``. , ; : ! ? " '``)
  dropped, whitespace canonical. Numbers and math operators are kept, so ``x+1`` ≠ ``x-1``.
* :func:`ngram_tokens` — for n-gram matching: the same tokens with every number replaced by ``0`` and
  brackets dropped, so a copy with changed numbers still shares its n-grams. :func:`ngram_hashes` keeps only
  windows with enough content words: formula-only windows (``x ^ 0 + 0 x = 0``) say nothing once numbers are
  blind.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import Sequence

import numpy as np
import xxhash

# LaTeX spacing and size commands that carry no content.
_SPACING = re.compile(r"\\[,;:!> ]|\\q?quad\b|\\(?:left|right|big|Big|bigg|Bigg)\b|\\displaystyle\b|~")
# Thousands separators: ``1{,}000``, ``1\,000`` and ``1,000`` all mean 1000.
_THOUSANDS = re.compile(r"(?<=\d)(?:\{,\}|\\,|,)(?=\d{3}(?!\d))")
_ALIASES = re.compile(r"\\[dt](frac|binom)\b")
_TOKEN = re.compile(r"\\[a-z]+|[a-z]+|\d+(?:\.\d+)?|[^\sa-z\d.,;:!?\"'`\\$]")
_BRACKETS = frozenset("{}()[]")
#: Odd multiplier of the polynomial rolling hash over word ids (arbitrary 64-bit odd constant).
_ROLL = np.uint64(0x9E3779B97F4A7C15)


def tokens(text: str) -> list[str]:
    """Lower-cased word, number, LaTeX-command and operator tokens with LaTeX spacing and punctuation removed."""
    text = _ALIASES.sub(r"\\\1", text)
    text = _THOUSANDS.sub("", text)
    text = _SPACING.sub(" ", text).lower()
    return _TOKEN.findall(text)


def normalize(text: str) -> str:
    """The canonical form used for exact matching (see module docstring)."""
    return " ".join(tokens(text))


def unbracket(toks: list[str]) -> list[str]:
    """Tokens without brackets and braces (``\\frac{1}{2}`` and ``\\frac12`` read alike)."""
    return [t for t in toks if t not in _BRACKETS]


def blind(toks: list[str]) -> list[str]:
    """Tokens for n-gram matching: numbers become ``0``, brackets are dropped."""
    return ["0" if t[0].isdigit() else t for t in unbracket(toks)]


def drop_figures(toks: list[str]) -> list[str]:
    """Tokens without Asymptote figure code (``[asy] … [/asy]``): drawing code is shared by unrelated problems."""
    if "asy" not in toks:
        return toks
    out: list[str] = []
    inside = False
    for i, t in enumerate(toks):
        if t == "asy" and i > 0 and toks[i - 1] in ("[", "/"):
            inside = toks[i - 1] == "["
            if out and out[-1] == "[":
                out.pop()
            continue
        if not inside and not (t == "]" and i > 0 and toks[i - 1] == "asy"):
            out.append(t)
    return out


def ngram_tokens(text: str) -> list[str]:
    """:func:`blind` tokens of ``text``."""
    return blind(tokens(text))


def is_word(token: str) -> bool:
    """A content word: two or more letters (not a LaTeX command, number, operator or one-letter variable)."""
    return len(token) > 1 and token[0].isalpha()


def token_id(token: str) -> int:
    """A stable 64-bit id of one token (xxh64; equal across processes and machines)."""
    return xxhash.xxh64_intdigest(token.encode())


def text_hash(text: str) -> int:
    """A stable 64-bit hash of a (normalised) string."""
    return xxhash.xxh64_intdigest(text.encode())


class _Vocabulary:
    """Token → row of a table (xxh64 id, is number, is bracket, is content word), grown as tokens appear.

    One per process, shared by all callers (thread-safe); it grows with the distinct tokens seen (numbers
    included), about 200 bytes each.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.index: dict[str, int] = {}
        self._ids: list[int] = []
        self._flags: list[tuple[bool, bool, bool]] = []
        self.ids = np.empty(0, dtype=np.uint64)
        self.number = self.bracket = self.word = np.empty(0, dtype=bool)

    def lookup(self, flat: list[str]) -> np.ndarray:
        """Table rows of ``flat`` (new tokens are added)."""
        with self._lock:
            self._add(set(flat).difference(self.index))
            return np.fromiter(map(self.index.__getitem__, flat), dtype=np.int64, count=len(flat))

    def _add(self, new: set[str]) -> None:
        if new:
            for token in sorted(new):
                self.index[token] = len(self._ids)
                self._ids.append(token_id(token))
                self._flags.append((token[:1].isdigit(), token in _BRACKETS, is_word(token)))
            self.ids = np.array(self._ids, dtype=np.uint64)
            flags = np.array(self._flags, dtype=bool).reshape(-1, 3)
            self.number, self.bracket, self.word = flags[:, 0], flags[:, 1], flags[:, 2]


_VOCAB = _Vocabulary()
_ZERO_ID = np.uint64(token_id("0"))


@dataclass(frozen=True)
class Encoded:
    """Token lists as vocabulary rows, concatenated: ``rows[i]`` belongs to list ``row_of[i]``."""

    rows: np.ndarray
    row_of: np.ndarray
    lengths: np.ndarray

    def subset(self, lists: Sequence[int]) -> "Encoded":
        """The given lists only, renumbered 0.. in the given (ascending) order."""
        chosen = np.zeros(len(self.lengths), dtype=bool)
        chosen[np.asarray(lists, dtype=np.int64)] = True
        keep = chosen[self.row_of]
        renumber = np.cumsum(chosen) - 1
        return Encoded(self.rows[keep], renumber[self.row_of[keep]], self.lengths[chosen])


def encode(token_lists: Sequence[list[str]]) -> Encoded:
    """Look every token up once; the result feeds :func:`ngram_hashes` and :func:`sequence_hashes`."""
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    rows = _VOCAB.lookup(list(chain.from_iterable(token_lists)))
    return Encoded(rows, np.repeat(np.arange(len(token_lists)), lengths), lengths)


def _encode(lists: Sequence[list[str]] | Encoded, blind_numbers: bool, drop_brackets: bool) -> tuple[np.ndarray, ...]:
    """Token ids of all lists concatenated, with each token's list, the list lengths and vocabulary rows."""
    enc = lists if isinstance(lists, Encoded) else encode(lists)
    rows, row_of, lengths = enc.rows, enc.row_of, enc.lengths
    if drop_brackets:
        keep = ~_VOCAB.bracket[rows]
        rows, row_of = rows[keep], row_of[keep]
        lengths = np.bincount(row_of, minlength=len(lengths))
    ids = _VOCAB.ids[rows]
    if blind_numbers:
        ids[_VOCAB.number[rows]] = _ZERO_ID
    return ids, row_of, lengths, rows


def ngram_hashes(token_lists: Sequence[list[str]] | Encoded, n: int, min_words: int = 0, *,
                 blind_numbers: bool = False, drop_brackets: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every window of ``n`` consecutive tokens holding at least ``min_words`` content words.

    ``drop_brackets`` removes brackets first and ``blind_numbers`` reads every number as ``0`` (together:
    the n-grams of :func:`blind` tokens). Vectorised over all lists at once; returns ``(hashes, row)`` where
    ``row[i]`` is the list of window ``i`` (windows never cross lists; windows of one list keep their order).
    """
    ids, row_of, lengths, rows = _encode(token_lists, blind_numbers, drop_brackets)
    total = len(ids)
    if total < n:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    count = total - n + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for j in range(n):
        hashes *= _ROLL
        hashes += ids[j : j + count]
    ends = np.repeat(np.cumsum(lengths), lengths)
    valid = np.arange(count) + n <= ends[:count]
    if min_words > 0:
        csum = np.concatenate(([0], np.cumsum(_VOCAB.word[rows], dtype=np.int64)))
        valid &= (csum[n:] - csum[:count]) >= min_words
    return hashes[valid], row_of[:count][valid]


def sequence_hashes(token_lists: Sequence[list[str]] | Encoded, *, blind_numbers: bool = False,
                    drop_brackets: bool = False) -> np.ndarray:
    """One hash of each whole token list (polynomial over token ids; equal lists, equal hashes; ``[]`` → 0)."""
    ids, row_of, lengths, _ = _encode(token_lists, blind_numbers, drop_brackets)
    out = np.zeros(len(lengths), dtype=np.uint64)
    if len(ids) == 0:
        return out
    ends = np.repeat(np.cumsum(lengths), lengths)
    exponents = ends - 1 - np.arange(len(ids))
    powers = np.array(list(accumulate(range(int(exponents.max())), lambda acc, _: acc * int(_ROLL) % 2**64,
                                      initial=1)), dtype=np.uint64)
    nonempty = lengths > 0
    starts = (np.cumsum(lengths) - lengths)[nonempty]
    out[nonempty] = np.add.reduceat(ids * powers[exponents], starts)
    return out ^ lengths.astype(np.uint64)

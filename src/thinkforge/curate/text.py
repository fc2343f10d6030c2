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
from functools import lru_cache
from itertools import chain
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


@lru_cache(maxsize=1 << 20)
def token_id(token: str) -> int:
    """A stable 64-bit id of one token (xxh64; equal across processes and machines)."""
    return xxhash.xxh64_intdigest(token.encode())


def text_hash(text: str) -> int:
    """A stable 64-bit hash of a (normalised) string."""
    return xxhash.xxh64_intdigest(text.encode())


def ngram_hashes(token_lists: Sequence[list[str]], n: int, min_words: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every window of ``n`` consecutive tokens holding at least ``min_words`` content words.

    Vectorised over all lists at once; returns ``(hashes, row)`` where ``row[i]`` is the list of window ``i``
    (windows never cross lists; windows of one list keep their order).
    """
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    flat = list(chain.from_iterable(token_lists))
    total = len(flat)
    if total < n:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    ids = np.fromiter(map(token_id, flat), dtype=np.uint64, count=total)
    count = total - n + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for j in range(n):
        hashes = hashes * _ROLL + ids[j : j + count]
    row_of = np.repeat(np.arange(len(token_lists)), lengths)
    ends = np.repeat(np.cumsum(lengths), lengths)
    valid = np.arange(count) + n <= ends[:count]
    if min_words > 0:
        words = np.fromiter(map(is_word, flat), dtype=np.int64, count=total)
        csum = np.concatenate(([0], np.cumsum(words)))
        valid &= (csum[n:] - csum[:count]) >= min_words
    return hashes[valid], row_of[:count][valid]

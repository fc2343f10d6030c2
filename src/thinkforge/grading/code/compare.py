"""Compare a program's output with the expected output: exact (normalised) or token-wise with tolerance."""

from __future__ import annotations

import math
from typing import Any

COMPARE_MODES = ("exact", "tokens")


def normalise(text: str) -> str:
    """Unify line endings, strip trailing whitespace of each line and trailing blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n")


def outputs_match(got: str, expected: str, mode: str = "exact", float_tol: float = 1e-6) -> bool:
    """True when ``got`` matches ``expected``.

    ``exact``: equal after :func:`normalise`. ``tokens``: the same whitespace-separated tokens, where two
    numeric tokens also match when they are within ``float_tol`` (relative or absolute) of each other — the
    usual checker for problems with real-valued answers.
    """
    if mode == "exact":
        return normalise(got) == normalise(expected)
    if mode == "tokens":
        a, b = got.split(), expected.split()
        return len(a) == len(b) and all(_token_match(x, y, float_tol) for x, y in zip(a, b))
    raise ValueError(f"unknown compare mode {mode!r} (known: {', '.join(COMPARE_MODES)})")


def values_match(got: Any, want: Any, tol: float = 1e-6) -> bool:
    """True when a functional test's return value (already plain JSON data) equals the expected value.

    Runs in the judge, never in the sandbox, so a solution cannot tamper with it. Booleans match only
    booleans; a float expected value matches numbers within ``tol``; an int expected value matches only the
    same int (or a float exactly equal to it: 1e9 returned for 1000000007 is wrong); lists and dicts match
    element-wise.
    """
    if isinstance(got, bool) or isinstance(want, bool):
        return type(got) is type(want) and got == want
    if isinstance(got, (int, float)) and isinstance(want, (int, float)):
        if isinstance(want, float):
            try:
                return got == want or math.isclose(got, want, rel_tol=tol, abs_tol=tol)
            except OverflowError:  # an int too large for a float is not close to any float
                return False
        return got == want
    if isinstance(got, list) and isinstance(want, list):
        return len(got) == len(want) and all(values_match(g, w, tol) for g, w in zip(got, want))
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(values_match(got[k], want[k], tol) for k in got)
    return type(got) is type(want) and got == want


def _token_match(got: str, want: str, tol: float) -> bool:
    if got == want:
        return True
    try:
        x, y = float(got), float(want)
    except ValueError:
        return False
    if math.isnan(x) or math.isnan(y):
        return False
    return math.isclose(x, y, rel_tol=tol, abs_tol=tol)

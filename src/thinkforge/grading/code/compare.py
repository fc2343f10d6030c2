"""Compare a program's output with the expected output: exact (normalised) or token-wise with tolerance."""

from __future__ import annotations

import math

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

"""A generated arithmetic pool (synthetic, labelled so): problems a 135M model solves some of the time.

The demo's loop needs a verifiable pool the default model (SmolLM2-135M-Instruct) solves now and then: it
answers ~0 % of GSM8K or MATH level 1, but adds and multiplies small numbers, often without ``\\boxed{}``.
Problems come from one seeded generator; ``train`` and ``test`` are disjoint by construction (every
(operation, a, b) appears in one split only), and the files shipped in ``tasks/data/`` are what
``python -m thinkforge.tasks.arithmetic`` writes.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from thinkforge.jsonl import write_text_atomic

#: Where the shipped splits live (package data).
DATA_DIR = Path(__file__).with_name("data")
SEED = 20261130


@dataclass(frozen=True)
class Kind:
    """One kind of problem: operand ranges, how it is asked and answered, and its share of each split."""

    name: str
    level: int
    a: tuple[int, int]
    b: tuple[int, int]
    symbol: str
    apply: Callable[[int, int], int]
    test: int
    train: int

    def pairs(self) -> list[tuple[int, int]]:
        """Every operand pair of this kind once (subtraction: never negative)."""
        pairs = [(a, b) for a in range(self.a[0], self.a[1] + 1) for b in range(self.b[0], self.b[1] + 1)]
        return [(a, b) for a, b in pairs if not (self.symbol == "-" and b > a)]


#: From one-digit sums (which the default model mostly gets right) to one-by-two-digit products (mostly not).
KINDS: tuple[Kind, ...] = (
    Kind("addition", 1, (1, 9), (1, 9), "+", lambda a, b: a + b, test=20, train=61),
    Kind("multiplication", 1, (2, 9), (2, 9), "\\times", lambda a, b: a * b, test=20, train=44),
    Kind("addition", 2, (10, 99), (1, 9), "+", lambda a, b: a + b, test=40, train=600),
    Kind("subtraction", 2, (10, 99), (1, 9), "-", lambda a, b: a - b, test=40, train=600),
    Kind("addition", 3, (10, 99), (10, 99), "+", lambda a, b: a + b, test=40, train=600),
    Kind("multiplication", 3, (2, 9), (10, 99), "\\times", lambda a, b: a * b, test=40, train=600),
)

#: Phrasings of one question (the operation in LaTeX, as MATH writes it).
PHRASES: tuple[str, ...] = ("What is ${a} {op} {b}$?", "Compute ${a} {op} {b}$.", "Find the value of ${a} {op} {b}$.")


def _row(kind: Kind, a: int, b: int, phrase: str) -> dict:
    return {"id": f"{kind.name}-{kind.level}-{a}-{b}", "problem": phrase.format(a=a, op=kind.symbol, b=b),
            "answer": str(kind.apply(a, b)), "subject": kind.name, "level": f"Level {kind.level}"}


def split_rows(seed: int = SEED) -> dict[str, list[dict]]:
    """``test`` and ``train``: per kind, its operand pairs shuffled by ``seed``, the first ``test`` held out and the
    next ``train`` for the pool (so no (operation, a, b) is in both); rows of all kinds interleaved by the seed."""
    rng = random.Random(seed)
    splits: dict[str, list[dict]] = {"test": [], "train": []}
    for kind in KINDS:
        pairs = kind.pairs()
        rng.shuffle(pairs)
        if kind.test + kind.train > len(pairs):
            raise ValueError(f"{kind.name} level {kind.level}: {len(pairs)} problems, {kind.test + kind.train} asked")
        for name, chosen in (("test", pairs[: kind.test]), ("train", pairs[kind.test : kind.test + kind.train])):
            splits[name].extend(_row(kind, a, b, rng.choice(PHRASES)) for a, b in chosen)
    for rows in splits.values():
        rng.shuffle(rows)
    return splits


def write_splits(folder: Path = DATA_DIR, seed: int = SEED) -> list[Path]:
    """Write ``arithmetic_<split>.jsonl`` for every split (atomically)."""
    paths = []
    for name, rows in split_rows(seed).items():
        path = folder / f"arithmetic_{name}.jsonl"
        write_text_atomic(path, "".join(json.dumps(r) + "\n" for r in rows))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description="write the arithmetic pool's splits")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    for path in write_splits(args.out, args.seed):
        print(path)


if __name__ == "__main__":
    main()

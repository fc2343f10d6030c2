"""The generated arithmetic pool: the shipped files are what the generator writes, the splits never share a
problem, every gold is the true result, and the grader accepts it."""

from __future__ import annotations

import json
from pathlib import Path

from thinkforge.grading.math import grade_math
from thinkforge.tasks import get_task
from thinkforge.tasks.arithmetic import DATA_DIR, KINDS, split_rows, write_splits


def test_shipped_splits_are_what_the_generator_writes(tmp_path: Path) -> None:
    write_splits(tmp_path)
    for split in ("train", "test"):
        name = f"arithmetic_{split}.jsonl"
        assert (tmp_path / name).read_text() == (DATA_DIR / name).read_text(), f"regenerate {name}"


def test_splits_are_disjoint_and_sized_per_kind() -> None:
    splits = split_rows()
    ids = {name: [r["id"] for r in rows] for name, rows in splits.items()}
    assert not set(ids["train"]) & set(ids["test"])
    assert all(len(set(v)) == len(v) for v in ids.values())
    for kind in KINDS:
        prefix = f"{kind.name}-{kind.level}-"
        assert sum(i.startswith(prefix) for i in ids["test"]) == kind.test
        assert sum(i.startswith(prefix) for i in ids["train"]) == kind.train
    texts = {name: {r["problem"] for r in rows} for name, rows in splits.items()}
    assert not texts["train"] & texts["test"]


def test_golds_are_the_true_results() -> None:
    ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "\\times": lambda a, b: a * b}
    for rows in split_rows().values():
        for row in rows:
            _, level, a, b = row["id"].rsplit("-", 3)
            symbol = next(s for s in ops if f" {s} " in row["problem"])
            assert row["answer"] == str(ops[symbol](int(a), int(b))) and int(row["answer"]) >= 0
            assert row["level"] == f"Level {level}"


def test_tasks_load_and_grade() -> None:
    held_out = get_task("arithmetic").load()
    pool = get_task("arithmetic_train").load()
    assert (len(held_out), len(pool)) == (200, 2505)
    problem = held_out[0]
    assert problem.prompt.startswith("Return your final response within \\boxed{}.")
    gold = problem.reference["answer"]
    assert grade_math(gold, f"The answer is $\\boxed{{{gold}}}$.").passed
    assert not grade_math(gold, f"The answer is $\\boxed{{{int(gold) + 1}}}$.").passed
    first = json.loads((DATA_DIR / "arithmetic_test.jsonl").read_text().splitlines()[0])
    assert problem.id == f"arithmetic/{first['id']}"

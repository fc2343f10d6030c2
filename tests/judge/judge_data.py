"""HumanEval and MBPP problems from the real tasks, paired with the datasets' own solutions."""

from __future__ import annotations

import os
from pathlib import Path

from thinkforge.records import Problem, Sample
from thinkforge.tasks import get_task

REPO = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """``$THINKFORGE_DATA`` or ``../shared/data`` relative to the repo root."""
    return Path(os.environ.get("THINKFORGE_DATA") or REPO.parent / "shared" / "data")


def humaneval() -> list[tuple[Problem, Sample]]:
    """(problem, canonical-solution sample) pairs of the humaneval task; the sample is prompt + canonical body."""
    pairs = []
    for problem in get_task("humaneval").load():
        text = "```python\n" + problem.meta["prompt_code"] + problem.meta["canonical_solution"] + "\n```"
        pairs.append((problem, Sample(problem_id=problem.id, model="canonical", index=0, text=text,
                                      key=f"{problem.id}/canonical")))
    return pairs


def mbpp(first: int = 11, last: int = 510) -> list[tuple[Problem, Sample]]:
    """(problem, reference-solution sample) pairs of the mbpp task (test split: task ids 11-510)."""
    pairs = []
    for problem in get_task("mbpp").load():
        if first <= int(problem.id.rsplit("/", 1)[1]) <= last:
            text = "```python\n" + problem.meta["reference_solution"] + "\n```"
            pairs.append((problem, Sample(problem_id=problem.id, model="reference", index=0, text=text,
                                          key=f"{problem.id}/reference")))
    return pairs

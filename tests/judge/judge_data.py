"""Build code Problems (per docs/records.md) straight from the HumanEval and MBPP files in ../shared/data."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from thinkforge.records import Problem, Sample

REPO = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """``$THINKFORGE_DATA`` or ``../shared/data`` relative to the repo root."""
    return Path(os.environ.get("THINKFORGE_DATA") or REPO.parent / "shared" / "data")


def _import_lines(prompt: str) -> str:
    return "\n".join(line for line in prompt.splitlines() if line.startswith(("import ", "from ")))


def humaneval() -> list[tuple[Problem, Sample]]:
    """(problem, canonical-solution sample) pairs; the sample is the prompt + canonical body in a fence."""
    pairs = []
    with gzip.open(data_dir() / "humaneval" / "HumanEval.jsonl.gz", "rt") as fh:
        for line in fh:
            row = json.loads(line)
            problem = Problem(
                id=row["task_id"], task="humaneval", domain="code", prompt=row["prompt"],
                reference={"style": "assertion", "prefix": _import_lines(row["prompt"]),
                           "entry_point": row["entry_point"],
                           "test_program": row["test"] + f"\ncheck({row['entry_point']})\n"},
            )
            text = "```python\n" + row["prompt"] + row["canonical_solution"] + "\n```"
            pairs.append((problem, Sample(problem_id=problem.id, model="canonical", index=0, text=text,
                                          key=f"{problem.id}/canonical")))
    return pairs


def mbpp(first: int = 11, last: int = 510) -> list[tuple[Problem, Sample]]:
    """(problem, reference-solution sample) pairs of the MBPP test split (task ids 11-510)."""
    pairs = []
    with open(data_dir() / "mbpp" / "mbpp.jsonl") as fh:
        for line in fh:
            row = json.loads(line)
            if not first <= row["task_id"] <= last:
                continue
            pid = f"mbpp/{row['task_id']}"
            program = (row.get("test_setup_code") or "") + "\n" + "\n".join(row["test_list"]) + "\n"
            problem = Problem(id=pid, task="mbpp", domain="code", prompt=row["text"],
                              reference={"style": "assertion", "test_program": program})
            pairs.append((problem, Sample(problem_id=pid, model="reference", index=0,
                                          text="```python\n" + row["code"] + "\n```", key=f"{pid}/reference")))
    return pairs

"""Records survive Parquet and datasets round trips, even with differently shaped references."""

from __future__ import annotations

from thinkforge.records import Problem, Sample
from thinkforge.tables import from_rows, read_parquet, to_dataset, write_parquet

PROBLEMS = [
    Problem(id="m/1", task="m", domain="math", prompt="1+1?", reference={"answer": "2"}),
    Problem(id="c/1", task="c", domain="code", prompt="echo", reference={"style": "stdin", "tests": [{"input": "a", "output": "a"}]}),
    Problem(id="q/1", task="q", domain="mcq", prompt="pick", reference={"choices": ["x", "y"], "answer": "B"}, meta={"seed": 3}),
]


def test_parquet_round_trip(tmp_path):
    path = write_parquet(PROBLEMS, tmp_path / "problems.parquet")
    assert read_parquet(path, Problem) == PROBLEMS


def test_dataset_round_trip():
    ds = to_dataset(PROBLEMS)
    assert ds.num_rows == 3
    assert from_rows(ds.to_list(), Problem) == PROBLEMS


def test_samples_with_messages_round_trip(tmp_path):
    samples = [
        Sample(problem_id="m/1", model="default", index=i, text=f"t{i}", messages=[{"role": "user", "content": "1+1?"}])
        for i in range(2)
    ]
    assert read_parquet(write_parquet(samples, tmp_path / "s.parquet"), Sample) == samples

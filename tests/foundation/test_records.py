"""Records round-trip through JSON and reject bad input with errors that name the field (and file:line)."""

from __future__ import annotations

import json

import pytest

from thinkforge.errors import ValidationError
from thinkforge.jsonl import read_records
from thinkforge.records import Problem, Sample, Verdict

PROBLEM = {
    "id": "aime24/60",
    "task": "aime24",
    "domain": "math",
    "prompt": "Find x.",
    "reference": {"answer": "204"},
    "messages": None,
    "meta": {"year": 2024},
}
SAMPLE = {
    "problem_id": "aime24/60",
    "model": "default",
    "index": 3,
    "text": "The answer is \\boxed{204}.",
    "task": "aime24",
    "sampling": {"temperature": 0.7, "seed": 1},
    "messages": [{"role": "user", "content": "Find x."}],
    "reasoning": None,
    "finish_reason": "stop",
    "prompt_tokens": 12,
    "completion_tokens": 9,
    "latency_s": 0.5,
    "provenance": {"template_hash": "abc"},
    "key": "k1",
}
VERDICT = {
    "sample_key": "k1",
    "passed": True,
    "status": "pass",
    "problem_id": "aime24/60",
    "extracted": "204",
    "detail": {},
    "grader": "math/1",
}


@pytest.mark.parametrize("cls,data", [(Problem, PROBLEM), (Sample, SAMPLE), (Verdict, VERDICT)])
def test_round_trip_is_identity(cls, data):
    record = cls.from_dict(data)
    assert record.to_dict() == data
    assert cls.from_dict(json.loads(json.dumps(record.to_dict()))) == record


@pytest.mark.parametrize(
    "cls,data,field",
    [
        (Problem, {k: v for k, v in PROBLEM.items() if k != "reference"}, "reference"),
        (Problem, {**PROBLEM, "domain": "poetry"}, "domain"),
        (Problem, {**PROBLEM, "colour": "red"}, "colour"),
        (Problem, {**PROBLEM, "id": ""}, "id"),
        (Sample, {**SAMPLE, "index": "3"}, "index"),
        (Sample, {**SAMPLE, "index": -1}, "index"),
        (Sample, {**SAMPLE, "index": True}, "index"),
        (Sample, {**SAMPLE, "finish_reason": "eos"}, "finish_reason"),
        (Sample, {**SAMPLE, "latency_s": "fast"}, "latency_s"),
        (Verdict, {**VERDICT, "status": "ok"}, "status"),
        (Verdict, {**VERDICT, "passed": False}, "passed"),
    ],
)
def test_invalid_field_is_named(cls, data, field):
    with pytest.raises(ValidationError) as info:
        cls.from_dict(data)
    assert info.value.field == field
    assert f"'{field}'" in str(info.value)


def test_int_is_accepted_where_float_expected():
    assert Sample.from_dict({**SAMPLE, "latency_s": 1}).latency_s == 1.0


def test_file_errors_name_file_and_line(tmp_path):
    path = tmp_path / "problems.jsonl"
    good = json.dumps(PROBLEM)
    bad = json.dumps({**PROBLEM, "domain": "poetry"})
    path.write_text(f"{good}\n\n{good}\n{bad}\n")
    with pytest.raises(ValidationError) as info:
        read_records(path, Problem)
    assert str(info.value).startswith(f"{path}:4: field 'domain'")


def test_malformed_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "samples.jsonl"
    path.write_text(json.dumps(SAMPLE) + "\n{not json\n" + json.dumps(SAMPLE) + "\n")
    with pytest.raises(ValidationError) as info:
        read_records(path, Sample)
    assert f"{path}:2:" in str(info.value)
    assert "malformed JSON" in str(info.value)


def test_gzip_jsonl_is_read(tmp_path):
    import gzip

    path = tmp_path / "p.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps(PROBLEM) + "\n")
    assert read_records(path, Problem)[0].id == "aime24/60"

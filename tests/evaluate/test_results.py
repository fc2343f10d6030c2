"""results.json task entries from hand-made verdicts: every field against hand-computed values."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from _eval_factory import graded, problem

from thinkforge.errors import ThinkforgeError, ValidationError
from thinkforge.evaluate.metrics import IntervalOptions
from thinkforge.evaluate.results import read_results, results_document, task_results, write_results
from thinkforge.records import Sample, Verdict

PROBLEMS = [
    problem("p1", level=1, subject="Algebra"),
    problem("p2", level=2, subject="Algebra"),
    problem("p3", level=2, subject="Geometry"),
    problem("p4", level=1, subject="Geometry"),  # never sampled
]


def _records():
    s1, v1 = graded("p1", [(True, "4"), (True, "4"), (False, "5"), (False, "5")], tokens=[10, 20, 30, 40])
    s2, v2 = graded("p2", [(False, None), (False, "3"), (False, "3"), (False, "2")], tokens=[50, 50, 50, 50])
    s3, v3 = graded("p3", [(True, "7"), (False, "8"), (True, "7"), (True, "7")], tokens=[10, 90, 10, 10])
    ungraded = Sample(problem_id="p1", model="m", index=4, text="...", key="p1-4", finish_reason="length", completion_tokens=100)
    return [*s1, *s2, *s3, ungraded], [*v1, *v2, *v3]


def _entry(**kw):
    samples, verdicts = _records()
    return task_results("toy", PROBLEMS, samples, verdicts, **kw)


def test_headline_metrics_match_hand_computed_values() -> None:
    entry = _entry()
    metrics = entry["metrics"]
    assert list(metrics) == ["accuracy", "pass@1", "pass@2", "pass@4", "maj@4"]
    assert metrics["accuracy"]["value"] == pytest.approx((0.5 + 0.0 + 0.75) / 3)
    assert metrics["pass@1"]["value"] == pytest.approx(metrics["accuracy"]["value"])
    assert metrics["pass@2"]["value"] == pytest.approx((5 / 6 + 0 + 1) / 3)  # p1: 1 - C(2,2)/C(4,2)
    assert metrics["pass@4"]["value"] == pytest.approx(2 / 3)
    assert metrics["maj@4"]["value"] == pytest.approx(2 / 3)  # p1 tie → "4" (earliest, correct); p2 "3" wrong
    lo, hi = metrics["accuracy"]["ci95"]
    assert lo < metrics["accuracy"]["value"] < hi
    assert metrics["accuracy"]["stderr"] == pytest.approx(0.2204792759220492)  # sd(0.5, 0, 0.75)/sqrt(3)


def test_counts_missing_and_per_problem() -> None:
    entry = _entry()
    assert (entry["domain"], entry["n_problems"], entry["n_samples"], entry["n"]) == ("math", 3, 12, 4)
    assert entry["missing"] == ["p1#4", "p4"]  # a sample without verdict, a problem without samples
    fmt = {"boxed": 0, "truncated": 0}
    assert entry["per_problem"] == {"p1": {"n": 4, "passed": 2, "answered": 4, **fmt},
                                    "p2": {"n": 4, "passed": 0, "answered": 3, **fmt},
                                    "p3": {"n": 4, "passed": 3, "answered": 4, **fmt}}
    assert entry["status_counts"] == {"pass": 5, "wrong": 6, "no_answer": 1}


def test_per_problem_format_counts() -> None:
    """answered = a gradable answer (not no_answer / truncated); boxed = read from \\boxed{}; truncated = cut off."""
    samples, verdicts = graded("p1", [(True, "4"), (False, "5"), (False, None), (False, "4")],
                               sources=["boxed", "last_number", None, "boxed"])
    verdicts[2] = Verdict(sample_key=verdicts[2].sample_key, passed=False, status="truncated", problem_id="p1")
    entry = task_results("toy", PROBLEMS[:1], samples, verdicts)
    assert entry["per_problem"]["p1"] == {"n": 4, "passed": 1, "answered": 3, "boxed": 2, "truncated": 1}


def test_subsets_by_problem_meta() -> None:
    subsets = _entry()["subsets"]
    assert set(subsets) == {"level", "subject"}
    assert subsets["level"]["1"]["n_problems"] == 1  # p4 is unscored
    assert subsets["level"]["2"]["accuracy"]["value"] == pytest.approx(0.375)
    assert subsets["subject"]["Algebra"]["accuracy"]["value"] == pytest.approx(0.25)
    assert subsets["subject"]["Geometry"]["accuracy"] == {"value": 0.75, "stderr": None, "ci95": None}


def test_token_statistics_cover_every_sample() -> None:
    tokens = _entry()["tokens"]
    assert tokens["completion_total"] == 10 + 20 + 30 + 40 + 200 + 120 + 100
    assert tokens["truncated_share"] == pytest.approx(1 / 13)
    assert tokens["mean_correct"] == pytest.approx((10 + 20 + 10 + 10 + 10) / 5)
    assert tokens["mean_wrong"] == pytest.approx((30 + 40 + 200 + 90) / 7)
    assert tokens["median_completion"] == 40.0


def test_code_tasks_get_no_majority_vote() -> None:
    s, v = graded("c1", [(True, "print(1)"), (False, "print(2)")])
    entry = task_results("code", [problem("c1", domain="code")], s, v)
    assert "maj@2" not in entry["metrics"]


def test_explicit_ks_and_k_beyond_n() -> None:
    assert list(_entry(ks=[2])["metrics"]) == ["accuracy", "pass@1", "pass@2", "maj@4"]
    with pytest.raises(ValidationError, match="pass@8"):
        _entry(ks=[8])


def test_reference_provenance_accounting_pass_through() -> None:
    entry = _entry(reference={"value": 0.5, "source": "paper"}, provenance={"model": "m"}, accounting={"cost_usd": 0})
    assert entry["reference"] == {"value": 0.5, "source": "paper"}
    assert entry["provenance"] == {"model": "m"}
    assert entry["accounting"] == {"cost_usd": 0}
    assert _entry()["reference"] is None


@pytest.mark.parametrize("method", ["normal", "bootstrap"])
def test_recomputing_from_the_same_verdicts_is_bit_identical(method: str) -> None:
    samples, verdicts = _records()
    options = IntervalOptions(method=method, resamples=300, seed=3)
    first = json.dumps(task_results("toy", PROBLEMS, samples, verdicts, options=options))
    random.Random(0).shuffle(samples)
    random.Random(1).shuffle(verdicts)
    again = json.dumps(task_results("toy", PROBLEMS, samples, verdicts, options=options))
    assert first == again


def test_no_problems_is_an_error() -> None:
    with pytest.raises(ValidationError):
        task_results("toy", [], [], [])


def test_results_file_round_trip(tmp_path: Path) -> None:
    doc = results_document({"toy": _entry()}, {"model": "m"})
    assert set(doc) == {"format", "thinkforge_version", "created", "run", "tasks"}
    write_results(tmp_path, doc)
    assert read_results(tmp_path) == doc
    assert read_results(tmp_path / "results.json") == doc
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_read_results_errors(tmp_path: Path) -> None:
    with pytest.raises(ThinkforgeError, match="no results.json"):
        read_results(tmp_path)
    with pytest.raises(ThinkforgeError, match="no such directory"):
        read_results(tmp_path / "nope")
    (tmp_path / "results.json").write_text('{"tasks": {}}')
    with pytest.raises(ValidationError, match="not a thinkforge results document"):
        read_results(tmp_path)
    (tmp_path / "results.json").write_text('{"tasks": ')
    with pytest.raises(ValidationError, match="not valid JSON"):
        read_results(tmp_path)

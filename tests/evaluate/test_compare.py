"""Paired comparison of two runs on hand-made per-problem tables where the answer is known."""

from __future__ import annotations

import pytest
from _eval_factory import document, task_entry

from thinkforge.evaluate.compare import compare_results, compare_task, flipped

SETTINGS = {"resamples": 2000, "seed": 0}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (0.0, 0.0, False),
        (0.0, 0.25, True),  # all-fail → some-pass
        (0.25, 0.0, True),  # some-pass → all-fail
        (0.25, 0.5, False),
        (0.25, 0.75, True),  # moved by 0.5
        (1.0, 0.5, True),
        (1.0, 0.75, False),
        (1.0, 1.0, False),
    ],
)
def test_flip_rule(a: float, b: float, expected: bool) -> None:
    assert flipped(a, b, 0.5) is expected


def test_identical_runs_differ_by_exactly_zero() -> None:
    table = {f"p{i}": (4, i % 5) for i in range(30)}
    result = compare_task(task_entry(table), task_entry(table), **SETTINGS)
    assert result["diff"] == 0.0
    assert result["ci95"] == [0.0, 0.0]
    assert result["ci95_normal"] == [0.0, 0.0]
    assert result["significant"] is False
    assert (result["improved"], result["worsened"], result["unchanged"]) == (0, 0, 30)
    assert result["flipped_to_pass"] == result["flipped_to_fail"] == []


def test_clear_improvement_is_significant_and_lists_flips() -> None:
    a = {f"p{i:02d}": (4, 0) for i in range(40)}
    b = {f"p{i:02d}": (4, 4 if i < 30 else 0) for i in range(40)}
    result = compare_task(task_entry(a), task_entry(b), **SETTINGS)
    assert result["diff"] == pytest.approx(0.75)
    assert (result["a"], result["b"]) == (0.0, 0.75)
    assert result["significant"] is True
    assert result["ci95"][0] > 0.5 and result["ci95_normal"][0] > 0.5
    assert result["flipped_to_pass"] == [f"p{i:02d}" for i in range(30)]
    assert (result["improved"], result["worsened"], result["unchanged"]) == (30, 0, 10)
    worse = compare_task(task_entry(b), task_entry(a), **SETTINGS)
    assert worse["diff"] == pytest.approx(-0.75) and worse["significant"] is True
    assert worse["ci95"][1] < -0.5
    assert len(worse["flipped_to_fail"]) == 30


def test_noise_is_not_significant() -> None:
    a = {f"p{i}": (4, 2) for i in range(20)}
    b = {f"p{i}": (4, 3 if i % 2 else 1) for i in range(20)}  # half up, half down: mean unchanged
    result = compare_task(task_entry(a), task_entry(b), **SETTINGS)
    assert result["diff"] == 0.0
    assert result["significant"] is False
    assert result["ci95"][0] < 0 < result["ci95"][1]


def test_only_shared_problems_are_compared() -> None:
    a = {"p1": (1, 1), "p2": (1, 0), "only_a": (1, 1)}
    b = {"p1": (1, 1), "p2": (1, 1), "only_b": (1, 0), "unrun": (0, 0)}
    result = compare_task(task_entry(a), task_entry(b), **SETTINGS)
    assert (result["n_shared"], result["only_a"], result["only_b"]) == (2, 1, 1)
    assert result["diff"] == 0.5
    assert result["flipped_to_pass"] == ["p2"]


def test_the_bootstrap_is_seeded() -> None:
    a = task_entry({f"p{i}": (4, i % 3) for i in range(25)})
    b = task_entry({f"p{i}": (4, (i * 7) % 5) for i in range(25)})
    assert compare_task(a, b, **SETTINGS) == compare_task(a, b, **SETTINGS)


def test_compare_documents_lists_tasks_in_one_run_only() -> None:
    doc_a = document({"math500": task_entry({"p": (1, 0)}), "gsm8k": task_entry({"p": (1, 1)})}, "a")
    doc_b = document({"math500": task_entry({"p": (1, 1)}), "humaneval": task_entry({"p": (1, 1)})}, "b")
    result = compare_results(doc_a, doc_b, **SETTINGS)
    assert list(result["tasks"]) == ["math500"]
    assert (result["only_a"], result["only_b"]) == (["gsm8k"], ["humaneval"])
    assert result["tasks"]["math500"]["diff"] == 1.0
    assert result["tasks"]["math500"]["ci95"] is None  # one problem: no interval
    assert result["tasks"]["math500"]["significant"] is False
    assert (result["a"], result["b"]) == ({"name": "a"}, {"name": "b"})


def test_metric_changes_over_whole_entries() -> None:
    a = {**task_entry({"p": (2, 1)}), "metrics": {"accuracy": {"value": 0.5}, "pass@2": {"value": 1.0}, "maj@2": {"value": 0.0}}}
    b = {**task_entry({"p": (2, 2)}), "metrics": {"accuracy": {"value": 1.0}, "pass@2": {"value": 1.0}}}
    assert compare_task(a, b, **SETTINGS)["metrics"] == {
        "accuracy": {"a": 0.5, "b": 1.0, "diff": 0.5},
        "pass@2": {"a": 1.0, "b": 1.0, "diff": 0.0},
    }


def test_format_metrics_are_paired_like_accuracy() -> None:
    """Accuracy unchanged, but the share of boxed answers jumps: the format comparison says so, significantly;
    a metric one run lacks (an older results file) is left out rather than read as zero."""
    a = {f"p{i:02d}": (2, 1, 2, 0, 0) for i in range(30)}
    b = {f"p{i:02d}": (2, 1, 2, 2, 0) for i in range(30)}
    result = compare_task(task_entry(a), task_entry(b), **SETTINGS)
    assert result["diff"] == 0.0 and result["significant"] is False
    boxed = result["format"]["boxed"]
    assert (boxed["a"], boxed["b"], boxed["diff"]) == (0.0, 1.0, 1.0) and boxed["significant"] is True
    assert result["format"]["answered"]["diff"] == 0.0 and result["format"]["truncated"]["diff"] == 0.0
    old = task_entry({pid: row[:2] for pid, row in a.items()})
    assert compare_task(old, task_entry(b), **SETTINGS)["format"] == {}

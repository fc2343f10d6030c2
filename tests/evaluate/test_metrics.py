"""The metric functions against hand-computed values."""

from __future__ import annotations

import math

import pytest

from thinkforge.errors import ValidationError
from thinkforge.evaluate import metrics as m
from thinkforge.records import STATUSES


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (5, 0, 1, 0.0),  # c = 0
        (5, 5, 5, 1.0),  # c = n = k
        (5, 1, 1, 0.2),  # pass@1 = c/n
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (4, 1, 4, 1.0),  # n = k with one correct: every draw of 4 contains it
        (4, 0, 4, 0.0),  # n = k, none correct
        (10, 3, 5, 1 - 21 / 252),  # 1 - C(7,5)/C(10,5)
        (1, 1, 1, 1.0),
        (16, 4, 8, 1 - 495 / 12870),  # 1 - C(12,8)/C(16,8)
    ],
)
def test_pass_at_k_matches_hand_computed_values(n: int, c: int, k: int, expected: float) -> None:
    assert m.pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_is_stable_where_binomials_overflow_floats() -> None:
    n, c, k = 2000, 7, 1000
    exact = 1 - math.comb(n - c, k) / math.comb(n, k)  # Python ints: exact ratio
    assert m.pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(("n", "c", "k"), [(4, 1, 5), (3, 0, 0), (3, 4, 1), (3, -1, 1)])
def test_pass_at_k_rejects_k_beyond_n_and_impossible_counts(n: int, c: int, k: int) -> None:
    with pytest.raises(ValidationError):
        m.pass_at_k(n, c, k)


@pytest.mark.parametrize(
    ("n", "expected"), [(0, []), (1, [1]), (2, [1, 2]), (3, [1, 2, 3]), (8, [1, 2, 4, 8]), (10, [1, 2, 4, 8, 10])]
)
def test_default_ks_are_powers_of_two_plus_n(n: int, expected: list[int]) -> None:
    assert m.default_ks(n) == expected


@pytest.mark.parametrize(
    ("per_problem", "expected"),
    [
        ([[True, False], [True, True, True, False]], 0.625),  # problems weigh the same: (0.5 + 0.75) / 2
        ([[True], [False], [False], [True]], 0.5),
        ([[False, False]], 0.0),
        ([], None),
    ],
)
def test_avg_at_n_is_the_mean_of_problem_means(per_problem: list[list[bool]], expected: float | None) -> None:
    assert m.avg_at_n(per_problem) == expected


@pytest.mark.parametrize(
    ("answers", "winner"),
    [
        (["1", "2", "2"], 1),
        (["2", " 2", "1"], 0),  # whitespace does not split a vote
        (["1", "2"], 0),  # tie: earliest first occurrence
        (["a", "b", "b", "a"], 0),
        ([None, "b", "a", "a", "b"], 1),
        ([None, "3", None], 1),  # no-answer never wins while some answer exists
        ([None, None], None),
        ([], None),
    ],
)
def test_majority_vote_winner_and_tie_rule(answers: list[str | None], winner: int | None) -> None:
    assert m.majority_vote(answers) == winner


def test_majority_vote_uses_the_given_key() -> None:
    assert m.majority_vote(["B", "a", "A"], key=str.lower) == 1


@pytest.mark.parametrize(
    ("answers", "passed", "k", "expected"),
    [
        (["5", "7", "7"], [True, False, False], 3, False),
        (["5", "7", "7"], [True, False, False], 1, True),  # only the first k samples vote
        (["5", "7", "5"], [True, False, True], 3, True),
        (["7", "5"], [False, True], 2, False),  # tie goes to the earliest answer, which is wrong
        (["5", "7"], [True, False], 2, True),  # ... or right
        ([None, None, "3"], [False, False, False], 3, False),
        ([None, None], [False, False], 2, False),  # all no-answer: wrong
        (["5 ", "5"], [False, True], 2, True),  # same key: one answer, correct if any of its verdicts passed
        (["5", "5"], [True, True], 8, True),  # fewer samples than k: votes with what it has
    ],
)
def test_maj_at_k(answers: list[str | None], passed: list[bool], k: int, expected: bool) -> None:
    assert m.maj_at_k(answers, passed, k) is expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 0.0, 1.0, 0.0], math.sqrt(1 / 3) / 2),  # sd (ddof=1) = sqrt(1/3), P = 4
        ([0.5, 0.5], 0.0),
        ([0.25, 0.75], 0.25),  # sd = sqrt(0.125), / sqrt(2) = 0.25
        ([1.0], None),
        ([], None),
    ],
)
def test_clustered_stderr_is_sd_of_problem_means_over_sqrt_p(values: list[float], expected: float | None) -> None:
    got = m.clustered_stderr(values)
    assert got == (pytest.approx(expected, abs=1e-15) if expected is not None else None)


def test_z_value_for_95_percent() -> None:
    assert m.z_value(0.95) == pytest.approx(1.959963984540054, abs=1e-12)
    with pytest.raises(ValidationError):
        m.z_value(1.0)


@pytest.mark.parametrize(
    ("value", "stderr", "expected"),
    [
        (0.5, 0.1, (0.5 - 0.1959963984540054, 0.5 + 0.1959963984540054)),
        (0.9, 0.1, (0.9 - 0.1959963984540054, 1.0)),  # clipped at 1
        (0.05, 0.1, (0.0, 0.05 + 0.1959963984540054)),  # clipped at 0
        (0.3, 0.0, (0.3, 0.3)),
    ],
)
def test_normal_ci(value: float, stderr: float, expected: tuple[float, float]) -> None:
    assert m.normal_ci(value, stderr, 0.95) == pytest.approx(expected, abs=1e-12)


def test_bootstrap_ci_is_seeded_and_near_the_normal_interval() -> None:
    values = [(i * 7 % 13) / 12 for i in range(100)]  # spread over [0, 1], mean ~0.5, stderr ~0.03
    first = m.bootstrap_ci(values, resamples=4000, seed=7, level=0.95)
    assert first == m.bootstrap_ci(values, resamples=4000, seed=7, level=0.95)
    assert first != m.bootstrap_ci(values, resamples=4000, seed=8, level=0.95)
    normal = m.normal_ci(m.mean(values), m.clustered_stderr(values), 0.95)
    assert first == pytest.approx(normal, abs=0.01)


def test_bootstrap_ci_of_constant_values_is_a_point() -> None:
    assert m.bootstrap_ci([0.25] * 9, resamples=100, seed=0, level=0.95) == (0.25, 0.25)


@pytest.mark.parametrize("method", ["normal", "bootstrap"])
def test_estimate_gives_value_stderr_and_interval(method: str) -> None:
    est = m.estimate([1.0, 0.0, 1.0, 0.0], m.IntervalOptions(method=method, resamples=500, seed=1))
    assert est.value == 0.5
    assert est.stderr == pytest.approx(math.sqrt(1 / 3) / 2)
    assert est.ci is not None and est.ci[0] < 0.5 < est.ci[1]
    assert est.to_dict()["ci95"] == list(est.ci)


def test_estimate_of_one_problem_has_no_interval() -> None:
    assert m.estimate([1.0], m.IntervalOptions()).to_dict() == {"value": 1.0, "stderr": None, "ci95": None}


def test_interval_options_reject_unknown_method() -> None:
    with pytest.raises(ValidationError):
        m.IntervalOptions(method="jackknife")


def test_subset_groups_keep_small_categorical_keys_in_natural_order() -> None:
    metas = {
        "p1": {"level": 1, "subject": "Algebra", "q": "x"},
        "p2": {"level": 2, "subject": "Algebra", "q": "x"},
        "p3": {"level": 10, "subject": "Geometry", "q": "x", "perm": [1, 0]},
        "p4": {"subject": "Geometry", "q": "x", "perm": [0, 1]},
    }
    groups = m.subset_groups(metas, ("level", "subject", "difficulty", "q", "perm"), max_values=5)
    assert groups == {
        "level": {"1": ["p1"], "2": ["p2"], "10": ["p3"], "(none)": ["p4"]},
        "subject": {"Algebra": ["p1", "p2"], "Geometry": ["p3", "p4"]},
    }  # difficulty absent, q has one value, perm is not categorical
    assert "level" not in m.subset_groups(metas, ("level",), max_values=2)


def test_status_counts_follow_the_status_order() -> None:
    counts = m.status_counts(["wrong", "pass", "timeout", "wrong", "zzz"], STATUSES)
    assert list(counts.items()) == [("pass", 1), ("wrong", 2), ("timeout", 1), ("zzz", 1)]


def test_token_stats() -> None:
    rows = [
        m.TokenRow(10, 5, False, True),
        m.TokenRow(20, 5, True, False),
        m.TokenRow(30, 5, False, False),
        m.TokenRow(None, None, False, None),
    ]
    assert m.token_stats(rows) == {
        "mean_completion": 20.0,
        "median_completion": 20.0,
        "truncated_share": 0.25,
        "mean_correct": 10.0,
        "mean_wrong": 25.0,
        "prompt_total": 15,
        "completion_total": 60,
    }
    assert m.token_stats([])["mean_completion"] is None

"""GPQA option shuffling: seeded, recorded, order-independent. No question text is printed or stored."""

from __future__ import annotations

from thinkforge.tasks import get_task
from thinkforge.tasks.io import read_rows


def _correct_answers(data) -> dict[str, str]:
    return {r.data["Record ID"]: r.data["Correct Answer"].strip() for r in read_rows(data / "gpqa_diamond/gpqa_diamond.csv")}


def test_correct_letter_points_at_the_correct_answer_for_every_seed(data) -> None:
    correct = _correct_answers(data)
    for seed in (0, 1):
        for p in get_task("gpqa_diamond").load(seed=seed):
            ref = p.reference
            assert ref["choices"][ref["letters"].index(ref["answer"])] == correct[p.id.split("/", 1)[1]]
            assert p.meta["seed"] == seed and sorted(p.meta["permutation"]) == [0, 1, 2, 3]


def test_shuffle_is_deterministic_depends_on_the_seed_and_is_balanced() -> None:
    spec = get_task("gpqa_diamond")
    first = [p.reference["answer"] for p in spec.load()]
    from thinkforge.tasks import clear_cache

    clear_cache()
    assert [p.reference["answer"] for p in spec.load()] == first
    assert [p.reference["answer"] for p in spec.load(seed=1)] != first
    counts = {letter: first.count(letter) for letter in "ABCD"}
    assert min(counts.values()) > 30  # not all "A": the correct answer really moves


def test_permutation_of_a_question_does_not_depend_on_the_others() -> None:
    spec = get_task("gpqa_diamond")
    everything = {p.id: p.reference["answer"] for p in spec.load()}
    some_ids = list(everything)[50:53]
    assert {p.id: p.reference["answer"] for p in spec.load(ids=some_ids)} == {i: everything[i] for i in some_ids}


def test_per_sample_shuffle_gives_grouped_variants() -> None:
    problems = get_task("gpqa_diamond").load(shuffle="per_sample", samples=4)
    assert len(problems) == 4 * 198
    groups: dict[str, set[tuple[int, ...]]] = {}
    for p in problems:
        groups.setdefault(p.meta["group"], set()).add(tuple(p.meta["permutation"]))
    assert len(groups) == 198
    assert sum(len(perms) > 1 for perms in groups.values()) > 150
    assert problems[0].id.endswith("#0") and problems[0].meta["sample"] == 0

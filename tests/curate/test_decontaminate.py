"""Decontamination: planted benchmark problems and light edits of them are removed; unrelated problems stay.

Benchmark texts are read from ../shared/data at run time (GPQA text must never be committed).
"""

from __future__ import annotations

import re

import pytest

from thinkforge.curate.decontaminate import (
    build_index,
    decontaminate,
    evaluation_tasks,
    problem_text,
    resolve_tasks,
)
from thinkforge.curate.text import drop_figures, tokens
from thinkforge.errors import ThinkforgeError
from thinkforge.tasks import get_task

_FIRST_SENTENCE = re.compile(r"^.*?[.?!](?:\$)?\s+(?=[A-Z$\\(])", re.S)


def change_numbers(text: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group()) * 3 + 7), text)


def change_whitespace(text: str) -> str:
    return "  ".join(text.split()).replace(". ", ".\n\n")


def latex_spacing(text: str) -> str:
    text = re.sub(r"=", r"=\\,", text)
    text = re.sub(r"\b(\d)(\d{3})\b", r"\1{,}\2", text)
    return text.replace("$ ", "$\\ ", 3)


def reword_first_sentence(text: str) -> str:
    return _FIRST_SENTENCE.sub("Here is a question that a student was asked to work out carefully. ", text, count=1)


EDITS = {
    "verbatim": lambda t: t,
    "numbers": change_numbers,
    "whitespace": change_whitespace,
    "latex_spacing": latex_spacing,
    "first_sentence": reword_first_sentence,
    "numbers_spacing": lambda t: latex_spacing(change_whitespace(change_numbers(t))),
    "sentence_spacing": lambda t: reword_first_sentence(latex_spacing(change_whitespace(t))),
}
#: Edits that leave a problem to recognise only when the text goes on after its first sentence.
LONG_ONLY = {"first_sentence", "sentence_spacing"}

UNRELATED = [
    r"Let $x$ be a real number such that $x^2 + 5x = 14$ and $x > 0$. Compute the value of $x^3$.",
    r"Let $x$ be a real number such that $\sqrt{x} + 2 = 7$. What is the value of $x$ plus twice its square root?",
    r"Find the sum of all possible values of $k$ for which the line $y = kx$ is tangent to the circle of radius 2.",
    r"The probability that a fair die shows an even number on each of three rolls is $\frac{m}{n}$, where $m$ and "
    r"$n$ are relatively prime positive integers. Find $m+n$.",
    r"A bag has 4 red marbles and 6 blue marbles. Two marbles are drawn without replacement. What is the probability "
    r"that both are red? Express your answer as a common fraction.",
    "Write a function that returns the number of vowels in a string. The input is given from Standard Input in the "
    "following format: S. Print the answer.",
    r"How many positive integers less than 500 are divisible by 7 but not by 11? Express your answer as an integer.",
    "Which of the following best explains why the sky appears blue during a clear day? Consider the scattering of "
    "sunlight by molecules in the atmosphere.",
]


def _has_long_tail(text: str) -> bool:
    """The first sentence is at most a third of the problem's prose (figure code aside): rewording it leaves

    the problem recognisable."""
    first = _FIRST_SENTENCE.match(text)
    return first is not None and len(tokens(first.group())) <= len(drop_figures(tokens(text))) / 3


def planted_items() -> list[tuple[str, str, str]]:
    """(task, id, text): every AIME 2024 problem, and MATH-500 / GPQA items with text after the first sentence."""
    items = [("aime24", p.id, problem_text(p)) for p in get_task("aime24").load()]
    for task in ("math500", "gpqa_diamond"):
        chosen = [p for p in get_task(task).load() if _has_long_tail(problem_text(p))][:12]
        assert len(chosen) == 12, task
        items += [(task, p.id, problem_text(p)) for p in chosen]
    return items


@pytest.fixture(scope="module")
def index():
    return build_index(evaluation_tasks())


def test_planted_copies_and_light_edits_are_removed_and_unrelated_problems_kept(index) -> None:
    items = planted_items()
    pool: list[str] = []
    expected: list[tuple[str, str, str]] = []
    for task, pid, text in items:
        for name, edit in EDITS.items():
            if name in LONG_ONLY and not _has_long_tail(text):
                continue
            pool.append(edit(text))
            expected.append((task, pid, name))
    pool += UNRELATED
    report = decontaminate(pool, index)
    dropped = {row: match for row, _, match in report.dropped}
    missed = [(expected[i], pool[i][:80]) for i in range(len(expected)) if i not in dropped]
    assert not missed, missed
    wrong = [(expected[i], dropped[i].to_dict()) for i in range(len(expected))
             if (dropped[i].task, dropped[i].problem_id) != expected[i][:2]]
    assert not wrong, wrong
    kept_unrelated = [i for i in report.kept if i >= len(expected)]
    assert len(kept_unrelated) == len(UNRELATED), [pool[i] for i in dropped if i >= len(expected)]
    data = report.to_dict()
    assert data["dropped"] == len(expected)
    assert set(data["dropped_by_task"]) == {"math500", "aime24", "gpqa_diamond"}
    assert {r["evidence"] for r in data["rows_dropped"]} >= {"exact", "ngram"}


@pytest.mark.parametrize(
    "text",
    [
        r"Let $x$ be a real number such that $x^2 = 4$.",
        "Find the sum of all possible values of the expression above, where m and n are relatively prime positive integers.",
        "",
    ],
)
def test_common_phrases_alone_are_kept(index, text: str) -> None:
    assert decontaminate([text], index).dropped == ()


def test_short_item_matches_exactly_or_with_other_numbers_only(index) -> None:
    short = next(p for p in get_task("math500").load() if len(tokens(problem_text(p))) < 10)
    text = problem_text(short)
    report = decontaminate([text, change_numbers(text), f"{text} Then explain why a proof by induction works."], index)
    evidence = {row: m.evidence for row, _, m in report.dropped}
    assert evidence == {0: "exact", 1: "template"}


def test_evaluation_tasks_exclude_training_pools() -> None:
    names = evaluation_tasks()
    assert {"math500", "aime24", "gpqa_diamond", "livecodebench", "humaneval"} <= set(names)
    assert not {"math_train", "gsm8k_train", "aime_1983_2023", "apps"} & set(names)


def test_resolve_tasks() -> None:
    assert resolve_tasks("all") == evaluation_tasks()
    assert resolve_tasks("math500, aime24") == ["math500", "aime24"]
    with pytest.raises(ThinkforgeError, match="did you mean"):
        resolve_tasks("aime2")


def test_report_ids_name_rows(index) -> None:
    aime = problem_text(get_task("aime24").load()[0])
    report = decontaminate(["unrelated text about cats", aime], index, ids=["a", "b"]).to_dict()
    assert report["rows_dropped"][0]["id"] == "b"
    assert report["rows_dropped"][0]["row"] == 1
    assert report["rows_dropped"][0]["task"] == "aime24"


def test_index_cache_on_disk_round_trips(tmp_path, monkeypatch) -> None:
    import thinkforge.curate.decontaminate as dc

    monkeypatch.setenv("THINKFORGE_CACHE", str(tmp_path))
    monkeypatch.setattr(dc, "_MEMO", {})
    built = build_index(["aime24", "math500"])
    first = dc.load_index(["aime24", "math500"])
    files = list((tmp_path / "decontam").glob("*.npz"))
    assert len(files) == 1
    monkeypatch.setattr(dc, "_MEMO", {})
    again = dc.load_index(["aime24", "math500"])
    for index in (first, again):
        assert index.items == built.items and index.exact == built.exact and index.template == built.template
        assert (index.hashes == built.hashes).all() and (index.owners == built.owners).all()
    assert dc.load_index(["aime24"]) is not again  # other tasks, other key

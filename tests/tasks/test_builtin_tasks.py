"""Every built-in task loads offline with the record counts of SOURCES.md and well-typed references."""

from __future__ import annotations

import collections
import json

import pytest

from thinkforge.records import Problem
from thinkforge.tasks import get_task, list_tasks
from thinkforge.tasks.io import read_rows

SIZES = {
    "math500": 500, "math": 5000, "aime24": 30, "aime25": 30, "amc23": 40, "gsm8k": 1319, "olympiadbench": 675,
    "minerva_math": 272, "gpqa_diamond": 198, "arc_challenge": 1172, "mmlu_pro": 300, "humaneval": 164,
    "mbpp": 500, "livecodebench": 342, "code_contests": 165, "leetcode": 200, "apps": 5,
    "gsm8k_train": 7473, "aime_1983_2023": 975, "arithmetic": 200, "arithmetic_train": 2505,
    # MATH train has 7500 records; two solutions end in an empty \boxed{} and are skipped (see below).
    "math_train": 7498,
}
DOMAINS = {"math": "math", "mcq": "choice", "code": "code"}


@pytest.mark.parametrize("name,size", sorted(SIZES.items()))
def test_task_loads_with_the_documented_record_count(name: str, size: int) -> None:
    spec = get_task(name)
    problems = spec.load()
    assert len(problems) == size == spec.size
    assert len({p.id for p in problems}) == size
    assert all(p.id.startswith(f"{name}/") and p.task == name and p.domain == spec.domain for p in problems)
    assert spec.grader == DOMAINS[spec.domain]
    for problem in problems:
        # the strict round-trip is what every later stage relies on
        assert Problem.from_dict(json.loads(json.dumps(problem.to_dict()))) == problem
        assert problem.meta["template_hash"]


def test_every_registered_task_is_covered_by_a_size_assertion() -> None:
    names = {s.name for s in list_tasks()}
    assert names - {"livecodebench_easy", "livecodebench_medium", "livecodebench_hard"} == set(SIZES)


def test_math_train_skips_exactly_the_solutions_without_a_gold(data) -> None:
    rows = list(read_rows(data / "math/train.jsonl.gz"))
    assert len(rows) == 7500
    loaded = {p.id for p in get_task("math_train").load()}
    skipped = sorted(r.data["unique_id"] for r in rows if f"math_train/{r.data['unique_id']}" not in loaded)
    assert len(skipped) == 2
    for row in rows:
        if row.data["unique_id"] in skipped:
            assert "\\boxed{}" in row.data["solution"]


@pytest.mark.parametrize(
    "name,problem_id,answer",
    [
        ("math500", "math500/test/precalculus/807.json", "\\left( 3, \\frac{\\pi}{2} \\right)"),
        ("amc23", "amc23/0", "27"),
        ("aime24", "aime24/60", "204"),
        ("aime25", "aime25/0", "70"),
        ("gsm8k", "gsm8k/0", "18"),
        ("minerva_math", "minerva_math/0", "1.6"),
        ("olympiadbench", "olympiadbench/1606", "2"),
        ("aime_1983_2023", "aime_1983_2023/1983/1/1", "60"),
        ("math", "math/test/algebra/1.json", "2"),
    ],
)
def test_math_golds(name: str, problem_id: str, answer: str) -> None:
    (problem,) = get_task(name).load(ids=[problem_id])
    assert problem.reference["answer"] == answer


def test_math_golds_are_nonempty_strings_and_amc_floats_become_integers() -> None:
    for name in ("math500", "math", "aime24", "aime25", "amc23", "gsm8k", "olympiadbench", "minerva_math"):
        for p in get_task(name).load():
            assert isinstance(p.reference["answer"], str) and p.reference["answer"].strip(), p.id
    amc = [p.reference["answer"] for p in get_task("amc23").load()]
    assert not any(a.endswith(".0") for a in amc)


def test_aime25_answers_match_sources_md() -> None:
    expected = "70 588 16 117 279 504 821 77 62 81 259 510 204 60 735 468 49 82 106 336 293 237 610 149 907 113 19 248 104 240"
    assert [p.reference["answer"] for p in get_task("aime25").load()] == expected.split()


def test_gsm8k_gold_drops_thousands_separators_and_asks_for_last_number_fallback() -> None:
    problems = get_task("gsm8k").load()
    assert all("," not in p.reference["answer"] for p in problems)
    assert any(p.meta["solution"].rsplit("####", 1)[1].count(",") for p in problems)  # the data has some
    assert all(p.reference["options"] == {"fallback": "last_number"} for p in problems)


def test_math_full_contains_math500_with_the_same_golds() -> None:
    full = {p.id.split("/", 1)[1]: p for p in get_task("math").load()}
    for p in get_task("math500").load():
        other = full[p.id.split("/", 1)[1]]
        assert other.meta["question"] == p.meta["question"]
    assert collections.Counter(p.meta["type"] for p in full.values())["Algebra"] == 1187


def test_olympiadbench_answer_types_multiple_and_units() -> None:
    problems = get_task("olympiadbench").load()
    types = collections.Counter(p.reference["answer_type"] for p in problems)
    assert types == {"numerical": 572, "expression": 64, "tuple": 33, "interval": 6}
    assert sum(p.reference["multiple"] for p in problems) == 94
    assert all(isinstance(p.reference["multiple"], bool) for p in problems)
    units = [p.reference["unit"] for p in problems if "unit" in p.reference]
    assert len(units) == 8 and "km/h" in units
    assert all("$" not in p.reference["answer"] for p in problems)


def test_mcq_references() -> None:
    for name in ("arc_challenge", "mmlu_pro", "gpqa_diamond"):
        for p in get_task(name).load():
            ref = p.reference
            assert ref["letters"] == "ABCDEFGHIJ"[: len(ref["choices"])]
            assert ref["answer"] in ref["letters"]
            assert all(isinstance(c, str) and c for c in ref["choices"])
            assert f"\n{ref['letters'][-1]}) " in p.prompt
    assert all(p.reference["letters"] == "ABCD" for p in get_task("gpqa_diamond").load())
    arc = collections.Counter(p.reference["letters"] for p in get_task("arc_challenge").load())
    assert arc == {"ABCD": 1165, "ABC": 4, "ABCDE": 3}
    (five,) = [p for p in get_task("arc_challenge").load() if p.reference["letters"] == "ABCDE"][:1]
    assert "(A, B, C, D, or E)" in five.prompt
    mmlu = get_task("mmlu_pro").load()
    assert collections.Counter(len(p.reference["choices"]) for p in mmlu).most_common(1)[0][0] == 10


def test_mmlu_pro_options_are_parsed_from_the_inline_list() -> None:
    (p,) = get_task("mmlu_pro").load(limit=1)
    assert p.reference["answer"] == "A"
    assert p.reference["choices"][2] == "Methane traces within the meteorite"
    assert "Options are:" not in p.prompt and "\nJ) Complex organic molecules specifically PAHs" in p.prompt


def test_arc_correct_letter_points_at_the_answer_text(data) -> None:
    answers = {r.data["id"]: r.data["answer"] for r in read_rows(data / "arc_challenge/test.jsonl")}
    for p in get_task("arc_challenge").load():
        ref = p.reference
        assert ref["choices"][ref["letters"].index(ref["answer"])] == answers[p.id.split("/", 1)[1]]


def test_livecodebench_tests_decode_by_style() -> None:
    problems = get_task("livecodebench").load()
    styles = collections.Counter(p.reference["style"] for p in problems)
    assert styles == {"stdin": 217, "functional": 125}
    for p in problems:
        ref = p.reference
        assert ref["tests"]
        if ref["style"] == "functional":
            assert ref["class_name"] == "Solution" and ref["func_name"] in p.meta["starter_code"]
            assert p.meta["platform"] == "leetcode"
            for test in ref["tests"]:
                assert isinstance(test["args"], list) and test["args"]
            assert p.prompt.startswith("Generate an executable Python function generated from the given prompt. Return")
        else:
            assert p.meta["platform"] == "atcoder"
            assert all(isinstance(t["input"], str) and isinstance(t["output"], str) for t in ref["tests"])
            assert "take stdin as input" in p.prompt
    (zigzag,) = get_task("livecodebench").load(ids=["livecodebench/3708"])
    assert zigzag.reference["tests"][0] == {"args": [[[1, 2], [3, 4]]], "expected": [1, 4]}


def test_livecodebench_functional_inputs_one_json_value_per_line() -> None:
    multi = [p for p in get_task("livecodebench").load() if p.reference["style"] == "functional"
             and any(len(t["args"]) > 1 for t in p.reference["tests"])]
    assert multi, "some LeetCode problems take several arguments"
    for p in multi:
        n_params = p.meta["starter_code"].split("def ", 1)[1].split(")")[0].count(",")  # self + others
        assert all(len(t["args"]) == n_params for t in p.reference["tests"]), p.id


def test_livecodebench_subsets_and_date_window() -> None:
    spec = get_task("livecodebench")
    sizes = {d: len(spec.load(difficulty=d)) for d in ("easy", "medium", "hard")}
    assert sizes == {"easy": 84, "medium": 104, "hard": 154}
    assert get_task("livecodebench_hard").size == 154
    window = spec.load(start_date="2025-01-01", end_date="2025-01-31")
    assert window and all("2025-01-01" <= p.meta["contest_date"] <= "2025-01-31" for p in window)
    assert len(spec.load(platform="leetcode")) == 125
    assert len(spec.load(version="v5")) == 167


def test_code_references_have_their_documented_shape() -> None:
    for p in get_task("humaneval").load():
        ref = p.reference
        assert ref["style"] == "assertion" and ref["test_program"].endswith(f"\ncheck({ref['entry_point']})\n")
        assert p.meta["canonical_solution"] and p.meta["prompt_code"]
    (he0,) = get_task("humaneval").load(ids=["humaneval/HumanEval/0"])
    assert he0.reference["prefix"] == "from typing import List\n"
    assert [int(p.id.rsplit("/", 1)[1]) for p in get_task("mbpp").load()] == list(range(11, 511))
    for p in get_task("code_contests").load():
        assert p.reference["style"] == "stdin" and p.reference["tests"]
    for p in get_task("leetcode").load():
        assert p.reference["test_program"].rstrip().endswith(")") and "check(Solution()." in p.reference["test_program"]
    apps = {p.id: p.reference for p in get_task("apps").load()}
    assert {k: v["style"] for k, v in apps.items()} == {
        "apps/1": "stdin", "apps/111": "stdin", "apps/2287": "stdin", "apps/2404": "functional", "apps/4184": "functional"}
    assert apps["apps/2404"]["class_name"] == "Solution" and apps["apps/4184"]["class_name"] is None
    assert apps["apps/2404"]["tests"] == [{"args": [[2, 3, 4, 7, 11], 5], "expected": 9}]
    assert apps["apps/4184"]["tests"][0] == {"args": [1], "expected": False}


def test_load_filters_by_ids_and_limit_and_rejects_unknown_ids() -> None:
    spec = get_task("aime24")
    assert [p.id for p in spec.load(limit=2)] == ["aime24/60", "aime24/61"]
    assert [p.id for p in spec.load(ids=["aime24/89", "aime24/60"])] == ["aime24/60", "aime24/89"]
    with pytest.raises(Exception, match="no problem with id aime24/7"):
        spec.load(ids=["aime24/7"])
    with pytest.raises(Exception, match="has no option 'dificulty'"):
        get_task("livecodebench").load(dificulty="easy")


def test_loading_twice_is_served_from_the_cache() -> None:
    spec = get_task("math")
    first = spec.load()
    assert spec.load()[0] is first[0]


def test_unknown_task_lists_close_matches() -> None:
    with pytest.raises(Exception, match="unknown task 'aime2024'.*did you mean.*aime24"):
        get_task("aime2024")

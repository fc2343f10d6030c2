"""Benchmark: thinkforge's math grader against plain Math-Verify on the same long responses, in one run.

Responses are built from the real gold answers of MATH (test), AIME 2024 and AIME 2025 in ../shared/data:
several kilobytes of reasoning (real MATH solution text) followed by a final answer, in six labelled kinds:

- ``correct``          the gold, boxed after the thought section                      → should pass
- ``correct_variant``  an equivalent form (\\dfrac, decimal, ``x = …``, 1{,}000, \\left(…\\right)) → should pass
- ``wrong``            a different answer (gold + 1, another tuple order, …)          → should fail
- ``wrong_x100``       the gold × 100 (the original Sky-T1 grader accepted it)         → should fail
- ``wrong_after_think`` the gold boxed inside the thoughts, a wrong final answer        → should fail
- ``truncated``        the thought section never closes; the gold appears as a stray number → should fail

A second, prose-answer set ends each response with a plain sentence instead of a box (Grading III):

- ``prose_correct``    "Therefore, the value of k is 42." / "So she has 42 apples." … (no marker)     → should pass
- ``prose_marked``     "The answer is indeed 42." / "I think the answer is definitely \\(42\\)."   → should pass
- ``prose_wrong``      the same sentences with a wrong value                              → should fail
- ``prose_cut``        the correct sentence, then a sentence cut mid-way                    → should fail
- ``prose_unclosed``   the correct sentence inside a thought section that never closes   → should fail

``--tables`` also grades the regression tables of ``tests/grading`` (pairs, and prose responses with their
cut-off twins) with both graders and prints the accuracy on each.

Math-Verify is run as users call it: ``verify(parse(f"${gold}$"), parse(response))`` with its default
(signal-based) timeouts, in this process. thinkforge runs ``grade_answer(gold, response)`` single-process,
and with ``--workers N`` also through ``grade_many`` over N processes.

    .venv/bin/python benchmarks/bench_math_grading.py [--n-math 400] [--workers 2] [--seed 0] [--tables]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from thinkforge.defaults import DATA_ENV
from thinkforge.grading import AnswerPair, grade_answer, grade_many
from thinkforge.grading.extract import last_boxed

REPO = Path(__file__).resolve().parents[1]
TARGET_BYTES = 4000


@dataclass(frozen=True)
class Case:
    """One labelled response."""

    source: str
    kind: str
    gold: str
    response: str
    should_pass: bool


def data_dir() -> Path:
    return Path(os.environ.get(DATA_ENV, REPO.parent / "shared" / "data"))


def load_golds(n_math: int, rng: random.Random) -> tuple[list[tuple[str, str]], list[str]]:
    """(source, gold) pairs from MATH/AIME, and a pool of MATH solution texts used as reasoning."""
    root = data_dir()
    with gzip.open(root / "math" / "test.jsonl.gz", "rt", encoding="utf-8") as fh:
        math_rows = [json.loads(line) for line in fh]
    solutions = [row["solution"] for row in math_rows]
    chosen = rng.sample(math_rows, min(n_math, len(math_rows)))
    golds = [("MATH", last_boxed(row["solution"], join_adjacent=False) or "") for row in chosen]
    for name in ("aime24", "aime25"):
        with open(root / name / "test.jsonl", encoding="utf-8") as fh:
            golds += [(name.upper(), str(json.loads(line)["answer"])) for line in fh if line.strip()]
    return [(s, g.strip()) for s, g in golds if g.strip()], solutions


def reasoning(rng: random.Random, solutions: list[str]) -> str:
    """Several kilobytes of real mathematical prose with the boxes removed."""
    parts: list[str] = []
    while sum(map(len, parts)) < TARGET_BYTES:
        text = rng.choice(solutions)
        text = re.sub(r"\\boxed\{", "{", text)
        parts.append(rng.choice(["Let me think. ", "Alternatively, ", "Wait, let me re-check. ", "Hmm. "]) + text)
    return "\n\n".join(parts)


_INT = re.compile(r"^-?\d+$")
_FRAC = re.compile(r"^(-?)\\frac\{(\d+)\}\{(\d+)\}$")
_TUPLE = re.compile(r"^\((.+),(.+)\)$")


def variant(gold: str) -> str | None:
    """An equivalent way a model writes the gold, or None when no safe variant is known."""
    if _INT.match(gold) and abs(int(gold)) >= 1000:
        return f"{int(gold):,}".replace(",", "{,}")
    if _INT.match(gold):
        return f"x = {gold}"
    m = _FRAC.match(gold)
    if m:
        num, den = int(m.group(2)), int(m.group(3))
        d = den
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        if d == 1 and len(str(num / den)) < 10:
            return f"{m.group(1)}{num / den:g}"
        return gold.replace("\\frac", "\\dfrac")
    if "\\frac" in gold:
        return gold.replace("\\frac", "\\dfrac")
    if _TUPLE.match(gold) and "\\" not in gold:
        return "\\left" + gold[:-1] + "\\right)"
    return None


def wrong(gold: str) -> str:
    """A plausible wrong answer."""
    if _INT.match(gold):
        return str(int(gold) + 1)
    m = _TUPLE.match(gold)
    if m and m.group(1).strip() != m.group(2).strip() and "," not in m.group(1) + m.group(2):
        return f"({m.group(2).strip()},{m.group(1).strip()})"
    return f"{gold} + 1" if "\\text" not in gold and "=" not in gold else "0"


def build_cases(golds: list[tuple[str, str]], solutions: list[str], rng: random.Random) -> list[Case]:
    """The labelled set: for each gold, every kind of response that applies."""
    cases: list[Case] = []
    for source, gold in golds:
        think = reasoning(rng, solutions)
        ending = rng.choice(["Therefore, the final answer is $\\boxed{{{a}}}$.", "**Final Answer**\n\\[\n\\boxed{{{a}}}\n\\]"])

        def response(answer: str, thoughts: str = think) -> str:
            return f"<think>\n{thoughts}\n</think>\n\nSummary of the solution.\n\n" + ending.format(a=answer)

        cases.append(Case(source, "correct", gold, response(gold), True))
        alt = variant(gold)
        if alt is not None:
            cases.append(Case(source, "correct_variant", gold, response(alt), True))
        cases.append(Case(source, "wrong", gold, response(wrong(gold)), False))
        if _INT.match(gold) and int(gold) != 0:
            cases.append(Case(source, "wrong_x100", gold, response(str(int(gold) * 100)), False))
        cases.append(
            Case(source, "wrong_after_think", gold, response(wrong(gold), think + f"\n\nSo maybe $\\boxed{{{gold}}}$?"), False)
        )
        cut = think[: len(think) // 2]
        cases.append(Case(source, "truncated", gold, f"<think>\n{cut}\n\nSo far it looks like {gold}, but", False))
    return cases


PROSE_COMPLETE = [
    "Therefore, the value of k is {p}.",
    "So, the number of students in the club is {p}.",
    "So, I'm confident that {p} is the correct answer.",
    "So the sum is \\(x + y + z = {m}\\).",
    "Thus we get\n\\[ f(3) = {m} \\]",
    "So she has {p} apples left.\n\nI hope this helps!",
]
PROSE_MARKED = ["The answer is indeed {p}.", "I think the answer is definitely \\({m}\\)."]
CUT_TAIL = " Let me double-check this by computing the"


def prose_forms(gold: str) -> tuple[str, str] | None:
    """(plain-text form, LaTeX form) of a gold a model would write in a sentence; None for other golds."""
    if _INT.match(gold) or re.fullmatch(r"-?\d+\.\d+", gold):
        return gold, gold
    m = _FRAC.match(gold)
    if m:
        return f"{m.group(1)}{m.group(2)}/{m.group(3)}", gold
    if len(gold) < 40 and "\\text" not in gold and "," not in gold and "=" not in gold and "\\le" not in gold:
        return f"${gold}$", gold
    return None


def build_prose_cases(golds: list[tuple[str, str]], solutions: list[str], rng: random.Random) -> list[Case]:
    """The prose-answer set: complete responses that end in a sentence, and their wrong and cut-off twins."""
    cases: list[Case] = []
    for source, gold in golds:
        forms = prose_forms(gold)
        if forms is None:
            continue
        plain, latex = forms
        think = reasoning(rng, solutions)[: TARGET_BYTES // 2]
        complete = rng.choice(PROSE_COMPLETE).format(p=plain, m=latex)
        marked = rng.choice(PROSE_MARKED).format(p=plain, m=latex)
        other = wrong(gold)
        wrong_forms = prose_forms(other) or (other, other)
        body = f"<think>\n{think}\n</think>\n\nSummary of the solution.\n\n"
        cases.append(Case(source, "prose_correct", gold, body + complete, True))
        cases.append(Case(source, "prose_marked", gold, body + marked, True))
        cases.append(Case(source, "prose_wrong", gold, body + rng.choice(PROSE_COMPLETE).format(p=wrong_forms[0], m=wrong_forms[1]), False))
        cases.append(Case(source, "prose_cut", gold, body + complete + CUT_TAIL, False))
        cases.append(Case(source, "prose_unclosed", gold, f"<think>\n{think}\n\n{complete}", False))
    return cases


def table_cases() -> dict[str, list[Case]]:
    """The regression tables of tests/grading as labelled cases: pairs (bare answers) and prose responses."""
    sys.path.insert(0, str(REPO / "tests" / "grading"))
    import _math_cases as tables  # noqa: PLC0415 - the test tables, read only here
    import test_prose as prose  # noqa: PLC0415
    import test_public_suites as suites  # noqa: PLC0415

    pairs = [Case("table", "pairs", g, a, e == "pass") for g, a, e in tables.ALL_PAIRS]
    responses = [Case("table", "prose", g, tables.REASONING + e, True) for g, e in prose.PROSE_ENDINGS + prose.MARKED_ENDINGS]
    responses += [Case("table", "prose_cut", g, tables.REASONING + e + prose.CUT, False) for g, e in prose.UNMARKED]
    responses += [Case("table", "prose_unclosed", g, "<think>\n" + tables.REASONING + e, False) for g, e in prose.UNMARKED]
    responses += [Case("table", "must_not", g, r, s == "pass") for g, r, s in prose.MUST_NOTS]
    # real default-model outputs, graded on their text alone (neither grader is told finish_reason here)
    responses += [Case("table", "real", g, t, s == "pass") for g, t, _, s in prose.REAL_OUTPUTS]
    public = [Case("suite", "public", g, r, bool(expected)) for g, r, _, expected in suites.SUITE_RESPONSES]
    return {"pairs": pairs, "prose responses": responses, "public suites": public}


def report_tables() -> None:
    """Accuracy of both graders on the test tables (pairs graded as extracted answers, like the tests).

    The public-suite rows are scored against the suites' own expectations, so a policy difference
    (docs/grading.md) counts against thinkforge there.
    """
    from math_verify import parse, verify

    print(f"\n{'test table':<20}{'n':>6}{'Math-Verify':>13}{'thinkforge':>12}")
    for name, cases in table_cases().items():
        bare = name == "pairs"
        mv = [bool(verify(parse(f"${c.gold}$"), parse(f"${c.response}$" if bare else c.response))) for c in cases]
        tf = [grade_answer(c.gold, c.response, answers_only=bare).passed for c in cases]
        mv_acc = sum(m == c.should_pass for m, c in zip(mv, cases)) / len(cases)
        tf_acc = sum(t == c.should_pass for t, c in zip(tf, cases)) / len(cases)
        print(f"{name:<20}{len(cases):>6}{mv_acc:>13.1%}{tf_acc:>12.1%}")


def run_math_verify(cases: list[Case]) -> tuple[list[bool], float]:
    from math_verify import parse, verify

    parse("$1$"), verify(parse("$1$"), parse("1"))  # warm-up
    start = time.perf_counter()
    results = [bool(verify(parse(f"${c.gold}$"), parse(c.response))) for c in cases]
    return results, time.perf_counter() - start


def run_thinkforge(cases: list[Case]) -> tuple[list[bool], list[str], float]:
    grade_answer("\\sqrt{2}", "\\boxed{2^{1/2}}")  # warm-up: starts the symbolic worker
    start = time.perf_counter()
    verdicts = [grade_answer(c.gold, c.response) for c in cases]
    return [v.passed for v in verdicts], [v.status for v in verdicts], time.perf_counter() - start


def run_thinkforge_parallel(cases: list[Case], workers: int) -> tuple[list[bool], float]:
    start = time.perf_counter()
    verdicts = grade_many([AnswerPair(c.gold, c.response) for c in cases], workers=workers)
    return [v.passed for v in verdicts], time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-math", type=int, default=400, help="MATH test golds to sample (plus all 60 AIME)")
    parser.add_argument("--workers", type=int, default=0, help="also time grade_many over N processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=8, help="disagreements to print")
    parser.add_argument("--tables", action="store_true", help="also grade the regression tables of tests/grading")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)

    rng = random.Random(args.seed)
    golds, solutions = load_golds(args.n_math, rng)
    cases = build_cases(golds, solutions, rng)
    cases += build_prose_cases(golds, solutions, rng)
    mean_kb = sum(len(c.response) for c in cases) / len(cases) / 1024
    print(f"{len(cases)} labelled responses from {len(golds)} golds, mean {mean_kb:.1f} KB, seed {args.seed}")

    mv, mv_s = run_math_verify(cases)
    tf, tf_status, tf_s = run_thinkforge(cases)

    print(f"\n{'grader':<34}{'verdicts/s':>12}{'seconds':>10}{'accuracy':>10}")
    rows = [("Math-Verify 0.9 (1 process)", mv, mv_s), ("thinkforge (1 process)", tf, tf_s)]
    if args.workers > 1:
        par, par_s = run_thinkforge_parallel(cases, args.workers)
        assert par == tf, "process-pool verdicts differ from single-process verdicts"
        rows.append((f"thinkforge (--workers {args.workers})", par, par_s))
    for name, got, secs in rows:
        acc = sum(g == c.should_pass for g, c in zip(got, cases)) / len(cases)
        print(f"{name:<34}{len(cases) / secs:>12.1f}{secs:>10.2f}{acc:>10.1%}")
    print(f"\nspeed-up, thinkforge / Math-Verify (1 process each): {mv_s / tf_s:.1f}x")
    if args.workers > 1:
        print(f"speed-up, thinkforge --workers {args.workers} / Math-Verify: {mv_s / rows[-1][2]:.1f}x")

    print(f"\n{'kind':<20}{'n':>6}{'MV right':>10}{'TF right':>10}{'MV only':>9}{'TF only':>9}")
    kinds = sorted({c.kind for c in cases})
    mv_only: list[Case] = []
    tf_only: list[tuple[Case, str]] = []
    for kind in kinds:
        idx = [i for i, c in enumerate(cases) if c.kind == kind]
        mv_right = [i for i in idx if mv[i] == cases[i].should_pass]
        tf_right = [i for i in idx if tf[i] == cases[i].should_pass]
        only_mv = sorted(set(mv_right) - set(tf_right))
        only_tf = sorted(set(tf_right) - set(mv_right))
        mv_only += [cases[i] for i in only_mv]
        tf_only += [(cases[i], tf_status[i]) for i in only_tf]
        print(f"{kind:<20}{len(idx):>6}{len(mv_right):>10}{len(tf_right):>10}{len(only_mv):>9}{len(only_tf):>9}")
    for label, prefix in (("boxed set", False), ("prose-answer set", True)):
        idx = [i for i, c in enumerate(cases) if c.kind.startswith("prose") == prefix]
        mv_acc = sum(mv[i] == cases[i].should_pass for i in idx) / len(idx)
        tf_acc = sum(tf[i] == cases[i].should_pass for i in idx) / len(idx)
        print(f"accuracy on the {label:<17} ({len(idx)} responses): Math-Verify {mv_acc:.1%}, thinkforge {tf_acc:.1%}")
    statuses = Counter(tf_status)
    print("\nthinkforge statuses:", ", ".join(f"{k} {v}" for k, v in statuses.most_common()))
    print(f"\ncases where Math-Verify is right and thinkforge wrong: {len(mv_only)}")
    for case in mv_only[: args.show]:
        print(f"  [{case.kind}] gold={case.gold!r} tail={case.response[-80:]!r}")
    print(f"cases where thinkforge is right and Math-Verify wrong: {len(tf_only)}")
    for case, status in tf_only[: args.show]:
        print(f"  [{case.kind}] gold={case.gold!r} thinkforge={status} tail={case.response[-60:]!r}")
    if args.tables:
        report_tables()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""task_results over verdicts of the real grader on shipped GSM8K problems (hand-written responses)."""

from __future__ import annotations

import pytest

from thinkforge.evaluate.results import task_results
from thinkforge.grading import grade
from thinkforge.records import Sample
from thinkforge.tasks import get_task


def test_metrics_from_real_verdicts(data_dir) -> None:
    problems = get_task("gsm8k").load(limit=3)
    gold = {p.id: p.reference["answer"] for p in problems}
    p1, p2, p3 = (p.id for p in problems)
    texts = {
        p1: [f"So the answer is \\boxed{{{gold[p1]}}}.", "\\boxed{-1}", f"The result: \\boxed{{ {gold[p1]} }}"],
        p2: ["\\boxed{-1}", "\\boxed{-1}", f"\\boxed{{{gold[p2]}}}"],  # majority wrong
        p3: ["I think", f"\\boxed{{{gold[p3]}}} and then some more thinking", "\\boxed{-2}"],
    }
    samples = [
        Sample(problem_id=pid, model="m", index=i, text=text, key=f"{pid}/{i}", completion_tokens=10 * (i + 1),
               finish_reason="length" if (pid, i) == (p3, 1) else "stop")
        for pid, ts in texts.items() for i, text in enumerate(ts)
    ]
    by_id = {p.id: p for p in problems}
    verdicts = [grade(by_id[s.problem_id], s) for s in samples]
    entry = task_results("gsm8k", problems, samples, verdicts)
    passed = {pid: row["passed"] for pid, row in entry["per_problem"].items()}
    assert passed == {p1: 2, p2: 1, p3: 0}  # the truncated sample is never parsed for an answer
    assert entry["metrics"]["accuracy"]["value"] == pytest.approx((2 / 3 + 1 / 3 + 0) / 3)
    assert entry["metrics"]["maj@3"]["value"] == pytest.approx(1 / 3)  # p1 right, p2 "-1" wrong, p3 only "-2" votes
    assert entry["status_counts"]["truncated"] == 1
    assert entry["tokens"]["truncated_share"] == pytest.approx(1 / 9)
    assert entry["missing"] == []

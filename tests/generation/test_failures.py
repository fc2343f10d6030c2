"""The shared per-request failure logic of the batch backends (hf, vllm): a bad request fails alone."""

from __future__ import annotations

from typing import Sequence

import pytest
from _gen_helpers import make_requests

from thinkforge.backends.base import Completion, GenerationRequest, SamplingParams
from thinkforge.backends.failures import context_problem, run_isolated
from thinkforge.records import Sample

QUESTIONS = [f"question {i}" for i in range(7)]


class FlakyEngine:
    """Runs a batch unless it holds a request whose question is in ``bad``; records every batch it is given."""

    def __init__(self, bad: set[str], drop_one: bool = False) -> None:
        self.bad = bad
        self.drop_one = drop_one
        self.batches: list[list[str]] = []

    def __call__(self, batch: Sequence[GenerationRequest]) -> list[Sample]:
        questions = [r.messages[0]["content"] for r in batch]
        self.batches.append(questions)
        if self.bad & set(questions):
            raise ValueError("engine refused the batch")
        out = [r.to_sample(Completion(f"answer to {q}", "stop"), "fake") for r, q in zip(batch, questions)]
        return out[:-1] if self.drop_one and len(out) > 1 else out


def run(bad: set[str], check=None, drop_one: bool = False) -> tuple[list[Sample], FlakyEngine]:  # type: ignore[no-untyped-def]
    engine = FlakyEngine(bad, drop_one)
    requests = make_requests(SamplingParams(), questions=QUESTIONS)
    samples = run_isolated(requests, engine, "fake", check=check)
    assert [s.key for s in samples] == [r.key for r in requests]  # one sample per request, in order
    return samples, engine


@pytest.mark.parametrize("bad", [set(), {"question 0"}, {"question 6"}, {"question 2", "question 5"}])
def test_only_the_culprits_fail_and_the_rest_keep_their_answers(bad: set[str]) -> None:
    samples, engine = run(bad)
    for s, q in zip(samples, QUESTIONS):
        if q in bad:
            assert s.finish_reason == "error" and s.text == ""
            assert s.provenance["error"] == "ValueError: engine refused the batch"
        else:
            assert s.finish_reason == "stop" and s.text == f"answer to {q}"
    assert engine.batches[0] == QUESTIONS  # the whole batch is tried first
    if not bad:
        assert len(engine.batches) == 1


def test_a_failing_batch_is_narrowed_down_by_halves_not_one_by_one() -> None:
    _, engine = run({"question 3"})
    q = QUESTIONS
    assert engine.batches == [q, q[:3], q[3:], q[3:5], [q[3]], [q[4]], q[5:]]


def test_rejected_requests_fail_up_front_and_are_never_run() -> None:
    check = lambda r: "too long" if r.messages[0]["content"] == "question 1" else None  # noqa: E731
    samples, engine = run(set(), check=check)
    assert samples[1].finish_reason == "error" and samples[1].provenance["error"] == "too long"
    assert engine.batches == [[q for q in QUESTIONS if q != "question 1"]]


def test_an_engine_that_loses_a_result_never_misattributes_answers() -> None:
    samples, _ = run(set(), drop_one=True)
    for s, q in zip(samples, QUESTIONS):
        assert s.finish_reason == "error" or s.text == f"answer to {q}"
    assert all(s.finish_reason == "stop" for s in samples if s.text)


@pytest.mark.parametrize(
    "prompt_tokens, window, fits",
    [(10, None, True), (511, 512, True), (512, 512, False), (600, 512, False), (0, 1, True)],
)
def test_context_problem(prompt_tokens: int, window: int | None, fits: bool) -> None:
    problem = context_problem(prompt_tokens, window)
    assert (problem is None) == fits
    if not fits:
        assert f"{prompt_tokens} tokens" in problem and f"context window is {window}" in problem

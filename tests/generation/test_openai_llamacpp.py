"""The openai backend against the real llama.cpp OpenAI-compatible server, directly and through a
fault-injecting proxy (429 + Retry-After, 500, dropped connections, slow responses)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from _fault_proxy import FaultProxy, always, rotating_faults
from _gen_helpers import make_requests

from thinkforge.backends.base import SamplingParams
from thinkforge.backends.openai import OpenAIBackend, OpenAIOptions

pytestmark = pytest.mark.slow

SAMPLING = SamplingParams(temperature=0.7, max_tokens=8, seed=11)


def run(backend: OpenAIBackend, requests: list) -> list:
    return [s for group in backend.generate(requests) for s in group]


def options(url: str, **kw: object) -> OpenAIOptions:
    base = OpenAIOptions(base_url=url, concurrency=4, timeout_s=30, max_retries=4, backoff_base_s=0.05, backoff_max_s=0.5)
    return dataclasses.replace(base, **kw)


@pytest.fixture(scope="module")
def direct(llama_server: str) -> dict[str, object]:
    """Samples straight from the server: the reference every proxied run must reproduce."""
    samples = run(OpenAIBackend("default", options(llama_server)), make_requests(SAMPLING, n=2))
    return {s.key: s for s in samples}


def test_chat_endpoint_answers_every_request_with_usage(direct: dict) -> None:
    assert len(direct) == 12
    for s in direct.values():
        assert s.finish_reason in ("stop", "length")
        assert s.text
        assert s.prompt_tokens > 0 and 0 < s.completion_tokens <= 8
        assert s.provenance["backend"] == "openai"


def test_seeded_requests_are_reproducible(llama_server: str, direct: dict) -> None:
    again = run(OpenAIBackend("default", options(llama_server, concurrency=1)), make_requests(SAMPLING, n=2))
    assert {s.key: s.text for s in again} == {k: s.text for k, s in direct.items()}


def test_completions_endpoint_uses_the_chat_template(llama_server: str, direct: dict) -> None:
    backend = OpenAIBackend("default", options(llama_server, endpoint="completions"))
    samples = run(backend, make_requests(SAMPLING, n=2))
    assert {s.key: s.text for s in samples} == {k: s.text for k, s in direct.items()}


def test_n_auto_fills_in_choices_a_server_does_not_return(llama_server: str) -> None:
    """llama.cpp ignores ``n``: the missing samples must be requested one by one, none lost or doubled."""
    backend = OpenAIBackend("default", options(llama_server, n_mode="auto"))
    requests = make_requests(SAMPLING, n=3, questions=["Say yes.", "Hi"])
    samples = run(backend, requests)
    assert sorted(s.key for s in samples) == sorted(r.key for r in requests)
    assert backend.stats["attempts"] == 2 + 2 * 2  # one n=3 call per problem, then two singles each


def test_faults_are_retried_and_no_sample_is_lost_or_duplicated(llama_server: str, direct: dict) -> None:
    plan = rotating_faults(["429", "500", "drop", "slow"], faulty_attempts=2)
    # The client's timeout sits well above a normal answer's latency even on a loaded 2-core CI box (llama.cpp
    # answers one request at a time, so queued requests wait); a "slow" fault outlasts it by a wide margin.
    with FaultProxy(llama_server, plan, retry_after_s=1, slow_s=8.0) as proxy:
        backend = OpenAIBackend("default", options(proxy.url, timeout_s=5.0, concurrency=2), rng_seed=0)
        samples = run(backend, make_requests(SAMPLING, n=2))
    keys = Counter(s.key for s in samples)
    assert set(keys) == set(direct) and set(keys.values()) == {1}
    assert all(s.finish_reason != "error" for s in samples)
    assert all(s.text and s.completion_tokens for s in samples)
    # Texts are not compared with ``direct``: a slow request abandoned by the client still runs on the
    # server, and llama.cpp's prompt cache then evaluates later prompts in different chunks, which can flip
    # a sampled token. Identity (one answered sample per key) is what the client guarantees.
    seen = Counter(fault for attempts in proxy.log.attempts.values() for _, fault in attempts)
    assert {"429", "500", "drop", "slow", "ok"} <= set(seen)
    assert len(proxy.log.attempts) == 12
    # Two planned faults, then success (an answer slower than the client's timeout on a busy server adds a retry).
    assert all(len(a) >= 3 and a[2][1] == "ok" for a in proxy.log.attempts.values())


def test_retry_after_is_honoured(llama_server: str) -> None:
    plan = rotating_faults(["429"], faulty_attempts=1)
    with FaultProxy(llama_server, plan, retry_after_s=1) as proxy:
        backend = OpenAIBackend("default", options(proxy.url, backoff_base_s=0.001, backoff_max_s=0.001))
        samples = run(backend, make_requests(SAMPLING, questions=["Hi"]))
    assert samples[0].finish_reason != "error"
    (attempts,) = proxy.log.attempts.values()
    assert [f for _, f in attempts] == ["429", "ok"]
    assert attempts[1][0] - attempts[0][0] >= 0.95  # waited for Retry-After, not the 1 ms backoff


def test_exhausted_retries_end_as_reported_failures(llama_server: str) -> None:
    with FaultProxy(llama_server, always("500")) as proxy:
        backend = OpenAIBackend("default", options(proxy.url, max_retries=2, backoff_base_s=0.001))
        requests = make_requests(SAMPLING, questions=["Hi", "Say yes."])
        samples = run(backend, requests)
    assert sorted(s.key for s in samples) == sorted(r.key for r in requests)
    assert all(s.finish_reason == "error" and "HTTP 500" in s.provenance["error"] for s in samples)
    assert all(len(a) == 3 for a in proxy.log.attempts.values())
    assert proxy.log.forwarded == 0


def test_client_errors_are_not_retried(llama_server: str) -> None:
    backend = OpenAIBackend("default", options(llama_server + "/no-such-route"))  # → HTTP 404
    samples = run(backend, make_requests(SAMPLING, questions=["Hi"]))
    assert samples[0].finish_reason == "error"
    assert "HTTP 4" in samples[0].provenance["error"]
    assert backend.stats["attempts"] == 1

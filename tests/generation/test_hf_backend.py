"""The hf backend: batching, per-sample seeds, stop strings, finish reasons (tiny random model + the real one)."""

from __future__ import annotations

import pytest
from _gen_helpers import make_requests

from thinkforge.backends.base import SamplingParams
from thinkforge.backends.hf import HFBackend, HFOptions


def texts(backend: HFBackend, requests: list) -> dict[str, str]:
    return {s.key: s.text for group in backend.generate(requests) for s in group}


@pytest.fixture(scope="module")
def tiny(tiny_model: tuple) -> HFBackend:
    model, tokenizer = tiny_model
    return HFBackend("tiny", HFOptions(batch_size=4, device="cpu"), model_obj=model, tokenizer=tokenizer)


def test_every_request_yields_one_sample_with_counts_and_reason(tiny: HFBackend) -> None:
    requests = make_requests(SamplingParams(temperature=1.0, max_tokens=6, seed=1), n=2)
    samples = [s for group in tiny.generate(requests) for s in group]
    assert sorted(s.key for s in samples) == sorted(r.key for r in requests)
    for s in samples:
        assert s.finish_reason in ("stop", "length")
        assert 1 <= s.completion_tokens <= 6
        assert s.prompt_tokens > 0
        assert s.provenance["backend"] == "hf"
        assert s.sampling["sample_seed"] == next(r.seed for r in requests if r.key == s.key)


def test_groups_are_whole_batches(tiny: HFBackend) -> None:
    requests = make_requests(SamplingParams(max_tokens=3), n=1)
    sizes = [len(g) for g in tiny.generate(requests)]
    assert sizes == [4, 2]


def test_same_seeds_same_texts_and_other_seeds_differ(tiny: HFBackend) -> None:
    sampling = SamplingParams(temperature=1.0, max_tokens=8, seed=7)
    first = texts(tiny, make_requests(sampling, n=2))
    assert texts(tiny, make_requests(sampling, n=2)) == first
    other = texts(tiny, make_requests(SamplingParams(temperature=1.0, max_tokens=8, seed=8), n=2))
    assert other != first
    assert len(set(first.values())) > len(first) // 2  # sample indices of one problem differ too


def test_a_rows_sample_does_not_depend_on_the_other_rows_of_its_batch(tiny: HFBackend) -> None:
    """Same prompt length → no padding difference; the row's own generator decides its tokens."""
    sampling = SamplingParams(temperature=1.0, max_tokens=8, seed=3)
    requests = make_requests(sampling, n=4, questions=["Say yes."])
    together = texts(tiny, requests)
    alone = {k: v for r in requests for k, v in texts(tiny, [r]).items()}
    assert alone == together


def test_top_p_near_zero_is_greedy(tiny: HFBackend) -> None:
    greedy = texts(tiny, make_requests(SamplingParams(max_tokens=6)))
    nucleus = texts(tiny, make_requests(SamplingParams(temperature=1.0, top_p=1e-6, max_tokens=6, seed=5)))
    assert nucleus == greedy


def test_length_is_reported_when_the_budget_runs_out(tiny: HFBackend) -> None:
    samples = [s for g in tiny.generate(make_requests(SamplingParams(max_tokens=2))) for s in g]
    assert {s.finish_reason for s in samples if s.completion_tokens == 2 and s.text} <= {"length", "stop"}
    assert any(s.finish_reason == "length" and s.completion_tokens == 2 for s in samples)


@pytest.mark.parametrize(
    "row, stop_last_char, expected_reason, expected_tokens, keeps_last_char",
    [
        ("eos_mid", False, "stop", 3, True),  # cut at the end-of-sequence token (counted)
        ("full", False, "length", 4, True),
        ("pad_tail", True, "stop", 2, False),  # finished by a stop string, padded afterwards
        ("full", True, "stop", 4, False),  # stop string inside a full-length row
    ],
)
def test_completion_cutting(
    tiny: HFBackend, row: str, stop_last_char: bool, expected_reason: str, expected_tokens: int, keeps_last_char: bool
) -> None:
    tok = tiny.tokenizer
    a = tok(" a b", add_special_tokens=False)["input_ids"][:2]
    rows = {"eos_mid": a + [tok.eos_token_id, 5], "full": a * 2, "pad_tail": a + [tiny.pad_id, tiny.pad_id]}
    last_char = tok.decode(a).strip()[-1]
    stop = (last_char,) if stop_last_char else ()
    completion = tiny._completion(rows[row], 10, SamplingParams(max_tokens=4, stop=stop), 0.1)
    assert completion.finish_reason == expected_reason
    assert completion.completion_tokens == expected_tokens
    assert completion.text.rstrip().endswith(last_char) == keeps_last_char


@pytest.mark.slow
def test_real_model_stop_string_and_greedy_reproducibility(default_model_dir: str) -> None:
    backend = HFBackend(default_model_dir, HFOptions(batch_size=4, device="cpu"))
    sampling = SamplingParams(max_tokens=24, stop=("4",))
    questions = ["Count from 1 to 10, separated by commas.", "What is 2+2?"]
    samples = [s for g in backend.generate(make_requests(sampling, questions=questions)) for s in g]
    for s in samples:
        assert "4" not in s.text
        assert s.finish_reason in ("stop", "length")
    assert any(s.finish_reason == "stop" and s.completion_tokens < 24 for s in samples)
    again = texts(backend, make_requests(sampling, questions=questions))
    assert again == {s.key: s.text for s in samples}


# ---------------------------------------------------------------------------- one bad request fails alone
LONG_QUESTION = " ".join(["word"] * 600)  # > 512 tokens: longer than the tiny model's context window


class _PoisonedModel:
    """The tiny model, except that a forward pass raises for any batch holding ``token`` (a fault injected)."""

    def __init__(self, model: object, token: int) -> None:
        self._model = model
        self._token = token
        self.calls: list[int] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._model, name)

    def __call__(self, input_ids, **kwargs):  # type: ignore[no-untyped-def]
        self.calls.append(int(input_ids.shape[0]))
        if bool((input_ids == self._token).any()):
            raise RuntimeError("poisoned row")
        return self._model(input_ids=input_ids, **kwargs)


def _by_key(backend: HFBackend, requests: list) -> dict:
    groups = list(backend.generate(requests))
    assert sum(len(g) for g in groups) == len(requests)
    return {s.key: s for g in groups for s in g}


def test_a_prompt_longer_than_the_context_window_fails_alone(tiny: HFBackend) -> None:
    requests = make_requests(SamplingParams(max_tokens=4), questions=["What is 2+2?", LONG_QUESTION, "Hi", "Say yes."])
    samples = _by_key(tiny, requests)
    long_key = requests[1].key
    assert samples[long_key].finish_reason == "error"
    assert "context window" in samples[long_key].provenance["error"]
    assert samples[long_key].text == ""
    for key, s in samples.items():
        if key != long_key:
            assert s.finish_reason in ("stop", "length") and 1 <= s.completion_tokens <= 4


def test_generation_stops_at_the_context_window(tiny: HFBackend) -> None:
    """A prompt that leaves 3 free positions gets at most 3 new tokens, whatever max_tokens says."""
    window = tiny.model.config.max_position_embeddings
    base = make_requests(SamplingParams(max_tokens=10), questions=[""])[0]
    overhead = len(tiny.encode(base))
    question = " ".join(["word"] * 2000)
    ids = tiny.tokenizer(question, add_special_tokens=False)["input_ids"]
    # Trim the question until the templated prompt has exactly window - 3 tokens.
    question = tiny.tokenizer.decode(ids[: window - 3 - overhead])
    request = make_requests(SamplingParams(max_tokens=10), questions=[question])[0]
    assert len(tiny.encode(request)) == window - 3
    (sample,) = _by_key(tiny, [request]).values()
    assert sample.finish_reason in ("length", "stop")
    assert sample.completion_tokens <= 3


def test_a_request_that_makes_the_batch_raise_fails_alone(tiny_model: tuple) -> None:
    model, tokenizer = tiny_model
    questions = ["What is 2+2?", "Hi", "Please say xyzzy plugh", "Say yes.", "Name a colour."]
    requests = make_requests(SamplingParams(max_tokens=3), questions=questions)
    probe = HFBackend("tiny", HFOptions(batch_size=8, device="cpu"), model_obj=model, tokenizer=tokenizer)
    others = {t for i, r in enumerate(requests) if i != 2 for t in probe.encode(r)}
    token = next(t for t in probe.encode(requests[2]) if t not in others)
    poisoned = _PoisonedModel(model, token)
    backend = HFBackend("tiny", HFOptions(batch_size=8, device="cpu"), model_obj=poisoned, tokenizer=tokenizer)
    samples = _by_key(backend, requests)
    bad = samples[requests[2].key]
    assert bad.finish_reason == "error"
    assert "poisoned row" in bad.provenance["error"]
    assert all(s.finish_reason in ("stop", "length") for k, s in samples.items() if k != requests[2].key)
    assert poisoned.calls[0] == len(requests)  # tried together first


def test_greedy_texts_do_not_depend_on_the_batch(tiny_model: tuple) -> None:
    """Regression: prompts of one batch were handed each other's completions when the shared-prefill step
    (which groups equal prompts in sorted order) found every prompt distinct."""
    model, tokenizer = tiny_model
    # Equal lengths, in reverse order of their token ids: the shared-prefill grouping reorders them.
    questions = ["What is 9 + 8?", "What is 7 + 6?", "What is 5 + 4?", "What is 3 + 2?", "Hi", "Count to three."]
    requests = make_requests(SamplingParams(max_tokens=6), questions=questions)
    batched = HFBackend("tiny", HFOptions(batch_size=8, device="cpu"), model_obj=model, tokenizer=tokenizer)
    single = HFBackend("tiny", HFOptions(batch_size=1, device="cpu"), model_obj=model, tokenizer=tokenizer)
    together = texts(batched, requests)
    assert texts(single, requests) == together
    assert len(set(together.values())) > 1

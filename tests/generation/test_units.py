"""Pure pieces of the generate stage: seeds, batch plans, backoff, Retry-After, sampling resolution, cost."""

from __future__ import annotations

import email.utils
import random

import pytest

from thinkforge.backends.base import SamplingParams, sample_seed
from thinkforge.backends.hf import plan_batches
from thinkforge.backends.openai import backoff_delay, parse_retry_after
from thinkforge.errors import ConfigError
from thinkforge.generate.accounting import Prices, Usage, cost_usd
from thinkforge.generate.config import GenerateConfig, SamplingConfig, identity, resolve_n, resolve_sampling
from thinkforge.records import Sample


@pytest.mark.parametrize(
    "run_seed, problem_id, index, expected",
    [
        (0, "p", 0, 222438298),
        (1, "p", 0, 926590080),  # another run seed
        (0, "q", 0, 1237247116),  # another problem
        (0, "p", 1, 1003517880),  # another sample index
        (7, "aime24/12", 3, 1007005684),
        (2**31, "gsm8k/0", 0, 671401460),  # a run seed past the engines' range still gives a seed within it
    ],
)
def test_sample_seed_known_values(run_seed: int, problem_id: str, index: int, expected: int) -> None:
    """Pinned values: a change in the derivation would silently change every sample of a resumed run."""
    assert sample_seed(run_seed, problem_id, index) == expected


def test_sample_seeds_differ_across_run_seeds_problems_and_indices_and_stay_in_range() -> None:
    seeds = [sample_seed(s, f"task/{p}", i) for s in (0, 1, 2) for p in range(100) for i in range(16)]
    assert len(set(seeds)) == len(seeds)  # 4,800 distinct seeds: no collision between units
    assert all(0 <= s < 2**31 - 1 for s in seeds)
    assert sample_seed(0, "a/1", 0) != sample_seed(0, "a/10", 0)  # ids are not concatenated with the index
    assert sample_seed(0, "a", 11) != sample_seed(0, "a1", 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": -0.1}, "temperature"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"max_tokens": 0}, "max_tokens"),
    ],
)
def test_invalid_sampling_is_refused_naming_the_field(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SamplingParams(**kwargs)


def test_sampling_round_trips_through_plain_data() -> None:
    s = SamplingParams(temperature=0.7, top_p=0.9, max_tokens=12, seed=3, stop=("</s>",))
    assert SamplingParams.from_dict(s.to_dict()) == s


@pytest.mark.parametrize(
    "lengths, batch_size, expected",
    [
        ([], 2, []),
        ([5], 4, [[0]]),
        ([1, 9, 5, 7], 2, [[1, 3], [2, 0]]),  # longest first
        ([3, 3, 3], 2, [[0, 1], [2]]),  # ties keep input order
        ([2, 8, 8, 1, 4], 3, [[1, 2, 4], [0, 3]]),
    ],
)
def test_batch_plan_sorts_by_length_longest_first(lengths: list[int], batch_size: int, expected: list[list[int]]) -> None:
    assert plan_batches(lengths, batch_size) == expected


def test_resuming_removes_whole_batches_so_the_rest_is_planned_the_same() -> None:
    lengths = [4, 9, 1, 7, 7, 3, 8, 2]
    full = plan_batches(lengths, 3)
    done = set(full[1])  # a middle batch finished before the crash
    remaining = [i for i in range(len(lengths)) if i not in done]
    replanned = plan_batches([lengths[i] for i in remaining], 3)
    assert [[remaining[j] for j in b] for b in replanned] == [b for b in full if set(b) != done]


@pytest.mark.parametrize(
    "value, expected",
    [(None, None), ("", None), ("3", 3.0), ("0.5", 0.5), ("-4", 0.0), ("soon", None)],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_http_date() -> None:
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(7.0, abs=1.0)


def test_backoff_is_full_jitter_and_capped() -> None:
    rng = random.Random(0)
    for attempt in range(8):
        cap = min(10.0, 0.5 * 2**attempt)
        delays = [backoff_delay(attempt, 0.5, 10.0, rng) for _ in range(200)]
        assert all(0.0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8


def test_sampling_precedence_flag_then_task_then_default() -> None:
    task_default = {"temperature": 0.7, "max_tokens": 32768, "n": 8}
    s = resolve_sampling(SamplingConfig(max_tokens=16), task_default)
    assert (s.temperature, s.max_tokens, s.top_p, s.seed) == (0.7, 16, 1.0, 0)
    assert resolve_n(GenerateConfig(task="t"), task_default) == 8
    assert resolve_n(GenerateConfig(task="t", n=2), task_default) == 2
    with pytest.raises(ConfigError, match="n must be"):
        resolve_n(GenerateConfig(task="t", n=0), task_default)


def test_run_identity_leaves_out_slice_and_throughput_knobs() -> None:
    from dataclasses import replace

    from thinkforge.generate.config import HFConfig, OpenAIConfig, PricingConfig, RayConfig, VLLMConfig

    s, task, model = SamplingParams(max_tokens=8), {"name": "t", "problems": "h"}, {"hub": "m"}

    def ident(config: GenerateConfig) -> dict:
        return identity(config, s, task, model)

    base = GenerateConfig(task="t", n=1, limit=2)
    a = ident(base)
    knobs = replace(base, task="./elsewhere/t.yaml", n=4, limit=10, ids=("x",), out="elsewhere", overwrite=True,
                    hf=HFConfig(batch_size=3, device="cpu"), ray=RayConfig(enabled=True, replicas=5),
                    pricing=PricingConfig(gpus=8), openai=OpenAIConfig(concurrency=99, timeout_s=1.0))  # fmt: skip
    assert ident(knobs) == a
    assert ident(replace(base, backend="openai")) != a
    assert ident(replace(base, system_prompt="sky_t1")) != a
    assert ident(replace(base, template="plain")) != a
    assert ident(replace(base, hf=HFConfig(dtype="bfloat16"))) != a
    assert identity(base, s, {**task, "problems": "other"}, model) != a
    assert identity(base, s, task, {"hub": "m2"}) != a
    # What the hand-kept list missed: the served model, the server, the endpoint, vllm's dtype and context length.
    served = replace(base, backend="openai")
    for section in [OpenAIConfig(server_model="qwq"), OpenAIConfig(base_url="http://127.0.0.1:9/v1"),
                    OpenAIConfig(endpoint="completions"), OpenAIConfig(n_mode="auto")]:
        assert ident(replace(served, openai=section)) != ident(served), section
    engine = replace(base, backend="vllm")
    for section in [VLLMConfig(dtype="float16"), VLLMConfig(max_model_len=4096)]:
        assert ident(replace(engine, vllm=section)) != ident(engine), section
    assert ident(replace(engine, vllm=VLLMConfig(gpu_memory_utilization=0.3, chunk_size=7))) == ident(engine)
    # Another backend's section does not matter to this run.
    assert ident(replace(base, openai=OpenAIConfig(base_url="http://127.0.0.1:9/v1"))) == a


@pytest.mark.parametrize(
    "usage, prices, expected",
    [
        (Usage(prompt_tokens=1_000_000, completion_tokens=2_000_000), Prices(1.0, 4.0, 2.96, 0), 9.0),
        (Usage(wall_s=1800.0), Prices(0.0, 0.0, 2.0, 8), 8.0),  # half an hour on 8 GPUs at $2
        (Usage(prompt_tokens=500, completion_tokens=500, wall_s=3600.0), Prices(0.0, 0.0, 2.96, 0), 0.0),
    ],
)
def test_cost_estimate(usage: Usage, prices: Prices, expected: float) -> None:
    assert cost_usd(usage, prices) == pytest.approx(expected)


def test_usage_counts_failures_apart() -> None:
    ok = Sample(problem_id="p", model="m", index=0, text="x", finish_reason="stop", prompt_tokens=3, completion_tokens=5)
    bad = Sample(problem_id="p", model="m", index=1, text="", finish_reason="error")
    u = Usage().add([ok, bad, ok])
    assert (u.samples, u.failed, u.prompt_tokens, u.completion_tokens) == (2, 1, 6, 10)

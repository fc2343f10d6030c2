"""The vllm backend's pure parts (the real engine is exercised in tests/generation/vllm, run in .venv-vllm)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from thinkforge.backends.factory import BackendSpec
from thinkforge.backends.vllm import VLLMOptions, _completion, engine_kwargs, import_vllm
from thinkforge.defaults import VLLM
from thinkforge.errors import ConfigError, MissingDependencyError


def test_missing_vllm_is_one_clear_error_with_the_install_command() -> None:
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match=r"thinkforge\[vllm\]"):
            import_vllm()
    else:
        assert import_vllm() is not None


@pytest.mark.parametrize(
    ("options", "on_cpu", "expected"),
    [
        (VLLMOptions(), False, {"gpu_memory_utilization": VLLM.gpu_memory_utilization, "tensor_parallel_size": 1,
                                "enforce_eager": VLLM.enforce_eager}),
        (VLLMOptions(), True, {"gpu_memory_utilization": VLLM.cpu_memory_utilization, "enforce_eager": VLLM.cpu_enforce_eager}),
        (VLLMOptions(gpu_memory_utilization=0.5, enforce_eager=False), True, {"gpu_memory_utilization": 0.5, "enforce_eager": False}),
        (VLLMOptions(tensor_parallel_size=8, enforce_eager=True), False, {"tensor_parallel_size": 8, "enforce_eager": True}),
        (VLLMOptions(pipeline_parallel_size=2, distributed_executor_backend="ray"), False,
         {"pipeline_parallel_size": 2, "distributed_executor_backend": "ray"}),
        (VLLMOptions(max_model_len=4096, dtype="bfloat16", seed=7), False,
         {"max_model_len": 4096, "dtype": "bfloat16", "seed": 7}),
    ],
)  # fmt: skip
def test_engine_arguments_follow_the_options(options: VLLMOptions, on_cpu: bool, expected: dict) -> None:
    kwargs = engine_kwargs("/m", options, on_cpu=on_cpu)
    assert kwargs["model"] == "/m"
    assert {k: kwargs[k] for k in expected} == expected


@pytest.mark.parametrize("unset", ["max_model_len", "distributed_executor_backend"])
def test_unset_engine_arguments_are_left_to_vllm(unset: str) -> None:
    assert unset not in engine_kwargs("/m", VLLMOptions(), on_cpu=False)


@pytest.mark.parametrize(
    ("vllm_reason", "finish_reason", "tokens"),
    [("stop", "stop", (3, 2)), ("length", "length", (3, 2)), ("abort", "error", (None, None)), (None, "error", (None, None))],
)
def test_a_request_output_maps_to_a_completion(vllm_reason: str | None, finish_reason: str, tokens: tuple) -> None:
    output = SimpleNamespace(prompt_token_ids=[1, 2, 3], outputs=[SimpleNamespace(text="hi", finish_reason=vllm_reason, token_ids=[7, 8])])
    completion = _completion(output, 0.5)
    assert (completion.finish_reason, (completion.prompt_tokens, completion.completion_tokens)) == (finish_reason, tokens)
    assert (completion.error is None) == (finish_reason != "error")


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown backend 'tgi'"):
        BackendSpec(kind="tgi", model="default")  # type: ignore[arg-type]

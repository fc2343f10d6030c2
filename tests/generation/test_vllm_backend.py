"""The vllm backend's pure parts (the real engine is exercised in tests/generation/vllm, run in .venv-vllm)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
from _gen_helpers import make_requests

from thinkforge.backends.base import SamplingParams
from thinkforge.backends.factory import BackendSpec
from thinkforge.backends.vllm import VLLMOptions, _completion, engine_kwargs, import_vllm
from thinkforge.defaults import VLLM
from thinkforge.errors import ConfigError, MissingDependencyError, ThinkforgeError


@pytest.mark.parametrize("how", ["import", "backend", "spec"])
def test_missing_vllm_is_one_clear_error_with_the_install_command(
    how: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    """Whether or not vLLM is installed here: with it absent, every way in ends in the same clear error."""
    from thinkforge.backends.vllm import VLLMBackend

    monkeypatch.setitem(sys.modules, "vllm", None)  # ``import vllm`` now raises ImportError
    start = {
        "import": import_vllm,
        "backend": lambda: VLLMBackend("some-model"),
        "spec": lambda: BackendSpec(kind="vllm", model=str(tmp_path)).build(),
    }[how]
    with pytest.raises(MissingDependencyError) as caught:
        start()
    message = str(caught.value)
    assert "pip install 'thinkforge[vllm]'" in message
    assert "--backend hf" in message and "--backend openai" in message  # what to do instead
    assert isinstance(caught.value, ThinkforgeError)  # the CLI turns it into one line and exit code 2


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

class _Engine:
    """Stands in for ``LLM.llm_engine`` (vLLM is not installed here): records its shutdown in ``log``."""

    def __init__(self, log: list[str]) -> None:
        self.model_executor = object()
        self.engine_core = self
        self.log = log

    def shutdown(self) -> None:
        self.log.append("shutdown")


class _LLM:
    """Stands in for ``vllm.LLM``: ``chat`` refuses a batch holding ``poison``, else answers each prompt."""

    def __init__(self, log: list[str], poison: str = "") -> None:
        self.llm_engine = _Engine(log)
        self.poison = poison

    def chat(self, conversations: list, sampling_params: list, use_tqdm: bool) -> list:
        contents = [c[0]["content"] for c in conversations]
        if self.poison in contents:
            raise ValueError("engine refused")
        answer = lambda c: SimpleNamespace(text=c.upper(), finish_reason="stop", token_ids=[3])  # noqa: E731
        return [SimpleNamespace(prompt_token_ids=[1, 2], outputs=[answer(c)]) for c in contents]


def test_close_shuts_the_engine_down_and_drops_every_reference_to_it() -> None:
    import gc
    import weakref

    from thinkforge.backends.vllm import VLLMBackend

    backend = VLLMBackend.__new__(VLLMBackend)  # no vLLM here: only the release logic is exercised
    log: list[str] = []
    llm = _LLM(log)
    engine = llm.llm_engine
    backend.llm, backend.tokenizer = llm, object()
    engine_ref = weakref.ref(engine)
    del engine
    backend.close()
    gc.collect()
    assert backend.llm is None and backend.tokenizer is None
    assert engine_ref() is None  # freed although the caller still holds the LLM object
    assert not hasattr(llm, "llm_engine")
    assert log == ["shutdown"]
    backend.close()  # closing twice is harmless
    assert log == ["shutdown"]


def test_a_too_long_or_failing_request_fails_alone(tiny_model: tuple) -> None:
    from thinkforge.backends.vllm import VLLMBackend

    backend = VLLMBackend.__new__(VLLMBackend)  # the engine is a stand-in; tokenizer and logic are real
    backend.options = VLLMOptions(chunk_size=8)
    backend._vllm = SimpleNamespace(SamplingParams=lambda **kw: kw)
    backend.llm, backend.tokenizer, backend.context_window = _LLM([], poison="Hi"), tiny_model[1], 40
    questions = ["What is 2+2?", " ".join(["word"] * 50), "Hi", "Say yes."]
    samples = [s for g in backend.generate(make_requests(SamplingParams(), questions=questions)) for s in g]
    assert [s.finish_reason for s in samples] == ["stop", "error", "error", "stop"]
    assert "context window is 40" in samples[1].provenance["error"]
    assert samples[2].provenance["error"] == "ValueError: engine refused"
    assert [samples[0].text, samples[3].text] == ["WHAT IS 2+2?", "SAY YES."]



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

"""The vllm backend: a real tiny generation where vLLM (and a GPU) is installed; skipped only where vLLM is absent."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
from _gen_helpers import make_requests

from thinkforge.backends.base import SamplingParams
from thinkforge.backends.factory import BackendSpec
from thinkforge.backends.vllm import VLLMOptions, import_vllm
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


@pytest.mark.gpu
def test_vllm_generates_one_sample_per_request_with_seeds(default_model_dir: str) -> None:
    pytest.importorskip("vllm")
    from thinkforge.backends.vllm import VLLMBackend

    backend = VLLMBackend(default_model_dir, VLLMOptions(chunk_size=4, gpu_memory_utilization=0.3, max_model_len=2048))
    sampling = SamplingParams(temperature=0.8, max_tokens=8, seed=2)
    requests = make_requests(sampling, n=2)
    groups = list(backend.generate(requests))
    samples = [s for g in groups for s in g]
    assert [len(g) for g in groups] == [4, 4, 4]
    assert sorted(s.key for s in samples) == sorted(r.key for r in requests)
    assert all(s.finish_reason in ("stop", "length") and 0 < s.completion_tokens <= 8 for s in samples)
    assert all(s.provenance["backend"] == "vllm" for s in samples)
    again = {s.key: s.text for g in backend.generate(requests) for s in g}
    assert again == {s.key: s.text for s in samples}  # per-request seeds: reproducible
    too_long = make_requests(sampling, questions=["Hi", " ".join(["word"] * 3000)])
    failed = [s for g in backend.generate(too_long) for s in g]
    assert failed[0].finish_reason in ("stop", "length")
    assert failed[1].finish_reason == "error" and "context window" in failed[1].provenance["error"]
    backend.close()


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


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown backend 'tgi'"):
        BackendSpec(kind="tgi", model="default")  # type: ignore[arg-type]

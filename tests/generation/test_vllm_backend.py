"""The vllm backend: a real tiny generation where vLLM (and a GPU) is installed; skipped only where vLLM is absent."""

from __future__ import annotations

import pytest
from _gen_helpers import make_requests

from thinkforge.backends.base import SamplingParams
from thinkforge.backends.factory import BackendSpec
from thinkforge.backends.vllm import VLLMOptions, import_vllm
from thinkforge.errors import ConfigError, MissingDependencyError


def test_missing_vllm_is_one_clear_error_with_the_install_command() -> None:
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match=r"thinkforge\[vllm\]"):
            import_vllm()
    else:
        assert import_vllm() is not None


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


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown backend 'tgi'"):
        BackendSpec(kind="tgi", model="default")  # type: ignore[arg-type]

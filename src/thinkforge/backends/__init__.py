"""Backends: one protocol (``generate(requests)`` → groups of samples), implementations hf, openai, vllm,
and a Ray Data wrapper that scales any of them out. Callers never branch on the backend.

Heavy dependencies (torch, transformers, vllm, ray) are imported only when a backend is built.
"""

from thinkforge.backends.base import (
    Backend,
    Completion,
    GenerationRequest,
    SamplingParams,
    sample_seed,
)
from thinkforge.backends.factory import BACKEND_KINDS, BackendKind, BackendSpec
from thinkforge.backends.hf import HFOptions
from thinkforge.backends.openai import OpenAIOptions
from thinkforge.backends.ray_data import RayBackend, RayOptions
from thinkforge.backends.vllm import VLLMOptions

__all__ = [
    "BACKEND_KINDS",
    "Backend",
    "BackendKind",
    "BackendSpec",
    "Completion",
    "GenerationRequest",
    "HFOptions",
    "OpenAIOptions",
    "RayBackend",
    "RayOptions",
    "SamplingParams",
    "VLLMOptions",
    "sample_seed",
]

"""The one backend protocol: requests in, :class:`~thinkforge.records.Sample` records out, as they finish.

A :class:`GenerationRequest` is one unit of work — one (problem, sample index) — and carries everything the
resulting sample records (messages, sampling, key, provenance). Backends differ only in how they turn
requests into :class:`Completion` s; :meth:`GenerationRequest.to_sample` builds the record the same way for
all of them, so callers never branch on the backend.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Protocol, Sequence, runtime_checkable

from thinkforge import __version__
from thinkforge.errors import ConfigError
from thinkforge.records import FinishReason, Message, Sample
from thinkforge.runs.keys import stable_hash

#: Seeds are kept below 2**31 so every engine (torch, vLLM, llama.cpp, hosted APIs) accepts them.
SEED_MODULUS = 2**31 - 1


@dataclass(frozen=True)
class SamplingParams:
    """Sampling of a run: ``temperature == 0`` means greedy; ``seed`` is the run seed (see :func:`sample_seed`)."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 1024
    seed: int = 0
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ConfigError(f"sampling.temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"sampling.top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens < 1:
            raise ConfigError(f"sampling.max_tokens must be >= 1, got {self.max_tokens}")
        object.__setattr__(self, "stop", tuple(self.stop))

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form: what goes into the unit key and ``Sample.sampling``."""
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "stop": list(self.stop),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SamplingParams":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def sample_seed(run_seed: int, problem_id: str, index: int) -> int:
    """The seed of one sample, derived from (run seed, problem id, index): independent of batching and order."""
    digest = stable_hash({"seed": run_seed, "problem_id": problem_id, "index": index}, n_chars=16)
    return int(digest, 16) % SEED_MODULUS


@dataclass(frozen=True)
class Completion:
    """What a backend produced for one request (``error`` set when it failed for good)."""

    text: str
    finish_reason: FinishReason
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None
    reasoning: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class GenerationRequest:
    """One unit of work: sample ``index`` of problem ``problem_id``, with its own derived ``seed``."""

    key: str
    problem_id: str
    task: str
    model: str
    index: int
    messages: list[Message]
    sampling: SamplingParams
    seed: int
    provenance: dict[str, Any] = field(default_factory=dict)

    def to_sample(self, completion: Completion, backend: str) -> Sample:
        """The record of this request's result; ``sampling`` holds the run's params plus the sample's seed."""
        provenance = {**self.provenance, "backend": backend, "thinkforge_version": __version__}
        if completion.error is not None:
            provenance["error"] = completion.error
        return Sample(
            problem_id=self.problem_id,
            model=self.model,
            index=self.index,
            text=completion.text,
            task=self.task,
            sampling={**self.sampling.to_dict(), "sample_seed": self.seed},
            messages=[dict(m) for m in self.messages],
            reasoning=completion.reasoning,
            finish_reason=completion.finish_reason,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            latency_s=completion.latency_s,
            provenance=provenance,
            key=self.key,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form (for shipping to Ray workers)."""
        data = dataclasses.asdict(self)
        data["sampling"] = self.sampling.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GenerationRequest":
        values = dict(data)
        values["sampling"] = SamplingParams.from_dict(values["sampling"])
        return cls(**values)


@runtime_checkable
class Backend(Protocol):
    """A text generator: ``generate`` yields groups of finished samples (a batch, or one request's samples)
    as they finish, so the caller can store each group with one durable append.

    Every request yields exactly one sample; one that failed for good comes back with
    ``finish_reason == "error"`` and the reason in ``provenance["error"]``.
    """

    name: str

    def generate(self, requests: Sequence[GenerationRequest]) -> Iterator[list[Sample]]: ...

    def close(self) -> None: ...


def error_completion(message: str, latency_s: float | None = None) -> Completion:
    """A completion that records a failure."""
    return Completion(text="", finish_reason="error", latency_s=latency_s, error=message)

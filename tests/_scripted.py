"""A real, deterministic backend for stage tests: it answers each (problem, index) with a scripted text.

It implements the same ``Backend`` protocol as hf/openai/vllm and goes through ``GenerationRequest.to_sample``,
so the generate stage, the run store and the graders are exercised unchanged — only the model is replaced by a
script (fast, and the test decides what the "model" wrote).
"""

from __future__ import annotations

from typing import Iterator, Mapping, Sequence

from thinkforge.backends.base import Completion, GenerationRequest
from thinkforge.records import Sample


class ScriptedBackend:
    """``texts[problem_id][index]`` is the response; ``default`` answers everything else."""

    name = "scripted"

    def __init__(self, texts: Mapping[str, Sequence[str]] | None = None, *, default: str = "",
                 finish: str = "stop", group_size: int = 2) -> None:
        self.texts = {k: list(v) for k, v in (texts or {}).items()}
        self.default = default
        self.finish = finish
        self.group_size = group_size
        self.calls = 0
        #: Requests answered (samples made), over all calls.
        self.requests = 0

    def text_for(self, request: GenerationRequest) -> str:
        options = self.texts.get(request.problem_id)
        if options and request.index < len(options):
            return options[request.index]
        return self.default

    def generate(self, requests: Sequence[GenerationRequest]) -> Iterator[list[Sample]]:
        for start in range(0, len(requests), self.group_size):
            group = requests[start : start + self.group_size]
            self.calls += 1
            self.requests += len(group)
            yield [
                r.to_sample(Completion(text=self.text_for(r), finish_reason=self.finish,  # type: ignore[arg-type]
                                       prompt_tokens=10, completion_tokens=len(self.text_for(r).split())), self.name)
                for r in group
            ]

    def close(self) -> None:
        pass

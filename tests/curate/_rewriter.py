"""A real reformatting backend for tests: rewrites each trace into Sky-T1's marker layout, faithfully or not."""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from thinkforge.backends.base import Completion, GenerationRequest
from thinkforge.curate.reformat import BEGIN_SOLUTION, END_SOLUTION
from thinkforge.records import Sample

_CONTENT = "Content to be converted: "


class Rewriter:
    """A real backend: rewrites each trace into the marker layout, faithfully or with the answer altered."""

    name = "rewriter"

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def generate(self, requests: Sequence[GenerationRequest]) -> Iterator[list[Sample]]:
        for request in requests:
            yield [request.to_sample(Completion(self._rewrite(request.messages[-1]["content"]), "stop"), self.name)]

    def close(self) -> None:
        pass

    def _rewrite(self, prompt: str) -> str:
        trace = prompt.split(_CONTENT, 1)[1]
        final = trace.strip().splitlines()[-1]
        if self.mode == "empty":
            return ""
        if self.mode == "no_markers":
            return trace
        if self.mode == "alter":
            final = re.sub(r"\\boxed\{([^}]*)\}", lambda m: "\\boxed{" + str(int(m.group(1)) + 1) + "}", final)
            final = final.replace("return ", "return -1 + ")
        if "```" in trace:
            final = trace[trace.index("```"):]
            if self.mode == "alter":
                final = final.replace("return ", "return -1 + ")
        return f"<|begin_of_thought|>\n\n{trace}\n\n<|end_of_thought|>\n\n{BEGIN_SOLUTION}\n\n{final}\n\n{END_SOLUTION}"


class EveryNthAltered(Rewriter):
    """Rewrites faithfully, except that it alters the answer of every ``n``-th trace it sees."""

    def __init__(self, n: int) -> None:
        super().__init__("faithful")
        self.n = n
        self.seen = 0

    def _rewrite(self, prompt: str) -> str:
        self.seen += 1
        self.mode = "alter" if self.seen % self.n == 0 else "faithful"
        return super()._rewrite(prompt)

"""Helpers shared by the generation tests (hand-made requests, the CLI command)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from thinkforge.backends.base import GenerationRequest, SamplingParams, sample_seed

QUESTIONS = [
    "What is 2+2?",
    "Name a colour.",
    "Write a haiku about the sea, please, using many long words",
    "Hi",
    "Which planet is the largest in the solar system? Answer briefly.",
    "Say yes.",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_requests(
    sampling: SamplingParams, n: int = 1, questions: list[str] | None = None, model: str = "m"
) -> list[GenerationRequest]:
    """Hand-made requests (no task registry involved): one per (question, index)."""
    out = []
    for i, q in enumerate(questions or QUESTIONS):
        for j in range(n):
            out.append(
                GenerationRequest(
                    key=f"q{i}-{j}",
                    problem_id=f"q{i}",
                    task="handmade",
                    model=model,
                    index=j,
                    messages=[{"role": "user", "content": q}],
                    sampling=sampling,
                    seed=sample_seed(sampling.seed, f"q{i}", j),
                )
            )
    return out


def thinkforge_cmd() -> list[str]:
    """The installed ``thinkforge`` console script next to this interpreter."""
    script = Path(sys.executable).with_name("thinkforge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "thinkforge.cli.main"]


def quiet_env() -> dict[str, str]:
    return {**os.environ, "TOKENIZERS_PARALLELISM": "false"}

"""Helpers shared by the generation tests (hand-made requests, the CLI command)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Sequence

import httpx
import pytest

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


@contextlib.contextmanager
def running_server(cmd: Sequence[str], url: str, timeout_s: float, log_path: Path) -> Iterator[str]:
    """Start an OpenAI-compatible server process, wait until ``url``/models answers, yield ``url``, stop it."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT, env=quiet_env())
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{cmd[0]} exited with {proc.returncode}:\n{log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not start in {timeout_s}s:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""The openai backend's token accounting with several choices per request (``n_mode="auto"``): the samples of
a run add up to exactly what the server reported, prompt tokens counted once per request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from _gen_helpers import make_requests

from thinkforge.backends.base import SamplingParams
from thinkforge.backends.openai import OpenAIBackend, OpenAIOptions, split_count

#: Answer texts of the fixed server, one per choice (different lengths: different token shares).
TEXTS = ["four", "4", "The answer is four.", ""]
USAGE = {"prompt_tokens": 1000, "completion_tokens": 400, "total_tokens": 1400}


class _FixedServer(BaseHTTPRequestHandler):
    """Answers every chat request with ``n`` choices (at most len(TEXTS)) and the fixed ``USAGE``."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        n = min(int(body.get("n", 1)), len(TEXTS))
        choices = [
            {"index": i, "message": {"role": "assistant", "content": TEXTS[i]}, "finish_reason": "stop"}
            for i in range(n)
        ]
        payload = json.dumps({"choices": choices, "usage": USAGE}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FixedServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def samples_of(url: str, n: int, n_mode: str) -> list:
    backend = OpenAIBackend("m", OpenAIOptions(base_url=url, n_mode=n_mode, max_retries=0))  # type: ignore[arg-type]
    requests = make_requests(SamplingParams(temperature=0.7), n=n, questions=["What is 2+2?"])
    return [s for group in backend.generate(requests) for s in group]


def test_n_choices_add_up_to_the_servers_usage(server_url: str) -> None:
    samples = samples_of(server_url, 4, "auto")
    assert len(samples) == 4 and all(s.finish_reason == "stop" for s in samples)
    assert sum(s.prompt_tokens for s in samples) == 1000  # once per request, not once per choice
    assert sum(s.completion_tokens for s in samples) == 400
    by_text = {s.text: s.completion_tokens for s in samples}
    assert by_text["The answer is four."] > by_text["four"] > by_text["4"] >= by_text[""]


def test_missing_choices_are_counted_with_their_own_requests(server_url: str) -> None:
    """6 samples, the server returns 4 choices: one request of 4 plus 2 single requests → 3 × the usage."""
    samples = samples_of(server_url, 6, "auto")
    assert len(samples) == 6
    assert sum(s.prompt_tokens for s in samples) == 3 * 1000
    assert sum(s.completion_tokens for s in samples) == 3 * 400


def test_one_choice_per_request_keeps_the_servers_counts(server_url: str) -> None:
    samples = samples_of(server_url, 2, "split")
    assert [(s.prompt_tokens, s.completion_tokens) for s in samples] == [(1000, 400), (1000, 400)]


@pytest.mark.parametrize(
    "total, weights, expected",
    [
        (1000, [1, 1, 1, 1], [250, 250, 250, 250]),
        (10, [1, 1, 1], [4, 3, 3]),  # the remainder goes to the first shares
        (400, [4, 1, 19, 0], [67, 17, 316, 0]),
        (7, [0, 0], [4, 3]),  # no weight at all: an even split
        (0, [3, 1], [0, 0]),
        (None, [3, 1], [None, None]),
        (5, [1], [5]),
    ],
)
def test_split_count(total: int | None, weights: list[int], expected: list[int | None]) -> None:
    assert split_count(total, weights) == expected

"""The ``openai`` backend: any OpenAI-compatible server (vLLM, SGLang, llama.cpp, hosted APIs).

Requests run on an asyncio loop in a helper thread, at most ``concurrency`` in flight, optionally spaced to a
requests-per-minute limit. 429, 408/409, 5xx, timeouts, dropped connections and unreadable bodies are
retried with exponential backoff and full jitter, honouring ``Retry-After``; other 4xx fail at once. Every
request ends as exactly one sample: answered, or ``finish_reason="error"`` after the retry budget.

``n``: with ``n_mode="split"`` (default) every sample is its own request with its own seed, so samples are
reproducible wherever the server honours ``seed``. With ``n_mode="auto"`` the samples of one problem go out
as one request with ``n=k`` (cheaper prompt processing); a server that ignores ``n`` returns fewer choices,
and the missing samples are requested one by one.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import queue
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator, Literal, Sequence

import httpx

from thinkforge.backends.base import Completion, GenerationRequest, error_completion
from thinkforge.defaults import BACKENDS
from thinkforge.errors import ConfigError
from thinkforge.runs.contract import invocation, setting
from thinkforge.records import Sample

log = logging.getLogger(__name__)

#: HTTP statuses that are worth retrying (plus every 5xx).
RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class OpenAIOptions:
    """Connection and robustness settings of the openai backend; fields declare whether they change a sample."""

    base_url: str = setting(BACKENDS.openai_base_url, flag="--base-url", help="server root, e.g. http://127.0.0.1:8000/v1")
    api_key_env: str = invocation(BACKENDS.openai_api_key_env, help="environment variable holding the API key")
    endpoint: Literal["chat", "completions"] = setting("chat", flag="--endpoint", help="which endpoint")
    concurrency: int = invocation(BACKENDS.openai_concurrency, flag="--concurrency", help="requests in flight")
    timeout_s: float = invocation(BACKENDS.openai_timeout_s, help="seconds before one HTTP request is retried")
    max_retries: int = invocation(BACKENDS.openai_max_retries, help="retries after the first attempt")
    backoff_base_s: float = invocation(BACKENDS.openai_backoff_base_s)
    backoff_max_s: float = invocation(BACKENDS.openai_backoff_max_s)
    retry_after_max_s: float = invocation(BACKENDS.openai_retry_after_max_s)
    rpm: float = invocation(BACKENDS.openai_rpm, flag="--rpm", help="requests-per-minute limit (0: none)")
    #: ``split``: one request per sample (own seed each); ``auto``: one request with ``n`` choices.
    n_mode: Literal["split", "auto"] = setting("split", help="split: a request per sample; auto: n choices per request")
    #: Tokenizer whose chat template renders prompts for the completions endpoint (default: the model).
    tokenizer: str | None = setting(None, help="tokenizer rendering prompts for the completions endpoint")


class RequestFailed(Exception):
    """A request that will not succeed (non-retryable status, or retries exhausted)."""


def backoff_delay(attempt: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(max, base * 2**attempt)]."""
    return rng.uniform(0.0, min(max_s, base_s * (2**attempt)))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _RateLimiter:
    """Spaces request starts at least ``60 / rpm`` seconds apart (no limit when rpm <= 0)."""

    def __init__(self, rpm: float) -> None:
        self.interval = 60.0 / rpm if rpm > 0 else 0.0
        self.next_start = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        if self.interval <= 0:
            return
        async with self.lock:
            now = time.monotonic()
            delay = self.next_start - now
            self.next_start = max(now, self.next_start) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


_DONE = object()


class OpenAIBackend:
    """Client of an OpenAI-compatible ``/chat/completions`` or ``/completions`` endpoint."""

    name = "openai"

    def __init__(self, model: str, options: OpenAIOptions = OpenAIOptions(), *, rng_seed: int | None = None) -> None:
        """``model`` is the name sent to the server."""
        if options.concurrency < 1:
            raise ConfigError(f"openai concurrency must be >= 1, got {options.concurrency}")
        self.model = model
        self.options = options
        self.rng = random.Random(rng_seed)
        self._tokenizer: Any = None
        #: Counters of this backend's lifetime: attempts, retries and final failures.
        self.stats = {"attempts": 0, "retries": 0, "failed": 0}

    # ------------------------------------------------------------------ public API
    def generate(self, requests: Sequence[GenerationRequest]) -> Iterator[list[Sample]]:
        """Send every request; yield each call's samples as it finishes while later ones are in flight."""
        calls = self._group(requests)
        out: queue.Queue[Any] = queue.Queue()
        state: dict[str, Any] = {}

        def run_loop() -> None:
            try:
                asyncio.run(self._run_all(calls, out.put, state))
            except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
                out.put(exc)
            finally:
                out.put(_DONE)

        thread = threading.Thread(target=run_loop, name="thinkforge-openai", daemon=True)
        thread.start()
        try:
            while True:
                item = out.get()
                if item is _DONE:
                    break
                if isinstance(item, asyncio.CancelledError):
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            loop, task = state.get("loop"), state.get("task")
            if thread.is_alive() and loop is not None and task is not None:
                loop.call_soon_threadsafe(task.cancel)
            thread.join()

    def close(self) -> None:
        self._tokenizer = None

    # ------------------------------------------------------------------ planning
    def _group(self, requests: Sequence[GenerationRequest]) -> list[list[GenerationRequest]]:
        """One call per request (``split``), or per problem + prompt + sampling (``auto``)."""
        if self.options.n_mode == "split":
            return [[r] for r in requests]
        groups: dict[Any, list[GenerationRequest]] = {}
        for r in requests:
            key = (r.problem_id, repr(r.messages), r.sampling)
            groups.setdefault(key, []).append(r)
        return [sorted(g, key=lambda r: r.index) for g in groups.values()]

    # ------------------------------------------------------------------ async machinery
    async def _run_all(self, calls: list[list[GenerationRequest]], emit: Any, state: dict[str, Any]) -> None:
        state["loop"] = asyncio.get_running_loop()
        state["task"] = asyncio.current_task()
        semaphore = asyncio.Semaphore(self.options.concurrency)
        limiter = _RateLimiter(self.options.rpm)
        limits = httpx.Limits(max_connections=self.options.concurrency, max_keepalive_connections=self.options.concurrency)
        async with httpx.AsyncClient(
            base_url=self.options.base_url.rstrip("/") + "/",
            headers=self._headers(),
            timeout=self.options.timeout_s,
            limits=limits,
        ) as client:

            async def one(group: list[GenerationRequest]) -> None:
                async with semaphore:
                    samples = await self._call(client, limiter, group)
                emit(samples)

            await asyncio.gather(*(one(g) for g in calls))

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.options.api_key_env, "")
        return {"Authorization": f"Bearer {key}"} if key else {}

    async def _call(
        self, client: httpx.AsyncClient, limiter: _RateLimiter, group: list[GenerationRequest]
    ) -> list[Sample]:
        """One HTTP request for ``group`` (n = len(group)); missing choices are fetched one by one."""
        first = group[0]
        path, body = self._body(first, n=len(group))
        start = time.perf_counter()
        try:
            data = await self._post(client, limiter, path, body)
        except RequestFailed as exc:
            self.stats["failed"] += len(group)
            log.warning("request for %s#%d failed: %s", first.problem_id, first.index, exc)
            return [r.to_sample(error_completion(str(exc), time.perf_counter() - start), self.name) for r in group]
        latency = time.perf_counter() - start
        choices = sorted(data.get("choices") or [], key=lambda c: c.get("index", 0))[: len(group)]
        samples = [
            request.to_sample(completion, self.name)
            for request, completion in zip(group, self._completions(choices, data.get("usage") or {}, latency))
        ]
        for request in group[len(choices) :]:
            samples.extend(await self._call(client, limiter, [request]))
        return samples

    def _body(self, request: GenerationRequest, n: int) -> tuple[str, dict[str, Any]]:
        sampling = request.sampling
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
            "seed": request.seed,
        }
        if sampling.stop:
            body["stop"] = list(sampling.stop)
        if n > 1:
            body["n"] = n
        if self.options.endpoint == "chat":
            body["messages"] = request.messages
            return "chat/completions", body
        body["prompt"] = self._render(request.messages)
        return "completions", body

    def _render(self, messages: list[dict[str, Any]]) -> str:
        """Chat-template the messages for the completions endpoint with the model's own tokenizer."""
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            from thinkforge.models import resolve

            self._tokenizer = AutoTokenizer.from_pretrained(resolve(self.options.tokenizer or self.model))
        return str(self._tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False))

    async def _post(
        self, client: httpx.AsyncClient, limiter: _RateLimiter, path: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """POST with retries; returns the parsed JSON answer or raises :class:`RequestFailed`."""
        opts = self.options
        last = "no attempt made"
        for attempt in range(opts.max_retries + 1):
            await limiter.wait()
            self.stats["attempts"] += 1
            delay = backoff_delay(attempt, opts.backoff_base_s, opts.backoff_max_s, self.rng)
            try:
                response = await client.post(path, json=body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                status = response.status_code
                if status == 200:
                    try:
                        data = response.json()
                    except ValueError:
                        last = "unreadable JSON body"
                    else:
                        if isinstance(data, dict) and data.get("choices"):
                            return data
                        last = f"answer without choices: {str(data)[:200]}"
                elif status in RETRY_STATUSES or status >= 500:
                    last = f"HTTP {status}: {response.text[:200]}"
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                    if retry_after is not None:
                        delay = min(retry_after, opts.retry_after_max_s)
                else:
                    raise RequestFailed(f"HTTP {status}: {response.text[:300]}")
            if attempt == opts.max_retries:
                break
            self.stats["retries"] += 1
            log.debug("retrying in %.2fs after: %s", delay, last)
            await asyncio.sleep(delay)
        raise RequestFailed(f"gave up after {opts.max_retries + 1} attempts; last error: {last}")

    def _completions(self, choices: list[dict[str, Any]], usage: dict[str, Any], latency: float) -> list[Completion]:
        """One completion per choice; the request's usage is shared out so that the samples add up to it.

        Prompt tokens were processed once for the request: they are split evenly over its choices. The server
        reports only the total of completion tokens: it is split in proportion to each choice's characters.
        """
        texts = [self._text(choice) for choice in choices]
        prompt = split_count(usage.get("prompt_tokens"), [1] * len(choices))
        completion = split_count(usage.get("completion_tokens"), [len(t) + len(r or "") for t, r in texts])
        return [
            Completion(
                text=text,
                finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
                prompt_tokens=p,
                completion_tokens=c,
                latency_s=latency,
                reasoning=reasoning,
            )
            for choice, (text, reasoning), p, c in zip(choices, texts, prompt, completion)
        ]

    def _text(self, choice: dict[str, Any]) -> tuple[str, str | None]:
        """A choice's answer text and reasoning (the chat endpoint's ``reasoning_content``), if any."""
        if self.options.endpoint != "chat":
            return choice.get("text") or "", None
        message = choice.get("message") or {}
        return message.get("content") or "", message.get("reasoning_content") or message.get("reasoning")


def split_count(total: int | None, weights: Sequence[int]) -> list[int | None]:
    """``total`` shared out in proportion to ``weights`` (evenly when all are 0), in integers that sum to it.

    Largest remainders get the leftover units, earlier shares first on ties.
    """
    if total is None:
        return [None] * len(weights)
    if sum(weights) <= 0:
        weights = [1] * len(weights)
    whole = sum(weights)
    parts = [divmod(total * w, whole) for w in weights]
    shares = [q for q, _ in parts]
    by_remainder = sorted(range(len(parts)), key=lambda i: (-parts[i][1], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return list(shares)

"""A small fault-injecting HTTP proxy for the openai backend's tests (real sockets, real upstream server).

Each request body is identified by its hash; attempt ``k`` of a body gets ``plan(body_hash, k)``:
``ok`` (forward upstream, relay the answer), ``429`` (with ``Retry-After``), ``500``, ``drop`` (close the
connection without answering) or ``slow`` (wait longer than the client's timeout, then forward).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import httpx

Plan = Callable[[str, int], str]


@dataclass
class Log:
    """What the proxy saw: per body hash, the (time, fault) of each attempt."""

    attempts: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    forwarded: int = 0


class FaultProxy:
    """Runs on its own event loop thread; ``url`` is its /v1 root."""

    def __init__(self, upstream: str, plan: Plan, *, retry_after_s: int = 1, slow_s: float = 3.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.plan = plan
        self.retry_after_s = retry_after_s
        self.slow_s = slow_s
        self.log = Log()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _shutdown(self) -> None:
        self._server.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self._client.aclose()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._client = httpx.AsyncClient(timeout=120)
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if not await self._answer(method, path, body, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _answer(self, method: str, path: str, body: bytes, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection must be dropped."""
        digest = body_hash(body)
        with self._lock:
            attempts = self.log.attempts.setdefault(digest, [])
            fault = self.plan(digest, len(attempts))
            attempts.append((time.monotonic(), fault))
        if fault == "drop":
            return False
        if fault == "429":
            self._write(writer, 429, b'{"error":"rate limited"}', {"Retry-After": str(self.retry_after_s)})
        elif fault == "500":
            self._write(writer, 500, b'{"error":"injected"}', {})
        else:
            if fault == "slow":
                await asyncio.sleep(self.slow_s)
            upstream = await self._client.request(
                method, self.upstream + path.removeprefix("/v1"), content=body, headers={"content-type": "application/json"}
            )
            with self._lock:
                self.log.forwarded += 1
            self._write(writer, upstream.status_code, upstream.content, {})
        await writer.drain()
        return True

    @staticmethod
    def _write(writer: asyncio.StreamWriter, status: int, payload: bytes, headers: dict[str, str]) -> None:
        lines = [f"HTTP/1.1 {status} X", "Content-Type: application/json", f"Content-Length: {len(payload)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)


def body_hash(body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True)
    except ValueError:
        canonical = body.decode("latin-1")
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def rotating_faults(faults: list[str], faulty_attempts: int) -> Plan:
    """The first ``faulty_attempts`` attempts of a body get faults (rotated by its hash), later ones succeed."""

    def plan(digest: str, attempt: int) -> str:
        if attempt >= faulty_attempts:
            return "ok"
        return faults[(int(digest, 16) + attempt) % len(faults)]

    return plan


def always(fault: str) -> Plan:
    return lambda digest, attempt: fault

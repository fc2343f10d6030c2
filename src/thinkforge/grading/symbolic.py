"""Symbolic equivalence on Math-Verify, run in worker processes with a hard, thread-safe deadline.

Why processes: sympy can run for minutes (or forever) on adversarial input, and a thread cannot be
stopped. Math-Verify's own timeout uses ``signal.alarm``, which only works in the main thread of the main
interpreter, so it is switched off here (``parsing_timeout=None``, ``timeout_seconds=None``). Instead
each comparison is sent over a pipe to a small, lazily started worker subprocess; the caller waits on
the pipe with ``poll`` until the deadline and, if the worker has not answered, kills it (SIGKILL) and
reports a timeout. A fresh worker replaces it on the next call. This works from any thread, inside
process pools and inside Ray workers, and a timeout is a result, never a hang or a crash.

Workers are plain subprocesses (``python -m thinkforge.grading._worker``), not ``multiprocessing``
children, so they can be started from daemonic pool processes too. A worker exits when its stdin closes,
so workers never outlive their parent.
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from thinkforge.defaults import GRADING

log = logging.getLogger(__name__)

Outcome = Literal["equal", "different", "timeout", "error"]


@dataclass(frozen=True)
class SymbolicResult:
    """The outcome of one symbolic comparison and what Math-Verify parsed on each side."""

    outcome: Outcome
    gold_parsed: str | None = None
    pred_parsed: str | None = None
    message: str = ""


# ---------------------------------------------------------------- in the worker process


@lru_cache(maxsize=4096)
def _parse(answer: str) -> tuple[Any, ...]:
    """Parse one already-extracted answer with Math-Verify (no signal-based timeout)."""
    from latex2sympy2_extended.latex2sympy2 import NormalizationConfig
    from math_verify import LatexExtractionConfig, parse

    text = " ".join(answer.split("\n"))
    # Math-Verify's defaults, except units: its list holds m, s, t, c, … and so drops variables ("6m" -> 6);
    # units were already removed by ``normalize.strip_unit``.
    normalization = NormalizationConfig(
        basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="all", equations=False
    )
    return tuple(
        parse(
            f"$${text}$$",
            extraction_config=(LatexExtractionConfig(boxed_match_priority=0, normalization_config=normalization),),
            parsing_timeout=None,  # type: ignore[arg-type]
        )
    )


def compare_in_process(gold: str, pred: str, float_rounding: int = GRADING.float_rounding) -> SymbolicResult:
    """Compare two extracted answers with Math-Verify in this process, with no timeout (worker side)."""
    from math_verify import verify

    gold_parsed = _parse(gold)
    pred_parsed = _parse(pred)
    if not gold_parsed or not pred_parsed:
        return SymbolicResult("different", _show(gold_parsed), _show(pred_parsed), "unparsable")
    equal = verify(
        list(gold_parsed),
        list(pred_parsed),
        float_rounding=float_rounding,
        allow_set_relation_comp=True,  # an interval answers an inequality gold and the other way round
        timeout_seconds=None,  # type: ignore[arg-type]
    )
    return SymbolicResult("equal" if equal else "different", _show(gold_parsed), _show(pred_parsed))


def _show(parsed: tuple[Any, ...]) -> str | None:
    return str(parsed[0]) if parsed else None


def silence_math_verify() -> None:
    """Mark Math-Verify's "timeout disabled" warnings as shown: we enforce the deadline ourselves."""
    import math_verify.grader
    import math_verify.parser

    math_verify.grader.TIMEOUT_WARNING_SHOWN = True
    math_verify.parser.TIMEOUT_WARNING_SHOWN = True


# ---------------------------------------------------------------- in the calling process


class WorkerTimeout(Exception):
    """The worker did not answer before the deadline."""


class WorkerDied(Exception):
    """The worker exited or wrote something unreadable."""


class _Worker:
    """One worker subprocess speaking JSON lines over stdin/stdout."""

    def __init__(self, start_timeout_s: float, memory_mb: int) -> None:
        src = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "thinkforge.grading._worker", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        self._buffer = b""
        try:
            ready = self._read_line(time.monotonic() + start_timeout_s)
            if ready.get("ready") is not True:
                raise WorkerDied(f"unexpected greeting from symbolic worker: {ready!r}")
        except BaseException:
            self.kill()
            raise

    def call(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(str(exc)) from None
        return self._read_line(time.monotonic() + timeout_s)

    def _read_line(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        poller = select.poll()  # not select(): it fails on descriptors >= 1024, common in a busy server
        poller.register(fd, select.POLLIN)
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimeout()
            if not poller.poll(max(1, math.ceil(remaining * 1000))):
                raise WorkerTimeout()
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise WorkerDied(f"symbolic worker exited with code {self.proc.poll()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except json.JSONDecodeError as exc:
            raise WorkerDied(f"unreadable reply from symbolic worker: {exc}") from None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self.proc.wait()


@dataclass
class SymbolicPool:
    """A thread-safe pool of worker subprocesses, grown lazily up to ``max_workers``."""

    max_workers: int = GRADING.max_symbolic_workers
    start_timeout_s: float = GRADING.worker_start_timeout_s
    memory_mb: int = GRADING.worker_memory_mb
    _idle: list[_Worker] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _slots: threading.BoundedSemaphore | None = None
    _closed: bool = False

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_workers)

    def compare(self, gold: str, pred: str, *, timeout_s: float, float_rounding: int) -> SymbolicResult:
        """Compare two extracted answers within ``timeout_s`` seconds of sympy time."""
        assert self._slots is not None
        with self._slots:
            try:
                worker = self._take()
            except (WorkerDied, WorkerTimeout, OSError) as exc:
                return SymbolicResult("error", message=f"could not start symbolic worker: {exc}")
            request = {"gold": gold, "pred": pred, "float_rounding": float_rounding}
            try:
                reply = worker.call(request, timeout_s)
            except WorkerTimeout:
                worker.kill()
                return SymbolicResult("timeout", message=f"no result within {timeout_s:g} s")
            except WorkerDied as exc:
                worker.kill()
                return SymbolicResult("error", message=str(exc))
            self._give_back(worker)
        if "error" in reply:
            return SymbolicResult("error", message=str(reply["error"]))
        return SymbolicResult(reply["outcome"], reply.get("gold_parsed"), reply.get("pred_parsed"))

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.proc.poll() is None:
                    return worker
                worker.kill()
        return _Worker(self.start_timeout_s, self.memory_mb)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.kill()
            else:
                self._idle.append(worker)

    def close(self) -> None:
        """Stop every idle worker (busy ones stop when their caller returns them)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_pool: SymbolicPool | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def pool() -> SymbolicPool:
    """This process's symbolic pool (a forked child gets its own, never its parent's workers)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = SymbolicPool()
            _pool_pid = os.getpid()
        return _pool


def _close_pool() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()


atexit.register(_close_pool)


def compare(gold: str, pred: str, *, timeout_s: float, float_rounding: int = GRADING.float_rounding) -> SymbolicResult:
    """Symbolically compare two extracted answers in a worker process with a hard deadline."""
    return pool().compare(gold, pred, timeout_s=timeout_s, float_rounding=float_rounding)

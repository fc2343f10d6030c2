"""A pool of warm, isolated fork-servers: each execution is one fork of an already sandboxed interpreter."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import queue
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Iterator, Sequence

from thinkforge.defaults import SANDBOX, SandboxDefaults
from thinkforge.errors import ThinkforgeError
from thinkforge.sandbox.types import LayerReport, Limits, Program, Referee, RunResult

log = logging.getLogger(__name__)

#: Bytes asked for by one read of a server's answer (a pipe's default capacity).
_READ_CHUNK = 65536
#: Extra seconds the client waits for a server's answer beyond the execution's own timeout.
_ANSWER_GRACE_S = 15.0
#: The fork-server's launcher: it imports only the standard library (a small process forks fast).
_SERVER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_server_start.py")
#: The server's environment (cleared again inside): symbols bound at start-up, so that forked children do not
#: each resolve (and write) the same dynamic-linker entries again.
_SERVER_ENV = {"LD_BIND_NOW": "1"}
_warned = threading.Event()
_uid_lock = threading.Lock()
_uid_next = [0]


class SandboxUnavailableError(ThinkforgeError):
    """The sandbox cannot provide the requested isolation (``strict`` mode) or cannot start at all."""


def _python_paths() -> list[str]:
    """Host paths the sandboxed interpreter needs: the base installation and the virtualenv."""
    paths = []
    for p in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
              os.path.dirname(os.path.realpath(sys.executable))):
        p = os.path.realpath(p)
        if p not in paths and p != "/" and not any(p.startswith(q + "/") for q in paths):
            paths.append(p)
    return paths


def _next_uid(defaults: SandboxDefaults) -> int:
    """A uid for one worker: spread by the client's pid so concurrent pools rarely share one."""
    with _uid_lock:
        n = _uid_next[0]
        _uid_next[0] += 1
    return defaults.uid_base + (os.getpid() * 7 + n) % defaults.uid_span


class _Server:
    """One fork-server process and its pipe protocol."""

    def __init__(self, defaults: SandboxDefaults, namespaces: bool) -> None:
        self.fallback_dir = tempfile.mkdtemp(prefix="thinkforge-sandbox-")
        self.uid = _next_uid(defaults)
        self.referee_uid = _next_uid(defaults)
        while self.referee_uid == self.uid:
            self.referee_uid = _next_uid(defaults)
        cfg = {
            "uid": self.uid,
            "referee_uid": self.referee_uid,
            "referee_jobs": defaults.referee_jobs,
            "referee_growth_mb": defaults.referee_growth_mb,
            "tmpfs_mb": defaults.tmpfs_mb,
            "stdin_max_mb": defaults.stdin_max_mb,
            "ro_paths": [*defaults.ro_paths, *_python_paths()],
            "preload": list(defaults.preload_modules),
            "code_cache_entries": defaults.code_cache_entries,
            "namespaces": namespaces,
            "fallback_work_root": self.fallback_dir,
        }
        self.known: set[str] = set()  # digests of the trusted texts this server holds (sent once)
        self.proc = subprocess.Popen(
            [sys.executable, "-I", _SERVER_SCRIPT, json.dumps(cfg)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_SERVER_ENV, cwd="/", close_fds=True,
            start_new_session=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.w = self.proc.stdin.fileno()
        self.r = self.proc.stdout.fileno()
        # poll, not select: select() fails on descriptors >= 1024, common in a busy process.
        self._poller = select.poll()
        self._poller.register(self.r, select.POLLIN)
        self._pending = bytearray()  # read from the server, not yet taken
        ready = self._recv(defaults.start_timeout_s)
        if ready is None or not ready.get("ready"):
            self.close()
            detail = (ready or {}).get("error", "no answer")
            raise SandboxUnavailableError(f"the sandbox server did not start: {detail}")
        self.layers = LayerReport.from_server(ready["layers"])

    def _recv(self, timeout: float) -> dict[str, Any] | None:
        head = self._read(4, timeout)
        if head is None:
            return None
        body = self._read(struct.unpack(">I", head)[0], timeout)
        if body is None:
            return None
        answer = json.loads(body)
        size = answer.get("referee_output_bytes") if isinstance(answer, dict) else None
        if size is not None:  # a referee's report follows the answer raw
            report = self._read(int(size), timeout)
            if report is None:
                return None
            answer["referee_output"] = report.decode("utf-8", "replace")
        return answer

    def _read(self, n: int, timeout: float) -> bytes | None:
        """``n`` bytes from the server, or None when it closed its end or ``timeout`` seconds passed. Reads take
        what the pipe holds (an answer's head, body and report usually arrive in one read); the rest waits in
        ``self._pending`` for the next call."""
        deadline = time.monotonic() + timeout
        buf = self._pending
        while len(buf) < n:
            left_ms = max(0.0, deadline - time.monotonic()) * 1000
            if not self._poller.poll(left_ms):
                return None
            chunk = os.read(self.r, max(n - len(buf), _READ_CHUNK))
            if not chunk:
                return None
            buf += chunk
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def request(self, req: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send one request; return the answer, or None when the server died or hung (it is then closed).
        Trusted texts the server already holds travel as their digest only."""
        sent = self._texts_left_out(req)
        answer = self._exchange(sent, timeout)
        if answer is not None and answer.get("unknown_text"):  # the server dropped one: send everything
            self.known.clear()
            answer = self._exchange(req, timeout)
        if answer is not None:
            self.known.update(d for d in (req.get("code_digest"), (req.get("referee") or {}).get("digest")) if d)
        return answer

    def _texts_left_out(self, req: dict[str, Any]) -> dict[str, Any]:
        out = req
        if req.get("code_digest") in self.known:
            out = dict(out, code=None)
        referee = req.get("referee")
        if referee and referee.get("digest") in self.known:
            out = dict(out, referee=dict(referee, code=None))
        return out

    def _exchange(self, req: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        job = None
        if req.get("referee"):  # the referee's job text travels after the request, raw (never parsed there)
            job = req["referee"]["input"].encode("utf-8", "surrogateescape")
            req = dict(req, referee={**req["referee"], "input": None, "input_bytes": len(job)})
        data = json.dumps(req).encode()
        data = struct.pack(">I", len(data)) + data + (job or b"")  # one write: the server wakes once per request
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.w, view):]
        except OSError:
            self.close()
            return None
        answer = self._recv(timeout)
        if answer is None:
            self.close()
        return answer

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """Stop the server: closing its input ends it; a kill takes its whole pid namespace down."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        import shutil

        shutil.rmtree(self.fallback_dir, ignore_errors=True)


class SandboxPool:
    """N warm fork-servers (default: one per core); thread-safe ``run`` and order-preserving ``map``.

    Each server isolates itself once (namespaces, read-only root, private tmpfs); each execution is a fork
    confined further (uid drop, rlimits, no_new_privs, seccomp, memory/process watchdog). Missing layers
    give one warning; ``strict=True`` raises :class:`SandboxUnavailableError` instead.
    """

    def __init__(self, workers: int | None = None, *, limits: Limits | None = None, strict: bool = False,
                 defaults: SandboxDefaults = SANDBOX, namespaces: bool = True) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.limits = limits or Limits.from_defaults(defaults)
        self.strict = strict
        self.defaults = defaults
        self.namespaces = namespaces
        #: Free servers; None once the pool cannot serve any more (closed, or no server could be restarted).
        self._idle: queue.Queue[_Server | None] = queue.Queue()
        self._down = "this sandbox pool is closed"
        self._servers: list[_Server] = []
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.layers: LayerReport | None = None

    # -- lifecycle --
    def start(self) -> "SandboxPool":
        """Start every server now (otherwise the first ``run`` does)."""
        with self._lock:
            if self._closed:
                raise SandboxUnavailableError("this sandbox pool is closed")
            if self._started:
                return self
            with ThreadPoolExecutor(self.workers) as ex:
                servers = list(ex.map(lambda _: self._spawn(), range(self.workers)))
            self._servers = servers
            for server in servers:
                self._idle.put(server)
            self._started = True
        return self

    def _spawn(self) -> _Server:
        server = _Server(self.defaults, self.namespaces)
        self._check_layers(server.layers)
        return server

    def _check_layers(self, layers: LayerReport) -> None:
        self.layers = layers
        degraded = layers.degraded
        if not degraded:
            return
        summary = "; ".join(f"{k}: {v}" for k, v in degraded.items())
        if self.strict:
            raise SandboxUnavailableError(f"strict sandbox refused to run, missing layers: {summary}")
        if not _warned.is_set():
            _warned.set()
            log.warning("sandbox is degraded (run 'thinkforge sandbox check'): %s", summary)

    def close(self) -> None:
        """Stop every server (and every process still inside them)."""
        with self._lock:
            self._closed = True
            for server in self._servers:
                server.close()
            self._servers = []
            self._idle.put(None)  # wakes every caller still waiting for a server

    def __enter__(self) -> "SandboxPool":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def uids(self) -> list[int]:
        """The unprivileged uids of the running servers: each worker's execution uid and referee uid."""
        with self._lock:
            return [uid for s in self._servers for uid in (s.uid, s.referee_uid)]

    # -- execution --
    def run(self, program: Program | str, stdin: str = "", *, args: Sequence[str] = (),
            limits: Limits | None = None, env: dict[str, str] | None = None, referee: Referee | None = None,
            referee_input: str = "") -> RunResult:
        """Execute one program and return its result (never raises for the program's own faults).

        With a ``referee``, the execution is one job of that trusted program (see :class:`Referee`): it gets
        ``referee_input``, talks to the program over fds 4 and 5, and its report is ``referee_output``."""
        if not self._started:
            self.start()
        if isinstance(program, str):
            program = Program(source=program)
        limits = limits or self.limits
        req = _request(program, stdin, args, limits, env)
        if referee is not None:
            req["referee"] = {"code": referee.source, "digest": _digest(referee.source), "filename": referee.filename,
                              "args": list(referee.args), "input": referee_input, "grace_s": referee.grace_s}
        server = self._take()
        try:
            answer = server.request(req, limits.timeout_s + _ANSWER_GRACE_S)
        finally:
            if server.alive:
                self._idle.put(server)
            else:
                self._replace(server)
        if answer is None:
            return RunResult.sandbox_error("the sandbox server died or stopped answering; it was restarted")
        return RunResult.from_server(answer)

    def _take(self) -> _Server:
        """A free server: waits at most ``server_wait_s``; raises when the pool can no longer serve."""
        wait_s = self.defaults.server_wait_s
        try:
            server = self._idle.get(timeout=wait_s)
        except queue.Empty:
            raise SandboxUnavailableError(
                f"no sandbox server became free within {wait_s:g} s ({len(self._servers)} running, all busy); "
                "use fewer concurrent callers or more workers"
            ) from None
        if server is None:
            self._idle.put(None)  # for the next waiter
            raise SandboxUnavailableError(self._down)
        return server

    def _replace(self, dead: _Server) -> None:
        with self._lock:
            dead.close()
            if self._closed:
                return
            try:
                fresh = self._spawn()
            except SandboxUnavailableError as exc:
                log.error("could not restart a sandbox server: %s", exc)
                self._servers = [s for s in self._servers if s is not dead]
                if not self._servers:
                    self._down = f"no sandbox server is left: the last one died and could not be restarted ({exc})"
                    self._idle.put(None)
                    raise SandboxUnavailableError(self._down) from exc
                return
            self._servers = [fresh if s is dead else s for s in self._servers]
            self._idle.put(fresh)

    def map(self, jobs: Iterable[tuple[Program | str, str]], *, limits: Limits | None = None) -> Iterator[RunResult]:
        """Run ``(program, stdin)`` jobs on all workers; results in input order."""
        if not self._started:
            self.start()
        with ThreadPoolExecutor(self.workers) as ex:
            yield from ex.map(lambda job: self.run(job[0], job[1], limits=limits), jobs)


def _request(program: Program, stdin: str, args: Sequence[str], limits: Limits,
             env: dict[str, str] | None) -> dict[str, Any]:
    if program.language == "python" and not program.argv:
        mode = "python"
    elif program.argv:
        mode = "exec"
    else:
        raise ThinkforgeError(f"no way to run a {program.language!r} program: give Program.argv")
    return {
        "mode": mode,
        "code": program.source,
        "filename": program.filename,
        "argv": list(program.argv),
        # bytes travel as text decoded with surrogateescape: the server's encoding gives back the same bytes
        "files": {name: data if isinstance(data, str) else bytes(data).decode("utf-8", "surrogateescape")
                  for name, data in program.files.items()},
        "args": list(args),
        "stdin": stdin,
        "env": env or {},
        "precompile": program.trusted_precompile and mode == "python",
        "code_digest": _digest(program.source) if program.trusted_precompile and mode == "python" else None,
        "entry": program.trusted_entry if program.trusted_precompile and mode == "python" else None,
        "limits": _limits_dict(limits),
    }


@functools.lru_cache(maxsize=32)
def _digest(text: str) -> str:
    """A trusted text's name in the server's text cache (cached: the same few texts are sent again and again)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=64)
def _limits_dict(limits: Limits) -> dict[str, Any]:
    """The wire form of ``limits`` (cached: most executions share a handful of limit sets; never mutated)."""
    return dataclasses.asdict(limits)


def check_layers(defaults: SandboxDefaults = SANDBOX, namespaces: bool = True) -> LayerReport:
    """Start one server, report which isolation layers are active, and stop it."""
    server = _Server(defaults, namespaces)
    try:
        return server.layers
    finally:
        server.close()


def run_program(program: Program | str, stdin: str = "", *, limits: Limits | None = None,
                strict: bool = False, args: Sequence[str] = ()) -> RunResult:
    """Run one program in a one-off sandbox (a pool of one server, started and stopped here)."""
    with SandboxPool(1, limits=limits, strict=strict) as pool:
        return pool.run(program, stdin, args=args)

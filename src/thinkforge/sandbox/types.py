"""Value types of the sandbox: limits, a program to run, the result of one execution, the layer report."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from thinkforge.defaults import SANDBOX, SandboxDefaults

RunStatus = Literal["ok", "runtime_error", "timeout", "memory", "output_limit", "killed", "sandbox_error"]

#: Every isolation layer the sandbox reports on, in display order.
LAYERS: tuple[str, ...] = (
    "pid_namespace", "net_namespace", "mount_namespace", "ipc_uts_namespace", "user_namespace",
    "readonly_root_private_tmp", "uid_drop", "no_new_privs", "seccomp", "rlimits", "memory_process_watchdog",
    "cgroup", "clean_environment",
)
#: Layers whose absence is expected and harmless (a user namespace is only needed when not root; the
#: watchdog stands in for a cgroup).
OPTIONAL_LAYERS: frozenset[str] = frozenset({"user_namespace", "cgroup"})


@dataclass(frozen=True)
class Limits:
    """Resource limits of one execution (defaults: :class:`thinkforge.defaults.SandboxDefaults`)."""

    timeout_s: float = SANDBOX.timeout_s
    cpu_s: float = SANDBOX.cpu_s
    memory_mb: int = SANDBOX.memory_mb
    max_processes: int = SANDBOX.max_processes
    max_output_bytes: int = SANDBOX.max_output_bytes
    max_file_mb: int = SANDBOX.max_file_mb
    max_open_files: int = SANDBOX.max_open_files
    watchdog_interval_s: float = SANDBOX.watchdog_interval_s

    @classmethod
    def from_defaults(cls, defaults: SandboxDefaults) -> "Limits":
        """Limits taken from a (possibly overridden) :class:`SandboxDefaults`."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in dataclasses.asdict(defaults).items() if k in names})


@dataclass(frozen=True)
class Program:
    """What to run: Python source (forked from a warm interpreter) or an argv executed inside the sandbox.

    ``language="python"`` runs ``source`` in a forked, already isolated interpreter (fast path). Any other
    use gives ``argv`` (e.g. ``["/usr/bin/python3", "main.py"]``) plus ``files`` written to the work dir,
    and the sandbox executes it after the same confinement (the path other languages follow).
    """

    source: str = ""
    language: str = "python"
    argv: tuple[str, ...] = ()
    #: Files written to the work dir before the program starts: text (UTF-8) or bytes, written as they are.
    files: dict[str, str | bytes] = field(default_factory=dict)
    filename: str = "main.py"
    #: Compile ``source`` once in the fork-server and reuse the code object in later executions. Only for
    #: *trusted* Python run many times (a test harness): compiling happens outside the sandbox's limits, so
    #: untrusted code is always compiled inside the confined child.
    trusted_precompile: bool = False
    #: With ``trusted_precompile``: the name of a function the program defines. The server then runs the
    #: program's top level once, in itself (imports and definitions; it must have no other effect), and each
    #: execution, a fork of the server, starts by calling that function of the prepared module instead of
    #: running the top level again (a zygote). Trusted code only: its top level runs outside the sandbox's limits.
    trusted_entry: str | None = None


@dataclass(frozen=True)
class Referee:
    """A trusted program that checks an execution from outside it (the judge's test referee).

    The fork-server starts it once, confined like an execution (rlimits, no_new_privs, seccomp, non-dumpable)
    but under a uid of its own, and keeps it between executions where the pool can guarantee that no process of
    an execution can reach it (a dropped uid and a private pid namespace); elsewhere it is started afresh for
    each execution. Each execution with a referee is one *job*: the referee reads, on fd 3 (an AF_UNIX stream
    socket), a 12-byte header (``>IQ``: body length, job number) carrying two descriptors (``SCM_RIGHTS``: the
    write end of a pipe the program reads as fd 4, the read end of a pipe it writes as fd 5), then the job text;
    it answers with the same kind of header (the report's length, the job's number) and its report, which becomes
    ``RunResult.referee_output``; a report naming another job is refused. The execution ends when the report is
    complete; every process of the execution is then killed, the referee is not. Neither the job text nor the
    report is ever parsed or copied by the fork-server (they are read into buffers that are overwritten before the
    next fork), so no program holds another's tests or results, or its own tests, in its memory.
    Only trusted code may be a referee: it outlives the executions it judges.
    """

    source: str
    filename: str = "referee.py"
    args: tuple[str, ...] = ()
    #: Seconds the referee may take to finish its report once its execution was stopped (timeout, memory).
    grace_s: float = 1.0


@dataclass(frozen=True)
class RunResult:
    """Outcome of one execution."""

    status: RunStatus
    exit_code: int | None
    signal: int | None
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float
    peak_memory_mb: float
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    error: str | None = None
    #: The referee's report (executions run with a :class:`Referee`); None when it gave none.
    referee_output: str | None = None

    @property
    def ok(self) -> bool:
        """True when the program exited with status 0 within every limit."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types."""
        return dataclasses.asdict(self)

    @classmethod
    def from_server(cls, data: dict[str, Any]) -> "RunResult":
        """Build from a fork-server response (fields the server did not send get neutral values)."""
        return cls(
            status=data.get("status", "sandbox_error"),
            exit_code=data.get("exit_code"),
            signal=data.get("signal"),
            stdout=data.get("stdout", ""),
            stderr=data.get("stderr", ""),
            wall_s=float(data.get("wall_s", 0.0)),
            cpu_s=float(data.get("cpu_s", 0.0)),
            peak_memory_mb=float(data.get("peak_memory_mb", 0.0)),
            stdout_truncated=bool(data.get("stdout_truncated", False)),
            stderr_truncated=bool(data.get("stderr_truncated", False)),
            error=data.get("error"),
            referee_output=data.get("referee_output"),
        )

    @classmethod
    def sandbox_error(cls, message: str) -> "RunResult":
        """A result for an execution the sandbox itself could not carry out."""
        return cls("sandbox_error", None, None, "", "", 0.0, 0.0, 0.0, error=message)


@dataclass(frozen=True)
class LayerReport:
    """Which isolation layers are active; ``missing`` maps a layer to why it is not."""

    active: tuple[str, ...]
    missing: dict[str, str]

    @property
    def degraded(self) -> dict[str, str]:
        """Missing layers that weaken isolation (optional ones excluded)."""
        return {k: v for k, v in self.missing.items() if k not in OPTIONAL_LAYERS}

    @classmethod
    def from_server(cls, layers: dict[str, str | None]) -> "LayerReport":
        """Build from the server's ready report (None = active)."""
        order = [name for name in LAYERS if name in layers] + sorted(set(layers) - set(LAYERS))
        return cls(
            active=tuple(name for name in order if layers[name] is None),
            missing={name: str(layers[name]) for name in order if layers[name] is not None},
        )

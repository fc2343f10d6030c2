"""Isolated execution of untrusted programs; knows nothing about benchmarks.

``SandboxPool`` keeps warm fork-servers, each isolated once (pid/net/mount/ipc/uts namespaces, a read-only
root with private size-limited tmpfs); every execution is a fork further confined by a uid drop, rlimits,
no_new_privs, a seccomp filter and a memory/process watchdog over its pid namespace. ``check_layers`` reports
what is active on this host.
"""

from thinkforge.sandbox.pool import SandboxPool, SandboxUnavailableError, check_layers, run_program
from thinkforge.sandbox.types import LAYERS, LayerReport, Limits, Program, Referee, RunResult

__all__ = [
    "LAYERS", "LayerReport", "Limits", "Program", "Referee", "RunResult", "SandboxPool", "SandboxUnavailableError",
    "check_layers", "run_program",
]

"""SandboxPool under stress: descriptors past 1024, a busy pool, a server that cannot be restarted."""

from __future__ import annotations

import dataclasses
import os
import resource
import sys
import threading
import time

import pytest

from thinkforge.defaults import SANDBOX
from thinkforge.sandbox import Limits, SandboxPool
from thinkforge.sandbox.pool import SandboxUnavailableError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox is Linux-only")

LIMITS = Limits(timeout_s=5.0, cpu_s=5.0, memory_mb=512)


def test_a_pool_works_when_its_pipes_are_past_descriptor_1024() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1400
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    held: list[int] = []
    try:
        while not held or held[-1] < 1100:
            held.append(os.open(os.devnull, os.O_RDONLY))
        with SandboxPool(1, limits=LIMITS) as pool:
            assert min(pool._servers[0].r, pool._servers[0].w) > 1024  # the case under test
            result = pool.run("print(6 * 7)")
        assert (result.status, result.stdout) == ("ok", "42\n")
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_waiting_for_a_busy_pool_is_bounded_with_a_clear_error() -> None:
    defaults = dataclasses.replace(SANDBOX, server_wait_s=0.3)
    with SandboxPool(1, limits=LIMITS, defaults=defaults) as pool:
        busy = threading.Thread(target=pool.run, args=("import time; time.sleep(3)",))
        busy.start()
        while pool._idle.qsize():  # until the only server is taken
            threading.Event().wait(0.01)
        with pytest.raises(SandboxUnavailableError, match=r"no sandbox server became free within 0.3 s"):
            pool.run("print(1)")
        busy.join()
        assert pool.run("print(1)").stdout == "1\n"  # the pool itself is fine


def test_when_no_server_can_be_restarted_every_caller_gets_an_error_instead_of_waiting_forever() -> None:
    with SandboxPool(1, limits=LIMITS) as pool:
        # From now on a server cannot start (no time to report ready): a dead server cannot be replaced.
        pool.defaults = dataclasses.replace(SANDBOX, start_timeout_s=1e-9)
        errors: list[BaseException] = []

        def call() -> None:
            try:
                pool.run("import time; time.sleep(2)")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        first = threading.Thread(target=call, daemon=True)
        first.start()
        while pool._idle.qsize():
            threading.Event().wait(0.01)
        second = threading.Thread(target=call, daemon=True)
        second.start()
        pool._servers[0].proc.kill()
        first.join(60)
        second.join(60)
        assert not first.is_alive() and not second.is_alive(), "a caller is still waiting for a server"
        assert len(errors) == 2 and all(isinstance(e, SandboxUnavailableError) for e in errors)
        with pytest.raises(SandboxUnavailableError, match="sandbox server"):
            pool.run("print(1)")


def _pids_of_uid(uid: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.stat(f"/proc/{name}").st_uid == uid:
                pids.append(int(name))
        except OSError:
            continue
    return pids


def test_a_running_program_ends_with_its_server() -> None:
    """When a fork-server dies, the program it runs (and whatever that forked) dies with it: the server is pid 1
    of its namespace (else the program has a parent-death signal)."""
    with SandboxPool(1, limits=LIMITS) as pool:
        server = pool._servers[0]
        if not pool.layers or "pid_namespace" not in pool.layers.active or "uid_drop" not in pool.layers.active:
            pytest.skip("needs the pid namespace and the uid drop (root)")
        caller = threading.Thread(target=lambda: pool.run(
            "import os, time\nif os.fork() == 0:\n    time.sleep(30)\ntime.sleep(30)"), daemon=True)
        caller.start()
        deadline = time.monotonic() + 10
        while len(_pids_of_uid(server.uid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(_pids_of_uid(server.uid)) == 2, "the program and its child did not start"
        server.proc.kill()
        deadline = time.monotonic() + 10
        while _pids_of_uid(server.uid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _pids_of_uid(server.uid), "a process of the program outlived its server"
        caller.join(30)

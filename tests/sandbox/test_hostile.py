"""A hostile corpus, run only inside the sandbox: each program must be contained.

Contained means: host files intact, the secret never seen, the loopback listener gets no connection, no
process of the sandbox uids survives, the runner stays alive, memory stays capped, and the verdict is set.
The fork bomb and kill(-1) cases run only after a probe inside the sandbox shows a private pid namespace and
an unprivileged uid; otherwise they fail without running.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
from pathlib import Path

import pytest

from hostile_corpus import CASES, DANGEROUS, PROBE, fill, isolated, plant
from thinkforge.sandbox import Limits, SandboxPool

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the isolation layers are Linux-only")

SECRET = "tf-secret-" + secrets.token_hex(8)
LIMITS = Limits(timeout_s=3.0, cpu_s=3.0, memory_mb=512, max_processes=32, max_output_bytes=1 << 20,
                max_file_mb=16)
CANARY_DIR = Path(sys.prefix)  # visible (read-only) inside the sandbox


@pytest.fixture(scope="module")
def env():
    os.environ["TF_HOSTILE_SECRET"] = SECRET
    canary, private, listener = plant(CANARY_DIR, SECRET)
    pool = SandboxPool(2, limits=LIMITS).start()
    yield {"pool": pool, "canary": canary, "private": private, "listener": listener,
           "port": listener.getsockname()[1]}
    pool.close()
    listener.close()
    canary.unlink(missing_ok=True)
    private.unlink(missing_ok=True)
    os.environ.pop("TF_HOSTILE_SECRET", None)


def _host_pids_of(uids: list[int]) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid in uids:
                    found.append(int(name))
            except OSError:
                continue
    return found


def _contained(env, result) -> None:
    """The checks every hostile case must pass after it ran."""
    assert result.status in {"ok", "runtime_error", "timeout", "memory", "output_limit", "killed"}, result
    assert env["canary"].read_text() == "intact"
    assert SECRET not in result.stdout and SECRET not in result.stderr
    with pytest.raises(BlockingIOError):
        env["listener"].accept()
    assert not _host_pids_of(env["pool"].uids), "a sandbox process survived"
    assert result.peak_memory_mb < LIMITS.memory_mb * 1.5
    follow = env["pool"].run("print('alive')")
    assert follow.status == "ok" and follow.stdout == "alive\n", follow


def _isolated(env) -> bool:
    probe = env["pool"].run(PROBE)
    return probe.status == "ok" and isolated(probe.stdout, os.getpid())


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_program_is_contained(env, name):
    source, expected = CASES[name]
    source = fill(source, str(env["canary"]), str(env["private"]), env["port"])
    result = env["pool"].run(source)
    _contained(env, result)
    assert result.status in expected, (result.status, result.stdout[-500:], result.stderr[-500:])
    if name == "children_outlive_parent":
        assert result.stdout == "parent done\n" and result.wall_s < LIMITS.timeout_s
    if name == "stdout_1gb":
        assert len(result.stdout) <= LIMITS.max_output_bytes and result.stdout_truncated
    if name == "ctypes_segfault":
        assert result.signal == 11
    if name == "read_root_only_file":
        assert "PermissionError" in result.stderr
    if name in ("overwrite_host_file", "delete_host_file"):
        assert "Read-only file system" in result.stderr or "PermissionError" in result.stderr
    if name == "spawn_shell":
        assert "root:" not in result.stdout
        assert result.stdout.split("stdout='")[1].split("\\n")[0] != "0"
    if name == "fill_tmp_and_shm":
        assert result.stdout.strip() == "[28, 28]"  # ENOSPC: both are small private tmpfs
        assert not Path("/dev/shm/fill0").exists()
    if name == "user_namespace_remount":
        assert "unshare -1 1" in result.stdout and "stdout='REMOUNTED" not in result.stdout
    if name == "ptrace_and_mount":
        assert "ptrace -1 1" in result.stdout and "mount -1 1" in result.stdout
    if name == "inherited_fds":
        assert result.stdout.strip() == "[]"
    if name == "sysv_ipc_outlives_the_run":
        assert "shmget -1 1 msgget -1" in result.stdout, result.stdout
        for _ in range(2):  # whichever worker answers, no segment of an earlier run is left
            left = env["pool"].run("print(open('/proc/sysvipc/shm').read().splitlines()[1:])")
            assert left.stdout == "[]\n", left
    if name == "memfd_hoard":
        assert int(result.stdout.split()[-1]) < LIMITS.memory_mb, result.stdout
    if name == "tcp_to_loopback_listener":
        assert "Error" in result.stderr


@pytest.mark.parametrize("name", ["fork_bomb", "kill_minus_one"])
def test_dangerous_program_is_contained_after_probe(env, name):
    if not _isolated(env):
        pytest.fail(f"{name} not run: the probe saw no private pid namespace or no unprivileged uid")
    source, expected = DANGEROUS[name]
    result = env["pool"].run(source, limits=dataclasses.replace(LIMITS, timeout_s=2.0, cpu_s=2.0))
    _contained(env, result)
    assert result.status in expected
    if name == "kill_minus_one":  # it could reach only its own child: not the server, not the runner
        assert result.stdout == "survived\n"

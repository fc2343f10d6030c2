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
import socket
import sys
from pathlib import Path

import pytest

from thinkforge.sandbox import Limits, SandboxPool

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the isolation layers are Linux-only")

SECRET = "tf-secret-" + secrets.token_hex(8)
LIMITS = Limits(timeout_s=3.0, cpu_s=3.0, memory_mb=512, max_processes=32, max_output_bytes=1 << 20,
                max_file_mb=16)
CANARY_DIR = Path(sys.prefix)  # visible (read-only) inside the sandbox


@pytest.fixture(scope="module")
def env():
    os.environ["TF_HOSTILE_SECRET"] = SECRET
    canary = CANARY_DIR / f"thinkforge-canary-{secrets.token_hex(4)}"
    canary.write_text("intact")
    private = CANARY_DIR / f"thinkforge-rootonly-{secrets.token_hex(4)}"
    private.write_text(SECRET)
    private.chmod(0o600)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
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
    probe = env["pool"].run(
        "import os\nprint(os.getpid(), os.getuid(), os.getgid(), sum(p.isdigit() for p in os.listdir('/proc')))"
    )
    if probe.status != "ok":
        return False
    pid, uid, gid, nprocs = map(int, probe.stdout.split())
    return uid != 0 and gid != 0 and pid < 100 and nprocs < 10 and os.getpid() != pid


CASES = {
    "infinite_loop": ("while True:\n    pass\n", {"timeout"}),
    "sleep_forever": ("import time\ntime.sleep(10**6)\n", {"timeout"}),
    "alloc_10gb": ("x = bytearray(10 * 1024**3)\nprint(len(x))\n", {"memory"}),
    "memory_over_forks": (
        "import os, time\n"
        "for _ in range(6):\n"
        "    if os.fork() == 0:\n"
        "        block = b'x' * (200 * 1024 * 1024)\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "time.sleep(30)\n",
        {"memory"},
    ),
    "children_outlive_parent": (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(10**6)\n"
        "    os._exit(0)\n"
        "print('parent done')\n",
        {"ok"},
    ),
    "file_5gb": (
        "chunk = b'x' * (1 << 20)\n"
        "with open('big.bin', 'wb') as fh:\n"
        "    for _ in range(5 * 1024):\n"
        "        fh.write(chunk)\n",
        {"runtime_error"},
    ),
    "stdout_1gb": ("import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n",
                   {"output_limit"}),
    "deep_recursion": ("import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1) + 1\nf(0)\n",
                       {"runtime_error", "memory", "timeout"}),
    "ctypes_segfault": ("import ctypes\nctypes.string_at(0)\n", {"runtime_error"}),
    "read_environment": (
        "import os, glob\n"
        "print(dict(os.environ))\n"
        "for path in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):\n"
        "    try:\n"
        "        print(path, open(path, 'rb').read())\n"
        "    except OSError as e:\n"
        "        print(path, e)\n",
        {"ok"},
    ),
    "read_root_only_file": ("print(open({private!r}).read())\n", {"runtime_error"}),
    "read_shadow": ("print(open('/etc/shadow').read())\n", {"runtime_error"}),
    "overwrite_host_file": ("open({canary!r}, 'w').write('pwned')\n", {"runtime_error"}),
    "delete_host_file": ("import os\nos.unlink({canary!r})\n", {"runtime_error"}),
    "tcp_to_loopback_listener": (
        "import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=1)\ns.send(b'hi')\n",
        {"runtime_error"},
    ),
    "kill_parent": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('still here')\n",
                    {"runtime_error"}),
    "spawn_shell": (
        "import subprocess\n"
        "print(subprocess.run(['sh', '-c', 'id -u; cat /etc/shadow; ls /root'], capture_output=True,"
        " text=True))\n",
        {"ok"},
    ),
    "fill_tmp_and_shm": (
        "import errno\nfull = []\n"
        "for d in ('/tmp', '/dev/shm'):\n"
        "    try:\n"
        "        for i in range(1024):\n"
        "            with open(f'{d}/fill{i}', 'wb') as fh:\n"
        "                fh.write(b'x' * (8 << 20))\n"
        "    except OSError as e:\n"
        "        full.append(e.errno)\n"
        "print(full)\n",
        {"ok"},
    ),
    "user_namespace_remount": (
        "import ctypes, os, subprocess\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print('unshare', libc.unshare(0x10000000 | 0x00020000), ctypes.get_errno())\n"
        "print(subprocess.run(['unshare', '-Urm', 'sh', '-c', 'mount -t tmpfs x /usr && echo REMOUNTED'],"
        " capture_output=True, text=True))\n",
        {"ok"},
    ),
    "ptrace_and_mount": (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print('ptrace', libc.ptrace(16, 1, 0, 0), ctypes.get_errno())\n"
        "print('mount', libc.mount(b'x', b'/tmp', b'tmpfs', 0, None), ctypes.get_errno())\n",
        {"ok"},
    ),
    "inherited_fds": (
        "import os\nopen_fds = []\n"
        "for fd in range(3, 1024):\n"
        "    try:\n"
        "        os.fstat(fd)\n"
        "        open_fds.append(fd)\n"
        "    except OSError:\n"
        "        pass\n"
        "print(open_fds)\n",
        {"ok"},
    ),
    "sysv_ipc_outlives_the_run": (  # detached SysV segments belong to no process: no watchdog sees them
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.shmat.restype = ctypes.c_void_p\n"
        "for _ in range(4):\n"
        "    shmid = libc.shmget(0, 64 << 20, 0o1600)\n"
        "    if shmid < 0:\n"
        "        break\n"
        "    addr = libc.shmat(shmid, None, 0)\n"
        "    ctypes.memset(addr, 1, 64 << 20)\n"
        "    libc.shmdt(ctypes.c_void_p(addr))\n"
        "print('shmget', shmid, ctypes.get_errno(), 'msgget', libc.msgget(0, 0o1600))\n",
        {"ok"},
    ),
    "memfd_hoard": (  # unmapped memfd pages count in no process's RSS
        "import os\nstashed, fds = 0, []\n"
        "try:\n"
        "    while stashed < 1024:\n"
        "        fd = os.memfd_create('hoard')\n"
        "        fds.append(fd)\n"
        "        try:\n"
        "            for _ in range(8):\n"
        "                os.write(fd, b'x' * (8 << 20))\n"
        "                stashed += 8\n"
        "        except OSError:\n"
        "            pass\n"
        "except OSError as e:\n"
        "    print('stopped', e.errno)\n"
        "print('stashed', stashed)\n",
        {"ok"},
    ),
    "thread_bomb": (
        "import threading, time\nts = []\n"
        "for _ in range(10000):\n"
        "    t = threading.Thread(target=time.sleep, args=(30,))\n"
        "    t.start()\n"
        "    ts.append(t)\n",
        {"runtime_error", "memory"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_program_is_contained(env, name):
    source, expected = CASES[name]
    source = source.replace("{canary!r}", repr(str(env["canary"]))).replace("{private!r}", repr(str(env["private"])))
    source = source.replace("{port}", str(env["port"]))
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
    source = {
        "fork_bomb": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
        "kill_minus_one": (
            "import os, signal, time\n"
            "if os.fork() == 0:\n"
            "    time.sleep(30)\n"
            "os.kill(-1, signal.SIGKILL)\n"
            "time.sleep(0.2)\n"
            "print('survived')\n"
        ),
    }[name]
    result = env["pool"].run(source, limits=dataclasses.replace(LIMITS, timeout_s=2.0, cpu_s=2.0))
    _contained(env, result)
    assert result.status in ({"timeout"} if name == "fork_bomb" else {"ok"})
    if name == "kill_minus_one":  # it could reach only its own child: not the server, not the runner
        assert result.stdout == "survived\n"

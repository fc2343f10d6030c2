"""The hostile corpus: programs a sandbox must contain (no pytest here: the non-root runner imports it too)."""

from __future__ import annotations

import socket
from pathlib import Path

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

#: Run only after a probe inside the sandbox shows a private pid namespace and an unprivileged uid.
DANGEROUS = {
    "fork_bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n", {"timeout"}),
    "kill_minus_one": (
        "import os, signal, time\n"
        "if os.fork() == 0:\n"
        "    time.sleep(30)\n"
        "os.kill(-1, signal.SIGKILL)\n"
        "time.sleep(0.2)\n"
        "print('survived')\n",
        {"ok"},
    ),
}

#: Prints pid, uid, gid, the host uid that uid maps to, and the number of visible processes.
PROBE = (
    "import os\n"
    "uid = os.getuid()\n"
    "host = next(int(f[1]) + uid - int(f[0]) for f in map(str.split, open('/proc/self/uid_map'))"
    " if int(f[0]) <= uid < int(f[0]) + int(f[2]))\n"
    "print(os.getpid(), uid, os.getgid(), host, sum(p.isdigit() for p in os.listdir('/proc')))\n"
)


def isolated(probe_stdout: str, runner_pid: int) -> bool:
    """True when the probe ran in a private pid namespace under a uid that is not root on the host."""
    try:
        pid, _uid, _gid, host_uid, nprocs = map(int, probe_stdout.split())
    except ValueError:
        return False
    return host_uid != 0 and pid < 100 and nprocs < 10 and runner_pid != pid


def plant(folder: Path, secret: str) -> tuple[Path, Path, socket.socket]:
    """The bait: a canary file (must stay intact), a root-only file holding ``secret``, a loopback listener."""
    canary = folder / f"thinkforge-canary-{secret[-8:]}"
    canary.write_text("intact")
    private = folder / f"thinkforge-rootonly-{secret[-8:]}"
    private.write_text(secret)
    private.chmod(0o600)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    return canary, private, listener


def fill(source: str, canary: str, private: str, port: int) -> str:
    """A corpus program with the run's canary path, root-only file and listener port filled in."""
    return source.replace("{canary!r}", repr(canary)).replace("{private!r}", repr(private)).replace("{port}", str(port))

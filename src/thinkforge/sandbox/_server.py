"""The sandbox fork-server: isolates itself once, then forks one confined child per execution.

Started by :mod:`thinkforge.sandbox.pool` as ``python -I .../sandbox/_server_start.py CONFIG_JSON`` with an
empty environment. Standard library only. Protocol on fds 0/1 (moved away from 0/1 at start): 4-byte
big-endian length + UTF-8 JSON, one request → one response; the first message is the ready report.

Start-up (each step probed; a failure is reported as a missing layer, never silently skipped):
``unshare`` new mount/pid/net/ipc/uts namespaces (plus a user namespace when not root) → fork: the child is
pid 1 of the new pid namespace and a subreaper; the first process only waits → a new root on tmpfs holding
read-only binds of the system and the Python prefixes, a fresh /proc, a minimal /dev, private size-limited
tmpfs for /tmp, /dev/shm and the work dir → ``pivot_root`` → root made read-only.

The server itself then sets no_new_privs and loads the seccomp filter, so that every child inherits both (one
install per server instead of one per execution; the server needs none of the denied calls after start-up).

Per execution: fork → child gets rlimits, drops to the worker's own uid/gid, dies with the server (pid 1 of its
namespace, else by a parent-death signal), the clean
environment (the server's own, plus per-request extras) and an emptied work dir, then runs the program. The
server watches the child's pidfd with a deadline, reads capped output, sums the memory of every process in the namespace every few ms, and afterwards kills and reaps everything
else in the namespace (``kill(-1)`` from pid 1).
"""

from __future__ import annotations

import builtins
import fcntl
import gc
import json
import marshal
import os
import resource
import select
import signal
import stat
import struct
import sys
import time
import traceback
import types
from typing import Any

import _socket  # not socket: its wrappers bring modules (array, selectors) every fork would copy

if "_thinkforge_sandbox_linux" in sys.modules:  # started by _server_start.py, which loaded the sibling
    _linux: Any = sys.modules["_thinkforge_sandbox_linux"]
else:
    from thinkforge.sandbox import _linux

_SETUP_FAILED = 125
#: The program's ends of the referee channel: it reads the referee's requests on 4 and writes replies on 5.
REFEREE_FDS = (4, 5)
_WORK_ROOT = "/sandbox"
_WORK_DIR = "/sandbox/run"
_STDIN_DIR = "/.stdin"
_PAGE = os.sysconf("SC_PAGE_SIZE")
#: Bytes read at once from a small /proc file (/proc/PID/stat and statm: a few hundred bytes).
_PROC_READ = 4096
_DEVICES = ("null", "zero", "full", "random", "urandom")
#: Signal dispositions a python-mode program starts with (like ``python main.py``); the server holds them.
_PYTHON_SIGNALS = {signal.SIGPIPE: signal.SIG_IGN, signal.SIGXFSZ: signal.SIG_IGN,
                   signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL,
                   signal.SIGCHLD: signal.SIG_DFL}


# ---- protocol ------------------------------------------------------------------------------------------------

def _read_into(fd: int, buf: bytearray) -> None:
    """Fill ``buf`` from ``fd`` (no intermediate copies: it may hold test data, see ``_scrub``)."""
    view = memoryview(buf)
    while view:
        n = os.readv(fd, [view])
        if not n:
            raise EOFError
        view = view[n:]


def _write_all(fd: int, *buffers: bytes | bytearray) -> None:
    views = [memoryview(b) for b in buffers if b]
    while views:
        n = os.writev(fd, views)
        while views and n >= len(views[0]):
            n -= len(views[0])
            views.pop(0)
        if views:
            views[0] = views[0][n:]


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _recv(fd: int) -> dict[str, Any]:
    (size,) = struct.unpack(">I", _read_exact(fd, 4))
    return json.loads(_read_exact(fd, size))


def _send(fd: int, obj: dict[str, Any], tail: bytearray | None = None) -> None:
    """One message; ``tail`` (a referee's report, announced as ``referee_output_bytes``) follows it raw."""
    data = json.dumps(obj).encode()
    _write_all(fd, struct.pack(">I", len(data)) + data, tail or b"")


# ---- isolation at start-up -----------------------------------------------------------------------------------

class Isolation:
    """What the server managed to set up; ``layers`` maps each layer to None (active) or why it is missing."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.layers: dict[str, str | None] = {}
        self.pid_ns = False
        self.work_root = cfg["fallback_work_root"]
        self.stdin_dir = cfg["fallback_work_root"]
        self.stdin_dir_fd: int | None = None  # a detached tmpfs for stdin files (with the mount namespace)
        #: False when the uid drop already leaves every child non-dumpable (it does when fs.suid_dumpable is 0)
        self.set_nondumpable = True

    def missing(self, layer: str, why: str) -> None:
        self.layers[layer] = why

    def active(self, layer: str) -> None:
        self.layers[layer] = None


def _write_file(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _enter_namespaces(iso: Isolation) -> None:
    """unshare + fork so that the caller continues as pid 1 of a new pid namespace (or not, on failure)."""
    root = os.geteuid() == 0
    flags = (_linux.CLONE_NEWNS | _linux.CLONE_NEWPID | _linux.CLONE_NEWNET | _linux.CLONE_NEWIPC
             | _linux.CLONE_NEWUTS)
    if not root:
        flags |= _linux.CLONE_NEWUSER
    uid, gid = os.getuid(), os.getgid()
    try:
        _linux.unshare(flags)
    except OSError as exc:
        why = f"unshare failed ({exc.strerror})" + ("" if root else "; unprivileged user namespaces disabled?")
        for layer in ("pid_namespace", "net_namespace", "mount_namespace", "ipc_uts_namespace"):
            iso.missing(layer, why)
        if not root:
            iso.missing("user_namespace", why)
        return
    if not root:
        _write_file("/proc/self/setgroups", "deny")
        _write_file("/proc/self/uid_map", f"0 {uid} 1")
        _write_file("/proc/self/gid_map", f"0 {gid} 1")
        iso.active("user_namespace")
    for layer in ("pid_namespace", "net_namespace", "mount_namespace", "ipc_uts_namespace"):
        iso.active(layer)
    pid = os.fork()
    if pid:  # the outer process only waits; pid 1 inside dies with it (and it dies with thinkforge)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                os._exit(1)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    iso.pid_ns = True
    _linux.prctl(_linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        _linux.sethostname("sandbox")
    except OSError:
        pass


def _bind_ro(src: str, dst: str) -> None:
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst):
            open(dst, "w").close()
    _linux.mount(src, dst, None, _linux.MS_BIND | _linux.MS_REC)
    _linux.mount(None, dst, None,
                 _linux.MS_REMOUNT | _linux.MS_BIND | _linux.MS_RDONLY | _linux.MS_NOSUID | _linux.MS_NODEV)


def _tmpfs(target: str, size_mb: int, mode: str = "1777", noexec: bool = False) -> None:
    os.makedirs(target, exist_ok=True)
    flags = _linux.MS_NOSUID | _linux.MS_NODEV | (_linux.MS_NOEXEC if noexec else 0)
    _linux.mount("tmpfs", target, "tmpfs", flags, f"size={size_mb}m,mode={mode}")


def _build_root(iso: Isolation) -> None:
    """A new root: read-only system binds, fresh /proc, minimal /dev, private tmpfs; then pivot_root."""
    cfg = iso.cfg
    new = "/tmp"  # our private mount namespace: this tmpfs hides the host's /tmp only here
    _linux.mount(None, "/", None, _linux.MS_REC | _linux.MS_PRIVATE)
    _linux.mount("tf-root", new, "tmpfs", _linux.MS_NOSUID | _linux.MS_NODEV, "size=4m,mode=0755")
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = "/" + name
        if os.path.islink(host):
            os.symlink(os.readlink(host), f"{new}/{name}")
        elif os.path.isdir(host):
            _bind_ro(host, f"{new}/{name}")
    for path in cfg["ro_paths"]:
        if os.path.exists(path):
            _bind_ro(path, new + path)
    os.makedirs(f"{new}/proc")
    _linux.mount("proc", f"{new}/proc", "proc", _linux.MS_NOSUID | _linux.MS_NODEV | _linux.MS_NOEXEC)
    _tmpfs(f"{new}/dev", 1, mode="0755", noexec=True)
    for dev in _DEVICES:
        _bind_dev(f"/dev/{dev}", f"{new}/dev/{dev}")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/dev/{name}")
    _tmpfs(f"{new}/dev/shm", cfg["tmpfs_mb"])
    _tmpfs(f"{new}/tmp", cfg["tmpfs_mb"])
    os.makedirs(f"{new}/var", exist_ok=True)
    os.symlink("/tmp", f"{new}/var/tmp")
    _tmpfs(new + _WORK_ROOT, cfg["tmpfs_mb"], mode="0755")
    _tmpfs(new + _STDIN_DIR, cfg["stdin_max_mb"], mode="0700", noexec=True)  # anonymous stdin files only
    os.makedirs(f"{new}/.old")
    os.chdir(new)
    _linux.pivot_root(".", ".old")
    os.chdir("/")
    _linux.umount2("/.old", _linux.MNT_DETACH)
    os.rmdir("/.old")
    # the stdin tmpfs stays reachable only through this fd: detached, no path leads to it (in a user namespace the
    # program is root there and could otherwise fill it, outside the memory cap); children close the fd
    iso.stdin_dir_fd = os.open(_STDIN_DIR, os.O_DIRECTORY | os.O_RDONLY)
    _linux.umount2(_STDIN_DIR, _linux.MNT_DETACH)
    _linux.mount(None, "/", None,
                 _linux.MS_REMOUNT | _linux.MS_BIND | _linux.MS_RDONLY | _linux.MS_NOSUID | _linux.MS_NODEV)
    iso.work_root = _WORK_ROOT


def _bind_dev(src: str, dst: str) -> None:
    open(dst, "w").close()
    _linux.mount(src, dst, None, _linux.MS_BIND)


def _read_text(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return None


def _probe_child(action: Any) -> str | None:
    """Run ``action`` in a forked child; return None when it succeeded, else the error text."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            action()
            os.write(w, b"ok")
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            os.write(w, f"{type(exc).__name__}: {exc}".encode()[:500])
        os._exit(0)
    os.close(w)
    out = b""
    while chunk := os.read(r, 4096):
        out += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return None if out == b"ok" else (out.decode(errors="replace") or "probe child died")


def _setup(cfg: dict[str, Any]) -> Isolation:
    iso = Isolation(cfg)
    root = os.geteuid() == 0
    if cfg["namespaces"]:
        _enter_namespaces(iso)
    else:
        for layer in ("pid_namespace", "net_namespace", "mount_namespace", "ipc_uts_namespace"):
            iso.missing(layer, "disabled by configuration")
    if iso.layers.get("mount_namespace") is None and iso.pid_ns:
        try:
            _build_root(iso)
            iso.active("readonly_root_private_tmp")
        except OSError as exc:
            iso.missing("readonly_root_private_tmp", f"could not build the sandbox root: {exc}")
    else:
        iso.missing("readonly_root_private_tmp", "needs the mount and pid namespaces")
    if not iso.pid_ns:
        os.makedirs(iso.work_root, mode=0o711, exist_ok=True)
    try:
        _linux.prctl(_linux.PR_SET_CHILD_SUBREAPER, 1)
    except OSError:
        pass
    if root:
        uid = cfg["uid"]
        iso.layers["uid_drop"] = _probe_child(lambda: _drop_uid(uid))
        iso.set_nondumpable = iso.layers["uid_drop"] is not None or _read_text("/proc/sys/fs/suid_dumpable") != "0"
    else:
        iso.missing("uid_drop", "not root: the program keeps the caller's uid")
    iso.active("rlimits")
    iso.active("clean_environment")
    if iso.pid_ns:
        iso.active("memory_process_watchdog")
    elif root and iso.layers.get("uid_drop") is None:
        iso.active("memory_process_watchdog")  # by the worker's dedicated uid
    else:
        iso.missing("memory_process_watchdog", "no private pid namespace or dedicated uid to scope it")
    iso.missing("cgroup", "no delegated cgroup v2 offered; the memory/process watchdog caps the aggregate")
    return iso


# ---- the confined child --------------------------------------------------------------------------------------

def _drop_uid(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _rlimits(limits: dict[str, Any], cpu_limited: bool = True) -> None:
    mem = int(limits["memory_mb"]) * 1024 * 1024
    cpu = int(limits["cpu_s"]) + 1 if cpu_limited else resource.RLIM_INFINITY
    for res, value in (
        (resource.RLIMIT_AS, mem),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_NPROC, int(limits["max_processes"])),
        (resource.RLIMIT_FSIZE, int(limits["max_file_mb"]) * 1024 * 1024),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, int(limits["max_open_files"])),
    ):
        resource.setrlimit(res, (value, value))


def _install_seccomp(iso: Isolation) -> None:
    """no_new_privs + the seccomp filter for the server itself: every forked child inherits both."""
    reason = _linux.seccomp_supported()
    if reason is None:
        try:
            _linux.install_seccomp(_linux.build_seccomp_filter())
        except OSError as exc:
            reason = str(exc)
    iso.layers["seccomp"] = iso.layers["no_new_privs"] = reason


def _install_fds(targets: dict[int, int], keep_below: int, max_fd: int) -> None:
    """Make each ``targets[n]`` descriptor fd ``n`` and close every other one from 3 up to ``max_fd``."""
    low = max(targets) + 1  # sources below it are first moved above it, so that no dup2 clobbers one
    moved = {n: (src if src >= low else fcntl.fcntl(src, fcntl.F_DUPFD, low)) for n, src in targets.items()}
    for n, src in moved.items():
        os.dup2(src, n)
    os.closerange(keep_below, max_fd)


def _child(req: dict[str, Any], iso: Isolation, stdin_fd: int, out_w: int, err_w: int, ctl_w: int,
           code_obj: types.CodeType | None, channel: tuple[int, int] | None = None,
           prepared: types.ModuleType | None = None) -> None:
    """Confine this forked process and run the program; never returns. ``channel``: the pipe ends of a referee
    (requests in, replies out) that the program gets as fds 4 and 5 (``REFEREE_FDS``)."""
    ctl = ctl_w
    try:
        os.setsid()
        fds = {0: stdin_fd, 1: out_w, 2: err_w, 3: ctl_w}
        if channel is not None:
            fds.update(zip(REFEREE_FDS, channel))
        _install_fds(fds, max(fds) + 1, int(req["limits"]["max_open_files"]) + 1024)
        ctl = 3
        if req["mode"] == "exec":  # the server already holds python mode's dispositions (_PYTHON_SIGNALS)
            for sig in (signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(sig, signal.SIG_DFL)
        _rlimits(req["limits"])
        if iso.layers.get("uid_drop") is None:
            _drop_uid(iso.cfg["uid"])
        if iso.set_nondumpable:  # processes of one execution must not read each other's memory, fds, environ
            _linux.prctl(_linux.PR_SET_DUMPABLE, 0)
        if not iso.pid_ns:  # in its own pid namespace the server is pid 1: its end kills every process there
            _linux.prctl(_linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        os.chdir(_work_dir(iso))
        os.umask(0o022)
        if req.get("env"):  # the clean base environment is the server's own (_install_clean_env)
            os.environ.update(req["env"])
        os.write(3, b"ok")
        os.close(3)
    except BaseException as exc:  # noqa: BLE001 - the server reports sandbox_error
        try:
            os.write(ctl, f"{type(exc).__name__}: {exc}".encode()[:1000])
        finally:
            os._exit(_SETUP_FAILED)
    if req["mode"] == "exec":
        try:
            os.execve(req["argv"][0], req["argv"], dict(os.environ))
        except OSError as exc:
            os.write(2, f"exec {req['argv'][0]}: {exc}\n".encode())
            os._exit(127)
    os._exit(_run_python(req, iso, code_obj, prepared=prepared))


class _CodeCache:
    """Compiled trusted programs (``precompile`` requests), oldest dropped first; filled in the server only."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], types.CodeType] = {}
        self.capacity = 0

    def get(self, req: dict[str, Any], path: str) -> types.CodeType | None:
        key = (path, req["code"])
        code = self.entries.get(key)
        if code is None and self.capacity > 0:
            code = _compile_apart(req["code"], path)
            if code is None:  # a syntax error: the child compiles again and reports it like python would
                return None
            while len(self.entries) >= self.capacity:
                self.entries.pop(next(iter(self.entries)))
            self.entries[key] = code
        return code


_code_cache = _CodeCache()


def _compile_apart(text: str, path: str) -> types.CodeType | None:
    """``text`` compiled in a forked child and loaded here from its bytecode (None: it does not compile). The
    compiler's scratch memory (megabytes for a long program) would otherwise stay in this server, and every
    execution's fork copies, and its exit tears down, the page tables of all the server holds."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(r)
            _write_all(w, marshal.dumps(compile(text, path, "exec", dont_inherit=True)))
            status = 0
        finally:
            os._exit(status)
    os.close(w)
    try:
        data = bytearray()
        while chunk := os.read(r, 1 << 20):
            data += chunk
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    return marshal.loads(data) if status == 0 else None


class _Prepared:
    """Trusted programs whose top level already ran in this server (``entry`` requests), by path and text."""

    def __init__(self) -> None:
        self.modules: dict[tuple[str, str], types.ModuleType] = {}

    def get(self, req: dict[str, Any], path: str, code_obj: types.CodeType) -> types.ModuleType:
        key = (path, req["code"])
        module = self.modules.get(key)
        if module is None:
            module = types.ModuleType("__prepared__")  # a main guard does not fire here
            module.__file__ = path
            module.__builtins__ = builtins  # type: ignore[attr-defined]
            exec(code_obj, module.__dict__)
            module.__name__ = "__main__"
            while self.modules and len(self.modules) >= max(1, _code_cache.capacity):
                self.modules.pop(next(iter(self.modules)))
            self.modules[key] = module
            gc.freeze()  # like the rest of the server: forked children need not copy pages for GC headers
        return module


_prepared = _Prepared()


class _Texts:
    """Trusted texts (precompiled programs, referees) kept by digest, so that a client sends each one once: a
    request may carry ``code_digest`` (and ``referee.digest``) with the text left out (None)."""

    def __init__(self) -> None:
        self.by_digest: dict[str, str] = {}
        self.capacity = 16

    def resolve(self, req: dict[str, Any]) -> bool:
        """Fill in the texts a request left out; False when one is unknown here (the client then resends it)."""
        for holder, text_key, digest_key in ((req, "code", "code_digest"), (req.get("referee"), "code", "digest")):
            if not holder or not holder.get(digest_key):
                continue
            digest = holder[digest_key]
            if holder.get(text_key) is None:
                if digest not in self.by_digest:
                    return False
                holder[text_key] = self.by_digest[digest]
            elif digest not in self.by_digest:
                while len(self.by_digest) >= self.capacity:
                    self.by_digest.pop(next(iter(self.by_digest)))
                self.by_digest[digest] = holder[text_key]
            else:  # the very same str object each time: cached hashes, cheap cache keys
                holder[text_key] = self.by_digest[digest]
        return True


_texts = _Texts()


def _run_python(req: dict[str, Any], iso: Isolation, code_obj: types.CodeType | None = None,
                work: str | None = None, prepared: types.ModuleType | None = None) -> int:
    """Execute Python source in this (already confined) process like ``python main.py`` would (from ``work``,
    by default the work dir, which then heads ``sys.path``; a referee runs from ``/`` with no path added).
    A ``prepared`` module (``entry`` requests) is not run again: its entry function is called."""
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__ = _STDIO
    sys.argv = [req["filename"], *req.get("args", [])]
    if work is None:
        work = _work_dir(iso)
        sys.path[0:0] = [work]
    main = prepared or types.ModuleType("__main__")
    if prepared is None:
        main.__file__ = f"{work.rstrip('/')}/{req['filename']}"
        main.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = main
    code = 0
    try:
        if prepared is not None:
            prepared.__dict__[req["entry"]]()
        else:
            # dont_inherit: not this module's future flags (annotations would become strings), as `python main.py`
            exec(code_obj or compile(req["code"], main.__file__, "exec", dont_inherit=True), main.__dict__)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException as exc:  # noqa: BLE001 - the program's own error, printed like the interpreter does
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            code = code or 120
    return code


def _open_stdio() -> tuple[Any, Any, Any]:
    """Text streams over fds 0-2 as ``python main.py`` has them (built once in the server, unused there)."""
    return (open(0, "r", encoding="utf-8", errors="surrogateescape", closefd=False),
            open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False),
            open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1))


#: The python-mode child's stdio, prepared in the server (``main``) before the first fork; the fds are the child's.
_STDIO: tuple[Any, Any, Any] = (None, None, None)
#: The server's own objects that ``_run_python`` unbinds in each child (its stdio, argv, ``__main__``), kept
#: referenced here so that the child does not deallocate them: finalizing the server's text streams alone wrote
#: ~45 pages of its memory in every fresh fork (flush and close through the io machinery), ~120 µs a sample.
_UNBOUND_IN_CHILD: tuple[Any, ...] = ()


def _install_clean_env(iso: Isolation) -> None:
    """Make the server's own environment the clean one every execution starts with (inherited at fork)."""
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": _work_dir(iso), "LANG": "C.UTF-8",
                       "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp", "PYTHONIOENCODING": "utf-8"})


def _work_dir(iso: Isolation) -> str:
    return f"{iso.work_root}/run"


# ---- the server loop -----------------------------------------------------------------------------------------

def _sandbox_pids(iso: Isolation, child: int) -> list[int]:
    """Pids of every process of the running execution (all but pid 1 in our namespace, else by uid/session)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        if iso.pid_ns:
            if pid != 1:
                pids.append(pid)
            continue
        if pid == os.getpid():
            continue
        try:
            fields = _read_proc(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
            st = os.stat(f"/proc/{pid}")
        except OSError:
            continue
        if int(fields[3]) == child or (iso.layers.get("uid_drop") is None and st.st_uid == iso.cfg["uid"]):
            pids.append(pid)
    return pids


def _read_proc(path: str) -> bytes:
    """A small /proc file in one read, without file objects (each execution reads a few: in a server that has
    just forked, a file object's buffers and wrappers are pages to copy)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, _PROC_READ)
    finally:
        os.close(fd)


def _memory_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(_read_proc(f"/proc/{pid}/statm").split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def _kill_all(iso: Isolation, child: int) -> None:
    """Kill and reap every process of the execution (the child included)."""
    if iso.pid_ns and os.getpid() == 1:
        while True:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                break
            _reap(block=True)
        _reap(block=False)
        return
    for _ in range(100):  # no pid namespace: by session and (when dropped) by the dedicated uid
        pids = _sandbox_pids(iso, child)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap(block=False)
        time.sleep(0.001)
    _reap(block=False)


def _reap(block: bool) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0 or block:
            return


def _clear_dir(path: str) -> None:
    try:
        entries = os.listdir(path)
    except OSError:
        return
    for name in entries:
        full = f"{path}/{name}"
        try:
            mode = os.lstat(full).st_mode
            if stat.S_ISDIR(mode):
                os.chmod(full, 0o700)
                _clear_dir(full)
                os.rmdir(full)
            else:
                os.unlink(full)
        except OSError:
            continue


class _ServerState:
    """Mutable server-wide state kept between executions."""

    work_clean = False  # the work dir exists and is empty (the previous execution cleaned it)
    jobs = 0  # referee jobs handed out (each report must name its job)


_state = _ServerState()


class _Capture:
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self.over = False

    def feed(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if len(chunk) > room:
            self.over = True
            chunk = chunk[:max(room, 0)]
        self.data += chunk


def _stdin_file(iso: Isolation, data: bytes) -> int:
    """A private, unnamed file holding the program's stdin, positioned at its start (a real file, like a judge's:
    ``os.fstat(0).st_size`` works). Anonymous on a root-only tmpfs of its own (so a large input does not eat the
    work dir's space); memfds are denied by the filter."""
    try:
        if iso.stdin_dir_fd is not None:
            fd = os.open(".", os.O_TMPFILE | os.O_RDWR, 0o600, dir_fd=iso.stdin_dir_fd)
        else:
            fd = os.open(iso.stdin_dir, os.O_TMPFILE | os.O_RDWR, 0o600)
    except OSError:  # a file system without O_TMPFILE (fallback work root): a named file, unlinked at once
        if iso.stdin_dir_fd is not None:
            raise
        path = f"{iso.stdin_dir}/.stdin-{os.getpid()}"
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        os.unlink(path)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _write_files(work: str, files: dict[str, str], uid: int) -> None:
    """Write the request's files into the work dir as UTF-8 (bytes travel as text decoded with surrogateescape,
    which this encoding turns back into the very same bytes)."""
    for name, text in files.items():
        path = os.path.join(work, name)
        if os.path.dirname(name):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(text.encode("utf-8", "surrogateescape"))
            while view:
                view = view[os.write(fd, view):]
            os.fchown(fd, uid, uid)
        finally:
            os.close(fd)


# ---- the referee: a trusted program kept beside the executions -----------------------------------------------

class _Referee:
    """A running referee: a trusted program forked from this server, confined like an execution but under a uid
    of its own, fed one job per execution over an AF_UNIX socket (the job's text plus the two pipe ends that
    lead to the execution's ``REFEREE_FDS``). Kept between executions where it is safe (see ``_persistent``)."""

    def __init__(self, key: tuple[str, str, int], pid: int, sock: _socket.socket) -> None:
        self.key, self.pid, self.sock = key, pid, sock
        self.jobs = 0
        self.base_rss: int | None = None
        self.alive = True

    def stop(self) -> None:
        """Kill and reap it (a no-op when it is already gone)."""
        if self.alive:
            self.alive = False
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.sock.close()


_referee: _Referee | None = None


def _persistent(iso: Isolation) -> bool:
    """A referee may outlive an execution only where no process of the execution can signal it (a uid of its own)
    and the server can kill every process of the execution but the referee (pid 1 of a private pid namespace)."""
    return (iso.pid_ns and os.getpid() == 1 and iso.layers.get("uid_drop") is None
            and iso.cfg.get("referee_uid") not in (None, iso.cfg["uid"]))


def _referee_for(spec: dict[str, Any], iso: Isolation, limits: dict[str, Any]) -> _Referee:
    """The running referee for ``spec`` (one per server: another program or memory limit replaces it)."""
    global _referee
    key = (spec["filename"], spec["code"], int(limits["memory_mb"]))
    if _referee is not None and (_referee.key != key or not _referee.alive):
        _referee.stop()
        _referee = None
    if _referee is None:
        _referee = _spawn_referee(key, spec, iso, limits)
    return _referee


def _spawn_referee(key: tuple[str, str, int], spec: dict[str, Any], iso: Isolation,
                   limits: dict[str, Any]) -> _Referee:
    path = "/" + spec["filename"]
    code_obj = _code_cache.get(spec, path)
    mine, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        try:
            sock_fd = theirs.detach()  # plain fds from here on: no socket object may close a reused number
            mine.detach()
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            _install_fds({0: null, 1: null, 2: null, 3: sock_fd}, 4, int(limits["max_open_files"]) + 1024)
            _rlimits(limits, cpu_limited=False)  # it lives on: the server's deadline bounds each job instead
            if iso.layers.get("uid_drop") is None:
                _drop_uid(iso.cfg.get("referee_uid") or iso.cfg["uid"])
            if iso.set_nondumpable:
                _linux.prctl(_linux.PR_SET_DUMPABLE, 0)
            _linux.prctl(_linux.PR_SET_PDEATHSIG, signal.SIGKILL)
            os.chdir("/")
        except BaseException:  # noqa: BLE001 - the job then finds no referee: sandbox_error
            os._exit(_SETUP_FAILED)
        os._exit(_run_python(spec, iso, code_obj, work="/"))
    theirs.close()
    mine.settimeout(float(limits["timeout_s"]) + 1.0)  # bounds sending a job to a referee that stopped reading
    return _Referee(key, pid, mine)


#: Header of a job (carrying the two pipe ends) and of its report: body length, job number.
_JOB_HEAD = struct.Struct(">IQ")


def _send_job(referee: _Referee, text: bytearray, fds: list[int], job: int) -> bool:
    """Hand the referee one job: its header carrying the two pipe ends, then the text. False: it is gone."""
    try:
        referee.sock.sendmsg([_JOB_HEAD.pack(len(text), job)],
                             [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))])
        referee.sock.sendall(memoryview(text))
    except OSError:
        return False
    return True


class _Report:
    """The referee's report on one job, read as it arrives into buffers of its exact size (so that no copy is
    left behind in this server's memory, which the next program inherits: see ``_scrub``). A report for
    another job, or larger than ``cap``, is refused (``bad``)."""

    def __init__(self, cap: int, grace_s: float, job: int) -> None:
        self.cap, self.grace_s, self.job = cap, grace_s, job  # grace: how long it may take once stopped
        self.head = bytearray(_JOB_HEAD.size)
        self.body: bytearray | None = None
        self.got = 0
        self.eof = False
        self.bad = False

    def read_from(self, sock: _socket.socket) -> None:
        """One read from the referee's socket (what is there, up to what is missing)."""
        if self.done:
            return
        target = self.head if self.body is None else self.body
        try:
            n = sock.recv_into(memoryview(target)[self.got:])
        except BlockingIOError:
            return
        except OSError:
            n = 0
        if n == 0:
            self.eof = True
            return
        self.got += n
        if self.body is None and self.got == len(self.head):
            size, job = _JOB_HEAD.unpack(self.head)
            if job != self.job or size > self.cap:
                self.bad = True
                return
            self.body, self.got = bytearray(size), 0

    @property
    def complete(self) -> bool:
        return self.body is not None and self.got == len(self.body)

    @property
    def done(self) -> bool:
        return self.eof or self.bad or self.complete


def _scrub(buf: bytearray | None) -> None:
    """Overwrite a buffer that held test data (a job's text, a report) before the next program is forked."""
    if buf:
        buf[:] = bytes(len(buf))


def _await_report(referee: _Referee, report: _Report, seconds: float) -> None:
    """Read the rest of the referee's report for up to ``seconds`` (its execution is gone: it should be quick)."""
    end = time.monotonic() + seconds
    poller = select.poll()
    poller.register(referee.sock.fileno(), select.POLLIN)
    while not report.done:
        left = end - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            return
        report.read_from(referee.sock)


def _kill_execution(iso: Isolation, keep: int) -> bool:
    """Kill and reap every process of the execution, sparing pid 1 and the referee ``keep``; False when some
    process would not go (the caller then kills everything). The first strike is ``kill(-1)`` made with the
    execution's uid as effective uid: it reaches exactly that uid's processes, atomically even against a fork
    bomb, never the referee (a uid of its own); stragglers are then killed one by one."""
    os.setresuid(-1, iso.cfg["uid"], -1)
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.setresuid(-1, 0, -1)
    end = time.monotonic() + 2.0
    while True:
        _reap_all()
        left = [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in (1, keep)]
        if not left:
            return True
        if time.monotonic() > end:
            return False
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.0002)


def _reap_all() -> None:
    """Reap every finished child without waiting; notes when the referee itself is among them."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if _referee is not None and pid == _referee.pid:
            _referee.alive = False


def _recycle(referee: _Referee, iso: Isolation) -> None:
    """After a job: keep a persistent referee unless it ended, ran its quota of jobs or grew; else stop it."""
    global _referee
    referee.jobs += 1
    rss = _memory_bytes([referee.pid]) if referee.alive else 0
    if referee.base_rss is None:
        referee.base_rss = rss
    grown = rss - referee.base_rss > int(iso.cfg.get("referee_growth_mb", 64)) * 1024 * 1024
    if not (_persistent(iso) and referee.alive) or grown or referee.jobs >= int(iso.cfg.get("referee_jobs", 1000)):
        referee.stop()
        if _referee is referee:
            _referee = None


# ---- one execution -------------------------------------------------------------------------------------------

def _execute(req: dict[str, Any], iso: Isolation, job_text: bytearray | None = None) -> tuple[dict[str, Any], Any]:
    """Run one request; return its result and, when the result could be sent before the execution's processes
    were stopped (a referee's complete report), the clean-up to run right after sending it (else None)."""
    limits = req["limits"]
    work = _work_dir(iso)
    if not _state.work_clean:  # first use, or an earlier execution failed before it cleaned up
        _clear_dir(work)
        os.makedirs(work, exist_ok=True)
    _state.work_clean = False
    uid = iso.cfg["uid"] if iso.layers.get("uid_drop") is None else os.getuid()
    os.chown(work, uid, uid)
    os.chmod(work, 0o700)
    files = dict(req.get("files") or {})
    if req["mode"] == "python":
        files[req["filename"]] = req["code"]
    _write_files(work, files, uid)
    code_obj = _code_cache.get(req, f"{work}/{req['filename']}") if req.get("precompile") else None
    prepared = None
    if req.get("entry") and code_obj is not None:
        prepared = _prepared.get(req, f"{work}/{req['filename']}", code_obj)
    referee = _referee_for(req["referee"], iso, limits) if req.get("referee") else None
    channel = report = None
    if referee is not None:  # the job goes out before the fork: the program never holds its text in memory
        to_prog_r, to_prog_w = os.pipe()
        from_prog_r, from_prog_w = os.pipe()
        channel = (to_prog_r, from_prog_w)
        _state.jobs += 1
        report = _Report(int(limits["max_output_bytes"]), float(req["referee"].get("grace_s", 1.0)), _state.jobs)
        if not _send_job(referee, job_text or bytearray(), [to_prog_w, from_prog_r], _state.jobs):
            report.eof = True
        _scrub(job_text)
        os.close(to_prog_w)
        os.close(from_prog_r)
    stdin_fd = _stdin_file(iso, req.get("stdin", "").encode("utf-8", "surrogateescape"))
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    ctl_r, ctl_w = os.pipe()
    watch = _Watch(limits, out_r, err_r, ctl_r, referee, report)
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(req, iso, stdin_fd, out_w, err_w, ctl_w, code_obj, channel, prepared)
    for fd in (stdin_fd, out_w, err_w, ctl_w, *(channel or ())):
        os.close(fd)
    result, reported = _watch(pid, start, limits, iso, watch, referee, report)

    def finish() -> None:
        if reported and referee is not None and report is not None:  # the child is reaped, the rest not stopped
            _end_with_referee(iso, pid, referee, report)
        if report is not None and not report.complete:  # a partial report is never sent: overwrite it here
            _scrub(report.body)
        for fd in (out_r, err_r, ctl_r):
            os.close(fd)
        if referee is not None:
            _recycle(referee, iso)
        _clear_dir(work)
        if iso.pid_ns:
            _clear_dir("/tmp")
            _clear_dir("/dev/shm")
        try:  # verified empty (a file _clear_dir could not remove makes the next execution clear again)
            _state.work_clean = not os.listdir(work)
        except OSError:
            _state.work_clean = False

    if reported:
        return result, finish
    finish()
    return result, None


class _Watch:
    """What watching one execution needs, made before its fork: a page the server writes while it shares its
    memory with a live child is copied (~2 µs a fault here), one written before the fork is not."""

    def __init__(self, limits: dict[str, Any], out_r: int, err_r: int, ctl_r: int, referee: _Referee | None,
                 report: _Report | None) -> None:
        cap = int(limits["max_output_bytes"])
        self.out, self.err, self.ctl = _Capture(cap), _Capture(cap), _Capture(4096)
        self.ctl_r = ctl_r
        self.streams = {out_r: self.out, err_r: self.err, ctl_r: self.ctl}
        for fd in self.streams:
            os.set_blocking(fd, False)
        self.poller = select.poll()
        for fd in (out_r, err_r):  # ctl (at most ~1 KB) is read once the child is gone: one wake-up less
            self.poller.register(fd, select.POLLIN)
        self.ref_fd = -1
        if referee is not None and report is not None and not report.done:
            self.ref_fd = referee.sock.fileno()
            self.poller.register(self.ref_fd, select.POLLIN)


def _watch(pid: int, start: float, limits: dict[str, Any], iso: Isolation, watch: _Watch,
           referee: _Referee | None = None, report: _Report | None = None) -> tuple[dict[str, Any], bool]:
    """Watch one execution until it ends: the child's exit, or with a referee, the referee's complete report.
    Returns the result and whether it was built at the report, before the execution's other processes are
    stopped (the child itself is then killed and reaped: the caller stops the rest after sending the result)."""
    out, err, ctl, ctl_r = watch.out, watch.err, watch.ctl, watch.ctl_r
    streams, poller, ref_fd = watch.streams, watch.poller, watch.ref_fd
    mem_cap = int(limits["memory_mb"]) * 1024 * 1024
    interval = float(limits["watchdog_interval_s"])
    deadline = start + float(limits["timeout_s"])
    pidfd = os.pidfd_open(pid)
    poller.register(pidfd, select.POLLIN)
    reason = None
    peak = 0
    next_check = start + interval
    exited = False
    finished = report.done if report is not None else False
    while not finished and reason is None:
        now = time.monotonic()
        if now >= deadline:
            reason = "timeout"
            break
        if now >= next_check:
            used = _memory_bytes(_sandbox_pids(iso, pid))
            peak = max(peak, used)
            if used > mem_cap:
                reason = "memory"
                break
            next_check = now + interval
        wait_ms = max(0, min(deadline, next_check) - time.monotonic()) * 1000
        for fd, _ in poller.poll(wait_ms):
            if fd == pidfd:
                exited = True
                poller.unregister(pidfd)
                finished = finished or report is None  # with a referee, its report ends the execution
                continue
            if fd == ref_fd:
                report.read_from(referee.sock)  # type: ignore[union-attr]
                finished = report.done  # type: ignore[union-attr]
                continue
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                poller.unregister(fd)
                continue
            streams[fd].feed(chunk)
            if streams[fd].over and fd != ctl_r:
                reason = "output_limit"
    os.close(pidfd)
    if (report is not None and referee is not None and reason is None and report.complete
            and referee.alive and _persistent(iso)):
        return _reported(pid, start, out, err, ctl, streams, peak, report.body), True
    if not exited:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    if referee is not None and report is not None:
        _end_with_referee(iso, pid, referee, report)
    else:
        _kill_spare_referee(iso, pid)
    for fd, capture in streams.items():  # every writer is dead now: read what is left, up to the caps
        _drain(fd, capture)
        if capture.over and fd != ctl_r and reason is None and exited and os.WIFEXITED(status):
            reason = "output_limit"
    cpu = usage.ru_utime + usage.ru_stime
    peak = max(peak, usage.ru_maxrss * 1024)
    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    setup = bytes(ctl.data)
    if setup != b"ok":
        return _result("sandbox_error", exit_code, sig, out, err, wall, cpu, peak,
                       error="sandbox setup failed in the child: " + setup.decode(errors="replace")), False
    if report is not None:
        if reason is None and not report.complete:
            return _result("sandbox_error", exit_code, sig, out, err, wall, cpu, peak,
                           error="the referee ended without a complete report"), False
        return _result(reason or "ok", exit_code, sig, out, err, wall, cpu, peak,
                       report=report.body if report.complete else None), False
    if reason is None:
        reason = _classify(exit_code, sig, cpu, limits, err)
    return _result(reason, exit_code, sig, out, err, wall, cpu, peak), False


def _drain(fd: int, capture: _Capture) -> None:
    """Read what the non-blocking ``fd`` holds now into ``capture``, up to its cap."""
    while not capture.over:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            return
        capture.feed(chunk)


def _reported(pid: int, start: float, out: _Capture, err: _Capture, ctl: _Capture, streams: dict[int, _Capture],
              peak: int, body: bytearray | None) -> dict[str, Any]:
    """The result of an execution that ends with its referee's report: the program is killed and reaped at once
    (from then on the server's writes no longer copy pages it shared with the child), its CPU time and peak
    memory come from that reaping, its output is what its pipes hold. Its exit status (this kill) is not
    reported: ``exit_code`` and ``signal`` are None."""
    wall = time.monotonic() - start
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _, _, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    hwm = usage.ru_maxrss * 1024
    for fd, capture in streams.items():
        _drain(fd, capture)
    if bytes(ctl.data) != b"ok":
        return _result("sandbox_error", None, None, out, err, wall, cpu, max(peak, hwm),
                       error="sandbox setup failed in the child: " + bytes(ctl.data).decode(errors="replace"))
    return _result("ok", None, None, out, err, wall, cpu, max(peak, hwm), report=body)


def _end_with_referee(iso: Isolation, child: int, referee: _Referee, report: _Report) -> None:
    """Stop every process of the execution; then, when the execution was stopped before the referee reported,
    give the referee a moment to report on what it saw (it now reads end-of-file), else stop it too."""
    global _referee
    if _persistent(iso):
        _kill_spare_referee(iso, child)
    if not report.done and referee.alive:
        _await_report(referee, report, report.grace_s)
    if not report.complete or not _persistent(iso):  # unfinished, ended, refused, or not to be kept
        referee.stop()
        if _referee is referee:
            _referee = None
        _kill_all(iso, child)


def _stop_everything(iso: Isolation) -> None:
    """The fallback when a clean-up failed: kill every process in the sandbox (the referee too: it is started
    afresh for the next job) and have the next execution wipe the work dir first."""
    global _referee
    if _referee is not None:
        _referee.stop()
        _referee = None
    _kill_all(iso, 0)
    _state.work_clean = False


def _kill_spare_referee(iso: Isolation, child: int) -> None:
    """Kill and reap every process of the execution; a persistent referee survives (when that fails, it goes
    too and is started afresh for the next job)."""
    global _referee
    if _referee is None or not _referee.alive or not _persistent(iso):
        _kill_all(iso, child)
        return
    if not _kill_execution(iso, _referee.pid):
        _referee.stop()
        _referee = None
        _kill_all(iso, child)


def _classify(exit_code: int | None, sig: int | None, cpu: float, limits: dict[str, Any], err: _Capture) -> str:
    if sig in (signal.SIGXCPU,) or (sig == signal.SIGKILL and cpu >= float(limits["cpu_s"])):
        return "timeout"
    if exit_code == 0:
        return "ok"
    tail = bytes(err.data[-2000:]).rstrip().rsplit(b"\n", 1)[-1]
    if tail.startswith(b"MemoryError"):
        return "memory"
    if sig is not None:
        return "killed" if sig == signal.SIGKILL else "runtime_error"
    return "runtime_error"


def _result(status: str, exit_code: int | None, sig: int | None, out: _Capture, err: _Capture, wall: float,
            cpu: float, peak: int, error: str | None = None, report: bytearray | None = None) -> dict[str, Any]:
    """The response; a referee's report travels after it, raw (``_report`` is taken out before sending)."""
    return {
        "status": status, "exit_code": exit_code, "signal": sig,
        "stdout": bytes(out.data).decode("utf-8", "replace"), "stderr": bytes(err.data).decode("utf-8", "replace"),
        "stdout_truncated": out.over, "stderr_truncated": err.over,
        "wall_s": wall, "cpu_s": cpu, "peak_memory_mb": peak / (1024 * 1024), "error": error,
        "referee_output_bytes": None if report is None else len(report), "_report": report,
    }


def main() -> None:
    cfg = json.loads(sys.argv[1])
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    # No die-with-parent here: it fires when the *thread* that started us ends. The server ends on EOF of
    # its input instead (between executions, each bounded by its timeout).
    try:
        iso = _setup(cfg)
    except BaseException as exc:  # noqa: BLE001 - reported, then the server exits
        _send(proto_out, {"ready": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()})
        os._exit(1)
    for name in cfg.get("preload", []):  # shared by every forked execution, imported once here
        try:
            __import__(name)
        except ImportError:
            pass
    _install_clean_env(iso)
    _code_cache.capacity = int(cfg.get("code_cache_entries", 0))
    _texts.capacity = max(2, _code_cache.capacity)
    for sig, handler in _PYTHON_SIGNALS.items():  # inherited by every child: python mode need not reset them
        signal.signal(sig, handler)
    global _STDIO, _UNBOUND_IN_CHILD
    _STDIO = _open_stdio()
    _UNBOUND_IN_CHILD = (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__, sys.__stderr__,
                         sys.argv, sys.modules.get("__main__"))
    _install_seccomp(iso)  # last: the set-up above needs calls the filter denies
    gc.collect()
    gc.freeze()  # keep the forked children from copying pages just to touch GC headers
    _send(proto_out, {"ready": True, "layers": iso.layers, "pid": os.getpid()})
    while True:
        try:
            req = _recv(proto_in)
            # a referee's job text follows the request raw, into a buffer scrubbed before any fork
            job_text = bytearray(int((req.get("referee") or {}).get("input_bytes") or 0))
            _read_into(proto_in, job_text)
        except EOFError:
            os._exit(0)
        cleanup = None
        try:
            if _texts.resolve(req):
                resp, cleanup = _execute(req, iso, job_text)
            else:
                resp = {"status": "sandbox_error", "unknown_text": True, "error": "a trusted text this server never got"}
        except Exception as exc:  # noqa: BLE001 - one broken request must not end the server
            resp = {"status": "sandbox_error", "error": f"{type(exc).__name__}: {exc}",
                    "trace": traceback.format_exc()}
            if req.get("referee"):  # a job may be under way: nothing of it may outlive this request
                _stop_everything(iso)
        finally:
            _scrub(job_text)
        report = resp.pop("_report", None)
        _send(proto_out, resp, report)
        _scrub(report)
        if cleanup is not None:  # the execution's processes are stopped before the next request is read
            try:
                cleanup()
            except Exception:  # noqa: BLE001 - then everything goes, the referee included
                _stop_everything(iso)


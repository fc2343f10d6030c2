"""Thin ctypes wrappers over the Linux calls the sandbox needs and Python 3.11 lacks.

Standard library only: the fork-server imports this module before it isolates itself. Every wrapper raises
``OSError`` with the C ``errno`` on failure.
"""

from __future__ import annotations

import ctypes
import os
import struct

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWTIME = 0x00000080
#: Every clone/unshare flag that creates a namespace.
NAMESPACE_FLAGS = (
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
    | CLONE_NEWTIME
)

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2

def _load_libc() -> ctypes.CDLL:
    """The C library; by its usual name first (ctypes.util pulls in subprocess and grows every fork-server)."""
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        from ctypes.util import find_library

        return ctypes.CDLL(find_library("c"), use_errno=True)


_libc = _load_libc()
_MACHINE = os.uname().machine
_SYSTEM = os.uname().sysname


def _check(result: int, what: str) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def unshare(flags: int) -> None:
    """Move the calling process into new namespaces (``unshare(2)``)."""
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    """``mount(2)``."""
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {target}",
    )


def umount2(target: str, flags: int = 0) -> None:
    """``umount2(2)``."""
    _check(_libc.umount2(target.encode(), ctypes.c_int(flags)), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    """``pivot_root(2)`` (no glibc wrapper: called through ``syscall``)."""
    nr = SYSCALLS.get("pivot_root")
    if nr is None:
        raise OSError(38, "pivot_root: unknown syscall number on this architecture")
    _check(_libc.syscall(ctypes.c_long(nr), new_root.encode(), put_old.encode()), "pivot_root")


def sethostname(name: str) -> None:
    """``sethostname(2)`` (in a private UTS namespace)."""
    raw = name.encode()
    _check(_libc.sethostname(raw, ctypes.c_size_t(len(raw))), "sethostname")


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    """``prctl(2)`` with integer arguments."""
    return _check(
        _libc.prctl(
            ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(arg4),
            ctypes.c_ulong(arg5),
        ),
        f"prctl({option})",
    )


# ---- seccomp -------------------------------------------------------------------------------------------------

#: x86_64 system call numbers of everything the filter inspects (from the kernel's syscall_64.tbl).
_X86_64 = {
    "shmget": 29, "socket": 41, "socketpair": 53, "semget": 64, "msgget": 68, "clone": 56, "ptrace": 101,
    "syslog": 103, "personality": 135, "vhangup": 153, "pivot_root": 155, "adjtimex": 159, "chroot": 161,
    "acct": 163, "settimeofday": 164, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169,
    "iopl": 172, "ioperm": 173, "init_module": 175, "delete_module": 176, "quotactl": 179, "lookup_dcookie": 212,
    "clock_settime": 227, "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250,
    "migrate_pages": 256, "unshare": 272, "move_pages": 279, "perf_event_open": 298, "name_to_handle_at": 303,
    "open_by_handle_at": 304, "setns": 308, "memfd_create": 319, "process_vm_readv": 310, "process_vm_writev": 311,
    "kcmp": 312, "finit_module": 313, "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "clone3": 435, "pidfd_getfd": 438, "mount_setattr": 442,
    "memfd_secret": 447,
}
_AUDIT_ARCH = {"x86_64": 0xC000003E}
SYSCALLS: dict[str, int] = _X86_64 if _MACHINE == "x86_64" else {}

#: Calls that are refused with EPERM: debugging other processes, namespaces and mounts, kernel keyrings,
#: modules, BPF, io_uring (a seccomp bypass surface), clock and system settings; and memory no process's RSS
#: shows, which the watchdog cannot cap: memfds (unbounded in number and size) and SysV IPC objects (they
#: also outlive the program in the server's IPC namespace).
DENIED_SYSCALLS = (
    "ptrace", "syslog", "vhangup", "pivot_root", "adjtimex", "chroot", "acct", "settimeofday", "mount",
    "umount2", "swapon", "swapoff", "reboot", "iopl", "ioperm", "init_module", "delete_module", "quotactl",
    "lookup_dcookie", "clock_settime", "kexec_load", "add_key", "request_key", "keyctl", "migrate_pages",
    "unshare", "move_pages", "perf_event_open", "name_to_handle_at", "open_by_handle_at", "setns",
    "process_vm_readv", "process_vm_writev", "kcmp", "finit_module", "kexec_file_load", "bpf", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "open_tree", "move_mount", "fsopen", "fsconfig",
    "fsmount", "fspick", "pidfd_getfd", "mount_setattr", "memfd_create", "memfd_secret", "shmget", "msgget",
    "semget",
)

_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_JSET_K = 0x45
_BPF_RET_K = 0x06
_RET_KILL_PROCESS = 0x80000000
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_X32_SYSCALL_BIT = 0x40000000
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16
_EPERM, _ENOSYS, _EAFNOSUPPORT = 1, 38, 97
_AF_UNIX = 1


def seccomp_supported() -> str | None:
    """Return why a seccomp filter cannot be built here, or None when it can."""
    if _SYSTEM != "Linux":
        return f"seccomp is Linux-only (this is {_SYSTEM})"
    if _MACHINE not in _AUDIT_ARCH:
        return f"no syscall table for {_MACHINE} (supported: {', '.join(_AUDIT_ARCH)})"
    return None


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def build_seccomp_filter() -> bytes:
    """The classic-BPF program of the sandbox's seccomp policy (a deny list over a default allow).

    Foreign architectures and x32 calls kill the process; the denied calls fail with EPERM; ``socket`` works
    only for AF_UNIX; ``clone`` with any namespace flag fails with EPERM; ``clone3`` (whose flags live in
    memory a filter cannot read) fails with ENOSYS so libc falls back to ``clone``.
    """
    reason = seccomp_supported()
    if reason:
        raise OSError(_ENOSYS, reason)
    prog = [
        _insn(_BPF_LD_W_ABS, 0, 0, _OFF_ARCH),
        _insn(_BPF_JEQ_K, 1, 0, _AUDIT_ARCH[_MACHINE]),
        _insn(_BPF_RET_K, 0, 0, _RET_KILL_PROCESS),
        _insn(_BPF_LD_W_ABS, 0, 0, _OFF_NR),
        _insn(_BPF_JGE_K, 0, 1, _X32_SYSCALL_BIT),
        _insn(_BPF_RET_K, 0, 0, _RET_KILL_PROCESS),
    ]
    for name in DENIED_SYSCALLS:
        prog += [_insn(_BPF_JEQ_K, 0, 1, SYSCALLS[name]), _insn(_BPF_RET_K, 0, 0, _RET_ERRNO | _EPERM)]
    prog += [_insn(_BPF_JEQ_K, 0, 1, SYSCALLS["clone3"]), _insn(_BPF_RET_K, 0, 0, _RET_ERRNO | _ENOSYS)]
    for name in ("socket", "socketpair"):  # allow only AF_UNIX
        prog += [
            _insn(_BPF_JEQ_K, 0, 4, SYSCALLS[name]),
            _insn(_BPF_LD_W_ABS, 0, 0, _OFF_ARG0),
            _insn(_BPF_JEQ_K, 0, 1, _AF_UNIX),
            _insn(_BPF_RET_K, 0, 0, _RET_ALLOW),
            _insn(_BPF_RET_K, 0, 0, _RET_ERRNO | _EAFNOSUPPORT),
        ]
    prog += [  # clone: refuse namespace flags (low 32 bits of the flags argument)
        _insn(_BPF_JEQ_K, 0, 4, SYSCALLS["clone"]),
        _insn(_BPF_LD_W_ABS, 0, 0, _OFF_ARG0),
        _insn(_BPF_JSET_K, 0, 1, NAMESPACE_FLAGS),
        _insn(_BPF_RET_K, 0, 0, _RET_ERRNO | _EPERM),
        _insn(_BPF_RET_K, 0, 0, _RET_ALLOW),
    ]
    prog.append(_insn(_BPF_RET_K, 0, 0, _RET_ALLOW))
    return b"".join(prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_seccomp(program: bytes) -> None:
    """Set no_new_privs and load ``program`` as this process's seccomp filter (inherited by all children)."""
    buf = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    _check(
        _libc.prctl(ctypes.c_int(PR_SET_SECCOMP), ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(fprog),
                    ctypes.c_ulong(0), ctypes.c_ulong(0)),
        "prctl(PR_SET_SECCOMP)",
    )

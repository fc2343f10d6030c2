"""The sandbox as an unprivileged user: a user namespace instead of the uid drop, everything else contained.

Runs ``nonroot_runner.py`` as uid/gid 65534 (``setpriv``) under an interpreter that user can reach, and checks
the corpus from the outside: host files intact, the secret never seen, the loopback listener untouched, no
process of that uid left, memory capped, the runner alive.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hostile_corpus import CASES, DANGEROUS, plant

NOBODY = 65534
HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
#: Where the user namespace's semantics differ from the root path's (and why that is still contained).
NONROOT_EXPECTED = {
    # the program's parent is the server, pid 1 of the namespace: init ignores a SIGKILL sent from inside it
    "kill_parent": {"ok"},
}


def _host_dir() -> Path:
    """A host folder outside /tmp (the sandbox mounts a private /tmp over it) for the canary files."""
    for base in ("/run", str(HERE.parents[1])):
        if os.path.isdir(base) and os.access(base, os.W_OK):
            return Path(tempfile.mkdtemp(prefix="tf-nonroot-", dir=base))
    pytest.skip("no writable host folder outside /tmp for the canary")


def _as_nobody(argv: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv],
                          env=env, capture_output=True, text=True, timeout=timeout, cwd="/")


def _interpreter(env: dict[str, str]) -> str | None:
    """A Python >= 3.11 that uid 65534 can run and that imports thinkforge.sandbox from this checkout."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", os.path.realpath(sys.executable)):
        if not os.path.exists(candidate):
            continue
        # the interpreter must know its own path: the sandbox starts its servers with sys.executable
        probe = _as_nobody([candidate, "-c", "import os, sys; assert sys.version_info >= (3, 11); "
                            "assert os.access(sys.executable, os.X_OK); import thinkforge.sandbox"], env, timeout=60)
        if probe.returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def outcome():
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs Linux, root (to become an unprivileged user) and setpriv")
    secret = "tf-secret-" + secrets.token_hex(8)
    env = {"PATH": "/usr/bin:/bin", "HOME": "/", "PYTHONPATH": f"{SRC}:{HERE}", "TF_HOSTILE_SECRET": secret}
    python = _interpreter(env)
    if python is None:
        pytest.skip("no Python >= 3.11 that uid 65534 can run with this checkout readable")
    ro_dir = _host_dir()
    ro_dir.chmod(0o755)
    canary, private, listener = plant(ro_dir, secret)
    os.chown(canary, NOBODY, NOBODY)  # writable by the user itself: only the read-only view protects it
    try:
        run = _as_nobody([python, str(HERE / "nonroot_runner.py"), str(canary), str(private),
                          str(listener.getsockname()[1]), str(ro_dir)], env, timeout=600)
        try:
            listener.accept()
            connected = True
        except BlockingIOError:
            connected = False
        left = [p for p in os.listdir("/proc") if p.isdigit() and _uid_of(p) == NOBODY]
        yield {"run": run, "secret": secret, "canary": canary.read_text(), "connected": connected, "left": left}
    finally:
        listener.close()
        shutil.rmtree(ro_dir, ignore_errors=True)


def _uid_of(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def test_runner_finished_alive_with_only_the_uid_drop_missing(outcome):
    run = outcome["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["uid"] == NOBODY and report["alive"] == "alive\n"
    assert set(report["layers"]["missing"]) == {"uid_drop", "cgroup"}, report["layers"]
    assert "user_namespace" in report["layers"]["active"] and "seccomp" in report["layers"]["active"]
    assert set(report["cases"]) >= set(DANGEROUS), f"the dangerous cases did not run: probe {report['probe']!r}"


def test_every_case_is_contained_from_the_outside(outcome):
    report = json.loads(outcome["run"].stdout)
    assert outcome["canary"] == "intact"
    assert not outcome["connected"], "the loopback listener got a connection"
    assert not outcome["left"], f"processes of uid {NOBODY} survived: {outcome['left']}"
    expected = {name: statuses for name, (_source, statuses) in {**CASES, **DANGEROUS}.items()}
    expected.update(NONROOT_EXPECTED)
    for name, case in report["cases"].items():
        assert case["status"] in expected[name], (name, case)
        assert outcome["secret"] not in case["stdout"] + case["stderr"], name
        assert case["peak_memory_mb"] < 512 * 1.5, (name, case["peak_memory_mb"])
    assert report["cases"]["kill_minus_one"]["stdout"] == "survived\n"
    assert report["cases"]["kill_parent"]["stdout"] == "still here\n"  # the server outlived the attempt
    assert "Read-only file system" in report["cases"]["overwrite_host_file"]["stderr"]


def test_referee_jobs_work_without_the_uid_drop(outcome):
    """No second uid here: the referee is started for each job and killed with it, never shared. A program can
    kill its own job's referee (same uid): that job is a sandbox_error, never a report; the next one is clean."""
    report = json.loads(outcome["run"].stdout)
    assert report["referee"] == [["ok", "echo:q\n"], ["sandbox_error", None], ["ok", "echo:q\n"]], report["referee"]

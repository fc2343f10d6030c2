"""A persistent referee (``sandbox.Referee``): one trusted process per worker, a fresh program per execution.

The referee must outlive programs that crash, hang, are killed or attack it; consecutive programs of one worker
must share nothing (files, environment, processes, limits); the referee is restarted when it ends or hangs.
"""

from __future__ import annotations

import dataclasses
import json
import sys

import pytest

from thinkforge.defaults import SANDBOX
from referee_program import ECHO, REFEREE
from thinkforge.sandbox import Limits, Program, SandboxPool

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox is Linux-only")

LIMITS = Limits(timeout_s=3.0, cpu_s=3.0, memory_mb=256)



@pytest.fixture(scope="module")
def pool():
    with SandboxPool(1, limits=LIMITS) as p:
        yield p


def _job(pool: SandboxPool, program: str, text: str = "q", **kw):
    result = pool.run(Program(source=program), referee=REFEREE, referee_input=text, **kw)
    return result, (json.loads(result.referee_output) if result.referee_output else None)


def test_the_referee_persists_and_runs_under_a_uid_of_its_own(pool):
    reports = [_job(pool, "import os\nprint(os.getuid(), flush=True)\n" + ECHO, f"q{i}") for i in range(3)]
    assert [r.status for r, _ in reports] == ["ok"] * 3
    assert [rep["answer"] for _, rep in reports] == ["echo:q0\n", "echo:q1\n", "echo:q2\n"]
    assert len({rep["pid"] for _, rep in reports}) == 1  # one referee for every job
    program_uid = int(reports[0][0].stdout)
    assert reports[0][1]["uid"] != program_uid and reports[0][1]["uid"] != 0


HOSTILE = [  # (program, status): each one, then a normal job on the same referee
    ("import ctypes\nctypes.string_at(0)", "ok"),  # segfault before answering: the referee reads EOF
    ("import os\nos._exit(0)", "ok"),
    ("while True:\n    pass", "timeout"),
    ("import os, signal\nfor pid in map(int, filter(str.isdigit, os.listdir('/proc'))):\n"
     "    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n" + ECHO, "ok"),
    ("import os\nos.kill(-1, 9)", "ok"),
    ("import os\nfor _ in range(5):\n    if os.fork() == 0:\n        os.setsid()\n        import time\n"
     "        time.sleep(3600)\n" + ECHO, "ok"),  # background processes in sessions of their own
    ("x = bytearray(400 * 1024 * 1024)", "ok"),  # MemoryError from RLIMIT_AS
    ("import os\nwhile True:\n    os.write(1, b'x' * 65536)", "output_limit"),
]


@pytest.mark.parametrize("program,status", HOSTILE)
def test_the_referee_survives_a_hostile_or_failing_program(pool, program, status):
    _, before = _job(pool, ECHO)
    result, report = _job(pool, program)
    assert result.status == status, result
    assert report is not None and report["pid"] == before["pid"], "the referee did not survive"
    listing = "import os\nprint(sorted(p for p in os.listdir('/proc') if p.isdigit()), flush=True)\n"
    after_result, after = _job(pool, listing + ECHO)  # prints first: the execution ends with the report
    assert after["pid"] == before["pid"] and after["answer"] == "echo:q\n"
    # nothing of the hostile program is left: only pid 1, the referee and this program
    assert len(json.loads(after_result.stdout.replace("'", '"'))) == 3, after_result.stdout


def test_consecutive_programs_share_nothing(pool):
    leave = ("import os\nfor d in ('.', '/tmp', '/dev/shm'):\n    open(d + '/left.txt', 'w').write('x')\n"
             "os.environ['LEFT'] = '1'\n" + ECHO)
    look = ("import os\nfound = [d for d in ('.', '/tmp', '/dev/shm') if os.path.exists(d + '/left.txt')]\n"
            "print(found, 'LEFT' in os.environ, flush=True)\n" + ECHO)
    assert _job(pool, leave)[0].status == "ok"
    result, _ = _job(pool, look)
    assert result.stdout == "[] False\n"


def test_limits_are_each_executions_own(pool):
    hog = "x = bytearray(150 * 1024 * 1024)\n" + ECHO
    small = dataclasses.replace(LIMITS, memory_mb=100)
    result, report = _job(pool, hog, limits=small)
    assert report["answer"] == "" and "MemoryError" in result.stderr
    result, report = _job(pool, hog)  # the next execution gets its own, larger limit
    assert report["answer"] == "echo:q\n", result.stderr


def test_a_referee_that_dies_or_hangs_is_replaced():
    with SandboxPool(1, limits=LIMITS) as pool:
        _, first = _job(pool, ECHO)
        died, report = _job(pool, ECHO, "die")
        assert died.status == "sandbox_error" and report is None
        _, second = _job(pool, ECHO)
        assert second["pid"] != first["pid"] and second["answer"] == "echo:q\n"
        hung, report = _job(pool, ECHO, "hang")
        assert hung.status == "timeout" and report is None
        _, third = _job(pool, ECHO)
        assert third["pid"] not in (first["pid"], second["pid"]) and third["answer"] == "echo:q\n"


def test_a_referee_is_restarted_after_its_quota_of_jobs():
    defaults = dataclasses.replace(SANDBOX, referee_jobs=2)
    with SandboxPool(1, limits=LIMITS, defaults=defaults) as pool:
        pids = [_job(pool, ECHO)[1]["pid"] for _ in range(4)]
    assert pids[0] == pids[1] != pids[2] == pids[3]


def test_plain_executions_between_jobs_leave_the_referee_alone(pool):
    _, before = _job(pool, ECHO)
    assert pool.run("import os\nos.kill(-1, 9)\nprint('done')").status in ("ok", "killed")
    _, after = _job(pool, ECHO)
    assert after["pid"] == before["pid"]


def test_a_reported_execution_gives_the_programs_cpu_time_and_peak_memory(pool):
    # the program is killed and reaped at its referee's report: both figures come from that reaping
    spin = ("x = bytearray(64 * 1024 * 1024)\nimport time\nt = time.process_time()\n"
            "while time.process_time() - t < 0.2:\n    pass\n")
    result, report = _job(pool, spin + ECHO, "q")
    assert result.status == "ok" and report["answer"] == "echo:q\n"
    assert result.exit_code is None and result.signal is None  # its end was our kill, not its own
    assert result.cpu_s >= 0.2
    assert result.peak_memory_mb >= 64

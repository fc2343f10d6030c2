"""The sandbox's contract: results, limits, layers, CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from thinkforge.cli.main import main
from thinkforge.sandbox import Limits, Program, SandboxPool, check_layers
from thinkforge.sandbox._linux import DENIED_SYSCALLS, build_seccomp_filter

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the isolation layers are Linux-only")


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2, limits=Limits(timeout_s=3.0, cpu_s=3.0, memory_mb=512)) as p:
        yield p


def test_every_layer_is_active_here_except_cgroup():
    report = check_layers()
    assert not report.degraded, report.missing
    for layer in ("pid_namespace", "net_namespace", "uid_drop", "seccomp", "readonly_root_private_tmp"):
        assert layer in report.active


def test_seccomp_filter_is_whole_instructions_and_lists_every_denied_call():
    prog = build_seccomp_filter()
    assert len(prog) % 8 == 0 and len(prog) // 8 < 4096
    assert len(DENIED_SYSCALLS) >= 40


def test_result_fields(pool):
    r = pool.run("import sys\nprint(input()[::-1])\nprint('e', file=sys.stderr)\nsys.exit(0)", "abc\n")
    assert (r.status, r.exit_code, r.stdout, r.stderr) == ("ok", 0, "cba\n", "e\n")
    assert r.wall_s > 0 and r.cpu_s > 0 and r.peak_memory_mb > 0


@pytest.mark.parametrize("source,status,exit_code", [
    ("import sys; sys.exit(3)", "runtime_error", 3),
    ("raise KeyError(1)", "runtime_error", 1),
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "killed", None),
    ("while True: pass", "timeout", None),
])
def test_statuses(pool, source, status, exit_code):
    r = pool.run(source)
    assert (r.status, r.exit_code) == (status, exit_code)


def test_args_files_and_clean_environment(pool):
    src = "import os, sys\nprint(sys.argv[1:], open('data.txt').read(), sorted(os.environ))"
    r = pool.run(Program(source=src, files={"data.txt": "D"}), args=["x", "y"])
    assert r.stdout.startswith("['x', 'y'] D ")
    assert "THINKFORGE" not in r.stdout and "VIRTUAL_ENV" not in r.stdout


def test_binary_files_arrive_byte_for_byte(pool):
    blob = bytes(range(256)) + b"\x00\xff\xfe"
    src = "import sys\nsys.stdout.write(open('blob.bin', 'rb').read().hex() + ' ' + open('t.txt').read())"
    r = pool.run(Program(source=src, files={"blob.bin": blob, "t.txt": "text"}))
    assert r.status == "ok" and r.stdout == blob.hex() + " text", r


@pytest.mark.parametrize("trusted", [False, True])
def test_programs_are_compiled_without_the_servers_future_flags(pool, trusted):
    """Regression: programs were compiled with the fork-server's own `from __future__ import annotations`, so
    their annotations were strings; `python main.py` keeps them objects."""
    r = pool.run(Program(source="def f(x: int): pass\nprint(f.__annotations__)", trusted_precompile=trusted))
    assert r.stdout == "{'x': <class 'int'>}\n", r


def test_trusted_programs_are_compiled_once_and_their_syntax_errors_still_reported(pool):
    """A trusted program is compiled outside the execution (in a throwaway child of the server) and reused."""
    tool = Program(source="import sys\nprint(sys._getframe().f_code.co_filename, 6 * 7)", filename="tool.py",
                   trusted_precompile=True)
    for _ in range(3):
        r = pool.run(tool)
        assert r.status == "ok" and r.stdout.endswith("/tool.py 42\n"), r
    r = pool.run(Program(source="def f(:\n    pass\n", filename="bad.py", trusted_precompile=True))
    assert r.status == "runtime_error" and "SyntaxError" in r.stderr, r


def test_exec_mode_runs_a_fresh_interpreter(pool):
    r = pool.run(Program(argv=(sys.executable, "-I", "main.py"), files={"main.py": "print(6 * 7)"},
                         language="python-fresh"))
    assert r.status == "ok" and r.stdout == "42\n", r


def test_work_and_tmp_are_wiped_between_executions(pool):
    pool.run("open('/tmp/left', 'w').write('x'); open('left', 'w').write('x')")
    for _ in range(3):  # whichever worker answers, nothing is left over
        r = pool.run("import os\nprint(os.path.exists('/tmp/left'), os.path.exists('left'))")
        assert r.stdout == "False False\n"


def test_pool_started_from_a_finished_thread_keeps_working():
    # regression: a die-with-parent signal on the server fired when the starting *thread* ended
    p = SandboxPool(2)
    t = threading.Thread(target=p.start)
    t.start()
    t.join()
    time.sleep(0.2)
    try:
        assert [r.status for r in p.map([("print(1)", "")] * 4)] == ["ok"] * 4
    finally:
        p.close()


def test_cli_run_json(tmp_path, capsys):
    prog = tmp_path / "p.py"
    prog.write_text("print(input().upper())")
    stdin = tmp_path / "in.txt"
    stdin.write_text("hi\n")
    assert main(["sandbox", "run", str(prog), "--stdin", str(stdin), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and out["stdout"] == "HI\n" and out["exit_code"] == 0 and "wall_s" in out


_ECHO = "import sys\nprint(sys.argv[1:], input())\nsys.exit(int(sys.argv[1]) if sys.argv[1:] else 0)\n"


@pytest.mark.parametrize("tail,args,code", [
    (["3", "b"], ["3", "b"], 3),  # program arguments after the options
    (["0"], ["0"], 0),
    (["--", "5", "-x", "--json"], ["5", "-x", "--json"], 5),  # after '--' everything is the program's
])
def test_cli_run_passes_arguments_and_returns_the_exit_code(tmp_path, tail, args, code):
    prog = tmp_path / "prog.py"
    prog.write_text(_ECHO)
    stdin = tmp_path / "in.txt"
    stdin.write_text("hi\n")
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "sandbox", "run", str(prog), "--stdin",
                           str(stdin), *tail], capture_output=True, text=True, timeout=120)
    assert proc.stdout == f"{args!r} hi\n", proc.stderr
    assert proc.returncode == code
    assert (f"exit_code={code}" in proc.stderr) == (code != 0)


def test_cli_run_killed_program_exits_128_plus_signal(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n")
    assert main(["sandbox", "run", str(prog)]) == 128 + 15


def test_strict_help_names_the_layers_it_counts():
    from thinkforge.sandbox.types import LAYERS, OPTIONAL_LAYERS

    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "sandbox", "run", "--help"],
                          capture_output=True, text=True)
    text = " ".join(proc.stdout.split())
    counted, _, excluded = text[text.index("--strict"):].partition("(not ")
    assert all(layer in counted for layer in LAYERS if layer not in OPTIONAL_LAYERS)
    assert all(layer not in counted and layer in excluded for layer in OPTIONAL_LAYERS)


def test_cli_check_lists_layers(capsys):
    assert main(["sandbox", "check", "--json"]) == 0
    assert "seccomp" in json.loads(capsys.readouterr().out)["active"]


def test_cli_missing_program_is_one_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "sandbox", "run", str(tmp_path / "no.py")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "cannot read program" in proc.stderr


_SIGNALS_SRC = ("import signal\nprint([str(signal.getsignal(s)) for s in "
                "(signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGCHLD)])")


def test_signal_dispositions_match_a_plain_interpreter(pool):
    """Python mode inherits them from the server; exec mode gets SIGPIPE/SIGXFSZ back to default. The plain
    interpreter starts as from a terminal (SIGINT at its default): a test run started in the background of a
    non-interactive shell inherits SIGINT ignored, and Python keeps that instead of installing its handler."""
    expected = subprocess.run([sys.executable, "-I", "-c", _SIGNALS_SRC], capture_output=True, text=True,
                              env={}, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)).stdout
    assert expected and pool.run(_SIGNALS_SRC).stdout == expected
    r = pool.run(Program(argv=("/bin/sh", "-c", "grep -E '^Sig(Ign|Cgt)' /proc/self/status"),
                         language="shell"))
    ignored = int(r.stdout.split("SigIgn:")[1].split()[0], 16)
    assert r.status == "ok" and not ignored & ((1 << (13 - 1)) | (1 << (25 - 1))), r


def test_nested_dirs_in_the_reused_work_dir_are_wiped(pool):
    pool.run("import os\nos.makedirs('a/b/c')\nopen('a/b/c/f', 'w').write('x')\nos.chmod('a/b', 0)")
    for _ in range(3):
        r = pool.run("import os\nprint(sorted(os.listdir('.')), oct(os.stat('.').st_mode & 0o777))")
        assert r.stdout == "['main.py'] 0o700\n", r


def test_per_execution_env_does_not_leak_into_the_next_one(pool):
    src = "import os\nprint(sorted(os.environ))\nos.system('env | sort')"
    with_x = pool.run(src, env={"TF_EXTRA": "1"})
    assert "'TF_EXTRA'" in with_x.stdout and "TF_EXTRA=1" in with_x.stdout, with_x
    for _ in range(3):  # whichever worker answers
        r = pool.run(src)
        assert "TF_EXTRA" not in r.stdout and "PATH=/usr/local/bin:/usr/bin:/bin" in r.stdout, r


def test_stdin_is_a_regular_file_as_on_a_judge(pool):
    """Fast-IO idioms read ``os.fstat(0).st_size`` bytes; a pipe would report 0 and read nothing."""
    data = "3\n1 2 3\n" + "x" * 200_000 + "\n"
    src = "import os, stat\nst = os.fstat(0)\nprint(stat.S_ISREG(st.st_mode), st.st_size, len(os.read(0, st.st_size)))"
    r = pool.run(src, data)
    assert r.stdout.split() == ["True", str(len(data)), str(len(data))]


def test_the_seccomp_filter_is_inherited_from_the_server(pool):
    """The filter is loaded once in each server; every execution (and its children) must still be under it."""
    src = ("import os, socket\n"
           "print(open('/proc/self/status').read().split('Seccomp:')[1].split()[0], flush=True)\n"
           "pid = os.fork()\n"
           "if pid == 0:\n"
           "    try:\n"
           "        socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
           "        print('inet allowed', flush=True)\n"
           "    except OSError as exc:\n"
           "        print('denied', exc.errno, flush=True)\n"
           "    os._exit(0)\n"
           "os.waitpid(pid, 0)\n")
    r = pool.run(src)
    assert r.stdout.split("\n")[:2] == ["2", "denied 97"], r.stdout + r.stderr


def test_the_stdin_tmpfs_is_unreachable(pool):
    """Stdin files live on a detached tmpfs: nothing in the sandbox's tree leads to it."""
    src = ("import os\nprint(os.path.ismount('/.stdin'), os.listdir('/.stdin') if os.path.isdir('/.stdin') else None)\n"
           "print(any('/.stdin' in line for line in open('/proc/self/mountinfo')))")
    r = pool.run(src, "data\n")
    assert r.stdout.split("\n")[:2] == ["False []", "False"], r.stdout + r.stderr


def test_stdin_larger_than_the_work_dir_tmpfs(pool):
    """Inputs live on their own tmpfs: a big test case must not fail for lack of work-dir space."""
    from thinkforge.defaults import SANDBOX

    size = (SANDBOX.tmpfs_mb + 8) * 1024 * 1024
    r = pool.run("import os, sys\nn = 0\nwhile chunk := os.read(0, 1 << 20):\n    n += len(chunk)\nprint(n)",
                 "x" * size)
    assert (r.status, r.stdout) == ("ok", f"{size}\n"), r.error or r.stderr


def test_executions_are_not_dumpable(pool):
    """A process of an execution cannot open another one's /proc files (here: its own forked child's)."""
    src = ("import ctypes, os, time\n"
           "print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0), flush=True)\n"  # PR_GET_DUMPABLE
           "pid = os.fork()\n"
           "if pid == 0:\n"
           "    time.sleep(5)\n"
           "    os._exit(0)\n"
           "for name in ('mem', 'environ', 'fd/0'):\n"
           "    try:\n"
           "        open(f'/proc/{pid}/{name}', 'rb').close()\n"
           "        print(name, 'opened')\n"
           "    except OSError as exc:\n"
           "        print(name, exc.errno)\n")
    r = pool.run(src)
    assert r.stdout.split("\n")[0] == "0", r.stdout + r.stderr
    assert "opened" not in r.stdout, r.stdout

"""The in-sandbox test harness for functional and assertion tests (all tests of a sample in one execution).

The harness is a fixed program; the solution arrives as ``solution.py`` in the work dir and the test spec on
stdin: first a per-execution nonce line, then one JSON line (stdin is then replaced by /dev/null so the solution
cannot rewind it). Each test result is printed on the real stdout as ``<nonce> <json>``; the solution's own prints
are captured separately, so stray prints and an early exit cannot pass.

The solution shares this process, so nothing here is trusted to decide a pass: functional tests only report
the plain-JSON value each call returned and the judge compares it with the expected value, which never enters
the sandbox. Assertion tests (the test program runs beside the solution) remain forgeable by a solution that
deliberately inspects the harness (e.g. walks its frames); see the judge's notes. Per-test timeouts use an
interval timer inside the sandboxed process; the sandbox's own wall-clock limit backs it up.
"""

from __future__ import annotations

HARNESS_FILENAME = "harness.py"
SOLUTION_FILENAME = "solution.py"

HARNESS_SOURCE = r'''
import contextlib, io, json, math, os, signal, sys, time, traceback


class _TestTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _TestTimeout()


def _emit(nonce, obj):
    data = (nonce + " " + json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(_OUT, data):]


def _error_text(exc, limit):
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[-limit:]


def _plain(value):
    """JSON-compatible view of a return value (tuples become lists); None if it cannot be converted."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError, RecursionError):
        return _Unconvertible


_Unconvertible = object()


def _run(fn, timeout):
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _main():
    nonce = sys.stdin.readline().strip()
    spec = json.loads(sys.stdin.readline())
    sys.stdin = io.StringIO("")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # the spec's memfd could be rewound to read the nonce
    os.close(null)
    signal.signal(signal.SIGALRM, _alarm)
    limit = spec["detail_chars"]
    timeout = spec["timeout_s"]
    captured = io.StringIO()
    with open(spec["solution_file"], encoding="utf-8") as fh:
        source = fh.read()
    try:
        code = compile(source, spec["solution_file"], "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        _emit(nonce, {"phase": "compile", "status": "compile_error", "error": _error_text(exc, limit)})
        return
    ns = {"__name__": "solution", "__builtins__": __builtins__}
    sys.modules["solution"] = type(sys)("solution")
    sys.modules["solution"].__dict__.update(ns)
    ns = sys.modules["solution"].__dict__
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(captured):
            _run(lambda: exec(code, ns), timeout)
    except _TestTimeout:
        _emit(nonce, {"phase": "load", "status": "timeout", "error": "defining the solution timed out"})
        return
    except MemoryError as exc:
        _emit(nonce, {"phase": "load", "status": "memory", "error": _error_text(exc, limit)})
        return
    except BaseException as exc:
        _emit(nonce, {"phase": "load", "status": "runtime_error", "error": _error_text(exc, limit)})
        return
    if spec["style"] == "assertion":
        _assertion(nonce, spec, ns, captured, timeout, limit)
    else:
        _functional(nonce, spec, ns, captured, timeout, limit)


def _finish(exc):
    if isinstance(exc, _TestTimeout):
        return "timeout"
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, AssertionError):
        return "wrong"
    return "runtime_error"


def _assertion(nonce, spec, ns, captured, timeout, limit):
    start = time.perf_counter()
    try:
        test = compile(spec["test_program"], "test_program.py", "exec")
        with contextlib.redirect_stdout(captured):
            _run(lambda: exec(test, ns), timeout)
        status, error = "pass", None
    except BaseException as exc:
        status, error = _finish(exc), _error_text(exc, limit)
    _emit(nonce, {"phase": "test", "index": 0, "status": status, "error": error,
                  "time_s": time.perf_counter() - start, "output": captured.getvalue()[-limit:]})


def _target(spec, ns):
    name, cls = spec["func_name"], spec.get("class_name")
    if cls and isinstance(ns.get(cls), type):
        return getattr(ns[cls](), name)
    if callable(ns.get(name)):
        return ns[name]
    for candidate in ("Solution", cls):
        if candidate and isinstance(ns.get(candidate), type) and hasattr(ns[candidate], name):
            return getattr(ns[candidate](), name)
    raise NameError("the solution defines no function or method named %r" % name)


def _functional(nonce, spec, ns, captured, timeout, limit):
    for index, test in enumerate(spec["tests"]):
        start = time.perf_counter()
        got = None
        try:
            fn = _target(spec, ns)
            args = json.loads(json.dumps(test["args"]))
            with contextlib.redirect_stdout(captured):
                got = _run(lambda: fn(*args), timeout)
            got = _plain(got)
            if got is _Unconvertible:
                status, error, got = "wrong", "return value is not JSON-like", None
            else:
                status, error = "returned", None  # the judge compares the value outside the sandbox
        except BaseException as exc:
            status, error = _finish(exc), _error_text(exc, limit)
        _emit(nonce, {"phase": "test", "index": index, "status": status, "error": error, "value": got,
                      "time_s": time.perf_counter() - start, "got": repr(got)[:limit]})
        if status != "returned" and spec["stop_on_first_failure"]:
            return


_OUT = os.dup(1)
os.dup2(2, 1)  # the solution's stray writes to fd 1 land on stderr, never among the results
_main()
sys.stdout.flush()
os._exit(0)
'''

"""thinkforge's in-sandbox test harness: the referee and the functional runner (standard library only).

Never imported by thinkforge: ``harness.py`` joins ``_harness_wire.py`` and this text into one program that the
sandbox runs; the first argument names the role.

functional (``harness.py functional``): the solution (``solution.py`` in the work dir) runs in this process; on
stdin come a per-execution nonce line and one JSON spec line (stdin is then replaced by /dev/null). Each test
result is printed on the real stdout as ``<nonce> <json>``; whatever the solution prints is captured separately,
so stray prints cannot pose as results. Each call's return value is reported as plain JSON and the judge
compares it with the expected value outside the sandbox (expected values never enter it).

assertion: two processes. The *referee* (``referee.py referee``) is a ``thinkforge.sandbox.Referee``: started once
per sandbox worker under a uid of its own, it takes one job per execution (the JSON spec, with the two pipe ends
of that execution's program) and answers with the list of test records. The tests (HumanEval's ``check``, MBPP's
asserts, ...) run in the referee. The execution's program is the solution side of ``_harness_wire.py``: a fresh
sandboxed process that loads the solution and answers the referee's requests on fds 4/5; it never sees the spec,
the tests or the records. Each name the tests take from the solution is a proxy: calls, attribute reads and
writes, iteration and indexing travel over a pipe, and what comes back is decoded here into plain built-in values
(ints, floats, strings, lists, tuples, dicts, sets, bytes) or an opaque handle to an object that stays in the
solution process. Every comparison of a test therefore runs on plain values inside the referee: an ``__eq__``
that always answers True, a patched builtin, a walk up the frames to the reporting code or an early
``sys.exit(0)`` cannot make a test pass. Trusted helper code (the task's prefix, e.g. HumanEval's
``encode_shift``) is executed in the referee too, so a solution cannot redefine what the tests rely on. The
sandbox makes both processes non-dumpable and gives them different uids: the solution can neither read nor
signal the referee, and every process of the execution is killed before the referee takes its next job.
"""

# Joined after _harness_wire.py (see harness.py): the wire, the value encoding and the solution side come from there.
import importlib
import socket
import time

_OUT = -1  # functional: the real stdout, which carries results only (set by _main)
_BUILTIN_NAMES = frozenset(dir(builtins))


class _FromSolution:
    """Mixin marking an exception raised by the solution's code (not by the test's own assert)."""


def _emit(nonce, obj):
    data = (nonce + " " + json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(_OUT, data):]


def _finish(exc):
    if isinstance(exc, _TestTimeout):
        return "timeout"
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, _SolutionGone):
        return exc.status
    if isinstance(exc, AssertionError) and not isinstance(exc, _FromSolution):
        return "wrong"
    return "runtime_error"


# ---- the referee ------------------------------------------------------------------------------------------------

class _SolutionGone(Exception):
    """The solution process is gone (it exited, crashed, or was stopped after a timeout)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


_REMOTE_EXCEPTIONS = {}


_CONTROL_FLOW = (StopIteration, StopAsyncIteration)


class SolutionError(Exception, _FromSolution):
    """An exception of the solution's own (non-built-in) type, named in the message."""


def _remote_exception(type_name, message):
    """An exception raised by the solution, re-raised here as the built-in type of that name when there is one
    (so a test's ``except ValueError`` still works), marked as coming from the solution."""
    base = getattr(builtins, type_name, None)
    # never control flow: a StopIteration escaping a call inside a test's map()/filter() would end it silently
    if isinstance(base, type) and issubclass(base, Exception) and not issubclass(base, _CONTROL_FLOW):
        cls = _REMOTE_EXCEPTIONS.get(base)
        if cls is None:
            try:
                cls = type(base.__name__, (base, _FromSolution), {})
            except TypeError:  # a built-in whose layout does not take the mixin
                cls = None
            _REMOTE_EXCEPTIONS[base] = cls
        if cls is not None:
            try:
                return cls(message)
            except TypeError:  # a built-in whose constructor needs more than a message
                pass
    return SolutionError("%s: %s" % (type_name, message))


class _Solution:
    """The referee's end of the wire: one request → one reply, with the current test's deadline."""

    def __init__(self, w, r, cap, grace):
        self.w, self.r, self.cap, self.grace = w, r, cap, grace
        self.deadline = None
        self.gone = None
        self.output = []
        self.handles = {}

    def handle(self, ref):
        remote = self.handles.get(ref)
        if remote is None:
            remote = self.handles[ref] = _Remote(self, ref)
        return remote

    def encode(self, value):
        def ref_of(v):
            if isinstance(v, _Remote) and object.__getattribute__(v, "_sol") is self:
                return object.__getattribute__(v, "_ref")
            raise TypeError("cannot pass a %s to the solution (only plain values and its own objects)"
                            % type(v).__name__)
        return _encode(value, ref_of)

    def request(self, op, originals=None, **fields):
        if self.gone:
            raise _SolutionGone(*self.gone)
        remaining = (self.deadline - time.perf_counter()) if self.deadline else 1.0
        fields.update(op=op, timeout=max(remaining, 1e-3))
        try:
            _send(self.w, fields, marshal.dumps)
            reply = _recv(self.r, self.cap)
        except _TestTimeout:
            self.stop("the solution did not answer within the test's time limit", "timeout")
            raise
        except (EOFError, OSError):
            self.stop("the solution process ended (it exited or crashed)", "runtime_error")
            raise _SolutionGone(*self.gone) from None
        except (ValueError, RecursionError, _WireError) as exc:
            self.stop("the solution process broke the protocol: %s" % exc, "runtime_error")
            raise _SolutionGone(*self.gone) from None
        if type(reply) is not dict:
            self.stop("the solution process broke the protocol", "runtime_error")
            raise _SolutionGone(*self.gone)
        out = reply.get("out")
        if type(out) is str:
            self.output.append(out)
        if reply.get("ok") is True:
            if op == "load":
                return reply.get("names")
            value = _decode(reply.get("value"), self.handle)
            if originals:
                self._copy_back(originals, reply.get("back"))
            return value
        status, error = reply.get("status"), str(reply.get("error") or "")
        if status == "timeout":
            raise _TestTimeout()
        if status == "stop" and op == "next":  # anywhere else a StopIteration would end a test's map() early
            raise StopIteration
        if status == "memory":
            raise _remote_exception("MemoryError", error)
        if status == "exit":
            raise _remote_exception("RuntimeError", error)
        if status == "compile_error" and op == "load":
            raise SyntaxError(error)
        raise _remote_exception(str(reply.get("type") or "Exception"), error)

    def _copy_back(self, originals, back):
        """Update the test's own list/dict/set arguments with their state after the call (plain values only)."""
        if type(back) is not list:
            return
        for pair in back:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (int, str):
                raise _WireError("malformed argument copy-back from the solution process")
            original = originals.get(pair[0])
            if original is None:
                continue
            new = _decode(pair[1], self.handle)
            if type(new) is not type(original):
                raise _WireError("an argument changed its type")
            if type(original) is list:
                original[:] = new
            else:
                original.clear()
                original.update(new)

    def stop(self, message, status):
        """Stop talking to the solution (the sandbox kills its processes once this job is reported)."""
        if not self.gone:
            self.gone = (message, status)
            for fd in (self.w, self.r):
                try:
                    os.close(fd)
                except OSError:
                    pass

    def take_output(self):
        text = "".join(self.output)
        self.output = []
        return text


class _Remote:
    """A handle to an object living in the solution process; every use is a request over the wire."""

    __slots__ = ("_sol", "_ref")

    def __init__(self, sol, ref):
        object.__setattr__(self, "_sol", sol)
        object.__setattr__(self, "_ref", ref)

    def _ask(self, op, originals=None, **fields):
        return object.__getattribute__(self, "_sol").request(op, originals, ref=object.__getattribute__(self, "_ref"),
                                                             **fields)

    def __call__(self, *args, **kwargs):
        sol = object.__getattribute__(self, "_sol")
        originals = {i: a for i, a in enumerate(args) if type(a) in _MUTABLE}
        originals.update((k, v) for k, v in kwargs.items() if type(v) in _MUTABLE)
        return self._ask("call", originals=originals, args=sol.encode(list(args)),
                         kwargs=[[str(k), sol.encode(v)] for k, v in kwargs.items()])

    def __getattr__(self, name):
        return self._ask("getattr", name=str(name))

    def __setattr__(self, name, value):
        self._ask("setattr", name=str(name), value=object.__getattribute__(self, "_sol").encode(value))

    def __iter__(self):
        return _RemoteIterator(self._ask("iter"))

    def __len__(self):
        n = self._ask("len")
        if type(n) is not int:
            raise TypeError("len() of a solution object gave a non-integer")
        return n

    def __bool__(self):
        return self._ask("bool") is True

    def __getitem__(self, key):
        return self._ask("getitem", key=object.__getattribute__(self, "_sol").encode(key))

    def __contains__(self, item):
        return self._ask("contains", item=object.__getattribute__(self, "_sol").encode(item)) is True

    def __eq__(self, other):
        # Only two of the solution's own objects are compared by the solution; a handle never equals a plain
        # value (a returned object claiming to equal everything must not pass a test).
        if isinstance(other, _Remote):
            return self._ask("eq", other=object.__getattribute__(other, "_ref")) is True
        return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(("solution-object", object.__getattribute__(self, "_ref")))

    def __repr__(self):
        text = self._ask("repr")
        return text if type(text) is str else "<solution object>"


class _RemoteIterator:
    def __init__(self, remote):
        self.remote = remote

    def __iter__(self):
        return self

    def __next__(self):
        if not isinstance(self.remote, _Remote):
            raise TypeError("the solution's iterator is not an object handle")
        return self.remote._ask("next")


def _global_names(code):
    """Every name a compiled test (and the functions inside it) may look up."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _test_line(exc, sources):
    """``test_N.py:LINE: <source>`` of the innermost test line the exception passed through, if any."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name in sources:
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return None
    lines = sources[found[0]].splitlines()
    text = lines[found[1] - 1].strip() if 0 < found[1] <= len(lines) else ""
    return "%s:%d: %s" % (found[0], found[1], text)


_COMPILED = {}  # (text, filename) -> code: a referee judges many samples of the same problem


def _compiled(text, filename):
    key = (text, filename)
    code = _COMPILED.get(key)
    if code is None:
        code = compile(text, filename, "exec")
        if len(_COMPILED) >= 512:
            _COMPILED.clear()
        _COMPILED[key] = code
    return code


def _compile_tests(spec):
    units = spec["tests"]
    return (_compiled(spec.get("test_setup") or "", "test_setup.py"),
            [_compiled(unit, "test_%d.py" % i) for i, unit in enumerate(units)])


def _assertion(emit, spec, sol, limit):
    timeout = spec["timeout_s"]
    sol.deadline = time.perf_counter() + timeout
    try:
        setup, units = _compile_tests(spec)
        ns = {"__name__": "__tests__", "__builtins__": builtins}
        _run(lambda: exec(_compiled(spec.get("prefix") or "", "prefix.py"), ns), timeout)
    except BaseException as exc:  # a broken test (the task's fault): every test fails with the reason
        emit({"phase": "load", "status": "runtime_error", "error": "test code: " + _error_text(exc, limit)})
        return
    entry = spec.get("entry_point")
    wanted = set()
    for code in (setup, *units):
        wanted |= _global_names(code)
    wanted = sorted(n for n in wanted if n not in ns and (n not in _BUILTIN_NAMES or n == entry))
    try:
        names = _run(lambda: sol.request("load", file=spec["solution_file"], bytecode=spec.get("solution_bytecode"),
                                         names=wanted), timeout + sol.grace)
        asked = set(wanted)
        for name, node in names:
            if name not in asked:  # the solution may only fill in what the tests look up
                continue
            if name in sys.stdlib_module_names and name != entry:
                # a test's `math.isclose(...)` relies on the solution's `import math`: whatever the solution
                # bound to that name (a fake object, `import cmath as math`), the test gets the real module
                ns[name] = importlib.import_module(name)
            elif type(node) is dict and set(node) == {"m"}:
                # another module the solution imported (`import collections as c`): only one this process has
                # already loaded; importing what the solution names could run code it prepared
                module = sys.modules.get(node["m"]) if type(node["m"]) is str else None
                if module is not None and "__main__" not in node["m"].split("."):
                    ns[name] = module
            else:
                ns[name] = _decode(node, sol.handle)
    except BaseException as exc:
        status = "compile_error" if isinstance(exc, SyntaxError) else _finish(exc)
        if status == "wrong":
            status = "runtime_error"
        emit({"phase": "compile" if status == "compile_error" else "load", "status": status,
                      "error": _error_text(exc, limit)})
        return
    try:
        sol.deadline = time.perf_counter() + timeout
        _run(lambda: exec(setup, ns), timeout + sol.grace)
    except BaseException as exc:
        status = _finish(exc)
        emit({"phase": "load", "status": "runtime_error" if status == "wrong" else status,
                      "error": "test setup: " + _error_text(exc, limit)})
        return
    sources = {"test_%d.py" % i: text for i, text in enumerate(spec["tests"])}
    for index, unit in enumerate(units):
        start = time.perf_counter()
        sol.deadline = start + timeout
        try:
            _run(lambda: exec(unit, ns), timeout + sol.grace)
            status, error = "pass", None
        except BaseException as exc:
            status, error = _finish(exc), _error_text(exc, limit)
            where = _test_line(exc, sources)
            if where:
                error = (error + " at " + where)[-limit:]
        emit({"phase": "test", "index": index, "status": status, "error": error,
                      "time_s": time.perf_counter() - start, "output": sol.take_output()[-limit:]})
        if status != "pass" and spec["stop_on_first_failure"]:
            return


# ---- functional tests (in this process; values are judged outside the sandbox) ---------------------------------

def _plain(value):
    """JSON-compatible view of a return value (tuples become lists); _Unconvertible if it cannot be converted."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError, RecursionError):
        return _Unconvertible


_Unconvertible = object()


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


def _load_in_process(nonce, spec, captured, limit):
    try:
        code = _solution_code(spec["solution_file"], spec.get("solution_bytecode"))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        _emit(nonce, {"phase": "compile", "status": "compile_error", "error": _error_text(exc, limit)})
        return None
    ns = _solution_module()
    try:
        _captured(captured, lambda: _run(lambda: exec(code, ns), spec["timeout_s"]))
    except BaseException as exc:
        status = _finish(exc)
        _emit(nonce, {"phase": "load", "status": "runtime_error" if status == "wrong" else status,
                      "error": _error_text(exc, limit)})
        return None
    return ns


def _functional(nonce, spec, limit):
    captured = io.StringIO()
    ns = _load_in_process(nonce, spec, captured, limit)
    if ns is None:
        return
    for index, test in enumerate(spec["tests"]):
        start = time.perf_counter()
        got = None
        try:
            fn = _target(spec, ns)
            args = json.loads(json.dumps(test["args"]))
            got = _captured(captured, lambda: _run(lambda: fn(*args), spec["timeout_s"]))
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


_JOB_HEAD = struct.Struct(">IQ")  # a job's (and its report's) header: body length, job number


def _recv_job(sock):
    """The next job from the sandbox: (number, spec, [to_solution_w, from_solution_r]), or None at the end."""
    head, fds, _flags, _addr = socket.recv_fds(sock, _JOB_HEAD.size, 2)
    data = bytearray(head)
    while data and len(data) < _JOB_HEAD.size:
        data += sock.recv(_JOB_HEAD.size - len(data))
    if len(data) < _JOB_HEAD.size:
        return None
    size, number = _JOB_HEAD.unpack(data)
    body = bytearray()
    while len(body) < size:
        chunk = sock.recv(min(size - len(body), 1 << 20))
        if not chunk:
            return None
        body += chunk
    return number, json.loads(body), fds


def _referee_loop():
    """The referee: one job per execution of the solution role, each answered with its list of test records."""
    sock = socket.socket(fileno=3)
    while True:
        job = _recv_job(sock)
        if job is None:
            os._exit(0)
        number, spec, fds = job
        records = []
        sol = None
        try:
            if len(fds) != 2:
                raise _WireError("a job needs the two pipe ends of its program")
            sol = _Solution(fds[0], fds[1], int(spec["reply_cap"]), float(spec["grace_s"]))
            _assertion(records.append, spec, sol, int(spec["detail_chars"]))
        except BaseException as exc:  # noqa: BLE001 - a broken job is reported, the referee carries on
            records.append({"phase": "load", "status": "runtime_error", "error": "referee: " + _error_text(exc, 400)})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            if sol is not None:
                sol.stop("finished", "runtime_error")
            else:
                for fd in fds:
                    os.close(fd)
        data = json.dumps(records).encode()
        sock.sendall(_JOB_HEAD.pack(len(data), number) + data)


def _main():
    global _OUT
    _forget_work_dir()
    _on_alarm(_alarm)
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role == "referee":
        _referee_loop()
    sys.stdin = io.StringIO("")
    _OUT = os.dup(1)  # the real stdout carries results only
    os.dup2(2, 1)  # stray writes to fd 1 land on stderr, never among the results
    nonce = sys.__stdin__.readline().strip()
    spec = json.loads(sys.__stdin__.readline())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # the spec's file could be rewound to read the nonce
    os.close(null)
    _functional(nonce, spec, spec["detail_chars"])


if __name__ == "__main__":
    _main()
    sys.stdout.flush()
    os._exit(0)

"""thinkforge's in-sandbox test harness: a fixed program the sandbox runs as ``harness.py`` (standard library only).

Never imported by thinkforge: the judge sends this file's text to the sandbox. Inputs: the test style as the only
argument, the solution as ``solution.py`` in the work dir, and on stdin a per-execution nonce line and one JSON
spec line (stdin is then replaced by /dev/null). Each test result is printed on the real stdout as
``<nonce> <json>``; whatever the solution prints is captured separately, so stray prints cannot pose as results.

functional: the solution runs in this process; each call's return value is reported as plain JSON and the judge
compares it with the expected value outside the sandbox (expected values never enter it).

assertion: the tests (HumanEval's ``check``, MBPP's asserts, ...) run in this process, the *referee*, and the
solution runs in a second process forked before the nonce is read. Each name the tests take from the solution is
a proxy: calls, attribute reads and writes, iteration and indexing travel over a pipe, and what comes back is
decoded here into plain built-in values (ints, floats, strings, lists, tuples, dicts, sets, bytes) or an opaque
handle to an object that stays in the solution process. Every comparison of a test therefore runs on plain
values inside the referee: an ``__eq__`` that always answers True, a patched builtin, a walk up the frames to the
reporting code or an early ``sys.exit(0)`` cannot make a test pass. Trusted helper code (the task's prefix, e.g.
HumanEval's ``encode_shift``) is executed here too, so a solution cannot redefine what the tests rely on. The
sandbox makes both processes non-dumpable: neither can read the other's memory or file descriptors.
"""

import builtins
import collections
import contextlib
import decimal
import fractions
import importlib
import io
import json
import os
import signal
import struct
import sys
import time
import traceback
import types

_OUT = os.dup(1)  # the real stdout carries results only; the solution process closes its copy
os.dup2(2, 1)  # stray writes to fd 1 land on stderr, never among the results
# The work dir is writable by the solution: a ``random.py`` dropped there must never be what a test imports.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != _HERE]
_HEAD = struct.Struct(">I")
#: Ints up to this many bits travel as JSON numbers (decimal); larger ones as hex strings.
_DECIMAL_INT_BITS = 4096
_BUILTIN_NAMES = frozenset(dir(builtins))


class _TestTimeout(BaseException):
    pass


class _WireError(Exception):
    """The solution process sent something that is not a well-formed reply."""


class _FromSolution:
    """Mixin marking an exception raised by the solution's code (not by the test's own assert)."""


def _alarm(signum, frame):
    raise _TestTimeout()


def _run(fn, timeout):
    signal.setitimer(signal.ITIMER_REAL, max(timeout, 1e-3))
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _emit(nonce, obj):
    data = (nonce + " " + json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(_OUT, data):]


def _error_text(exc, limit):
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[-limit:]


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


# ---- the wire between referee and solution ---------------------------------------------------------------------

def _send(fd, obj):
    data = json.dumps(obj).encode()
    data = _HEAD.pack(len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _read_exact(fd, n):
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _recv(fd, cap):
    (size,) = _HEAD.unpack(_read_exact(fd, _HEAD.size))
    if size > cap:
        raise _WireError("a reply of %d bytes exceeds the %d-byte cap" % (size, cap))
    return json.loads(_read_exact(fd, size))


def _encode(value, ref_of):
    """A plain built-in value as a JSON tree (tagged where JSON lacks the type); anything else via ``ref_of``.

    Subclasses of the built-in types travel as their base type (a namedtuple as a tuple, a Counter as a dict),
    which is how ``==`` treats them anyway."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int):
        value = int(value)  # past ~4300 digits str() refuses (int_max_str_digits); hex has no such limit
        return value if value.bit_length() <= _DECIMAL_INT_BITS else {"h": hex(value)}
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return [_encode(v, ref_of) for v in value]
    if isinstance(value, tuple):
        fields = getattr(type(value), "_fields", None)
        if isinstance(fields, tuple) and len(fields) == len(value) and all(type(f) is str for f in fields):
            return {"n": [type(value).__name__, list(fields), [_encode(v, ref_of) for v in value]]}  # namedtuple
        return {"t": [_encode(v, ref_of) for v in value]}
    if isinstance(value, dict):
        return {"d": [[_encode(k, ref_of), _encode(v, ref_of)] for k, v in value.items()]}
    if isinstance(value, frozenset):
        return {"f": [_encode(v, ref_of) for v in value]}
    if isinstance(value, set):
        return {"s": [_encode(v, ref_of) for v in value]}
    if isinstance(value, (bytes, bytearray)):
        return {"b": bytes(value).decode("latin-1")}
    if isinstance(value, complex):
        return {"c": [complex(value).real, complex(value).imag]}
    if isinstance(value, fractions.Fraction):
        return {"q": [_encode(value.numerator, ref_of), _encode(value.denominator, ref_of)]}
    if isinstance(value, decimal.Decimal):
        return {"D": str(value)}
    if isinstance(value, (type, types.BuiltinFunctionType)):
        name = getattr(value, "__name__", None)
        if type(name) is str and getattr(builtins, name, None) is value:  # `int`, `len`: by name
            return {"y": name}
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        return _encode(value.item(), ref_of)  # a numpy scalar: its Python value (== treats them alike)
    return {"r": ref_of(value)}


_NAMEDTUPLES = {}


def _namedtuple(name, fields):
    """A namedtuple class built here (trusted ``==``: a tuple's) for a namedtuple the solution returned."""
    if type(name) is not str or type(fields) is not list or not all(type(f) is str for f in fields):
        raise _WireError("malformed namedtuple from the solution process")
    key = (name, tuple(fields))
    if key not in _NAMEDTUPLES:
        try:
            _NAMEDTUPLES[key] = collections.namedtuple(name, fields)
        except Exception:  # names namedtuple refuses (keywords, duplicates, NFKC twins): a plain tuple
            _NAMEDTUPLES[key] = lambda *values: tuple(values)
    return _NAMEDTUPLES[key]


def _decode(node, handle, functions=False):
    """Rebuild a value from a JSON tree: only built-in types, or ``handle(ref)`` for a remote object.

    Built-ins named by ``{"y": name}``: types always, functions only where ``functions`` (the solution's side;
    the referee never takes a callable of its own builtins from the solution)."""
    kind = type(node)
    if node is None or kind in (bool, int, float, str):
        return node
    dec = lambda v: _decode(v, handle, functions)  # noqa: E731
    if kind is list:
        return [dec(v) for v in node]
    if kind is dict and len(node) == 1:
        ((tag, body),) = node.items()
        if tag == "r" and type(body) is int:
            return handle(body)
        if tag == "y" and type(body) is str:
            named = getattr(builtins, body, None)
            if isinstance(named, type) or (functions and isinstance(named, types.BuiltinFunctionType)):
                return named
        if tag == "b" and type(body) is str:
            return body.encode("latin-1")
        if tag == "h" and type(body) is str:
            return int(body, 16)
        if tag == "D" and type(body) is str:
            return decimal.Decimal(body)
        if type(body) is list:
            if tag == "t":
                return tuple(dec(v) for v in body)
            if tag == "n" and len(body) == 3 and type(body[2]) is list:
                return _namedtuple(body[0], body[1])(*(dec(v) for v in body[2]))
            if tag == "s":
                return {dec(v) for v in body}
            if tag == "f":
                return frozenset(dec(v) for v in body)
            if tag == "c" and len(body) == 2 and all(type(v) in (int, float) for v in body):
                return complex(body[0], body[1])
            if tag == "q" and len(body) == 2:
                numerator, denominator = (dec(v) for v in body)
                if type(numerator) is int and type(denominator) is int and denominator > 0:
                    return fractions.Fraction(numerator, denominator)
            if tag == "d" and all(type(p) is list and len(p) == 2 for p in body):
                return {dec(k): dec(v) for k, v in body}
    raise _WireError("malformed value from the solution process")


# ---- the solution process ----------------------------------------------------------------------------------------

def _serve(r, w, spec_cap, limit):
    """The solution process: load the solution, then answer the referee's requests until the pipe closes."""
    objects = []
    refs = {}

    def ref_of(value):
        key = id(value)
        if key not in refs:  # the table keeps every handed-out object alive, so ids stay unique
            refs[key] = len(objects)
            objects.append(value)
        return refs[key]

    def obj(ref):
        if type(ref) is not int or not 0 <= ref < len(objects):
            raise _WireError("unknown handle")
        return objects[ref]

    captured = io.StringIO()
    while True:
        try:
            req = _recv(r, spec_cap)
        except (EOFError, OSError):
            os._exit(0)
        reply = _answer(req, obj, ref_of, captured, limit)
        out = captured.getvalue()
        if out:
            reply["out"] = out[-limit:]
            captured.seek(0)
            captured.truncate()
        try:
            _send(w, reply)
        except OSError:
            os._exit(0)


def _answer(req, obj, ref_of, captured, limit):
    op = req.get("op")
    try:
        with contextlib.redirect_stdout(captured):
            value = _run(lambda: _perform(op, req, obj, ref_of), float(req.get("timeout") or 1.0))
        if op == "load":
            return {"ok": True, "names": value}
        if isinstance(value, _CallResult):
            return {"ok": True, "value": _encode(value.result, ref_of),
                    "back": [[key, _encode(arg, ref_of)] for key, arg in value.mutable]}
        return {"ok": True, "value": _encode(value, ref_of)}
    except _TestTimeout:
        return {"ok": False, "status": "timeout"}
    except StopIteration:
        return {"ok": False, "status": "stop"}
    except MemoryError as exc:
        return {"ok": False, "status": "memory", "error": _error_text(exc, limit)}
    except SyntaxError as exc:
        if op == "load":
            return {"ok": False, "status": "compile_error", "error": _error_text(exc, limit)}
        return {"ok": False, "status": "error", "type": "SyntaxError", "error": _error_text(exc, limit)}
    except SystemExit as exc:
        return {"ok": False, "status": "exit", "error": "the solution called exit(%r)" % (exc.code,)}
    except BaseException as exc:  # the solution's own error: reported with its type name and message
        return {"ok": False, "status": "error", "type": type(exc).__name__, "error": str(exc)[-limit:]}


def _compile_solution(path):
    with open(path, encoding="utf-8") as fh:
        return compile(fh.read(), path, "exec")


def _solution_module():
    """The namespace the solution runs in: a fresh module named ``solution`` (pickle and friends find it)."""
    module = types.ModuleType("solution")
    module.__builtins__ = builtins
    sys.modules["solution"] = module
    return module.__dict__


_MUTABLE = (list, dict, set)


class _CallResult:
    """A call's return value plus the mutable arguments to send back (the referee updates its own copies)."""

    def __init__(self, result, mutable):
        self.result, self.mutable = result, mutable


def _perform(op, req, obj, ref_of):
    dec = lambda node: _decode(node, obj, functions=True)  # noqa: E731
    if op == "load":
        ns = _solution_module()
        exec(_compile_solution(req["file"]), ns)
        names = []
        for name in req["names"]:
            if name in ns:
                value = ns[name]
                names.append([name, {"m": value.__name__} if isinstance(value, types.ModuleType) else
                              _encode(value, ref_of)])
        return names
    target = obj(req.get("ref"))
    if op == "call":
        args, kwargs = dec(req["args"]), {k: dec(v) for k, v in req["kwargs"]}
        result = target(*args, **kwargs)
        # containers the call may have changed in place travel back, so `f(a); assert a == ...` tests work
        mutable = [(i, a) for i, a in enumerate(args) if type(a) in _MUTABLE]
        return _CallResult(result, mutable + [(k, v) for k, v in kwargs.items() if type(v) in _MUTABLE])
    if op == "getattr":
        return getattr(target, str(req["name"]))
    if op == "setattr":
        setattr(target, str(req["name"]), dec(req["value"]))
        return None
    if op == "iter":
        return iter(target)  # an iterator is never a plain value: it travels as a handle
    if op == "next":
        return next(target)
    if op == "len":
        return len(target)
    if op == "bool":
        return bool(target)
    if op == "getitem":
        return target[dec(req["key"])]
    if op == "contains":
        return dec(req["item"]) in target
    if op == "eq":
        return bool(target == obj(req.get("other")))
    if op == "repr":
        return repr(target)
    raise _WireError("unknown request %r" % (op,))


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

    def __init__(self, pid, w, r, cap, grace):
        self.pid, self.w, self.r, self.cap, self.grace = pid, w, r, cap, grace
        self.deadline = None
        self.gone = None
        self.output = []
        self.handles = {}

    @classmethod
    def fork(cls, cap, limit, grace):
        """Start the solution process. Called before the nonce is read: the child never has it in memory."""
        to_sol_r, to_sol_w = os.pipe()
        to_ref_r, to_ref_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                for fd in (_OUT, to_sol_w, to_ref_r):
                    os.close(fd)
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.close(null)
                sys.stdin = io.StringIO("")
                _serve(to_sol_r, to_ref_w, cap, limit)
            finally:
                os._exit(0)
        os.close(to_sol_r)
        os.close(to_ref_w)
        return cls(pid, to_sol_w, to_ref_r, cap, grace)

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
            _send(self.w, fields)
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
        if not self.gone:
            self.gone = (message, status)
            try:
                os.kill(self.pid, signal.SIGKILL)
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
                         kwargs=[[k, sol.encode(v)] for k, v in kwargs.items()])

    def __getattr__(self, name):
        return self._ask("getattr", name=name)

    def __setattr__(self, name, value):
        self._ask("setattr", name=name, value=object.__getattribute__(self, "_sol").encode(value))

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


def _compile_tests(spec):
    units = spec["tests"]
    return (compile(spec.get("test_setup") or "", "test_setup.py", "exec"),
            [compile(unit, "test_%d.py" % i, "exec") for i, unit in enumerate(units)])


def _assertion(nonce, spec, sol, limit):
    timeout = spec["timeout_s"]
    sol.deadline = time.perf_counter() + timeout
    try:
        setup, units = _compile_tests(spec)
        ns = {"__name__": "__tests__", "__builtins__": builtins}
        _run(lambda: exec(compile(spec.get("prefix") or "", "prefix.py", "exec"), ns), timeout)
    except BaseException as exc:  # a broken test (the task's fault): every test fails with the reason
        _emit(nonce, {"phase": "load", "status": "runtime_error", "error": "test code: " + _error_text(exc, limit)})
        return
    entry = spec.get("entry_point")
    wanted = set()
    for code in (setup, *units):
        wanted |= _global_names(code)
    wanted = sorted(n for n in wanted if n not in ns and (n not in _BUILTIN_NAMES or n == entry))
    try:
        names = _run(lambda: sol.request("load", file=spec["solution_file"], names=wanted), timeout + sol.grace)
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
        _emit(nonce, {"phase": "compile" if status == "compile_error" else "load", "status": status,
                      "error": _error_text(exc, limit)})
        return
    try:
        sol.deadline = time.perf_counter() + timeout
        _run(lambda: exec(setup, ns), timeout + sol.grace)
    except BaseException as exc:
        status = _finish(exc)
        _emit(nonce, {"phase": "load", "status": "runtime_error" if status == "wrong" else status,
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
        _emit(nonce, {"phase": "test", "index": index, "status": status, "error": error,
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
        code = _compile_solution(spec["solution_file"])
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        _emit(nonce, {"phase": "compile", "status": "compile_error", "error": _error_text(exc, limit)})
        return None
    ns = _solution_module()
    try:
        with contextlib.redirect_stdout(captured):
            _run(lambda: exec(code, ns), spec["timeout_s"])
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
            with contextlib.redirect_stdout(captured):
                got = _run(lambda: fn(*args), spec["timeout_s"])
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


def _main():
    signal.signal(signal.SIGALRM, _alarm)
    style = sys.argv[1] if len(sys.argv) > 1 else ""
    sol = None
    if style == "assertion":  # before the nonce is read, so the solution process never holds it
        sol = _Solution.fork(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    nonce = sys.stdin.readline().strip()
    spec = json.loads(sys.stdin.readline())
    sys.stdin = io.StringIO("")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # the spec's file could be rewound to read the nonce
    os.close(null)
    limit = spec["detail_chars"]
    if sol is not None:
        try:
            _assertion(nonce, spec, sol, limit)
        finally:
            sol.stop("finished", "runtime_error")
    else:
        _functional(nonce, spec, limit)


if __name__ == "__main__":
    _main()
    sys.stdout.flush()
    os._exit(0)

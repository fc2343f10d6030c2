"""The part of thinkforge's in-sandbox harness that the solution process runs (standard library only).

Never imported by thinkforge: ``harness.py`` joins this text with ``_harness_program.py`` into the referee and
functional program, and with a two-line main into the solution program (small, so that the fresh process each
sample gets starts fast). Here: the wire between referee and solution (length-prefixed messages over two pipes:
the referee's requests in ``marshal``, which only the solution process parses; the solution's replies in JSON,
which is all the referee ever parses of what an untrusted process wrote), the plain-value encoding both sides
use, and the solution side, which loads ``solution.py`` and answers the referee's requests until its pipe closes.
"""

import builtins
import collections
import decimal
import fractions
import io
import json
import marshal
import os
import _signal
import signal
import struct
import sys
import traceback
import types

_HEAD = struct.Struct(">I")
#: Bytes asked for by a message's first read (a pipe's default capacity).
_FIRST_READ = 65536
#: Ints up to this many bits travel as JSON numbers (decimal); larger ones as hex strings.
_DECIMAL_INT_BITS = 4096


class _TestTimeout(BaseException):
    pass


class _WireError(Exception):
    """The solution process sent something that is not a well-formed reply."""


def _alarm(signum, frame):
    raise _TestTimeout()


def _on_alarm(handler):
    """Install ``handler`` for SIGALRM with the C call itself: ``signal.signal`` wraps it in enum conversions whose
    first use, in a freshly forked process, copies some thirty pages of the server's memory."""
    _signal.signal(int(signal.SIGALRM), handler)


def _run(fn, timeout):
    signal.setitimer(signal.ITIMER_REAL, max(timeout, 1e-3))
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _error_text(exc, limit):
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[-limit:]


# ---- the wire between referee and solution ---------------------------------------------------------------------

def _json_bytes(obj):
    return json.dumps(obj).encode()


def _send(fd, obj, dumps=_json_bytes):
    """One message: JSON (replies, which the referee parses), or ``marshal.dumps`` for the referee's requests (the
    solution process only ever parses what the trusted referee wrote, and marshal spares it the json module's
    Python code and regular expressions, pages each freshly forked process would copy)."""
    data = dumps(obj)
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


def _recv(fd, cap, loads=json.loads):
    """One message. The first read takes what the pipe holds (usually the whole message: one system call); the
    two sides take turns, so anything past the announced length is a broken protocol, never the next message."""
    data = os.read(fd, _FIRST_READ)
    if not data:
        raise EOFError
    if len(data) < _HEAD.size:
        data += _read_exact(fd, _HEAD.size - len(data))
    (size,) = _HEAD.unpack_from(data)
    if size > cap:
        raise _WireError("a reply of %d bytes exceeds the %d-byte cap" % (size, cap))
    body = data[_HEAD.size:]
    if len(body) > size:
        raise _WireError("%d bytes past the end of a message" % (len(body) - size))
    if len(body) < size:
        body += _read_exact(fd, size - len(body))
    return loads(body)


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
            req = _recv(r, spec_cap, marshal.loads)
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
        value = _captured(captured, lambda: _run(lambda: _perform(op, req, obj, ref_of),
                                                 float(req.get("timeout") or 1.0)))
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


def _captured(stream, fn):
    """``fn()`` with ``sys.stdout`` pointing at ``stream`` (what ``contextlib.redirect_stdout`` does, per request
    and without its objects)."""
    saved = sys.stdout
    sys.stdout = stream
    try:
        return fn()
    finally:
        sys.stdout = saved


def _read_file(path):
    """A file's bytes, read without a file object (its buffers and wrappers are pages a freshly forked process
    would copy)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _solution_code(path, bytecode=None):
    """The solution's code object: loaded from ``bytecode`` (the judge's compile of the same source, written
    beside it before this process started; it spares this process the compiler), else compiled from ``path``."""
    if bytecode:
        try:
            code = marshal.loads(_read_file(bytecode))
            if type(code) is types.CodeType:
                return code
        except (OSError, ValueError, EOFError, TypeError):
            pass
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
        exec(_solution_code(req["file"], req.get("bytecode")), ns)
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


def _forget_work_dir():
    """Take the program's own folder off ``sys.path``: the work dir is writable by the solution, and a
    ``random.py`` dropped there must never be what a test imports."""
    here = _identity(sys.argv[0].rpartition("/")[0] or ".")
    if here is None:  # the folder is gone: compare the paths themselves
        folder = os.path.dirname(os.path.abspath(sys.argv[0]))
        sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != folder]
    else:
        sys.path[:] = [p for p in sys.path if p and _identity(p) != here]


def _identity(path):
    """A folder's (device, inode), whatever path names it (None when it cannot be stat'ed): cheaper, in a freshly
    forked process, than normalising paths, and it also sees through links."""
    try:
        if not os.access(path, os.F_OK):  # a missing entry (python311.zip, usually): no exception to build
            return None
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _solution_main():
    """The solution role: ``serve.py CAP LIMIT``, answering the referee on fds 4 (requests) and 5 (replies)."""
    _forget_work_dir()
    _on_alarm(_alarm)
    sys.stdin = io.StringIO("")
    _serve(4, 5, int(sys.argv[1]), int(sys.argv[2]))

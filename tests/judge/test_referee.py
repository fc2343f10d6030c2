"""Assertion tests run in a referee process; the solution runs beside it and only hands back plain values.

Each forgery below passes in a harness that runs tests and solution in one process; here it must fail. The
legitimate behaviours after them must keep working across the process boundary."""

from __future__ import annotations

import secrets
import sys

import pytest

from thinkforge.grading.code import JudgeOptions, grade_code
from thinkforge.records import Problem, Sample
from thinkforge.sandbox import SandboxPool
from thinkforge.tasks import get_task

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox is Linux-only")

OPTS = JudgeOptions(timeout_s=2.0, total_timeout_s=30.0, stop_on_first_failure=False)


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2) as p:
        yield p


@pytest.fixture(scope="module")
def humaneval():
    return {p.id.rsplit("/", 1)[1]: p for p in get_task("humaneval").load(ids=[
        "humaneval/HumanEval/0", "humaneval/HumanEval/2", "humaneval/HumanEval/50"])}


MULTI = Problem(id="inc", task="t", domain="code", prompt="inc", reference={
    "style": "assertion", "test_setup": "BASE = 1\n", "entry_point": "inc",
    "tests": ["assert inc(1) == 1 + BASE", "assert inc(-1) == 0", "assert inc(10) == 11"]})


def _judge(pool, problem: Problem, code: str, opts: JudgeOptions = OPTS):
    sample = Sample(problem_id=problem.id, model="m", index=0, text=f"```python\n{code}\n```", key=f"{problem.id}/k")
    return grade_code(problem, sample, opts, pool)


ALWAYS_EQUAL = "class Yes:\n    def __eq__(self, other):\n        return True\n    __ne__ = lambda s, o: False\n"
NONCE_HUNT = (  # looks for the nonce and the referee's result pipe in /proc and up the stack
    "import os, sys\n"
    "ppid = os.getppid()\n"
    "opened = []\n"
    "for path in ('/proc/%d/fd/0' % ppid, '/proc/%d/fd/1' % ppid, '/proc/%d/mem' % ppid, '/proc/%d/environ' % ppid):\n"
    "    try:\n"
    "        open(path, 'rb').close()\n"
    "        opened.append(path)\n"
    "    except OSError:\n"
    "        pass\n"
    "f, frames = sys._getframe(), 0\n"
    "while f is not None:\n"
    "    assert 'nonce' not in f.f_locals\n"
    "    f, frames = f.f_back, frames + 1\n"
    "print('opened', opened)\n"
)
FD_SPRAY = (  # forged pass records (nonces it cannot know) on every fd it holds, the wire to the referee included
    "import os\n"
    "for fd in range(64):\n"
    "    try:\n"
    "        os.write(fd, b'0 {\"phase\": \"test\", \"index\": 0, \"status\": \"pass\"}\\n')\n"
    "    except OSError:\n"
    "        pass\n"
)

MODULE_DROP = (  # a module file in the work dir, for the referee to import when a test says `import random`
    "import os\n"
    "open('random.py', 'w').write('import sys\\nf = sys._getframe()\\n'\n"
    "    'while f is not None and \"nonce\" not in f.f_locals:\\n    f = f.f_back\\n'\n"
    "    'import __main__\\n'\n"
    "    'n = f.f_locals[\"nonce\"]\\n'\n"
    "    'for i in range(3):\\n'\n"
    "    '    __main__._emit(n, {\"phase\": \"test\", \"index\": i, \"status\": \"pass\"})\\n'\n"
    "    'os = __import__(\"os\")\\nos._exit(0)\\n')\n"
)
FAKE_MATH = "class M:\n    isclose = staticmethod(lambda *a, **k: True)\nmath = M()\ndef f():\n    return 0.0\n"

FORGERIES = [
    ("0", ALWAYS_EQUAL + "def has_close_elements(numbers, threshold):\n    return Yes()\n", "wrong"),
    ("0", "def has_close_elements(numbers, threshold):\n    class T(int):\n        def __eq__(self, o):\n"
          "            return True\n    return T(0)\n", "wrong"),
    ("0", "def check(candidate):\n    pass\ndef has_close_elements(numbers, threshold):\n    return None\n", "wrong"),
    ("2", "import builtins\nbuiltins.abs = lambda x: 0\ndef truncate_number(number):\n    return 99.0\n", "wrong"),
    ("2", "import math\nmath.fabs = lambda x: 0\nabs = lambda x: 0\ndef truncate_number(number):\n    return 99.0\n",
     "wrong"),
    ("50", "def encode_shift(s):\n    return s\ndef decode_shift(s):\n    return s\n", "wrong"),  # trusted helper
    ("0", "import sys\nsys.exit(0)\n", "runtime_error"),
    ("0", "import os\nos.kill(os.getppid(), 9)\n", "runtime_error"),
    ("0", "def has_close_elements(numbers, threshold):\n    import os\n    os._exit(0)\n", "runtime_error"),
    ("0", "def has_close_elements(numbers, threshold):\n    raise SystemExit(0)\n", "runtime_error"),
    ("0", "def has_close_elements(numbers, threshold):\n    raise AssertionError\n", "runtime_error"),
    ("0", NONCE_HUNT + "def has_close_elements(numbers, threshold):\n    return False\n", "wrong"),
    ("0", FD_SPRAY + "def has_close_elements(numbers, threshold):\n    return False\n", "runtime_error"),
    ("0", "def has_close_elements(numbers, threshold):\n    return False\n" + FD_SPRAY, "runtime_error"),
]


def test_a_module_dropped_in_the_work_dir_is_never_imported_by_the_tests(pool):
    problem = _problem("import random\nassert f() == random.Random(1).random()")
    verdict = _judge(pool, problem, MODULE_DROP + "def f():\n    return 0.5\n")
    assert verdict.status == "wrong", verdict.detail


def test_a_stop_iteration_from_the_solution_cannot_end_a_test_early(pool):
    """In any in-process harness `all(map(check, cases))` is True when the solution raises StopIteration."""
    problem = _problem("assert all(map(lambda x: f(x) == 2 * x, [1, 2, 3]))")
    for code in ("def f(x):\n    raise StopIteration\n", "def f(x):\n    return next(iter([]))\n"):
        verdict = _judge(pool, problem, code)
        assert verdict.status == "runtime_error", verdict.detail


def test_a_stdlib_module_name_is_never_taken_from_the_solution(pool):
    problem = _problem("assert math.isclose(f(), 2.0)")
    for code in (FAKE_MATH, "import cmath as math\ndef f():\n    return 0.0\n"):
        verdict = _judge(pool, problem, code)
        assert verdict.status == "wrong", verdict.detail


@pytest.mark.parametrize("task_id,code,status", FORGERIES)
def test_a_forged_solution_never_passes(pool, humaneval, task_id, code, status):
    verdict = _judge(pool, humaneval[task_id], code)
    assert verdict.status == status, verdict.detail
    assert not verdict.passed


def test_the_solution_process_cannot_reach_the_referee(pool, humaneval):
    verdict = _judge(pool, humaneval["0"], NONCE_HUNT + "def has_close_elements(numbers, threshold):\n    return False\n")
    assert "opened []" in verdict.detail["tests"][0]["output"], verdict.detail


def test_every_assert_is_its_own_test(pool):
    verdict = _judge(pool, MULTI, "def inc(x):\n    return 5 if x == -1 else x + 1\n")
    assert verdict.status == "wrong"
    assert [t["status"] for t in verdict.detail["tests"]] == ["pass", "wrong", "pass"]
    assert verdict.detail["tests"][1]["error"] == "AssertionError at test_1.py:1: assert inc(-1) == 0"
    assert (verdict.detail["n_tests"], verdict.detail["n_passed"]) == (3, 2)
    stop = _judge(pool, MULTI, "def inc(x):\n    return 5 if x == -1 else x + 1\n",
                  JudgeOptions(timeout_s=2.0, stop_on_first_failure=True))
    assert [t["status"] for t in stop.detail["tests"]] == ["pass", "wrong"]


def test_a_timed_out_call_does_not_spoil_the_next_tests(pool):
    verdict = _judge(pool, MULTI, "def inc(x):\n    while x == 1:\n        pass\n    return x + 1\n")
    assert [t["status"] for t in verdict.detail["tests"]] == ["timeout", "pass", "pass"]


def test_a_solution_that_ignores_its_alarm_is_stopped_by_the_referee(pool):
    code = ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "def inc(x):\n    while x == 1:\n        pass\n    return x + 1\n")
    verdict = _judge(pool, MULTI, code)
    assert verdict.status == "timeout"
    assert [t["status"] for t in verdict.detail["tests"]] == ["timeout"] * 3


def _problem(*tests: str, **extra) -> Problem:
    return Problem(id="p", task="t", domain="code", prompt="p",
                   reference={"style": "assertion", "tests": list(tests), **extra})


# Legitimate solutions whose values or objects cross the process boundary (expected: pass).
LEGIT = [
    (_problem("try:\n    f('a')\nexcept TypeError:\n    pass\nelse:\n    raise AssertionError('no TypeError')"),
     "def f(x):\n    return x + 1\n"),  # the solution's exception keeps its built-in type
    (_problem("assert f() == (1, 2) and f().y == 2"),
     "from collections import namedtuple\nP = namedtuple('P', 'x y')\ndef f():\n    return P(1, 2)\n"),
    (_problem("assert f('abca') == {'a': 2, 'b': 1, 'c': 1}"),
     "from collections import Counter\ndef f(s):\n    return Counter(s)\n"),
    (_problem("assert list(f(3)) == [0, 1, 2]", "assert sum(f(4)) == 6"),
     "def f(n):\n    yield from range(n)\n"),
    (_problem("assert f() == {1: [2, (3, 4)], 'k': {5}, 'b': b'x'}", "assert f()[1][1] == (3, 4)"),
     "def f():\n    return {1: [2, (3, 4)], 'k': {5}, 'b': b'x'}\n"),
    (_problem("n = Node(2)\nn.next = Node(3)\nassert total(n) == 5 and n.next.val == 3"),
     "class Node:\n    def __init__(self, v):\n        self.val, self.next = v, None\n"
     "def total(n):\n    return 0 if n is None else n.val + total(n.next)\n"),
    (_problem("assert Solution().twoSum(nums=[2, 7, 11], target=9) == [0, 1]", entry_point="Solution"),
     "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 1]\n"),
    (_problem("assert sum(3, 4) == 7", entry_point="sum"),  # an entry point named like a builtin
     "def sum(a, b):\n    return a + b\n"),
    (_problem("assert math.isclose(f(), 0.5)"), "import math\ndef f():\n    return 0.5\n"),  # the solution's import
    (_problem("assert f() != f() and f() is not None", "assert float('inf') == f(1)"),
     "def f(x=None):\n    return float('nan') if x is None else float('inf')\n"),
    (_problem("assert len(f(10**6)) == 10**6"), "def f(n):\n    return list(range(n))\n"),
    (_problem("assert f() == 3**20000 and f(-1) == -(3**20000)"),  # beyond int_max_str_digits in decimal
     "def f(sign=1):\n    return sign * 3**20000\n"),
    (_problem("from fractions import Fraction\nassert f() == Fraction(1, 3) and f() != 0.33", "assert g() == 0.5"),
     "from fractions import Fraction\nfrom decimal import Decimal\n"
     "def f():\n    return Fraction(1, 3)\ndef g():\n    return Decimal('0.5')\n"),
    (_problem("assert f() == {(1, 2): 'a'} and f()[(1, 2)] == 'a'"), "def f():\n    return {(1, 2): 'a'}\n"),
    (_problem("assert f() == 6 and isinstance(f(), int)"),  # a numpy scalar, as np.sum gives
     "import numpy as np\ndef f():\n    return np.sum(np.array([1, 2, 3]))\n"),
    # arguments changed in place come back into the test's own objects
    (_problem("a = [3, 1, 2]\nassert f(a) is None and a == [1, 2, 3]",
              "d = {'k': 1}\ns = {1}\ng(d, s=s)\nassert d == {'k': 2, 'new': 0} and s == {1, 2}"),
     "def f(a):\n    a.sort()\ndef g(d, s):\n    d['k'] += 1\n    d['new'] = 0\n    s.add(2)\n"),
    # values on their way to the solution (the referee's requests travel in marshal, the replies in JSON):
    # non-finite floats, an int past decimal str() limits, non-ASCII text with a lone surrogate, bytes, nested
    # immutable containers, keyword arguments, and attribute names that are str subclasses
    (_problem("v = (float('inf'), -3**20000, 'é\\ud800', b'\\xff\\x00', frozenset({1}), (1, (2.5,)), None, True)\n"
              "assert echo(*v, key=v) == [v, {'key': v}]\nimport math\nassert math.isnan(echo(float('nan'))[0][0])",
              "class S(str):\n    pass\nb = make()\nsetattr(b, S('val'), 5)\nassert getattr(b, S('val')) == 5 and b.val == 5"),
     "def echo(*args, **kwargs):\n    return [args, kwargs]\nclass Box:\n    pass\ndef make():\n    return Box()\n"),
    # built-in types and functions as arguments (MBPP/533 passes `int`)
    (_problem("assert drop((4, 5, 7.7, 'x'), int) == [7.7, 'x']", "assert apply(len, ['ab', 'c']) == [2, 1]"),
     "def drop(t, kind):\n    return [v for v in t if not isinstance(v, kind)]\n"
     "def apply(fn, xs):\n    return list(map(fn, xs))\n"),
]


@pytest.mark.parametrize("problem,code", LEGIT)
def test_legitimate_values_and_objects_cross_the_boundary(pool, problem, code):
    verdict = _judge(pool, problem, code)
    assert verdict.status == "pass", verdict.detail


# ---- the persistent referee: one per sandbox worker, a fresh solution process per sample -------------------------

GOOD_INC = "def inc(x):\n    return x + 1\n"
REWRITER = (  # leaves a background process that keeps writing a correct solution.py into the work dir
    "import os, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    while True:\n"
    "        try:\n"
    "            open('solution.py', 'w').write(%r)\n"
    "        except OSError:\n"
    "            pass\n"
    "        time.sleep(0.001)\n"
    "def inc(x):\n    return 0\n" % GOOD_INC
)


def test_a_sample_cannot_leave_anything_behind_for_the_next_one():
    with SandboxPool(1) as one:  # one worker: both samples meet the same referee and work dir
        assert _judge(one, MULTI, REWRITER).status == "wrong"
        verdict = _judge(one, MULTI, "def inc(x):\n    return x\n")
        assert verdict.status == "wrong", verdict.detail
        assert _judge(one, MULTI, GOOD_INC).status == "pass"


@pytest.mark.parametrize("attack,status", [
    ("import os\nos.kill(-1, 9)\n", "pass"),  # reaches nothing: the referee runs under another uid
    ("import os, signal\nfor p in map(int, filter(str.isdigit, os.listdir('/proc'))):\n"
     "    try:\n        os.kill(p, signal.SIGSTOP)\n    except OSError:\n        pass\n", "timeout"),  # stops itself
    ("import ctypes\nctypes.string_at(0)\n", "runtime_error"),  # a segfault while loading
])
def test_the_referee_outlives_a_sample_that_attacks_or_crashes(attack, status):
    with SandboxPool(1) as one:
        assert _judge(one, MULTI, GOOD_INC).status == "pass"
        referee = _referee_pid(one)
        assert _judge(one, MULTI, attack + GOOD_INC).status == status
        assert _judge(one, MULTI, GOOD_INC).status == "pass"
        assert _referee_pid(one) == referee


def _referee_pid(pool: SandboxPool) -> int:
    """The pid (inside the sandbox) of the worker's referee: the one process besides pid 1 and the caller."""
    listing = pool.run("import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))")
    pids = [p for p in eval(listing.stdout) if p != 1]  # noqa: S307 - our own program's printed list
    assert len(pids) == 2, listing
    return min(pids)  # the referee started before this program


MEMORY_SCAN = (  # reads every readable anonymous mapping of its own process, looking for the test's marker
    "import ctypes, re\n"
    "def f():\n"
    "    for line in open('/proc/self/maps'):\n"
    "        fields = line.split()\n"
    "        name = fields[5] if len(fields) > 5 else ''\n"
    "        if not fields[1].startswith('r') or (name and name not in ('[heap]', '[stack]')):\n"
    "            continue\n"
    "        lo, hi = (int(x, 16) for x in fields[0].split('-'))\n"
    "        found = re.search(rb'tf-marker-([0-9a-f]{16})', ctypes.string_at(lo, hi - lo))\n"
    "        if found:\n"
    "            return found.group(0).decode()\n"
    "    return None\n"
)


def test_the_tests_never_enter_the_solution_process():
    """The job's text goes to the referee before the solution process is forked, through buffers overwritten
    before any fork: neither its own tests nor another sample's report can be found in the solution's memory."""
    marker = "tf-marker-" + secrets.token_hex(8)
    problem = _problem(f"assert f() == {marker!r}", f"x = {marker!r}\nassert x.startswith('tf-') and f() is not None")
    with SandboxPool(1) as one:
        first = _judge(one, problem, "def f():\n    return 'nothing'\n")  # its report holds the marker
        assert first.status == "wrong" and marker in first.detail["tests"][0]["error"]
        verdict = _judge(one, problem, MEMORY_SCAN)
        assert verdict.status == "wrong", verdict.detail


def test_the_solution_runs_from_the_bytecode_the_judge_compiled(pool, monkeypatch):
    """The judge compiles the solution once and ships the bytecode: the sandboxed harness runs that (here a
    bytecode that differs from the source proves it), and compiles the source itself when the bytecode is bad."""
    from thinkforge.grading.code import judge

    right = compile("def inc(x):\n    return x + 1\n", "solution.py", "exec", dont_inherit=True)
    monkeypatch.setattr(judge, "_compile", lambda source: right)
    assert _judge(pool, MULTI, "def inc(x):\n    return x\n").status == "pass"
    monkeypatch.undo()

    class BadMarshal:
        @staticmethod
        def dumps(code):
            return b"not bytecode"

    monkeypatch.setattr(judge, "marshal", BadMarshal)
    assert _judge(pool, MULTI, "def inc(x):\n    return x + 1\n").status == "pass"
    assert _judge(pool, MULTI, "def inc(x):\n    return x\n").status == "wrong"


def test_the_judge_compiles_like_the_sandbox_would():
    """No future flag of thinkforge's own modules leaks into the solution (annotations stay objects), and asserts
    are kept whatever thinkforge itself runs with."""
    from thinkforge.grading.code.judge import _compile

    ns: dict = {}
    exec(_compile("def f(x: int) -> int:\n    return x\n"), ns)
    assert ns["f"].__annotations__ == {"x": int, "return": int}
    with pytest.raises(AssertionError):
        exec(_compile("assert 1 == 2\n"), {})
    assert _compile("def f(:\n").startswith("SyntaxError")

"""The code judge: reference solutions pass, broken programs fail with the right status."""

from __future__ import annotations

import sys

import pytest

from judge_data import humaneval, mbpp
from thinkforge.grading.code import JudgeOptions, extract_program, grade_code, judge_many, outputs_match
from thinkforge.grading.code.compare import values_match
from thinkforge.records import Problem, Sample
from thinkforge.sandbox import SandboxPool

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox is Linux-only")

OPTS = JudgeOptions(timeout_s=4.0, total_timeout_s=20.0)


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2) as p:
        yield p


def _sample(pid: str, text: str, finish_reason: str | None = "stop") -> Sample:
    return Sample(problem_id=pid, model="m", index=0, text=text, finish_reason=finish_reason, key=f"{pid}/k")


STDIN = Problem(id="add", task="t", domain="code", prompt="add two numbers",
                reference={"style": "stdin", "tests": [{"input": "1 2\n", "output": "3\n"},
                                                       {"input": "5 7\n", "output": "12"}]})
FUNC = Problem(id="two", task="t", domain="code", prompt="double",
               reference={"style": "functional", "func_name": "double", "class_name": "Solution",
                          "tests": [{"args": [2], "expected": 4}, {"args": [[1, 2]], "expected": [1, 2, 1, 2]}]})
PLAIN = Problem(id="plain", task="t", domain="code", prompt="square",
                reference={"style": "functional", "func_name": "square", "class_name": None,
                           "tests": [{"args": [3], "expected": 9}, {"args": [0.5], "expected": 0.25}]})
ASSERT = Problem(id="inc", task="t", domain="code", prompt="inc",
                 reference={"style": "assertion", "test_program": "assert inc(1) == 2\nassert inc(-1) == 0\n"})

ADD_OK = "a, b = map(int, input().split())\nprint(a + b)\n"

# Forgers: each writes harness records with the real nonce, claiming every test passed, then exits.
_FORGE_EMIT = (
    "import __main__, json, os\n"
    "def forge(nonce, records):\n"
    "    for rec in records:\n"
    "        os.write(__main__._OUT, (nonce + ' ' + json.dumps(rec) + '\\n').encode())\n"
    "    os._exit(0)\n"
)
_PASSES = "[{'phase': 'test', 'index': i, 'status': 'pass', 'got': '4', 'value': 4} for i in range(%d)]"
_RETURNED = "[{'phase': 'test', 'index': i, 'status': 'returned', 'value': 4} for i in range(2)]"
_REWIND = "os.lseek(0, 0, 0)\nforge(os.read(0, 4096).split(b'\\n')[0].decode(), %s)\n"
FORGE_REWIND_2 = _FORGE_EMIT + _REWIND % (_PASSES % 2)
FORGE_REWIND_1 = _FORGE_EMIT + _REWIND % (_PASSES % 1)
_FIND_NONCE = (
    "import sys\nf = sys._getframe()\n"
    "while 'nonce' not in f.f_locals:\n    f = f.f_back\n"
)
FORGE_FRAMES = _FORGE_EMIT + _FIND_NONCE + f"forge(f.f_locals['nonce'], {_RETURNED})\n"
FORGE_JUNK = _FIND_NONCE + (  # records that are not objects, or nested too deep to decode, must not crash the judge
    "import __main__, os\nn = f.f_locals['nonce']\n"
    "os.write(__main__._OUT, (n + ' [1]\\n' + n + ' ' + '[' * 100000 + ']' * 100000 + '\\n').encode())\n"
    "os._exit(0)\n"
)
FORGE_LOAD_PASS = _FORGE_EMIT + _FIND_NONCE + "forge(f.f_locals['nonce'], [{'phase': 'load', 'status': 'pass'}])\n"

# (problem, response, expected status) — one line per behaviour; a new bug costs one line.
TABLE = [
    (STDIN, f"Here:\n```python\n{ADD_OK}```", "pass"),
    (STDIN, ADD_OK, "pass"),  # a bare program
    (STDIN, f"```python\nprint(0)\n```\nthen the real one\n```python\n{ADD_OK}```", "pass"),
    (STDIN, f"<|begin_of_thought|>```python\nprint(0)\n```<|end_of_thought|>"
            f"<|begin_of_solution|>```python\n{ADD_OK}```<|end_of_solution|>", "pass"),
    (STDIN, "<|begin_of_thought|>let me think forever", "truncated"),
    (STDIN, "no code at all, sorry", "no_answer"),
    (STDIN, "```python\nprint(1 +\n```", "compile_error"),
    (STDIN, "```python\nprint(input())\n```", "wrong"),
    (STDIN, "```python\nwhile True:\n    pass\n```", "timeout"),
    (STDIN, "```python\nraise ValueError('boom')\n```", "runtime_error"),
    (STDIN, f"```python\n{ADD_OK}import sys\nsys.exit(3)\n```", "runtime_error"),
    (STDIN, "```python\nx = bytearray(8 * 1024**3)\n```", "memory"),
    (STDIN, "```python\nimport sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n```", "output_limit"),
    (FUNC, "```python\ndef helper(x):\n    return 0\nclass Solution:\n    def double(self, x):\n        return x * 2\n```",
     "pass"),
    (FUNC, "```python\nclass Solution:\n    def double(self, x):\n        return x\n```", "wrong"),
    (FUNC, "```python\nclass Solution:\n    def triple(self, x):\n        return x * 3\n```", "runtime_error"),
    (FUNC, "```python\nclass Solution:\n    def double(self, x):\n        while True: pass\n```", "timeout"),
    (FUNC, "```python\nimport os\nos._exit(0)\n```", "runtime_error"),  # exiting early never passes
    (FUNC, "```python\nclass Solution:\n    def double(self, x):\n        print('PASS'); return x * 2\n"
           "if __name__ == '__main__':\n    print(Solution().double(int(input())))\n```", "pass"),
    (PLAIN, "```python\ndef square(x):\n    return x * x\n```", "pass"),
    (PLAIN, "```python\ndef square(x):\n    return round(x * x)\n```", "wrong"),
    (PLAIN, "```python\ndef square(x):\n    return x * x + 1e-9\n```", "wrong"),  # 9 is an int: no tolerance
    (ASSERT, "```python\ndef inc(x):\n    return x + 1\n```", "pass"),
    (ASSERT, "```python\ndef inc(x):\n    return x\n```", "wrong"),
    (ASSERT, "```python\ndef inc(x):\n    return x +\n```", "compile_error"),
    (ASSERT, "```python\ndef inc(x):\n    return 1 / 0\n```", "runtime_error"),
    (ASSERT, "```python\nimport sys\nsys.exit(0)\n```", "runtime_error"),
    (ASSERT, "```python\nimport time\ndef inc(x):\n    time.sleep(100)\n```", "timeout"),
    # verdict forgeries: a wrong solution must not pass by tampering with the in-sandbox harness
    (FUNC, "```python\nimport __main__\n__main__._equal = lambda *a: True\n"
           "class Solution:\n    def double(self, x):\n        return 0\n```", "wrong"),
    (FUNC, "```python\nclass Solution:\n    def double(self, x):\n        class N(int):\n"
           "            def __eq__(self, o):\n                return True\n        return N(0)\n```", "wrong"),
    (FUNC, f"```python\n{FORGE_REWIND_2}```", "runtime_error"),  # nonce read back from a rewound stdin
    (ASSERT, f"```python\n{FORGE_REWIND_1}```", "runtime_error"),
    (FUNC, f"```python\n{FORGE_FRAMES}```", "wrong"),  # nonce found by walking the harness's frames
    (ASSERT, f"```python\n{FORGE_LOAD_PASS}```", "runtime_error"),
    (FUNC, f"```python\n{FORGE_JUNK}```", "runtime_error"),  # a forged load record claiming "pass"
]


@pytest.mark.parametrize("problem,response,expected", TABLE)
def test_judge_table(pool, problem, response, expected):
    verdict = grade_code(problem, _sample(problem.id, response), OPTS, pool)
    assert verdict.status == expected, verdict.detail
    assert verdict.passed == (expected == "pass")
    assert verdict.problem_id == problem.id and verdict.sample_key == f"{problem.id}/k"


def test_length_cut_response_is_truncated(pool):
    verdict = grade_code(STDIN, _sample("add", f"```python\n{ADD_OK}```", "length"), OPTS, pool)
    assert verdict.status == "truncated"


def test_evaluation_mode_runs_every_test(pool):
    opts = JudgeOptions(timeout_s=4.0, stop_on_first_failure=False)
    verdict = grade_code(STDIN, _sample("add", "```python\nprint(3)\n```"), opts, pool)
    assert verdict.status == "wrong"
    assert [t["status"] for t in verdict.detail["tests"]] == ["pass", "wrong"]


def test_task_options_override_defaults(pool):
    tol = Problem(id="f", task="t", domain="code", prompt="p",
                  reference={"style": "stdin", "tests": [{"input": "", "output": "0.3333333\n"}],
                             "options": {"compare": "tokens", "float_tol": 1e-5}})
    assert grade_code(tol, _sample("f", "```python\nprint(1/3)\n```"), OPTS, pool).status == "pass"


@pytest.mark.parametrize("got,expected,mode,match", [
    ("3\n", "3", "exact", True), ("3  \r\n\n", "3", "exact", True), ("3 4", "3  4", "exact", False),
    ("3 4", "3  4", "tokens", True), ("0.33333", "0.333333", "tokens", False), ("1e-9", "0", "tokens", True),
    ("abc", "abd", "tokens", False), ("nan", "nan", "tokens", True), ("1 2", "1", "tokens", False),
])
def test_output_comparison(got, expected, mode, match):
    assert outputs_match(got, expected, mode, 1e-6) == match


@pytest.mark.parametrize("got,expected,match", [
    (4, 4, True), (4, 4.0000001, True), (True, 1, False), (1, True, False), (False, False, True),
    ([1, [2.0]], [1, [2]], True), ([1], [1, 2], False), ({"a": 1}, {"a": 1.0}, True), ({"a": 1}, {"b": 1}, False),
    ("4", 4, False), (None, None, True), (None, 0, False), (float("nan"), float("nan"), False),
    # an int expected value gets no tolerance: near 1e9 it would forgive errors in the hundreds
    (1000000000.0, 1000000007, False), (123456700.0, 123456789, False), (5.0, 5, True), (10**400, 2.5, False),
])
def test_functional_value_comparison(got, expected, match):
    assert values_match(got, expected, 1e-6) == match


@pytest.mark.parametrize("text,finish,code,status", [
    # QwQ / R1 style thought sections are read the same way as Sky-T1's (one reasoning-aware reader for all graders)
    ("<think>let me try\n```python\nprint(1)\n```\nhmm", "stop", None, "truncated"),
    ("<think>\n```python\nprint(1)\n```\n</think>\n```python\nprint(2)\n```", "stop", "print(2)\n", None),
    ("<think>\n```python\nprint(1)\n```\n</think>\nI cannot solve it.", "stop", None, "no_answer"),
    ("<|begin_of_thought|>\n```python\nprint(1)\n```\n", "stop", None, "truncated"),
    ("<|begin_of_thought|>x<|end_of_thought|><|begin_of_solution|>\n```python\nprint(3)\n```\n<|end_of_solution|>",
     "stop", "print(3)\n", None),
    ("```python\nprint(4)\n```", "length", None, "truncated"),
])
def test_extraction_is_reasoning_aware(text, finish, code, status):
    got = extract_program(text, finish)
    assert (got.code, got.status) == (code, status)


def test_extraction_prefers_python_block():
    text = "```python\na = 1\n```\n```text\noutput\n```\n```\nb = 2\n```"
    assert extract_program(text).code == "a = 1\n"


@pytest.mark.parametrize("text,source", [
    ("```python\na = 1\n```", "last ```python block (response)"),
    ("```py\na = 1\n```\n```\nb = 2\n```", "last ```py block (response)"),
    ("```\nb = 2\n```", "last untagged fenced block (response)"),
    ("```cpp\nint x;\n```", "last ```cpp block (response)"),
    ("<think>x</think>\n```python\na = 1\n```", "last ```python block (after the thought section)"),
    ("a = 1\n", "bare program"),
])
def test_extraction_names_the_block_it_took(text, source):
    assert extract_program(text).source == source


def test_humaneval_canonical_solutions_pass(pool):
    pairs = humaneval()
    assert len(pairs) == 164
    verdicts = judge_many([p for p, _ in pairs], [s for _, s in pairs], OPTS, pool=pool)
    failed = [(v.problem_id, v.status) for v in verdicts if not v.passed]
    assert not failed


def test_mbpp_reference_solutions_pass(pool):
    pairs = mbpp()
    assert len(pairs) == 500
    # task 123 (amicable numbers below 9999) is slow by design: give the task a generous per-test limit
    opts = JudgeOptions(timeout_s=30.0, total_timeout_s=60.0)
    verdicts = judge_many([p for p, _ in pairs], [s for _, s in pairs], opts, pool=pool)
    assert [v.problem_id for v in verdicts] == [p.id for p, _ in pairs]
    failed = [(v.problem_id, v.status) for v in verdicts if not v.passed]
    assert not failed

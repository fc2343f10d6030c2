"""The code judge: extract the program, run it against the problem's tests in the sandbox, give a Verdict."""

from __future__ import annotations

import atexit
import dataclasses
import json
import marshal
import secrets
import threading
import types
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from thinkforge.defaults import JUDGE, JudgeDefaults
from thinkforge.errors import ValidationError
from thinkforge.grading.code.compare import COMPARE_MODES, outputs_match, values_match
from thinkforge.grading.code.extract import extract_program
from thinkforge.grading.code.harness import (HARNESS_FILENAME, HARNESS_SOURCE, REFEREE, SOLUTION_BYTECODE,
                                             SOLUTION_FILENAME, SOLUTION_SOURCE)
from thinkforge.records import Problem, Sample, Verdict
from thinkforge.sandbox import Limits, Program, RunResult, SandboxPool

GRADER = "code/1"
STYLES = ("stdin", "functional", "assertion")
#: Sandbox statuses → verdict statuses.
_RUN_STATUS = {"runtime_error": "runtime_error", "timeout": "timeout", "memory": "memory",
               "output_limit": "output_limit", "killed": "runtime_error", "sandbox_error": "sandbox_error"}
#: Failure statuses the in-sandbox harness may report; anything else it claims is not believed.
_HARNESS_FAILURES = frozenset({"compile_error", "runtime_error", "timeout", "memory", "wrong"})


@dataclass(frozen=True)
class JudgeOptions:
    """Per-task judge options: :class:`JudgeDefaults` overridden by ``reference["options"]``."""

    timeout_s: float = JUDGE.timeout_s
    total_timeout_s: float = JUDGE.total_timeout_s
    memory_mb: int = JUDGE.memory_mb
    stop_on_first_failure: bool = JUDGE.stop_on_first_failure
    compare: str = JUDGE.compare
    float_tol: float = JUDGE.float_tol
    detail_chars: int = JUDGE.detail_chars
    harness_slack_s: float = JUDGE.harness_slack_s
    referee_grace_s: float = JUDGE.referee_grace_s
    reply_cap_mb: int = JUDGE.reply_cap_mb

    def __post_init__(self) -> None:
        if self.compare not in COMPARE_MODES:
            raise ValidationError(f"must be one of {', '.join(COMPARE_MODES)}, got {self.compare!r}",
                                  field="options.compare")
        if self.timeout_s <= 0 or self.total_timeout_s <= 0:
            raise ValidationError("timeouts must be > 0", field="options.timeout_s")

    @classmethod
    def resolve(cls, base: JudgeDefaults | "JudgeOptions" | None, options: Mapping[str, Any] | None,
                overrides: Mapping[str, Any] | None = None) -> "JudgeOptions":
        """Defaults ← ``base`` ← a task's ``options`` ← ``overrides`` (what the caller set explicitly, e.g. a
        CLI flag, wins over the task). Unknown option keys of a task are ignored: other graders' keys."""
        if isinstance(base, cls) and not options and not overrides:  # the common case, once per sample
            return base
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides or {}) - names)
        if unknown:
            raise ValidationError(f"unknown judge option {unknown[0]!r}", field="overrides")
        base = base or JUDGE
        values = {name: getattr(base, name) for name in names if hasattr(base, name)}
        for key, value in [*(options or {}).items(), *(overrides or {}).items()]:
            if key in names:
                values[key] = value
        return cls(**values)


_default_pool: SandboxPool | None = None
_default_lock = threading.Lock()


def default_pool() -> SandboxPool:
    """The process-wide sandbox pool used when a caller passes none (started lazily, closed at exit)."""
    global _default_pool
    with _default_lock:
        if _default_pool is None:
            _default_pool = SandboxPool()
            atexit.register(_default_pool.close)
        return _default_pool


def grade_code(problem: Problem, sample: Sample, config: JudgeDefaults | JudgeOptions | None = None,
               pool: SandboxPool | None = None, overrides: Mapping[str, Any] | None = None) -> Verdict:
    """Judge one code sample: ``passed`` only when every test passed (``overrides`` win over the task's options)."""
    reference = problem.reference
    style = reference.get("style")
    if style not in STYLES:
        raise ValidationError(f"problem {problem.id!r}: must be one of {', '.join(STYLES)}, got {style!r}",
                              field="reference.style")
    opts = JudgeOptions.resolve(config, reference.get("options"), overrides)
    found = extract_program(sample.text, sample.finish_reason)
    if found.code is None:
        return _verdict(problem, sample, found.status or "no_answer", None, {"reason": found.source})
    code = found.code
    prefix = reference.get("prefix")
    program = f"{prefix}\n{code}" if prefix else code
    compiled = _compile(program)
    if isinstance(compiled, str):
        return _verdict(problem, sample, "compile_error", code, {"error": compiled[-opts.detail_chars:]})
    pool = pool or default_pool()
    if style == "stdin":
        status, tests = _judge_stdin(program, reference, opts, pool)
    else:
        status, tests = _judge_harness(program, compiled, style, reference, opts, pool)
    detail = {"style": style, "n_tests": _n_tests(reference, style), "n_run": len(tests),
              "n_passed": sum(t["status"] == "pass" for t in tests), "tests": tests,
              "extracted_from": found.source}
    return _verdict(problem, sample, status, code, detail)


def _n_tests(reference: Mapping[str, Any], style: str) -> int:
    return len(_assertion_units(reference)) if style == "assertion" else len(reference.get("tests") or [])


def _assertion_units(reference: Mapping[str, Any]) -> list[str]:
    """An assertion problem's tests: a list of snippets (``tests``, e.g. MBPP's asserts) or one program."""
    tests = reference.get("tests")
    if tests:
        if not isinstance(tests, list) or not all(isinstance(t, str) and t.strip() for t in tests):
            raise ValidationError("assertion tests must be a list of non-empty code strings", field="reference.tests")
        return tests
    if not reference.get("test_program"):
        raise ValidationError("an assertion-style problem needs test_program or tests", field="reference.test_program")
    return [reference["test_program"]]


def _verdict(problem: Problem, sample: Sample, status: str, code: str | None, detail: dict[str, Any]) -> Verdict:
    return Verdict(sample_key=sample.key, passed=status == "pass", status=status,  # type: ignore[arg-type]
                   problem_id=problem.id, extracted=code, detail=detail, grader=GRADER)


def _compile(source: str) -> types.CodeType | str:
    """The program compiled exactly as the sandboxed harness would compile ``solution.py`` (no future flags of
    this module, asserts kept), or the text of its compile error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(source, SOLUTION_FILENAME, "exec", dont_inherit=True, optimize=0)
    except SyntaxError as exc:
        return f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _limits(opts: JudgeOptions, timeout_s: float) -> Limits:
    return dataclasses.replace(Limits(), timeout_s=timeout_s, cpu_s=timeout_s, memory_mb=opts.memory_mb)


def _judge_stdin(program: str, reference: Mapping[str, Any], opts: JudgeOptions,
                 pool: SandboxPool) -> tuple[str, list[dict[str, Any]]]:
    tests = reference.get("tests") or []
    if not tests:
        raise ValidationError("a stdin-style problem needs tests", field="reference.tests")
    results: list[dict[str, Any]] = []
    budget = opts.total_timeout_s
    overall = "pass"
    for index, test in enumerate(tests):
        if budget <= 0:
            results.append({"index": index, "status": "timeout", "error": "overall time budget spent"})
            overall = "timeout" if overall == "pass" else overall
            break
        run = pool.run(Program(source=program), str(test["input"]), limits=_limits(opts, min(opts.timeout_s, budget)))
        budget -= run.wall_s
        status = _stdin_status(run, str(test["output"]), opts)
        results.append(_test_detail(index, status, run, opts))
        if status != "pass":
            overall = status if overall == "pass" else overall
            if opts.stop_on_first_failure:
                break
    return overall, results


def _stdin_status(run: RunResult, expected: str, opts: JudgeOptions) -> str:
    if run.status == "ok":
        return "pass" if outputs_match(run.stdout, expected, opts.compare, opts.float_tol) else "wrong"
    return _RUN_STATUS.get(run.status, "runtime_error")


def _test_detail(index: int, status: str, run: RunResult, opts: JudgeOptions) -> dict[str, Any]:
    detail: dict[str, Any] = {"index": index, "status": status, "time_s": round(run.wall_s, 4),
                              "peak_memory_mb": round(run.peak_memory_mb, 1)}
    if status != "pass":
        detail["stdout"] = run.stdout[: opts.detail_chars]
        detail["stderr"] = run.stderr[-opts.detail_chars:]
        if run.error:
            detail["error"] = run.error
    return detail


def _judge_harness(program: str, compiled: types.CodeType, style: str, reference: Mapping[str, Any],
                   opts: JudgeOptions, pool: SandboxPool) -> tuple[str, list[dict[str, Any]]]:
    """Functional and assertion tests: every test of the sample in one sandboxed execution of the harness. The
    solution travels as its source and as the bytecode compiled here (the harness loads that instead of running
    the compiler in the sandboxed process: the compiler's memory would be copied from the fork-server page by
    page, then torn down)."""
    if style == "assertion":
        units = _assertion_units(reference)
    else:
        if not reference.get("func_name") or not reference.get("tests"):
            raise ValidationError("a functional problem needs func_name and tests", field="reference.func_name")
        units = [{"args": t["args"]} for t in reference["tests"]]  # expected values stay here, out of reach
    n_units = len(units)
    spec = {
        "style": style, "solution_file": SOLUTION_FILENAME, "solution_bytecode": SOLUTION_BYTECODE,
        "timeout_s": opts.timeout_s,
        "detail_chars": opts.detail_chars, "float_tol": opts.float_tol,
        "stop_on_first_failure": opts.stop_on_first_failure,
        "func_name": reference.get("func_name"), "class_name": reference.get("class_name"), "tests": units,
        "test_setup": reference.get("test_setup") or "", "prefix": reference.get("prefix") or "",
        "entry_point": reference.get("entry_point"),
    }
    # assertion: the tests, the solution load and the setup each get a limit (and the referee its grace)
    limited = n_units + 2 if style == "assertion" else n_units
    total = min(opts.total_timeout_s, (opts.timeout_s + opts.referee_grace_s) * limited + opts.harness_slack_s)
    files: dict[str, str | bytes] = {SOLUTION_FILENAME: program, SOLUTION_BYTECODE: marshal.dumps(compiled)}
    if style == "assertion":  # a fresh solution process answers the worker's persistent referee (the tests)
        reply_cap = opts.reply_cap_mb * 1024 * 1024
        spec.update(reply_cap=reply_cap, grace_s=opts.referee_grace_s)
        run = pool.run(Program(source=SOLUTION_SOURCE, filename="serve.py", files=files, trusted_precompile=True,
                               trusted_entry="_solution_main"),
                       "", args=[str(reply_cap), str(opts.detail_chars)], limits=_limits(opts, total),
                       referee=REFEREE, referee_input=json.dumps(spec))
        records = _referee_records(run)
    else:
        nonce = secrets.token_hex(16)
        run = pool.run(Program(source=HARNESS_SOURCE, filename=HARNESS_FILENAME, files=files, trusted_precompile=True),
                       f"{nonce}\n{json.dumps(spec)}\n", args=["functional"], limits=_limits(opts, total))
        records = _harness_records(run.stdout, nonce)
    expected = [t.get("expected") for t in reference["tests"]] if style == "functional" else []
    tests: list[dict[str, Any]] = []
    for rec in records:
        if rec.get("phase") in ("compile", "load"):
            status = _harness_failure(rec.get("status"))
            return status, [{"index": 0, "status": status, "error": str(rec.get("error"))[-opts.detail_chars:],
                             "stderr": run.stderr[-opts.detail_chars:]}]
        if rec.get("phase") != "test" or rec.get("index") != len(tests) or len(tests) >= n_units:
            continue  # duplicated, reordered or surplus records (e.g. from a forked copy) are ignored
        status = rec.get("status")
        if style == "functional" and status == "returned":
            status = "pass" if _value_passes(rec.get("value"), expected[len(tests)], opts) else "wrong"
        elif not (style == "assertion" and status == "pass"):
            status = _harness_failure(status)
        test = {"index": len(tests), "status": status, "time_s": rec.get("time_s")}
        if status != "pass":
            test.update({k: str(rec[k])[-opts.detail_chars:] for k in ("error", "got", "output") if rec.get(k)})
        tests.append(test)
        if status != "pass" and opts.stop_on_first_failure:
            break
    failing = [t["status"] for t in tests if t["status"] != "pass"]
    if failing:
        return failing[0], tests
    if len(tests) == n_units and run.status == "ok":
        return "pass", tests
    # the harness did not finish: the run was stopped, crashed, or the solution ended the process early
    status = _RUN_STATUS.get(run.status, "runtime_error") if run.status != "ok" else "runtime_error"
    tests.append({"index": len(tests), "status": status, "stderr": run.stderr[-opts.detail_chars:],
                  "error": run.error or "the test harness did not report every test (did the program exit?)"})
    return status, tests


def _value_passes(got: Any, want: Any, opts: JudgeOptions) -> bool:
    try:
        return values_match(got, want, opts.float_tol)
    except (RecursionError, OverflowError, ValueError, TypeError):  # nested too deep, or numbers beyond floats
        return False


def _harness_failure(status: Any) -> str:
    """A failure status reported by the harness, or ``runtime_error`` for anything else it claims."""
    return status if status in _HARNESS_FAILURES else "runtime_error"


def _referee_records(run: RunResult) -> list[dict[str, Any]]:
    """The referee's test records. When the sandbox stopped the execution (timeout, memory, output), only the
    passes before the first failure are kept: the rest is the sandbox's status (added by the caller)."""
    try:
        records = json.loads(run.referee_output or "[]")
    except (ValueError, RecursionError):
        return []
    if not isinstance(records, list):
        return []
    records = [r for r in records if isinstance(r, dict)]
    if run.status != "ok":
        kept = []
        for rec in records:
            if rec.get("phase") != "test" or rec.get("status") != "pass":
                break
            kept.append(rec)
        return kept
    return records


def _harness_records(stdout: str, nonce: str) -> list[dict[str, Any]]:
    records = []
    marker = nonce + " "
    for line in stdout.splitlines():
        if line.startswith(marker):
            try:
                record = json.loads(line[len(marker):])
            except (ValueError, RecursionError):  # written inside the sandbox: may be anything
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def judge_many(problems: Sequence[Problem] | Mapping[str, Problem], samples: Sequence[Sample],
               config: JudgeDefaults | JudgeOptions | None = None, *, pool: SandboxPool | None = None,
               workers: int | None = None, overrides: Mapping[str, Any] | None = None) -> list[Verdict]:
    """Judge many samples on one shared pool; verdicts in the order of ``samples``.

    ``problems`` is a list or a mapping by id; each sample's ``problem_id`` must name one of them.
    ``overrides`` are judge options that win over every task's own ``options``.
    """
    return list(judge_iter(problems, samples, config, pool=pool, workers=workers, overrides=overrides))


def judge_iter(problems: Sequence[Problem] | Mapping[str, Problem], samples: Sequence[Sample],
               config: JudgeDefaults | JudgeOptions | None = None, *, pool: SandboxPool | None = None,
               workers: int | None = None, overrides: Mapping[str, Any] | None = None) -> Iterator[Verdict]:
    """Like :func:`judge_many`, but yields each verdict, in the order of ``samples``, as soon as it and all
    before it are ready (for progress bars and streaming output). Every sample is validated first."""
    by_id = problems if isinstance(problems, Mapping) else {p.id: p for p in problems}
    for i, sample in enumerate(samples):
        if sample.problem_id not in by_id:
            raise ValidationError(f"sample {i}: unknown problem {sample.problem_id!r}", field="problem_id")
    JudgeOptions.resolve(config, None, overrides)  # a bad override fails here, before any work
    return _judge_stream(by_id, samples, config, pool, workers, overrides)


def _judge_stream(by_id: Mapping[str, Problem], samples: Sequence[Sample],
                  config: JudgeDefaults | JudgeOptions | None, pool: SandboxPool | None,
                  workers: int | None, overrides: Mapping[str, Any] | None) -> Iterator[Verdict]:
    owned = pool is None and workers is not None
    pool = pool or (SandboxPool(workers) if owned else default_pool())
    try:
        pool.start()
        # two callers per sandbox worker: one prepares its next sample while the other's runs (still at most one
        # program per worker at a time; the pool hands servers out one caller at a time)
        with ThreadPoolExecutor(max(1, pool.workers) * JUDGE.callers_per_worker) as ex:
            yield from ex.map(lambda s: grade_code(by_id[s.problem_id], s, config, pool, overrides), samples)
    finally:
        if owned:
            pool.close()

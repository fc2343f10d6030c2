"""Thread-safe deadlines: symbolic comparisons run in killable worker processes, never under signal.alarm."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from thinkforge.grading import AnswerPair, grade_answer, grade_many
from thinkforge.grading import symbolic

#: sympy expands this for minutes: it must come back as "timeout", not hang.
PATHOLOGICAL = ("(x+1)^{2000} - (x+2)^{2000}", "0")
#: A generous bound that only a hang (not a slow machine) exceeds: deadline + worker restart.
HANG_BOUND_S = 60.0

SYMBOLIC_ROWS = [
    ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", "pass"),
    ("2\\sqrt{3}", "\\sqrt{12}", "pass"),
    ("x^2 + 2x + 1", "(x+1)^2", "pass"),
    ("x^2 + 2x + 1", "(x-1)^2", "wrong"),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", "wrong"),
    ("[1, 3)", "(1, 3)", "wrong"),
    ("5", "500", "wrong"),
    ("\\frac{1}{2}", "0.5", "pass"),
]


def test_pathological_expression_times_out_with_a_status() -> None:
    start = time.monotonic()
    verdict = grade_answer(*PATHOLOGICAL, answers_only=True, timeout_s=1.0)
    assert verdict.status == "timeout"
    assert not verdict.passed
    assert verdict.detail["path"] == "symbolic"
    assert time.monotonic() - start < HANG_BOUND_S


def test_grading_still_works_after_a_timeout() -> None:
    assert grade_answer(*PATHOLOGICAL, answers_only=True, timeout_s=0.5).status == "timeout"
    assert grade_answer("2\\sqrt{3}", "\\sqrt{12}", answers_only=True).status == "pass"


def test_grading_from_a_non_main_thread_works() -> None:
    box: list[str] = []
    thread = threading.Thread(target=lambda: box.append(grade_answer("\\sqrt{8}", "2\\sqrt{2}", answers_only=True).status))
    thread.start()
    thread.join(HANG_BOUND_S)
    assert box == ["pass"]


def test_many_threads_grade_concurrently_while_one_times_out() -> None:
    rows = SYMBOLIC_ROWS * 4

    def run(row: tuple[str, str, str]) -> tuple[str, str]:
        return grade_answer(row[0], row[1], answers_only=True).status, row[2]

    def stuck() -> str:
        return grade_answer(*PATHOLOGICAL, answers_only=True, timeout_s=2.0).status

    with ThreadPoolExecutor(max_workers=8) as executor:
        slow = executor.submit(stuck)
        results = list(executor.map(run, rows))
        assert slow.result(timeout=HANG_BOUND_S) == "timeout"
    assert [got for got, _ in results] == [want for _, want in results]


def test_a_dead_worker_is_replaced() -> None:
    assert grade_answer("\\sqrt{4}", "2", answers_only=True).status == "pass"
    grade_answer("\\sqrt{2}", "2^{1/2}", answers_only=True)  # ensures an idle worker exists
    for worker in list(symbolic.pool()._idle):
        worker.proc.kill()
        worker.proc.wait()
    assert grade_answer("2\\sqrt{2}", "\\sqrt{8}", answers_only=True).status == "pass"


def _grade_in_daemon(row: tuple[str, str]) -> str:
    return grade_answer(row[0], row[1], answers_only=True).status


def test_grading_works_inside_daemonic_pool_processes() -> None:
    # Ray and multiprocessing.Pool workers are daemonic: they may not fork multiprocessing children.
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as mp_pool:
        got = mp_pool.map(_grade_in_daemon, [("2\\sqrt{3}", "\\sqrt{12}"), ("x^2", "x^3"), ("7", "7")])
    assert got == ["pass", "wrong", "pass"]


def test_grade_many_with_processes_matches_in_process_grading_and_order() -> None:
    pairs = [AnswerPair(g, a, options={"answers_only": True}, id=str(i)) for i, (g, a, _) in enumerate(SYMBOLIC_ROWS * 3)]
    parallel = grade_many(pairs, workers=2)
    serial = grade_many(pairs, workers=1)
    assert [v.status for v in parallel] == [v.status for v in serial]
    assert [v.status for v in serial] == [want for _, _, want in SYMBOLIC_ROWS * 3]


@pytest.mark.slow
def test_grading_and_timeouts_work_inside_ray_workers() -> None:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:

        @ray.remote
        def remote_grade(gold: str, answer: str, timeout_s: float) -> str:
            return grade_answer(gold, answer, answers_only=True, timeout_s=timeout_s).status

        refs = [
            remote_grade.remote("2\\sqrt{3}", "\\sqrt{12}", 5.0),
            remote_grade.remote("5", "500", 5.0),
            remote_grade.remote(PATHOLOGICAL[0], PATHOLOGICAL[1], 1.0),
        ]
        assert ray.get(refs, timeout=HANG_BOUND_S * 2) == ["pass", "wrong", "timeout"]
    finally:
        ray.shutdown()


def test_a_process_with_many_open_files_can_still_grade() -> None:
    # bug found: select() raises ValueError for descriptors >= 1024, which a busy server easily reaches
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("the file-descriptor limit is too low to open 1100 files")
    if soft != resource.RLIM_INFINITY and soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    pool = symbolic.SymbolicPool(max_workers=1)
    try:
        result = pool.compare("2\\sqrt{3}", "\\sqrt{12}", timeout_s=30.0, float_rounding=6)
        assert result.outcome == "equal", result.message
    finally:
        pool.close()
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

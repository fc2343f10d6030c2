"""One warm grading context for a whole run: a process pool for math and multiple choice, the sandbox pool
for code, and a retry policy for transient statuses.

Starting a process pool imports sympy and Math-Verify in every worker and starts their symbolic helper
processes; doing that once per run instead of once per chunk keeps grading from dominating short runs. A
verdict whose status is *transient* — a symbolic ``timeout`` or ``error`` under machine load, a
``sandbox_error`` — is graded again (``retries`` times), and the final verdict records the attempts, so
accuracy does not depend on how loaded the machine was.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections import deque
from concurrent.futures import Future
from dataclasses import replace
from typing import Any, Iterable, Iterator, Sequence

from thinkforge.defaults import GRADING
from thinkforge.records import Problem, Sample, Verdict

#: Statuses that say grading did not reach a verdict, per domain (a program's own timeout is a verdict).
TRANSIENT: dict[str, frozenset[str]] = {
    "math": frozenset({"timeout", "error"}),
    "mcq": frozenset({"timeout", "error"}),
    "code": frozenset({"sandbox_error", "error"}),
}


def is_transient(domain: str, verdict: Verdict) -> bool:
    """True when ``verdict`` is a grading failure worth retrying rather than a judgement of the answer."""
    return verdict.status in TRANSIENT.get(domain, frozenset())


def _domain(item: Any) -> str:
    from thinkforge.grading import AnswerPair

    if isinstance(item, AnswerPair):
        return "mcq" if item.domain in ("mcq", "choice") else "math"
    return item[0].domain


def grade_with_retry(item: Any, retries: int = GRADING.retries) -> Verdict:
    """Grade one item (a ``(Problem, Sample)`` pair or an ``AnswerPair``), again while the status is transient."""
    from thinkforge.grading import grade_item

    domain = _domain(item)
    statuses: list[str] = []
    verdict = grade_item(item)
    while is_transient(domain, verdict) and len(statuses) < retries:
        statuses.append(verdict.status)
        verdict = grade_item(item)
    if statuses:
        verdict = replace(verdict, detail={**verdict.detail, "retried": statuses, "attempts": len(statuses) + 1})
    return verdict


def grade_batch(items: list[Any], retries: int = GRADING.retries) -> list[Verdict]:
    """Grade a list of math / multiple-choice items in one worker call (one round trip per batch)."""
    return [grade_with_retry(item, retries) for item in items]


class Grader:
    """``with Grader(workers=2) as g: futures = [g.submit(item) for item in items]`` — or ``g.map(items)``.

    Math and multiple-choice items go to ``workers`` processes (``workers <= 1``: a thread of this process);
    code items go to the sandbox pool, judged by as many threads as it has workers.
    """

    def __init__(self, workers: int = 1, retries: int = GRADING.retries, code_workers: int | None = None) -> None:
        self.workers = workers
        self.retries = retries
        self.code_workers = code_workers
        self._answers: concurrent.futures.Executor | None = None
        self._code: concurrent.futures.Executor | None = None
        self._sandbox: Any = None

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for executor in (self._answers, self._code):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._answers = self._code = None
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def _answer_executor(self) -> concurrent.futures.Executor:
        if self._answers is None:
            if self.workers > 1:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["thinkforge.grading"])
                self._answers = concurrent.futures.ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
            else:
                self._answers = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="grade")
        return self._answers

    def _code_executor(self) -> concurrent.futures.Executor:
        if self._code is None:
            from thinkforge.sandbox import SandboxPool

            self._sandbox = SandboxPool(self.code_workers) if self.code_workers else SandboxPool()
            self._sandbox.start()
            self._code = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, self._sandbox.workers),
                                                               thread_name_prefix="judge")
        return self._code

    def submit(self, item: Any) -> "Future[Verdict]":
        """Start grading one item; the future's result is its (possibly retried) verdict."""
        if _domain(item) == "code":
            return self._code_executor().submit(self._judge, item)
        return self._answer_executor().submit(grade_with_retry, item, self.retries)

    def submit_many(
        self, items: Sequence[Any], batch: int = GRADING.batch_size
    ) -> list[tuple[int, "Future[list[Verdict]]"]]:
        """Start grading many items: math and multiple choice in batches of ``batch`` per worker call, code one
        by one on the sandbox pool. Returns (count, future) pairs, in input order: each future gives the verdicts
        of the next ``count`` items."""
        futures: list[tuple[int, Future[list[Verdict]]]] = []
        run: list[Any] = []

        def flush() -> None:
            if run:
                futures.append((len(run), self._answer_executor().submit(grade_batch, list(run), self.retries)))
                run.clear()

        for item in items:
            if _domain(item) == "code":
                flush()
                futures.append((1, self._code_executor().submit(lambda it: [self._judge(it)], item)))
            else:
                run.append(item)
                if len(run) >= batch:
                    flush()
        flush()
        return futures

    def _judge(self, item: tuple[Problem, Sample]) -> Verdict:
        from thinkforge.grading.code import grade_code

        problem, sample = item
        attempts: list[str] = []
        verdict = grade_code(problem, sample, pool=self._sandbox)
        while is_transient("code", verdict) and len(attempts) < self.retries:
            attempts.append(verdict.status)
            verdict = grade_code(problem, sample, pool=self._sandbox)
        if attempts:
            verdict = replace(verdict, detail={**verdict.detail, "retried": attempts, "attempts": len(attempts) + 1})
        return verdict

    def map(self, items: Iterable[Any], in_flight: int = GRADING.in_flight) -> Iterator[Verdict]:
        """Verdicts in input order; the input is consumed lazily, about ``in_flight`` items ahead."""
        window: deque[Future[list[Verdict]]] = deque()
        pending: list[Any] = []
        for item in items:
            pending.append(item)
            if len(pending) >= GRADING.batch_size * max(1, self.workers):
                window.extend(f for _, f in self.submit_many(pending))
                pending = []
            while len(window) * GRADING.batch_size > in_flight:
                yield from window.popleft().result()
        window.extend(f for _, f in self.submit_many(pending))
        while window:
            yield from window.popleft().result()

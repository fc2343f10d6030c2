"""Grading scaled out with Ray: warm grading actors behind the :class:`~thinkforge.grading.pool.Grader` interface.

Each actor holds one local :class:`Grader` for its whole life — math and multiple choice graded in the actor
(its symbolic workers started once), code judged on the actor's own sandbox pool (started on the first code
item) — so a verdict comes from exactly the code path a local grader runs, retries included. The driver cuts
the items into batches in input order, sends each batch to the least busy actor, and keeps at most
``queue_per_actor`` batches waiting per actor (the rest wait on the driver, so a pool of hundreds of
thousands of traces does not flood Ray's object store). ``submit_many`` returns ordinary
``concurrent.futures.Future`` objects, so :class:`~thinkforge.grading.stage.GradeRun`, eval and curate use a
:class:`RayGrader` exactly as they use a local one.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Future, InvalidStateError
from typing import Any, Sequence

from thinkforge.defaults import GRADING, RAY_GRADING
from thinkforge.errors import ThinkforgeError
from thinkforge.grading.pool import Grader
from thinkforge.records import Verdict

log = logging.getLogger(__name__)


class _GradeActor:
    """One warm grading context inside a Ray actor."""

    def __init__(self, retries: int, code_workers: int) -> None:
        from thinkforge.grading import AnswerPair
        from thinkforge.grading.pool import Grader, grade_with_retry

        self.grader = Grader(workers=1, retries=retries, code_workers=code_workers)
        grade_with_retry(AnswerPair(gold="\\frac{1}{2}", response="\\boxed{0.5}"))  # start the symbolic worker

    def grade(self, items: list[Any]) -> list[Verdict]:
        """The verdicts of ``items``, in order (math / choice in this process, code on the sandbox pool)."""
        return [v for _, future in self.grader.submit_many(items) for v in future.result()]

    def close(self) -> None:
        """Stop the symbolic workers' executor and the sandbox pool (after the batches queued before this call)."""
        self.grader.close()


def _settle(future: "Future[list[Verdict]]", result: list[Verdict] | None, error: BaseException | None) -> None:
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result or [])
    except InvalidStateError:  # cancelled by close() meanwhile
        pass


class RayGrader(Grader):
    """``with RayGrader(actors=4) as g: futures = g.submit_many(items)`` — the same verdicts as :class:`Grader`.

    ``address`` None joins a running Ray or starts a local one with ``actors × cpus_per_actor`` CPUs (shut down
    by :meth:`close`); ``"auto"`` or ``ray://…`` joins a cluster.
    """

    def __init__(
        self,
        actors: int = RAY_GRADING.actors,
        cpus_per_actor: float = RAY_GRADING.cpus_per_actor,
        address: str | None = None,
        retries: int = GRADING.retries,
        batch_size: int = RAY_GRADING.batch_size,
        queue_per_actor: int = RAY_GRADING.queue_per_actor,
    ) -> None:
        if actors < 1:
            raise ThinkforgeError(f"ray grading needs at least one actor, got actors={actors}")
        if cpus_per_actor <= 0:
            raise ThinkforgeError(f"ray grading: cpus_per_actor must be > 0, got {cpus_per_actor}")
        from thinkforge.backends.ray_data import import_ray

        import_ray()  # a missing Ray is a clear error now, before any run store is opened
        super().__init__(workers=actors, retries=retries, code_workers=max(1, int(cpus_per_actor)))
        self.cpus_per_actor = cpus_per_actor
        self.address = address
        self.batch_size = max(1, batch_size)
        self.depth = 1 + max(0, queue_per_actor)
        self._actors: list[Any] = []
        self._busy: list[int] = []
        self._queue: deque[tuple[list[Any], Future[list[Verdict]]]] = deque()
        self._lock = threading.RLock()  # a batch can finish while _pump still holds it (its callback runs at once)
        self._started_ray = False
        self._closed = False

    # -------------------------------------------------------------------------------- actors
    def _ensure_actors(self) -> None:
        if self._actors:
            return
        from thinkforge.backends.ray_data import import_ray, start_ray

        ray = import_ray()
        self._started_ray = start_ray(self.address, self.workers * self.cpus_per_actor)
        actor = ray.remote(_GradeActor).options(
            num_cpus=self.cpus_per_actor, max_restarts=RAY_GRADING.max_restarts,
            max_task_retries=RAY_GRADING.max_restarts,
        )
        self._actors = [actor.remote(self.retries, self.code_workers) for _ in range(self.workers)]
        self._busy = [0] * len(self._actors)
        log.info("ray grading: %d actors × %.3g CPUs", len(self._actors), self.cpus_per_actor)

    def _pump(self) -> None:
        """Send queued batches to the least busy actors while any has room (caller holds the lock)."""
        while self._queue and not self._closed:
            index = min(range(len(self._actors)), key=self._busy.__getitem__)
            if self._busy[index] >= self.depth:
                return
            items, future = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            self._busy[index] += 1
            ref = self._actors[index].grade.remote(items)
            ref.future().add_done_callback(lambda done, i=index, f=future: self._finished(i, f, done))

    def _finished(self, index: int, future: "Future[list[Verdict]]", done: "Future[Any]") -> None:
        error = done.exception()
        if error is not None:
            error = ThinkforgeError(f"a Ray grading actor failed: {type(error).__name__}: {error}")
        _settle(future, None if error else done.result(), error)
        with self._lock:
            self._busy[index] -= 1
            self._pump()

    # -------------------------------------------------------------------------------- Grader interface
    def submit(self, item: Any) -> "Future[Verdict]":
        """Start grading one item (a batch of one); the future's result is its verdict."""
        (_, batch), = self.submit_many([item], batch=1)
        single: Future[Verdict] = Future()

        def unwrap(done: "Future[list[Verdict]]") -> None:
            if done.cancelled():
                single.cancel()
            elif done.exception() is not None:
                single.set_exception(done.exception())
            else:
                single.set_result(done.result()[0])

        batch.add_done_callback(unwrap)
        return single

    def submit_many(
        self, items: Sequence[Any], batch: int | None = None
    ) -> list[tuple[int, "Future[list[Verdict]]"]]:
        """Start grading ``items`` in batches of ``batch`` (default: this grader's ``batch_size``), any domains
        mixed; (count, future) pairs in input order, as :meth:`Grader.submit_many`."""
        size = max(1, batch or self.batch_size)
        futures: list[tuple[int, Future[list[Verdict]]]] = []
        if not items:
            return futures
        if self._closed:
            raise ThinkforgeError("this Ray grader is closed")
        self._ensure_actors()
        with self._lock:
            for start in range(0, len(items), size):
                chunk = list(items[start : start + size])
                future: Future[list[Verdict]] = Future()
                self._queue.append((chunk, future))
                futures.append((len(chunk), future))
            self._pump()
        return futures

    def close(self) -> None:
        """Cancel what waits on the driver, end the actors, and shut Ray down when this grader started it."""
        with self._lock:
            self._closed = True
            while self._queue:
                self._queue.popleft()[1].cancel()
        from thinkforge.backends.ray_data import import_ray

        ray = import_ray() if self._actors else None
        if ray is not None and ray.is_initialized():  # (a session shut down by its owner took the actors with it)
            try:  # a graceful end (sandbox pools closed) after the batches already sent, then a hard one
                ray.get([actor.close.remote() for actor in self._actors], timeout=RAY_GRADING.close_timeout_s)
            except Exception as exc:  # noqa: BLE001 - a dead or stuck actor is killed below all the same
                log.warning("ray grading: actors did not close cleanly (%s)", type(exc).__name__)
            for actor in self._actors:
                ray.kill(actor)
        self._actors = []
        if self._started_ray:
            import_ray().shutdown()
            self._started_ray = False

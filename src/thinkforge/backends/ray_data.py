"""Scale-out: N replicas of a backend under Ray Data, behind the same :class:`Backend` protocol.

The driver plans the work units with the backend's own planner (for hf: the same length-sorted batches a
single process would run), ships each unit as one row to ``map_batches`` over a pool of replica actors
(``concurrency = replicas``), and yields each unit's samples as Ray hands them back. The caller stores them
exactly as it stores a local backend's output, so resume and the run store are unchanged.
"""

from __future__ import annotations

import json
import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from thinkforge.backends.base import GenerationRequest
from thinkforge.backends.factory import BackendSpec
from thinkforge.defaults import BACKENDS
from thinkforge.errors import MissingDependencyError
from thinkforge.records import Sample

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RayOptions:
    """Replicas and their resources; ``address`` None starts a local Ray (or joins a running one)."""

    replicas: int = BACKENDS.ray_replicas
    cpus_per_replica: float = BACKENDS.ray_cpus_per_replica
    gpus_per_replica: float = BACKENDS.ray_gpus_per_replica
    address: str | None = None


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependencyError("--ray needs Ray Data: pip install 'thinkforge[ray]'") from None
    return ray


def start_ray(address: str | None, num_cpus: float) -> bool:
    """Join Ray at ``address``, or start a local Ray with ``num_cpus`` CPUs; a no-op when Ray is already up.

    Returns True when this call started (and so owns) the Ray session.
    """
    ray = import_ray()
    if ray.is_initialized():
        return False
    if address is None:
        ray.init(num_cpus=max(1, math.ceil(num_cpus)), include_dashboard=False, log_to_driver=False)
    else:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    return True


@contextmanager
def ray_session(address: str | None, num_cpus: float) -> Iterator[None]:
    """One Ray session for several Ray users of a run (a teacher's replicas and grading actors): started here
    when needed, so that none of them shuts it down under the others, and shut down at the end if started here."""
    started = start_ray(address, num_cpus)
    try:
        yield
    finally:
        if started:
            import_ray().shutdown()


class _Replica:
    """One backend replica inside a Ray actor: runs whole work units, returns samples as JSON."""

    def __init__(self, spec: BackendSpec, threads: int) -> None:
        import torch

        torch.set_num_threads(max(1, threads))
        self.backend = spec.build()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        payloads = []
        for unit in batch["unit"]:
            requests = [GenerationRequest.from_dict(d) for d in json.loads(str(unit))]
            samples = [s.to_dict() for group in self.backend.generate(requests) for s in group]
            payloads.append(json.dumps(samples))
        return {"samples": np.array(payloads, dtype=object)}


class RayBackend:
    """A backend that fans work out to ``replicas`` copies of ``spec``'s backend with Ray Data."""

    def __init__(self, spec: BackendSpec, options: RayOptions = RayOptions()) -> None:
        self.spec = spec
        self.options = options
        self.name = spec.kind
        self._started_ray = False

    def _ensure_ray(self) -> Any:
        ray = import_ray()
        if start_ray(self.options.address, self.options.replicas * self.options.cpus_per_replica):
            self._started_ray = True
        ray.data.DataContext.get_current().enable_progress_bars = False
        return ray

    def generate(self, requests: Sequence[GenerationRequest]) -> Iterator[list[Sample]]:
        """Yield the samples of each work unit as its replica finishes it."""
        if not requests:
            return
        ray = self._ensure_ray()
        units = self.spec.plan(requests)
        items = [{"unit": json.dumps([r.to_dict() for r in unit])} for unit in units]
        log.info("ray: %d work units over %d replicas", len(items), self.options.replicas)
        dataset = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            _Replica,
            fn_constructor_kwargs={"spec": self.spec, "threads": int(self.options.cpus_per_replica)},
            batch_size=1,
            concurrency=self.options.replicas,
            num_cpus=self.options.cpus_per_replica,
            num_gpus=self.options.gpus_per_replica,
        )
        for batch in dataset.iter_batches(batch_size=1, batch_format="numpy", prefetch_batches=0):
            for payload in batch["samples"]:
                yield [Sample.from_dict(d) for d in json.loads(str(payload))]

    def close(self) -> None:
        if self._started_ray:
            import_ray().shutdown()
            self._started_ray = False

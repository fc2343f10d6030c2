"""Grading on Ray vs the local pool: the same mixed verdict set (math, multiple choice, code), same CPU count.

Baseline: :class:`~thinkforge.grading.pool.Grader` with ``--workers`` processes (math / choice) and its sandbox
pool (code). Measured: :class:`~thinkforge.grading.ray_pool.RayGrader` with ``--actors`` actors of one CPU each
on a local Ray. Both grade every item of the set once; the script checks that the verdicts are identical
(measured durations aside) and prints items/s of each and the ratio. Ray's start-up (the local cluster and the
warm actors) is timed apart from grading.

On one machine Ray cannot be faster than the local pool with the same CPUs (it adds serialisation and a
scheduler); the ratio shows what the scale-out path costs here. The gain is on a cluster, where the actors run
on many nodes.

    .venv/bin/python benchmarks/bench_ray_grading.py [--math 200] [--mcq 100] [--code 100] [--actors 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

from thinkforge.grading.pool import Grader
from thinkforge.grading.ray_pool import RayGrader
from thinkforge.records import Sample, Verdict
from thinkforge.tasks import get_task


def verdict_set(n_math: int, n_mcq: int, n_code: int) -> list[Any]:
    """(problem, sample) pairs: a right and a wrong response per problem, the three domains interleaved."""
    items: list[Any] = []
    for p in get_task("math500").load(limit=n_math // 2):
        gold = p.reference["answer"]
        items += [(p, f"Thinking...\nSo the answer is $\\boxed{{{gold}}}$."), (p, "We get \\boxed{\\frac{7}{13}}.")]
    for p in get_task("gpqa_diamond").load(limit=n_mcq // 2):
        right = p.reference["answer"]
        wrong = next(c for c in "ABCD" if c != right)
        items += [(p, f"The answer is ({right})."), (p, f"Answer: {wrong}")]
    code = get_task("humaneval").load(limit=n_code // 2)
    for p in code:
        solution = p.meta["prompt_code"] + p.meta["canonical_solution"]
        items += [(p, f"```python\n{solution}\n```"), (p, f"```python\ndef {p.reference.get('entry_point', 'f')}(*a):\n"
                                                          "    return None\n```")]
    pairs = [(p, Sample(problem_id=p.id, model="bench", index=i, text=t, key=f"s{i}")) for i, (p, t) in enumerate(items)]
    return pairs[0::3] + pairs[1::3] + pairs[2::3]


def untimed(value: Any) -> Any:
    if isinstance(value, Verdict):
        return (value.passed, value.status, value.extracted, untimed(value.detail))
    if isinstance(value, dict):
        return {k: untimed(v) for k, v in value.items() if not k.endswith("_s")}
    if isinstance(value, list):
        return [untimed(v) for v in value]
    return value


def grade_all(grader: Grader, items: list[Any]) -> tuple[list[Verdict], float]:
    start = time.perf_counter()
    verdicts = [v for _, f in grader.submit_many(items) for v in f.result()]
    return verdicts, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--math", type=int, default=200, help="math items (MATH-500, half right)")
    parser.add_argument("--mcq", type=int, default=100, help="multiple-choice items (GPQA-Diamond, half right)")
    parser.add_argument("--code", type=int, default=100, help="code items (HumanEval, half right)")
    parser.add_argument("--workers", type=int, default=2, help="local pool: grading processes")
    parser.add_argument("--actors", type=int, default=2, help="Ray: grading actors (one CPU each)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    items = verdict_set(args.math, args.mcq, args.code)
    print(f"{len(items)} items: {args.math} math, {args.mcq} multiple choice, {args.code} code")

    with Grader(workers=args.workers, code_workers=args.workers) as local:
        grade_all(local, items[:6])  # warm: processes, symbolic workers, sandbox pool
        expected, local_s = grade_all(local, items)

    import ray

    start = time.perf_counter()
    ray.init(num_cpus=args.actors, include_dashboard=False, log_to_driver=False)
    try:
        with RayGrader(actors=args.actors) as remote:
            grade_all(remote, items[: 6 * args.actors])  # warm every actor
            startup_s = time.perf_counter() - start
            got, ray_s = grade_all(remote, items)
    finally:
        ray.shutdown()

    same = [untimed(v) for v in got] == [untimed(v) for v in expected]
    print(f"local pool ({args.workers} workers): {len(items) / local_s:8.1f} items/s ({local_s:.2f} s)")
    print(f"ray ({args.actors} actors):         {len(items) / ray_s:8.1f} items/s ({ray_s:.2f} s; start-up {startup_s:.1f} s)")
    print(f"ratio ray / local: {local_s / ray_s:.2f}x   identical verdicts: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Executions/s: a naive harness (a new ``python`` per test, rlimits only) vs thinkforge's isolated pool.

Same work for both: (1) a trivial echo program; (2) the HumanEval canonical solutions and MBPP reference
solutions with their tests (one execution per problem). Both use 2 workers. Prints a side-by-side table.

    .venv/bin/python benchmarks/bench_sandbox.py [--echo N] [--workers 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from thinkforge.sandbox import Limits, SandboxPool

DATA = Path(os.environ.get("THINKFORGE_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")
ECHO = "print(input())\n"
LIMITS = Limits(timeout_s=30.0, cpu_s=30.0, memory_mb=1024)
#: Programs that compute longer than this (seconds) are reported separately.
HEAVY_S = 0.1


def suite() -> list[str]:
    """Self-checking programs: solution + tests; exit 0 exactly when the tests pass."""
    programs = []
    with gzip.open(DATA / "humaneval" / "HumanEval.jsonl.gz", "rt") as fh:
        for line in fh:
            r = json.loads(line)
            programs.append(r["prompt"] + r["canonical_solution"] + "\n" + r["test"] + f"\ncheck({r['entry_point']})\n")
    with open(DATA / "mbpp" / "mbpp.jsonl") as fh:
        for line in fh:
            r = json.loads(line)
            if 11 <= r["task_id"] <= 510:
                programs.append(r["code"] + "\n" + (r["test_setup_code"] or "") + "\n" + "\n".join(r["test_list"]) + "\n")
    return programs


def _rlimits() -> None:
    mb = LIMITS.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mb, mb))
    resource.setrlimit(resource.RLIMIT_CPU, (int(LIMITS.cpu_s) + 1,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def naive_run(job: tuple[str, str]) -> bool:
    source, stdin = job
    proc = subprocess.run([sys.executable, "-I", "-c", source], input=stdin, capture_output=True, text=True,
                          timeout=LIMITS.timeout_s, preexec_fn=_rlimits, env={})
    return proc.returncode == 0


def measure(name: str, jobs: list[tuple[str, str]], naive_workers: int, pool: SandboxPool) -> dict[str, float]:
    t = time.perf_counter()
    with ThreadPoolExecutor(naive_workers) as ex:
        naive_ok = sum(ex.map(naive_run, jobs))
    naive = len(jobs) / (time.perf_counter() - t)
    t = time.perf_counter()
    pool_ok = sum(r.ok for r in pool.map(jobs, limits=LIMITS))
    pooled = len(jobs) / (time.perf_counter() - t)
    print(f"{name:<24} {len(jobs):>6} {naive:>12.0f} {pooled:>14.0f} {pooled / naive:>7.2f}x"
          f"   (passed: naive {naive_ok}, pool {pool_ok})")
    return {"naive": naive, "pool": pooled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--echo", type=int, default=2000, help="executions of the echo program")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    programs = suite()
    with SandboxPool(args.workers, limits=LIMITS) as pool:
        layers = pool.layers
        print(f"cores: {os.cpu_count()}  workers: {args.workers}  python: {sys.version.split()[0]}")
        print(f"isolation layers active: {', '.join(layers.active) if layers else '?'}")
        print(f"missing: {layers.missing if layers else '?'}")
        for _ in pool.map([(ECHO, "warm\n")] * 50, limits=LIMITS):
            pass
        print(f"{'workload':<24} {'execs':>6} {'naive exec/s':>12} {'isolated exec/s':>14} {'ratio':>8}")
        measure("echo (trivial)", [(ECHO, "hello\n")] * args.echo, args.workers, pool)
        suites = [(p, "") for p in programs]
        measure("HumanEval+MBPP suites", suites, args.workers, pool)
        # One MBPP program alone computes for seconds and bounds both harnesses' wall time (Amdahl); the
        # row below leaves out programs whose own run exceeds HEAVY_S, to show the per-execution cost.
        light = [job for job, r in zip(suites, pool.map(suites, limits=LIMITS)) if r.wall_s <= HEAVY_S]
        measure(f"  without {len(suites) - len(light)} heavy (>{HEAVY_S:g}s)", light, args.workers, pool)


if __name__ == "__main__":
    main()

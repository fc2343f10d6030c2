"""Eval wall time vs generation-only wall time on the same slice: grading must hide behind generation.

    .venv/bin/python benchmarks/bench_eval.py                      # hf backend, default model
    .venv/bin/python benchmarks/bench_eval.py --base-url URL       # a running OpenAI-compatible server

Both runs use one backend built beforehand (the model load is in neither) and the same greedy requests, in
fresh run directories: first `generate` alone for each task (no grading), then `thinkforge eval` (generate +
grade + metrics + results.json + report.md). Target: eval wall / generation wall <= 1.10.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from thinkforge.evaluate.config import EvalConfig
from thinkforge.evaluate.stage import plan_eval, run_eval
from thinkforge.generate import run_generate
from thinkforge.generate.config import HFConfig, OpenAIConfig, SamplingConfig
from thinkforge.generate.stage import make_backend


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default="humaneval,math500")
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--base-url", help="use the openai backend against this server instead of hf")
    parser.add_argument("--workers", type=int, default=1, help="grading processes")
    args = parser.parse_args()

    backend_kind = "openai" if args.base_url else "hf"
    base = EvalConfig(
        tasks=args.tasks, model="default", backend=backend_kind, limit=args.limit, workers=args.workers,  # type: ignore[arg-type]
        sampling=SamplingConfig(temperature=0.0, max_tokens=args.max_tokens),
        hf=HFConfig(batch_size=args.batch_size, device="cpu"),
        openai=OpenAIConfig(base_url=args.base_url or OpenAIConfig().base_url, concurrency=args.batch_size),
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        gen_cfg = replace(base, out=str(Path(tmp) / "gen"))
        plans = plan_eval(gen_cfg)
        backend = make_backend(plans[0].generate)
        try:
            # Warm-up (lazy initialisation of the model, kernels and thread pools is in neither timing).
            run_generate(replace(plans[0].generate, out=str(Path(tmp) / "warm"), limit=1), backend=backend)
            gen_walls, tokens = [], 0
            for attempt in range(2):  # generation alone, before and after the eval: the faster is the baseline
                if attempt == 1:
                    start = time.perf_counter()
                    result = run_eval(replace(base, out=str(Path(tmp) / "eval")), backend=backend)
                    eval_wall = time.perf_counter() - start
                start = time.perf_counter()
                tokens = 0
                for tp in plans:
                    gen = replace(tp.generate, out=str(Path(tmp) / f"gen{attempt}" / tp.label))
                    tokens += run_generate(gen, backend=backend).session.completion_tokens
                gen_walls.append(time.perf_counter() - start)
            gen_wall = min(gen_walls)
        finally:
            backend.close()
    n = sum(e["n_samples"] for e in result.results["tasks"].values())
    print(f"slice: {args.tasks}, {args.limit} problems each, {n} samples, {tokens} completion tokens, "
          f"backend {backend_kind}, grading workers {args.workers}")
    print(f"{'run':40s} {'wall s':>8s} {'ratio':>7s}")
    print(f"{'generation only (baseline, best of 2)':40s} {gen_wall:8.2f} {1.0:7.2f}   runs: "
          + ", ".join(f"{w:.2f}" for w in gen_walls))
    print(f"{'thinkforge eval (generate+grade+report)':40s} {eval_wall:8.2f} {eval_wall / gen_wall:7.2f}")
    print(f"target: eval / generation <= 1.10 -> {'met' if eval_wall / gen_wall <= 1.10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

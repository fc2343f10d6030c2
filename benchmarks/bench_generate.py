"""Throughput of ``thinkforge generate`` against plain baselines, side by side, in one run.

1. hf backend (the whole generate stage: task loading, requests, run store, accounting) against a plain
   ``model.generate`` loop over the same prompts, in the same batches, with the same batch size — greedy,
   sampled, and sampled with ``n`` = 4 samples per problem (curation's shape). Target: thinkforge at least as
   fast (its decode loop drops finished rows and shares a problem's prefill, so it is usually faster).
2. openai backend against a llama.cpp server (started here on 127.0.0.1) at concurrency 1 and 4.

Alongside the side-by-side ratio it prints the share of the stage's wall time spent outside the decode loop,
measured inside the same run: on a shared machine the two separate timings can swing by several times, while
this share stays meaningful.

The model is loaded once and shared by both hf sides, so loading time is not measured. Rounds alternate
(plain, thinkforge, plain, …) and the best round of each is reported, which damps noise from other load.

    .venv/bin/python benchmarks/bench_generate.py [--problems 16 --batch-size 8 --max-tokens 32 --rounds 2]
    .venv/bin/python benchmarks/bench_generate.py --problems 16 --batch-size 64 --max-tokens 96 --skip-openai
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import torch

import thinkforge.backends.hf as hf_module
from thinkforge.backends.hf import HFBackend, HFOptions
from thinkforge.generate import GenerateConfig, SamplingConfig, plan_run, run_generate
from thinkforge.generate.config import HFConfig, OpenAIConfig
from thinkforge.models import default_gguf_path, resolve

TASK = "gsm8k"


@dataclass(frozen=True)
class Measure:
    tokens: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.tokens / self.seconds


def plain_loop(backend: HFBackend, batches: list[list[list[int]]], max_tokens: int, sample: bool) -> Measure:
    """The baseline: left-pad each batch by hand and call ``model.generate``; count tokens up to EOS."""
    model, pad = backend.model, backend.pad_id
    eos = backend.eos_ids
    tokens = 0
    torch.manual_seed(0)
    start = time.perf_counter()
    for batch in batches:
        width = max(len(p) for p in batch)
        ids = torch.tensor([[pad] * (width - len(p)) + p for p in batch])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in batch])
        kwargs = {"do_sample": True, "temperature": 0.7, "top_p": 1.0} if sample else {"do_sample": False}
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_tokens, pad_token_id=pad, **kwargs)
        for row in out[:, width:].tolist():
            end = next((i for i, t in enumerate(row) if t in eos), None)
            tokens += len(row) if end is None else end + 1
    return Measure(tokens, time.perf_counter() - start)


class TimedDecode:
    """Wraps the hf backend's decode loop to add up the time spent inside it (the part a plain loop pays)."""

    def __init__(self) -> None:
        self.inner = hf_module.decode
        self.seconds = 0.0

    def __call__(self, *args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def thinkforge_run(config: GenerateConfig, backend: object | None) -> tuple[Measure, float]:
    """Run the generate stage; returns the measure and the seconds spent inside the decode loop."""
    timer = TimedDecode() if isinstance(backend, HFBackend) else None
    if timer is not None:
        hf_module.decode = timer  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            summary = run_generate(GenerateConfig(**{**config.__dict__, "out": str(Path(tmp) / "run")}), backend=backend)  # type: ignore[arg-type]
            wall = time.perf_counter() - start
    finally:
        if timer is not None:
            hf_module.decode = timer.inner  # type: ignore[assignment]
    return Measure(summary.session.completion_tokens, wall), (timer.seconds if timer else wall)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_llama_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(default_gguf_path()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--model_alias", "default"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(240):
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("llama.cpp server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-openai", action="store_true")
    args = parser.parse_args()

    backend = HFBackend(resolve("default"), HFOptions(batch_size=args.batch_size, device="cpu"))
    print(f"# {TASK}: {args.problems} prompts, batch {args.batch_size}, max {args.max_tokens} new tokens, "
          f"torch threads {torch.get_num_threads()}, best of {args.rounds} alternating rounds")  # fmt: skip
    rows = []
    for label, temperature, n in (("greedy", 0.0, 1), ("sampled T=0.7", 0.7, 1), ("sampled T=0.7 n=4", 0.7, 4)):
        config = GenerateConfig(
            task=TASK, model="default", backend="hf", n=n, limit=args.problems,
            sampling=SamplingConfig(temperature=temperature, max_tokens=args.max_tokens, seed=0),
            hf=HFConfig(batch_size=args.batch_size, device="cpu"),
        )  # fmt: skip
        requests = plan_run(config).requests
        batches = [[backend.encode(r) for r in batch] for batch in backend.plan(requests)]
        plain, tf, inside = [], [], []
        for _ in range(args.rounds):
            plain.append(plain_loop(backend, batches, args.max_tokens, sample=temperature > 0))
            measure, in_generate = thinkforge_run(config, backend)
            tf.append(measure)
            inside.append((measure.seconds - in_generate) / measure.seconds * 100)
        best_plain = max(plain, key=lambda m: m.rate)
        best_tf = max(tf, key=lambda m: m.rate)
        rows.append((f"hf {label}", best_plain, best_tf, min(inside)))

    print(f"{'case':<26}{'plain tok/s':>12}{'thinkforge tok/s':>18}{'ratio':>8}{'outside decode':>16}")
    for label, plain_m, tf_m, outside in rows:
        print(f"{label:<26}{plain_m.rate:>12.1f}{tf_m.rate:>18.1f}{tf_m.rate / plain_m.rate:>7.2f}x{outside:>15.1f}%  "
              f"(tokens {plain_m.tokens} vs {tf_m.tokens})")  # fmt: skip
    print("(ratio: thinkforge tok/s / plain model.generate tok/s, same prompts and batches. outside decode: share "
          "of thinkforge's wall time spent outside its decode loop — task loading, prompt rendering, tokenising, "
          "store appends, accounting. Measured within one run, so it is robust to load from other processes.)")
    backend.close()

    if args.skip_openai:
        return
    proc, url = start_llama_server()
    try:
        print(f"{'case':<22}{'tok/s':>12}{'wall s':>10}{'tokens':>8}")
        for concurrency in (1, 4):
            config = GenerateConfig(
                task=TASK, model="default", backend="openai", n=1, limit=args.problems,
                sampling=SamplingConfig(temperature=0.7, max_tokens=args.max_tokens, seed=0),
                openai=OpenAIConfig(base_url=url, concurrency=concurrency),
            )  # fmt: skip
            m, _ = thinkforge_run(config, None)
            print(f"{'openai c=' + str(concurrency):<22}{m.rate:>12.1f}{m.seconds:>10.1f}{m.tokens:>8}")
    finally:
        proc.terminate()
        proc.wait(30)


if __name__ == "__main__":
    main()

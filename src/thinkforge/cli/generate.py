"""``thinkforge generate``: sample K responses per problem of a task into a resumable run directory."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from thinkforge.cli.common import add_config_arguments, config_from_args, console, err_console, make_progress
from thinkforge.generate import GenerateConfig, GenerateSummary, Progress, run_generate
from thinkforge.generate.accounting import ACCOUNTING_FILE
from thinkforge.generate.stage import FAILURES_FILE

ORDER = 20

#: CLI flag (argparse dest) → dotted config key.
_FLAG_KEYS = {
    "task": "task",
    "model": "model",
    "backend": "backend",
    "out": "out",
    "n": "n",
    "limit": "limit",
    "ids": "ids",
    "system_prompt": "system_prompt",
    "overwrite": "overwrite",
    "temperature": "sampling.temperature",
    "top_p": "sampling.top_p",
    "max_tokens": "sampling.max_tokens",
    "seed": "sampling.seed",
    "stop": "sampling.stop",
    "batch_size": "hf.batch_size",
    "device": "hf.device",
    "base_url": "openai.base_url",
    "endpoint": "openai.endpoint",
    "concurrency": "openai.concurrency",
    "rpm": "openai.rpm",
    "ray": "ray.enabled",
    "replicas": "ray.replicas",
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "generate",
        help="sample responses for a task's problems (hf, openai-compatible server, vllm; optionally on Ray)",
        description=(
            "Write one Sample per (problem, sample index) into RUN_DIR. Re-running the same command resumes; "
            "a larger --n or --limit extends the run. Unset sampling flags fall back to the task's defaults."
        ),
    )
    p.add_argument("--task", "-t", help="task name (see `thinkforge tasks`) or a task YAML file")
    p.add_argument("--model", "-m", help="model: 'default', a local path or hub id (openai: the server's model)")
    p.add_argument("--backend", "-b", choices=["hf", "openai", "vllm"])
    p.add_argument("--out", "-o", metavar="RUN_DIR", help="run directory")
    p.add_argument("--n", type=int, help="samples per problem")
    p.add_argument("--limit", type=int, help="only the first N problems")
    p.add_argument("--ids", help="only these problem ids (comma-separated)")
    p.add_argument("--system-prompt", help="sky_t1, qwen, none, or literal text")
    p.add_argument("--temperature", type=float)
    p.add_argument("--top-p", type=float)
    p.add_argument("--max-tokens", type=int, help="most new tokens per sample")
    p.add_argument("--seed", type=int, help="run seed (each sample's seed derives from it)")
    p.add_argument("--stop", action="append", help="stop string (repeatable)")
    p.add_argument("--batch-size", type=int, help="hf: prompts per batch")
    p.add_argument("--device", help="hf: auto, cpu or cuda")
    p.add_argument("--base-url", help="openai: server root, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--endpoint", choices=["chat", "completions"], help="openai: which endpoint")
    p.add_argument("--concurrency", type=int, help="openai: requests in flight")
    p.add_argument("--rpm", type=float, help="openai: requests-per-minute limit")
    p.add_argument("--ray", action="store_true", default=None, help="scale out with Ray Data")
    p.add_argument("--replicas", type=int, help="Ray: backend replicas")
    p.add_argument("--overwrite", action="store_true", default=None, help="discard this stage's earlier results")
    add_config_arguments(p)
    p.set_defaults(func=run)


def load(args: argparse.Namespace) -> GenerateConfig:
    """Defaults ← recipe ← flags ← key=value overrides."""
    flags = {key: getattr(args, dest, None) for dest, key in _FLAG_KEYS.items()}
    return config_from_args(GenerateConfig, args, flags)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    with make_progress() as progress:
        bar = progress.add_task("generate", total=None, info="")

        def update(p: Progress) -> None:
            rate = p.session.completion_tokens / p.elapsed_s if p.elapsed_s > 0 else 0.0
            progress.update(bar, completed=p.done, total=p.total, info=f"{rate:7.1f} tok/s")

        summary = run_generate(config, on_progress=update)
    console.print(summary_table(summary, config))
    if summary.failures:
        err_console.print(
            f"[bold red]{len(summary.failures)} samples failed[/] after retries "
            f"(see {summary.run_dir / FAILURES_FILE}); re-run the same command to retry them"
        )
        return 1
    return 0


def summary_table(summary: GenerateSummary, config: GenerateConfig) -> Table:
    """A short end-of-run table: counts, tokens, throughput and cost."""
    table = Table(title=f"generate: {config.task} × {config.model} ({config.backend})", show_header=True)
    table.add_column("")
    table.add_column("this session", justify="right")
    table.add_column("run total", justify="right")
    s, t = summary.session, summary.run_total
    table.add_row("samples", f"{s.samples}", f"{summary.already_done + summary.generated}/{summary.total}")
    table.add_row("failed", f"{s.failed}", "")
    table.add_row("prompt tokens", f"{s.prompt_tokens:,}", f"{t.prompt_tokens:,}")
    table.add_row("completion tokens", f"{s.completion_tokens:,}", f"{t.completion_tokens:,}")
    table.add_row("wall time", f"{s.wall_s:.1f} s", f"{t.wall_s:.1f} s")
    table.add_row("tokens/s", f"{s.tokens_per_s:.1f}", f"{t.tokens_per_s:.1f}")
    table.add_row("cost estimate", f"${summary.session_cost_usd:.4f}", f"${summary.run_cost_usd:.4f}")
    table.caption = f"{summary.run_dir} (accounting: {ACCOUNTING_FILE})"
    return table

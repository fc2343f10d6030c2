"""``thinkforge generate``: sample K responses per problem of a task into a resumable run directory."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from thinkforge.cli.common import add_config_arguments, config_from_args, console, err_console, make_progress
from thinkforge.cli.flags import add_flags, flag_values
from thinkforge.generate import GenerateConfig, GenerateSummary, run_generate
from thinkforge.generate.accounting import ACCOUNTING_FILE
from thinkforge.generate.stage import FAILURES_STREAM, GenerateRun, plan_run
from thinkforge.runs import StageProgress

ORDER = 20


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "generate",
        help="sample responses for a task's problems (hf, openai-compatible server, vllm; optionally on Ray)",
        description=(
            "Write one Sample per (problem, sample index) into RUN_DIR. Re-running the same command resumes; "
            "a larger --n or --limit extends the run. Unset sampling flags fall back to the task's defaults."
        ),
    )
    add_flags(p, GenerateConfig)
    add_config_arguments(p)
    p.set_defaults(func=run)


def load(args: argparse.Namespace) -> GenerateConfig:
    """Defaults ← recipe ← flags ← key=value overrides."""
    return config_from_args(GenerateConfig, args, flag_values(args, GenerateConfig))


def run(args: argparse.Namespace) -> int:
    config = load(args)
    plan = plan_run(config)  # validate (task, sampling, model) before anything is drawn or opened
    with make_progress() as progress:
        bar = progress.add_task("generate", total=None, info="")

        def update(p: StageProgress) -> None:
            progress.update(bar, completed=p.done, total=p.total, info=p.info)

        with GenerateRun(config, on_progress=update, plan=plan) as gen:
            for _ in gen.groups():
                pass
    summary = gen.summary
    assert summary is not None
    console.print(summary_table(summary, config))
    if summary.failures:
        err_console.print(
            f"[bold red]{len(summary.failures)} samples failed[/] after retries "
            f"(see {summary.run_dir}/generate.{FAILURES_STREAM}-*.jsonl); re-run the same command to retry them"
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


__all__ = ["load", "register", "run", "run_generate"]

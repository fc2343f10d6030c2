"""``thinkforge train``: supervised fine-tuning with an assistant-only loss, checked at start."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml
from rich.table import Table

from thinkforge.cli.common import add_config_arguments, config_from_args, console, err_console, make_progress
from thinkforge.train import TrainConfig, TrainProgress, TrainSummary, run_train
from thinkforge.train.launch import accelerate_command, is_main_process

ORDER = 33

#: CLI flag (argparse dest) → dotted config key.
_FLAG_KEYS = {
    "data": "data.path",
    "model": "model",
    "out": "out",
    "epochs": "epochs",
    "max_steps": "max_steps",
    "lr": "lr",
    "batch_size": "batch_size",
    "grad_accum": "grad_accum",
    "max_length": "max_length",
    "lora": "lora.enabled",
    "eval_fraction": "data.eval_fraction",
    "eval_size": "data.eval_size",
    "save_steps": "save_steps",
    "seed": "seed",
    "resume": "resume",
    "overwrite": "overwrite",
    "dry_run": "dry_run",
    "launch": "launch.mode",
    "num_processes": "launch.num_processes",
    "engine": "launch.engine",
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train",
        help="fine-tune a model on conversations (SFT, assistant-only loss, LoRA or full, DDP/FSDP/ZeRO-3)",
        description=(
            "Fine-tune with TRL's SFTTrainer. Data: messages JSONL, ShareGPT JSON/JSONL, a datasets directory or a "
            "curate run directory. The loss covers each assistant turn and its end-of-turn token only (checked at "
            "start). OUT becomes a Hugging Face checkpoint with a model card, train.metrics.jsonl and a loss curve."
        ),
    )
    p.add_argument("--data", "-d", help="training data: a file or directory")
    p.add_argument("--model", "-m", help="base model: 'default', a local path or hub id")
    p.add_argument("--out", "-o", metavar="DIR", help="output directory (the fine-tuned checkpoint)")
    p.add_argument("--epochs", type=float)
    p.add_argument("--max-steps", type=int, help="stop after this many optimizer steps (-1: epochs decide)")
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--batch-size", type=int, help="examples per device per micro-batch")
    p.add_argument("--grad-accum", type=int, help="micro-batches per optimizer step")
    p.add_argument("--max-length", type=int, help="tokens per example; longer ones are cut (reported)")
    p.add_argument("--lora", action="store_true", default=None, help="train LoRA adapters (merged into OUT at the end)")
    p.add_argument("--eval-fraction", type=float, help="held-out share of the data for evaluation loss")
    p.add_argument("--eval-size", type=int, help="held-out examples (wins over --eval-fraction)")
    p.add_argument("--save-steps", type=int, help="checkpoint every N optimizer steps")
    p.add_argument("--seed", type=int)
    p.add_argument("--resume", action="store_true", default=None, help="continue from the last checkpoint in OUT")
    p.add_argument("--overwrite", action="store_true", default=None, help="discard OUT's earlier run")
    p.add_argument("--dry-run", action="store_true", default=None, help="validate and print the plan and cost; no training")
    p.add_argument("--launch", choices=["local", "accelerate"], help="accelerate: re-run under `accelerate launch`")
    p.add_argument("--num-processes", type=int, help="processes (GPUs) for --launch accelerate")
    p.add_argument("--engine", choices=["ddp", "fsdp", "zero3"], help="accelerate config shipped with thinkforge")
    add_config_arguments(p)
    p.set_defaults(func=run)


def load(args: argparse.Namespace) -> TrainConfig:
    """Defaults ← recipe ← flags ← key=value overrides."""
    flags = {key: getattr(args, dest, None) for dest, key in _FLAG_KEYS.items()}
    return config_from_args(TrainConfig, args, flags)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    _quiet_libraries()
    if config.launch.mode == "accelerate" and not config.dry_run:
        return launch(config)
    if config.dry_run:
        summary = run_train(config)
        for line in summary.plan.lines() if summary.plan else []:
            console.print(line)
        if summary.mask:
            console.print(f"data             {summary.mask.describe()}")
        return 0
    if not is_main_process():
        logging.getLogger("thinkforge").setLevel(logging.WARNING)  # rank 0 reports for the group
        run_train(config)
        return 0
    with make_progress() as progress:
        bar = progress.add_task("train", total=None, info="")

        def update(p: TrainProgress) -> None:
            loss = f"loss {p.loss:.4f}" if p.loss is not None else "loss –"
            held = f"  held-out {p.eval_loss:.4f}" if p.eval_loss is not None else ""
            progress.update(bar, completed=p.step, total=p.total_steps, info=f"{loss}{held}  {p.tokens_per_s:7.1f} tok/s")

        summary = run_train(config, on_progress=update)
    console.print(summary_table(summary))
    return 0


def _quiet_libraries() -> None:
    """Our progress bar replaces the libraries' tqdm bars (dataset maps, shard writing)."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()


def launch(config: TrainConfig) -> int:
    """Re-run this exact config in N processes under ``accelerate launch`` (the children run it locally)."""
    child = dataclasses.replace(config, launch=dataclasses.replace(config.launch, mode="local"))
    with tempfile.TemporaryDirectory(prefix="thinkforge-train-") as tmp:
        recipe = Path(tmp) / "train.yaml"
        recipe.write_text(yaml.safe_dump(dataclasses.asdict(child), sort_keys=False), encoding="utf-8")
        cmd = accelerate_command(config, ["--config", str(recipe)])
        err_console.print("launch: " + " ".join(cmd))
        return subprocess.run(cmd, check=False).returncode


def summary_table(summary: TrainSummary) -> Table:
    """The end-of-run table: steps, losses, tokens, throughput, padding."""
    table = Table(title=f"train → {summary.out}", show_header=False)
    table.add_column("")
    table.add_column("", justify="right")

    def fmt(x: float | None) -> str:
        return "–" if x is None else f"{x:.4f}"

    table.add_row("optimizer steps", f"{summary.steps}" + (f" (resumed at {summary.resumed_from_step})" if summary.resumed_from_step else ""))
    table.add_row("held-out loss", f"{fmt(summary.eval_loss_start)} → {fmt(summary.eval_loss_end)}")
    table.add_row("last train loss", fmt(summary.train_loss))
    if summary.mask:
        table.add_row("trained / masked tokens", f"{summary.mask.trained_tokens:,} / {summary.mask.masked_tokens:,}")
        table.add_row("examples cut at max_length", f"{summary.mask.truncated_examples} ({summary.mask.cut_tokens:,} tokens)")
    table.add_row("tokens/s (train)", f"{summary.tokens_per_s:.1f}")
    table.add_row("padding share", f"{summary.padding_share:.1%}")
    table.add_row("wall time", f"{summary.wall_s:.1f} s")
    return table

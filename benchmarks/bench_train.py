"""Training throughput of ``thinkforge train`` against a plain TRL ``SFTTrainer``, side by side, in one run.

Both sides fine-tune the same model on the same conversations (reasoning traces of varied length) for the
same optimizer steps, batch size and seed:

* plain TRL: the conversations as a ``messages`` dataset, TRL's own tokenization and its default collator
  (batches padded to their longest example), no packing;
* thinkforge: :func:`run_train` — assistant-only labels (checked), padding-free batches.

Printed: training tokens/s (real tokens, padding excluded, training steps only), padding share of the
computed positions, and the ratio thinkforge / plain. Targets: ratio ≥ 1.0, padding ≤ 5 %.

    python benchmarks/bench_train.py [--model default|tiny --steps 6 --batch-size 4]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import time
from pathlib import Path

from thinkforge.models import resolve
from thinkforge.train import TrainConfig, run_train
from thinkforge.train.config import DataConfig


def conversations(n: int, seed: int) -> list[dict]:
    """Step-by-step sums of 1..12 terms: short and long traces mixed, as in real reasoning data."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        terms = [rng.randint(10, 99) for _ in range(rng.randint(1, 12))]
        steps, total = [], 0
        for t in terms:
            steps.append(f"{total} + {t} = {total + t}.")
            total += t
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": "Add " + ", ".join(map(str, terms)) + "."},
                    {
                        "role": "assistant",
                        "content": "<|begin_of_thought|>\n" + "\n".join(steps) + "\n<|end_of_thought|>\n"
                        f"<|begin_of_solution|>\n\\boxed{{{total}}}\n<|end_of_solution|>",
                    },
                ]
            }
        )
    return rows


def tiny_model(path: Path, tokenizer_dir: str, layers: int) -> str:
    """A random model of the default model's shape (hidden 576; 30 layers unless ``layers`` cuts them)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    config = AutoConfig.from_pretrained(tokenizer_dir)
    if layers:
        config.num_hidden_layers = layers
    AutoModelForCausalLM.from_config(config).save_pretrained(path)
    AutoTokenizer.from_pretrained(tokenizer_dir).save_pretrained(path)
    return str(path)


def plain_trl(model_dir: str, rows: list[dict], steps: int, batch_size: int, out: Path) -> tuple[float, float]:
    """Tokens/s and padding share of a plain SFTTrainer (default collator, no packing)."""
    import datasets
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32),
        args=SFTConfig(
            output_dir=str(out), max_steps=steps, per_device_train_batch_size=batch_size, learning_rate=1e-5,
            seed=0, data_seed=0, save_strategy="no", report_to="none", disable_tqdm=True, use_cpu=True, max_length=1024,
            gradient_checkpointing=False,  # TRL defaults to True; off on both sides so only batching differs
        ),  # fmt: skip
        train_dataset=datasets.Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    real = positions = 0
    for i, batch in enumerate(trainer.get_train_dataloader()):
        if i == steps:
            break
        real += int(batch["attention_mask"].sum())
        positions += int(batch["attention_mask"].numel())
    started = time.perf_counter()
    trainer.train()
    return real / (time.perf_counter() - started), 1 - real / positions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny", help="'default' (pretrained) or 'tiny' (random, same shape)")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--layers", type=int, default=0, help="tiny: keep only N layers (0: all 30)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import datasets

    datasets.disable_progress_bars()
    rows = conversations(args.steps * args.batch_size, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        default_dir = resolve("default")
        model_dir = default_dir if args.model == "default" else tiny_model(work / "model", default_dir, args.layers)
        data = work / "data.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        plain_tps, plain_pad = plain_trl(model_dir, rows, args.steps, args.batch_size, work / "plain")
        config = TrainConfig(
            model=model_dir, data=DataConfig(path=str(data), eval_fraction=0.0), out=str(work / "tf"),
            max_steps=args.steps, batch_size=args.batch_size, lr=1e-5, seed=0, save_steps=10_000, max_length=1024,
        )  # fmt: skip
        summary = run_train(config)
    print(f"model {args.model} (layers: {args.layers or 'all'}), {args.steps} steps × {args.batch_size} examples, CPU")
    print(f"{'':<26}{'tokens/s':>10}{'padding':>10}")
    print(f"{'plain TRL SFTTrainer':<26}{plain_tps:>10.1f}{plain_pad:>10.1%}")
    print(f"{'thinkforge train':<26}{summary.tokens_per_s:>10.1f}{summary.padding_share:>10.1%}")
    print(f"ratio thinkforge / plain: {summary.tokens_per_s / plain_tps:.2f} (target >= 1.0); "
          f"padding {summary.padding_share:.1%} (target <= 5%)")  # fmt: skip


if __name__ == "__main__":
    main()

"""What a training run reports: live progress (a TrainerCallback), the metrics file, the loss curve and the
model card."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from transformers import TrainerCallback

from thinkforge.jsonl import write_text_atomic as _atomic_write_text
from thinkforge.train.config import TrainConfig, identity
from thinkforge.train.mask import MaskReport
from thinkforge.train.packing import CountingCollator

METRICS_FILE = "train.metrics.jsonl"
LOSS_PNG = "train.loss.png"
CARD_FILE = "README.md"


class StepTracker(TrainerCallback):
    """Counts training tokens and time (evaluation and saving excluded) and reports each optimizer step."""

    def __init__(
        self, collator: CountingCollator, on_progress: Callable[[Any], None] | None, metrics_path: Path | None = None
    ) -> None:
        self.collator = collator
        self.on_progress = on_progress
        self.metrics_path = metrics_path
        self.train_tokens = 0
        self.train_s = 0.0
        self.loss: float | None = None
        self.eval_loss: float | None = None
        self._mark = (0, 0.0)
        self._start = 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.train_tokens / self.train_s if self.train_s > 0 else 0.0

    def _reset_mark(self) -> None:
        self._mark = (self.collator.real_tokens, time.monotonic())

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._start = time.monotonic()
        self._reset_mark()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        tokens, t0 = self._mark
        self.train_tokens += self.collator.real_tokens - tokens
        self.train_s += time.monotonic() - t0
        self._reset_mark()
        if self.on_progress is not None:
            from thinkforge.train.stage import TrainProgress

            self.on_progress(
                TrainProgress(
                    step=state.global_step,
                    total_steps=state.max_steps,
                    loss=self.loss,
                    eval_loss=self.eval_loss,
                    tokens_per_s=self.tokens_per_s,
                    elapsed_s=time.monotonic() - self._start,
                )
            )

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        logs = logs or {}
        self.loss = logs.get("loss", self.loss)
        self.eval_loss = logs.get("eval_loss", self.eval_loss)

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._reset_mark()

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Each checkpoint also refreshes ``train.metrics.jsonl`` (so a killed run's curve is on disk)."""
        if self.metrics_path is not None and state.is_world_process_zero:
            write_metrics(self.metrics_path, state.log_history)
        self._reset_mark()


def first_value(history: Sequence[dict[str, Any]], key: str) -> float | None:
    return next((h[key] for h in history if key in h), None)


def last_value(history: Sequence[dict[str, Any]], key: str) -> float | None:
    return next((h[key] for h in reversed(history) if key in h), None)


def last_eval_step(history: Sequence[dict[str, Any]]) -> int | None:
    return next((h["step"] for h in reversed(history) if "eval_loss" in h), None)


def write_outputs(
    out: Path,
    config: TrainConfig,
    history: Sequence[dict[str, Any]],
    mask: MaskReport,
    eval_mask: MaskReport | None,
    padding_share: float,
) -> None:
    """``train.metrics.jsonl``, ``train.loss.png`` and the model card, each written atomically."""
    write_metrics(out / METRICS_FILE, history)
    plot_loss(history, out / LOSS_PNG)
    _atomic_write_text(out / CARD_FILE, model_card(config, history, mask, eval_mask, padding_share))


def write_metrics(path: Path, history: Sequence[dict[str, Any]]) -> None:
    """One JSON line per logged step (the trainer's log history, restored on resume)."""
    _atomic_write_text(path, "".join(json.dumps(h, sort_keys=True) + "\n" for h in history))


def plot_loss(history: Sequence[dict[str, Any]], path: Path) -> None:
    """Train and held-out loss against the optimizer step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label in (("loss", "train"), ("eval_loss", "held-out")):
        points = [(h["step"], h[key]) for h in history if key in h]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker="o" if key == "eval_loss" else None, markersize=3, label=label)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def model_card(
    config: TrainConfig,
    history: Sequence[dict[str, Any]],
    mask: MaskReport,
    eval_mask: MaskReport | None,
    padding_share: float,
) -> str:
    """A Hugging Face model card: what was trained on what, with which settings, and how the loss went."""
    from thinkforge.config import flatten

    start, end = first_value(history, "eval_loss"), last_value(history, "eval_loss")
    rows = "\n".join(f"| `{k}` | `{v}` |" for k, v in sorted(flatten(identity(config)).items()))
    held = f"{start:.4f} → {end:.4f}" if start is not None and end is not None else "n/a (no held-out split)"
    eval_line = f"- held-out: {eval_mask.describe()}\n" if eval_mask else ""
    return f"""---
library_name: transformers
base_model: {config.model}
tags: [thinkforge, sft, reasoning]
---

# Fine-tuned {config.model}

Supervised fine-tuning with `thinkforge train` (TRL `SFTTrainer`), assistant-only loss: the labels cover each
assistant turn and its end-of-turn token, nothing of the system or user turns (checked at start).

## Data

- source: `{config.data.path}`
- train: {mask.describe()}
{eval_line}- padding share of the computed positions: {padding_share:.1%}

## Results

- held-out loss (assistant tokens): {held}
- final train loss: {last_value(history, "loss")}
- optimizer steps: {last_value(history, "step")}

![loss curve]({LOSS_PNG})

Per-step values: `{METRICS_FILE}`.

## Hyperparameters

| key | value |
|---|---|
{rows}

## Use

```python
from transformers import AutoModelForCausalLM, AutoTokenizer
model = AutoModelForCausalLM.from_pretrained("PATH")
tokenizer = AutoTokenizer.from_pretrained("PATH")
```

or `thinkforge generate --model PATH …`, `vllm serve PATH`.
"""

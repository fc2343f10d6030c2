"""The train stage: conversations → assistant-only labels (checked) → TRL ``SFTTrainer`` → a HF checkpoint.

Output directory ``OUT``::

    config.json, model.safetensors, tokenizer*, chat_template.jinja, generation_config.json   the model
    README.md               model card: data, hyperparameters, loss curve
    train.metrics.jsonl     one line per logged step: train loss, held-out loss, lr, grad norm
    train.loss.png          the loss curve
    train.yaml, train.run.json   the resolved config and its hash (run store)
    checkpoints/checkpoint-N/    HF Trainer checkpoints (``--resume`` continues from the last)
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.train import report
from thinkforge.train.config import STAGE_VERSION, TrainConfig, identity, validate
from thinkforge.train.data import Conversation, load_conversations, split_heldout
from thinkforge.train.estimate import Plan, make_plan
from thinkforge.train.launch import accelerate_config_path, is_main_process, validate_accelerate_config
from thinkforge.train.mask import MaskReport, end_of_turn, tokenize_all
from thinkforge.train.packing import CountingCollator

log = logging.getLogger(__name__)

CHECKPOINTS = "checkpoints"


@dataclass(frozen=True)
class TrainProgress:
    """Where a running training stands (sent to ``on_progress`` after every optimizer step)."""

    step: int
    total_steps: int
    loss: float | None
    eval_loss: float | None
    tokens_per_s: float
    elapsed_s: float


@dataclass(frozen=True)
class TrainSummary:
    """The outcome of one ``train`` session (``plan`` only for a dry run)."""

    out: Path
    dry_run: bool
    plan: Plan | None = None
    mask: MaskReport | None = None
    eval_mask: MaskReport | None = None
    steps: int = 0
    resumed_from_step: int = 0
    train_loss: float | None = None
    eval_loss_start: float | None = None
    eval_loss_end: float | None = None
    tokens: int = 0
    tokens_per_s: float = 0.0
    padding_share: float = 0.0
    wall_s: float = 0.0


def run_train(config: TrainConfig, *, on_progress: Callable[[TrainProgress], None] | None = None) -> TrainSummary:
    """Fine-tune ``config.model`` on ``config.data`` (or, with ``dry_run``, only plan and validate)."""
    validate(config)
    if config.launch.num_processes > 1 or config.launch.mode == "accelerate":
        validate_accelerate_config(accelerate_config_path(config), config.launch.engine, config.dtype)
    if config.dry_run:
        return _dry_run(config)
    if not config.out:
        raise ConfigError("no output directory (use --out DIR)")
    out = Path(config.out)
    store = _record_run(config, out) if is_main_process() else None
    try:
        summary = _train(config, out, on_progress)
        if store is not None:
            store.mark_finished({"steps": summary.steps, "train_loss": summary.train_loss, "tokens": summary.tokens})
        return summary
    finally:
        if store is not None:
            store.close()


def _record_run(config: TrainConfig, out: Path) -> Any:
    """Store the resolved config in the run directory (refusing a different one unless ``overwrite``)."""
    from thinkforge.runs import RunStore

    if config.overwrite and (out / CHECKPOINTS).exists():
        shutil.rmtree(out / CHECKPOINTS)
    if not config.resume and not config.overwrite and _last_checkpoint(out):
        raise ConfigError(f"{out} holds checkpoints of an earlier run: pass --resume to continue or --overwrite")
    return RunStore.open(out, {"stage_version": STAGE_VERSION, **identity(config)}, stage="train", overwrite=config.overwrite)


def _last_checkpoint(out: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(out / CHECKPOINTS)) if (out / CHECKPOINTS).is_dir() else None


def _dry_run(config: TrainConfig) -> TrainSummary:
    """The plan from the recipe's numbers, or from the data when it is at hand and the model is local."""
    est = config.estimate
    if est.examples > 0:
        n_eval = config.data.eval_size or round(est.examples * config.data.eval_fraction)
        mean = min(est.mean_tokens_per_example, config.max_length)
        plan = make_plan(config, train_examples=est.examples - n_eval, mean_tokens=mean, measured=False)
        return TrainSummary(out=Path(config.out), dry_run=True, plan=plan)
    train_rows, _ = _load_split(config)
    tokenizer = _load_tokenizer(config)
    eot = end_of_turn(tokenizer, config.end_of_turn)
    _, mask = tokenize_all(tokenizer, train_rows, eot=eot, max_length=config.max_length, check_examples=0)
    plan = make_plan(config, train_examples=mask.examples, mean_tokens=mask.tokens / mask.examples, measured=True)
    return TrainSummary(out=Path(config.out), dry_run=True, plan=plan, mask=mask)


def _load_split(config: TrainConfig) -> tuple[list[Conversation], list[Conversation]]:
    rows = load_conversations(config.data.path, config.data.limit)
    return split_heldout(rows, fraction=config.data.eval_fraction, size=config.data.eval_size, seed=config.seed)


def _model_path(config: TrainConfig) -> str:
    from thinkforge.models import resolve

    return resolve(config.model)


def _load_tokenizer(config: TrainConfig) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(_model_path(config))
    if tokenizer.chat_template is None:
        raise ConfigError(f"model {config.model!r} has no chat template; train needs one to render conversations")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _dataset(tokenizer: Any, rows: list[Conversation], config: TrainConfig, eot: str) -> tuple[Any, MaskReport]:
    import datasets

    examples, mask = tokenize_all(
        tokenizer, rows, eot=eot, max_length=config.max_length, check_examples=config.mask_check_examples
    )
    data = {"input_ids": [e.input_ids for e in examples], "labels": [e.labels for e in examples]}
    return datasets.Dataset.from_dict(data), mask


def _torch_dtype(config: TrainConfig) -> Any:
    import torch

    if config.dtype == "auto":
        return torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else torch.float32
    return getattr(torch, config.dtype)


def _load_model(config: TrainConfig, dtype: Any) -> Any:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(_model_path(config), dtype=dtype)
    if config.lora.enabled:
        from peft import LoraConfig, get_peft_model

        lora = config.lora
        targets: Any = lora.target_modules if lora.target_modules == "all-linear" else lora.target_modules.split(",")
        model = get_peft_model(
            model, LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, target_modules=targets, task_type="CAUSAL_LM")
        )
    return model


def _sft_config(config: TrainConfig, out: Path, dtype: Any, has_eval: bool) -> Any:
    import torch
    from trl import SFTConfig

    eval_steps = config.eval_steps if config.eval_steps > 0 else config.save_steps
    return SFTConfig(
        output_dir=str(out / CHECKPOINTS),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        learning_rate=config.lr,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup_ratio,
        weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        seed=config.seed,
        data_seed=config.seed,
        bf16=dtype == torch.bfloat16,
        activation_checkpointing=config.gradient_checkpointing,
        logging_steps=config.logging_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=eval_steps,
        eval_on_start=has_eval,
        max_length=config.max_length,
        padding_free=False,  # done by our collator (TRL refuses a custom collator with its own flag)
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        ddp_find_unused_parameters=False,
        use_cpu=not torch.cuda.is_available(),
    )


def _train(config: TrainConfig, out: Path, on_progress: Callable[[TrainProgress], None] | None) -> TrainSummary:
    from trl import SFTTrainer

    train_rows, eval_rows = _load_split(config)
    tokenizer = _load_tokenizer(config)
    eot = end_of_turn(tokenizer, config.end_of_turn)
    train_ds, mask = _dataset(tokenizer, train_rows, config, eot)
    eval_ds, eval_mask = _dataset(tokenizer, eval_rows, config, eot) if eval_rows else (None, None)
    log.info("train mask: %s", mask.describe())
    if mask.truncated_examples:
        log.warning("%d training examples were cut at max_length=%d (%d tokens)", mask.truncated_examples, config.max_length, mask.cut_tokens)
    dtype = _torch_dtype(config)
    model = _load_model(config, dtype)
    collator = CountingCollator(pad_token_id=tokenizer.pad_token_id, padding_free=config.padding_free)
    _check_collated(collator, train_ds, config.batch_size)
    tracker = report.StepTracker(collator, on_progress, out / report.METRICS_FILE)
    trainer = SFTTrainer(
        model=model,
        args=_sft_config(config, out, dtype, eval_ds is not None),
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        data_collator=collator,
        callbacks=[tracker],
    )
    _quiet(trainer)
    resume = _last_checkpoint(out) if config.resume else None
    if config.resume and resume is None:
        log.warning("--resume: no checkpoint in %s; starting from step 0", out / CHECKPOINTS)
    started = time.monotonic()
    trainer.train(resume_from_checkpoint=resume)
    state = trainer.state
    if eval_ds is not None and report.last_eval_step(state.log_history) != state.global_step:
        trainer.evaluate()
    wall = time.monotonic() - started
    _save_final(trainer, tokenizer, out, eot)
    if trainer.is_world_process_zero():
        report.write_outputs(out, config, state.log_history, mask, eval_mask, collator.padding_share)
    history = state.log_history
    return TrainSummary(
        out=out,
        dry_run=False,
        mask=mask,
        eval_mask=eval_mask,
        steps=state.global_step,
        resumed_from_step=int(Path(resume).name.split("-")[-1]) if resume else 0,
        train_loss=report.last_value(history, "loss"),
        eval_loss_start=report.first_value(history, "eval_loss"),
        eval_loss_end=report.last_value(history, "eval_loss"),
        tokens=collator.real_tokens,
        tokens_per_s=tracker.tokens_per_s,
        padding_share=collator.padding_share,
        wall_s=wall,
    )


def _quiet(trainer: Any) -> None:
    """Progress goes through ``on_progress``; drop the trainer's own printing of every log line."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def _check_collated(collator: CountingCollator, dataset: Any, batch_size: int) -> None:
    """The first batch through the real collator keeps exactly the checked labels (none gained or lost)."""
    rows = [dataset[i] for i in range(min(batch_size, len(dataset)))]
    batch = collator.inner(rows)
    want = sum(1 for r in rows for x in r["labels"] if x != -100)
    got = int((batch["labels"] != -100).sum())
    if got != want:
        raise ThinkforgeError(f"the collator changed the loss mask: {got} trained tokens in the batch, {want} in the examples")
    log.info("first batch: %d trained, %d masked tokens", got, int(batch["labels"].numel()) - got)


def _save_final(trainer: Any, tokenizer: Any, out: Path, eot: str) -> None:
    """A standard HF checkpoint in ``out``: weights, tokenizer + chat template, generation config stopping on the
    end-of-turn token. Called on every process: under FSDP / ZeRO-3 ``save_model`` gathers the shards.
    With LoRA the adapters go to ``out/adapter`` and rank 0 saves the merged model in ``out``."""
    model = trainer.model
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    gen = base.generation_config
    eot_id = tokenizer.convert_tokens_to_ids(eot)
    eos = list(dict.fromkeys([eot_id, *_as_list(gen.eos_token_id), *_as_list(base.config.eos_token_id)]))
    gen.eos_token_id = eos[0] if len(eos) == 1 else eos
    gen.pad_token_id = tokenizer.pad_token_id
    if not hasattr(model, "merge_and_unload"):
        trainer.save_model(str(out))
        return
    trainer.save_model(str(out / "adapter"))
    if trainer.is_world_process_zero():
        merged = model.merge_and_unload()
        merged.save_pretrained(str(out))
        tokenizer.save_pretrained(str(out))


def _as_list(value: Any) -> list[int]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [int(value)]

"""The train recipe: data, model, hyperparameters, LoRA, launch and cost-estimate settings.

Fields marked ``identity: False`` say how a run is invoked (where it writes, whether it resumes), not what
it is; every other field is part of the run's identity, stored in the run directory and checked on resume.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from thinkforge.defaults import TRAIN
from thinkforge.errors import ConfigError
from thinkforge.runs.contract import identity_of

#: Version of the train stage's semantics (mask rule, output layout); part of the run identity.
STAGE_VERSION = 1


@dataclass(frozen=True)
class DataConfig:
    """Where the conversations come from and how the held-out split is cut."""

    path: str = ""
    eval_fraction: float = TRAIN.eval_fraction
    #: A fixed held-out count (wins over ``eval_fraction`` when > 0).
    eval_size: int = TRAIN.eval_size
    #: Only the first N conversations (0: all).
    limit: int = 0


@dataclass(frozen=True)
class LoraConfig:
    enabled: bool = False
    r: int = TRAIN.lora_r
    alpha: int = TRAIN.lora_alpha
    dropout: float = TRAIN.lora_dropout
    target_modules: str = TRAIN.lora_target_modules


@dataclass(frozen=True)
class LaunchConfig:
    """How many processes and which engine; ``engine`` selects a shipped accelerate config."""

    mode: Literal["local", "accelerate"] = field(default="local", metadata={"identity": False})
    engine: Literal["ddp", "fsdp", "zero3"] = "ddp"
    num_processes: int = 1
    #: An accelerate config file of your own (wins over ``engine``).
    accelerate_config: str = field(default="", metadata={"identity": False})


@dataclass(frozen=True)
class EstimateConfig:
    """Inputs of the ``--dry-run`` cost estimate (used only when the numbers are not measured from data)."""

    gpu_type: str = TRAIN.gpu_type
    usd_per_gpu_hour: float = TRAIN.usd_per_gpu_hour
    mfu: float = TRAIN.mfu
    #: Examples and mean tokens per example when the data file is not at hand (0: measure from data).
    examples: int = 0
    mean_tokens_per_example: int = TRAIN.mean_tokens_per_example
    #: Parameters of the model when it is neither known by id nor local (0: look it up).
    params: int = 0


@dataclass(frozen=True)
class TrainConfig:
    """Everything ``thinkforge train`` needs (a YAML recipe maps onto these keys)."""

    model: str = "default"
    data: DataConfig = field(default_factory=DataConfig)
    epochs: float = TRAIN.epochs
    max_steps: int = TRAIN.max_steps
    lr: float = TRAIN.lr
    lr_scheduler: str = TRAIN.lr_scheduler
    warmup_ratio: float = TRAIN.warmup_ratio
    weight_decay: float = TRAIN.weight_decay
    max_grad_norm: float = TRAIN.max_grad_norm
    batch_size: int = TRAIN.batch_size
    grad_accum: int = TRAIN.grad_accum
    max_length: int = TRAIN.max_length
    seed: int = TRAIN.seed
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    gradient_checkpointing: bool = TRAIN.gradient_checkpointing
    padding_free: bool = TRAIN.padding_free
    #: The chat template's end-of-turn token (``auto``: the tokenizer's eos token).
    end_of_turn: str = "auto"
    #: How often to log, evaluate, checkpoint and how much to check: not part of the run's identity.
    logging_steps: int = field(default=TRAIN.logging_steps, metadata={"identity": False})
    eval_steps: int = field(default=TRAIN.eval_steps, metadata={"identity": False})
    save_steps: int = field(default=TRAIN.save_steps, metadata={"identity": False})
    save_total_limit: int = field(default=TRAIN.save_total_limit, metadata={"identity": False})
    mask_check_examples: int = field(default=TRAIN.mask_check_examples, metadata={"identity": False})
    lora: LoraConfig = field(default_factory=LoraConfig)
    launch: LaunchConfig = field(default_factory=LaunchConfig)
    #: Only read by ``--dry-run``; not part of the run's identity.
    estimate: EstimateConfig = field(default_factory=EstimateConfig, metadata={"identity": False})
    out: str = field(default="", metadata={"identity": False})
    overwrite: bool = field(default=False, metadata={"identity": False})
    resume: bool = field(default=False, metadata={"identity": False})
    dry_run: bool = field(default=False, metadata={"identity": False})


def identity(config: TrainConfig) -> dict[str, Any]:
    """What defines the run: the declared identity fields, the base model and the data *by content*.

    A local model folder or data file is fingerprinted (retrained weights, an edited data set: a new identity),
    however its path was typed; a hub id is its id and revision.
    """
    from thinkforge.models.identity import file_fingerprint, folder_fingerprint, model_identity

    ident = identity_of(config)
    ident["model"] = model_identity(config.model)
    data = Path(config.data.path)
    if data.is_file():
        ident["data"]["path"] = {"file": data.name, "fingerprint": file_fingerprint(data)}
    elif data.is_dir():
        ident["data"]["path"] = {"folder": data.name, "fingerprint": folder_fingerprint(data, _DATA_SUFFIXES)}
    return ident


#: Files of a data folder (a curate run, a ``datasets`` directory) that define its content.
_DATA_SUFFIXES = (".jsonl", ".json", ".arrow", ".parquet")


def validate(config: TrainConfig) -> None:
    """Reject values no run can use, naming the key."""
    checks = [
        (config.epochs > 0 or config.max_steps > 0, "epochs", "must be > 0 (or set max_steps)"),
        (config.lr > 0, "lr", "must be > 0"),
        (config.batch_size >= 1, "batch_size", "must be >= 1"),
        (config.grad_accum >= 1, "grad_accum", "must be >= 1"),
        (config.max_length >= 8, "max_length", "must be >= 8"),
        (0.0 <= config.warmup_ratio < 1.0, "warmup_ratio", "must be in [0, 1)"),
        (0.0 <= config.data.eval_fraction < 1.0, "data.eval_fraction", "must be in [0, 1)"),
        (config.data.eval_size >= 0, "data.eval_size", "must be >= 0"),
        (config.launch.num_processes >= 1, "launch.num_processes", "must be >= 1"),
        (0.0 < config.estimate.mfu <= 1.0, "estimate.mfu", "must be in (0, 1]"),
        (config.save_steps >= 1, "save_steps", "must be >= 1"),
    ]
    for ok, key, rule in checks:
        if not ok:
            raise ConfigError(f"config key '{key}' {rule}, got {_get(config, key)!r}")


def _get(config: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        config = getattr(config, part)
    return config


def global_batch(config: TrainConfig) -> int:
    """Examples per optimizer step across all processes."""
    return config.batch_size * config.grad_accum * config.launch.num_processes

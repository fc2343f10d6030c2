"""Supervised fine-tuning on TRL: assistant-only loss (checked), padding-free batches, LoRA or full, resume,
accelerate configs for DDP / FSDP / DeepSpeed ZeRO-3, and a dry-run cost estimate."""

from thinkforge.train.config import TrainConfig
from thinkforge.train.stage import TrainProgress, TrainSummary, run_train

__all__ = ["TrainConfig", "TrainProgress", "TrainSummary", "run_train"]

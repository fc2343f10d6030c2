"""The ``--dry-run`` plan: global batch, steps, tokens, and a GPU-hours / cost estimate — offline.

Compute is estimated as ``6 · N · T`` FLOPs for a full fine-tune (``4 · N · T`` with LoRA, which computes
no weight gradients for the frozen base), N the model's parameters and T the tokens processed; attention's
quadratic term is left out (it adds ~10-30 % at 16k tokens for a 32B model). Wall time = FLOPs / (GPUs ×
peak dense bf16 FLOP/s × MFU), with the MFU an assumption stated in the output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from thinkforge.errors import ConfigError
from thinkforge.train.config import TrainConfig, global_batch

#: Parameters of model ids the dry run knows without any download (from their published configs).
KNOWN_PARAMS = {
    "default": 134_515_008,
    "HuggingFaceTB/SmolLM2-135M-Instruct": 134_515_008,
    "HuggingFaceTB/SmolLM2-360M-Instruct": 361_821_120,
    "HuggingFaceTB/SmolLM2-1.7B-Instruct": 1_711_376_384,
    "Qwen/Qwen2.5-0.5B-Instruct": 494_032_768,
    "Qwen/Qwen2.5-1.5B-Instruct": 1_543_714_304,
    "Qwen/Qwen2.5-7B-Instruct": 7_615_616_512,
    "Qwen/Qwen2.5-14B-Instruct": 14_770_033_664,
    "Qwen/Qwen2.5-32B-Instruct": 32_763_876_352,
    "Qwen/Qwen2.5-72B-Instruct": 72_706_203_648,
    "meta-llama/Llama-3.1-8B-Instruct": 8_030_261_248,
}

#: Peak dense bf16 tensor FLOP/s per GPU (vendor datasheets, without sparsity).
GPU_PEAK_FLOPS = {
    "H100": 989e12,
    "H200": 989e12,
    "B200": 2250e12,
    "A100": 312e12,
    "L40S": 362e12,
    "L4": 121e12,
    "A10G": 125e12,
}

#: The published reference: Sky-T1-32B-Preview, 19 hours on 8 H100s for about $450.
SKY_T1 = {"hours": 19.0, "gpus": 8, "gpu_type": "H100", "usd": 450.0}


@dataclass(frozen=True)
class Plan:
    """What a run will do and cost, before it starts."""

    model: str
    params: int
    processes: int
    global_batch: int
    train_examples: int
    mean_tokens: float
    steps: int
    tokens: int
    flops: float
    flops_formula: str
    gpu_type: str
    mfu: float
    hours: float
    gpu_hours: float
    usd: float
    tokens_measured: bool

    def lines(self) -> list[str]:
        ref = SKY_T1
        ref_gpu_h = ref["hours"] * ref["gpus"]
        return [
            f"model            {self.model} ({self.params / 1e9:.2f} B parameters)",
            f"global batch     {self.global_batch} examples per step ({self.processes} processes)",
            f"train examples   {self.train_examples:,}  × mean {self.mean_tokens:,.0f} tokens"
            + ("" if self.tokens_measured else " (assumed: estimate.mean_tokens_per_example)"),
            f"steps            {self.steps:,}",
            f"tokens           {self.tokens:,}",
            f"compute          {self.flops:.3e} FLOPs = {self.flops_formula}",
            f"estimate         {self.hours:.1f} h on {self.processes} × {self.gpu_type} at MFU {self.mfu:.0%} "
            f"(assumed) = {self.gpu_hours:,.1f} GPU-hours ≈ ${self.usd:,.0f}",
            f"Sky-T1 reference {ref['hours']:.0f} h × {ref['gpus']} {ref['gpu_type']} = {ref_gpu_h:.0f} GPU-hours "
            f"≈ ${ref['usd']:.0f}",
        ]


def model_params(model: str, override: int = 0) -> int:
    """Parameter count: the override, the table of known ids, or a local config instantiated on the meta device."""
    if override > 0:
        return override
    if model in KNOWN_PARAMS:
        return KNOWN_PARAMS[model]
    path = Path(model).expanduser()
    if (path / "config.json").is_file():
        return _count_local(path)
    known = ", ".join(sorted(KNOWN_PARAMS))
    raise ConfigError(
        f"unknown model {model!r} for the estimate: set estimate.params=N, or use a local directory or one of: {known}"
    )


def _count_local(path: Path) -> int:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(str(path))
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    seen = {id(p): p.numel() for p in model.parameters()}
    return int(sum(seen.values()))


def make_plan(config: TrainConfig, *, train_examples: int, mean_tokens: float, measured: bool) -> Plan:
    """Steps, tokens, FLOPs and cost for ``config`` on ``train_examples`` examples of ``mean_tokens`` tokens."""
    est = config.estimate
    if est.gpu_type not in GPU_PEAK_FLOPS:
        raise ConfigError(f"config key 'estimate.gpu_type': unknown GPU {est.gpu_type!r} (known: {', '.join(GPU_PEAK_FLOPS)})")
    params = model_params(config.model, est.params)
    batch = global_batch(config)
    per_epoch = max(1, math.ceil(train_examples / batch))
    steps = config.max_steps if config.max_steps > 0 else math.ceil(per_epoch * config.epochs)
    examples_seen = min(steps * batch, math.ceil(train_examples * config.epochs)) if config.max_steps <= 0 else steps * batch
    tokens = int(examples_seen * mean_tokens)
    factor = 4 if config.lora.enabled else 6
    flops = factor * params * tokens
    gpus = config.launch.num_processes
    seconds = flops / (gpus * GPU_PEAK_FLOPS[est.gpu_type] * est.mfu)
    hours = seconds / 3600
    return Plan(
        model=config.model,
        params=params,
        processes=gpus,
        global_batch=batch,
        train_examples=train_examples,
        mean_tokens=mean_tokens,
        steps=steps,
        tokens=tokens,
        flops=flops,
        flops_formula=f"{factor} · N · tokens" + (" (LoRA)" if config.lora.enabled else ""),
        gpu_type=est.gpu_type,
        mfu=est.mfu,
        hours=hours,
        gpu_hours=hours * gpus,
        usd=hours * gpus * est.usd_per_gpu_hour,
        tokens_measured=measured,
    )

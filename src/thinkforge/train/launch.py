"""Multi-process launch: the shipped accelerate configs (DDP, FSDP, DeepSpeed ZeRO-3 + CPU offload), their
structural validation, and the ``accelerate launch`` command line that re-executes ``thinkforge train``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Sequence

import yaml

from thinkforge.errors import ConfigError
from thinkforge.train.config import TrainConfig

#: The accelerate configs shipped with thinkforge, by engine name.
CONFIG_DIR = Path(__file__).parent / "accelerate"
ENGINES = {"ddp": "ddp.yaml", "fsdp": "fsdp.yaml", "zero3": "zero3.yaml"}

#: What each engine's config must say (dotted key → required value).
REQUIRED = {
    "ddp": {"distributed_type": "MULTI_GPU"},
    "fsdp": {"distributed_type": "FSDP", "fsdp_config.fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP"},
    "zero3": {
        "distributed_type": "DEEPSPEED",
        "deepspeed_config.zero_stage": 3,
        "deepspeed_config.offload_optimizer_device": "cpu",
        "deepspeed_config.offload_param_device": "cpu",
        "deepspeed_config.zero3_save_16bit_model": True,
    },
}


def accelerate_config_path(config: TrainConfig) -> Path:
    """The accelerate config file a run uses: the recipe's own, else the shipped one for its engine."""
    if config.launch.accelerate_config:
        return Path(config.launch.accelerate_config).expanduser()
    return CONFIG_DIR / ENGINES[config.launch.engine]


def validate_accelerate_config(path: Path, engine: str, dtype: str = "auto") -> dict[str, Any]:
    """Check an accelerate config structurally: accelerate parses it, every key is one accelerate knows, and
    the engine's essentials are set (``REQUIRED``). Needs neither GPUs nor DeepSpeed."""
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.commands.launch import launch_command_parser

    if not path.is_file():
        raise ConfigError(f"accelerate config not found: {path}")
    try:
        ClusterConfig.from_yaml_file(str(path))
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a valid accelerate config: {exc}") from None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    known = {a.dest for a in launch_command_parser()._actions}
    for section in ("deepspeed_config", "fsdp_config"):
        for key in data.get(section) or {}:
            if key not in known:
                raise ConfigError(f"{path}: unknown key '{section}.{key}' (accelerate launch has no --{key})")
    for dotted, want in REQUIRED.get(engine, {}).items():
        got: Any = data
        for part in dotted.split("."):
            got = got.get(part) if isinstance(got, dict) else None
        if got != want:
            raise ConfigError(f"{path}: engine '{engine}' needs {dotted}: {want!r}, found {got!r}")
    if dtype == "float32" and data.get("mixed_precision") not in (None, "no"):
        raise ConfigError(f"{path}: mixed_precision {data.get('mixed_precision')!r} contradicts dtype float32")
    return data


def accelerate_command(config: TrainConfig, argv: Sequence[str], *, cpu: bool | None = None) -> list[str]:
    """``accelerate launch … -m thinkforge.cli.main train ARGV`` with the run's config file and process count.

    On a machine without CUDA the processes run on CPU with gloo (accelerate's ``--multi_gpu`` launcher with
    ``use_cpu``), which is how the DDP path is tested.
    """
    import torch

    if cpu is None:
        cpu = not torch.cuda.is_available()
    path = accelerate_config_path(config)
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(config.launch.num_processes)]
    if cpu:
        cmd += ["--multi_gpu", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    else:
        cmd += ["--config_file", str(path)]
    return [*cmd, "-m", "thinkforge.cli.main", "train", *argv]


def is_main_process() -> bool:
    """True in a single process and on rank 0 of a launched group."""
    return int(os.environ.get("RANK", "0")) == 0

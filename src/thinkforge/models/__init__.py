"""Model names → loadable locations: an HF id, a local path, or ``default`` (SmolLM2-135M-Instruct, offline)."""

from thinkforge.models.default import (
    DefaultModelStatus,
    convert_default_model,
    default_gguf_path,
    default_model_status,
)
from thinkforge.models.resolve import is_default, resolve

__all__ = [
    "DefaultModelStatus",
    "convert_default_model",
    "default_gguf_path",
    "default_model_status",
    "is_default",
    "resolve",
]

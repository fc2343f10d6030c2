"""Resolve a model name as users write it: ``default``, a local directory, or a Hugging Face hub id."""

from __future__ import annotations

from pathlib import Path

#: Names that select the default model.
DEFAULT_NAMES = frozenset({"default", "smollm2", "SmolLM2-135M-Instruct"})


def is_default(name: str) -> bool:
    """True when ``name`` selects the default model."""
    return name in DEFAULT_NAMES


def resolve(name: str) -> str:
    """Return something ``from_pretrained`` accepts.

    ``default`` → the converted SmolLM2 checkpoint (converted on first use); an existing local path →
    its absolute path; anything else is returned unchanged as a hub id (loaded by transformers as usual).
    """
    if is_default(name):
        from thinkforge.models.default import convert_default_model

        return str(convert_default_model())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve())
    return name

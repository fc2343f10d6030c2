"""``thinkforge config keys [STAGE]``: every config key of a stage's recipe, with type, default and meaning."""

from __future__ import annotations

import argparse
import importlib

from thinkforge.config import reference_markdown
from thinkforge.errors import ThinkforgeError

ORDER = 95

#: Stage → its config dataclass (``module:Class``, imported on use); a new stage adds its line here.
STAGE_CONFIGS: dict[str, str] = {
    "generate": "thinkforge.generate.config:GenerateConfig",
    "grade": "thinkforge.grading.stage:GradeConfig",
    "eval": "thinkforge.evaluate.config:EvalConfig",
    "curate": "thinkforge.curate.config:CurateConfig",
    "train": "thinkforge.train.config:TrainConfig",
    "run": "thinkforge.pipeline.config:RecipeConfig",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="the config keys of each stage's recipe (docs/config-reference.md)")
    sub = parser.add_subparsers(title="actions", metavar="ACTION")
    parser.set_defaults(func=lambda args: parser.print_help() or 1)
    keys = sub.add_parser("keys", help="print the config-key reference (Markdown) of every stage, or of one")
    keys.add_argument("stage", nargs="?", choices=sorted(STAGE_CONFIGS), help="only this stage")
    keys.set_defaults(func=run_keys)


def stage_configs(stage: str | None = None) -> dict[str, type]:
    """The config dataclasses of every stage (or of ``stage``), in registry order."""
    if stage is not None and stage not in STAGE_CONFIGS:
        raise ThinkforgeError(f"unknown stage {stage!r} (stages: {', '.join(STAGE_CONFIGS)})")
    names = [stage] if stage else list(STAGE_CONFIGS)
    out = {}
    for name in names:
        module, _, cls = STAGE_CONFIGS[name].partition(":")
        out[name] = getattr(importlib.import_module(module), cls)
    return out


def run_keys(args: argparse.Namespace) -> int:
    print(reference_markdown(stage_configs(args.stage)), end="")
    return 0

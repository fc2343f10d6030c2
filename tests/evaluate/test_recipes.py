"""The shipped eval recipes: known keys, registered tasks, and Sky-T1's published settings and scores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from thinkforge.tasks import get_task
from thinkforge.tasks.prompts import SYSTEM_PROMPT_NAMES

TOP_KEYS = {"model", "backend", "system_prompt", "tasks"}
TASK_KEYS = {"n", "limit", "sampling", "reference"}
SAMPLING_KEYS = {"temperature", "top_p", "max_tokens"}
REFERENCE_KEYS = {"value", "source", "subsets"}


def _recipe(repo_root: Path, name: str) -> dict[str, Any]:
    return yaml.safe_load((repo_root / "recipes" / f"{name}.yaml").read_text())


@pytest.mark.parametrize("name", ["eval-sky-t1", "eval-quick-cpu"])
def test_recipe_shape(repo_root: Path, name: str) -> None:
    recipe = _recipe(repo_root, name)
    assert set(recipe) == TOP_KEYS
    assert recipe["backend"] in ("hf", "openai", "vllm")
    assert recipe["system_prompt"] in SYSTEM_PROMPT_NAMES
    for task, spec in recipe["tasks"].items():
        get_task(task)  # a registered task
        assert set(spec) <= TASK_KEYS, task
        assert isinstance(spec["n"], int) and spec["n"] >= 1
        assert set(spec["sampling"]) <= SAMPLING_KEYS
        ref = spec.get("reference")
        if ref is not None:
            assert set(ref) <= REFERENCE_KEYS and ref["source"]
            values = [ref["value"], *(v for sub in ref.get("subsets", {}).values() for v in sub.values())]
            assert all(v is None or 0.0 <= v <= 1.0 for v in values)


def test_sky_t1_recipe_carries_the_published_settings_and_scores(repo_root: Path) -> None:
    recipe = _recipe(repo_root, "eval-sky-t1")
    tasks = recipe["tasks"]
    assert recipe["system_prompt"] == "sky_t1"
    assert set(tasks) == {"math500", "aime24", "livecodebench", "gpqa_diamond", "olympiadbench"}
    temperatures = {t: s["sampling"]["temperature"] for t, s in tasks.items()}
    assert temperatures == {"math500": 0.0, "aime24": 0.7, "livecodebench": 0.0, "gpqa_diamond": 0.7, "olympiadbench": 0.0}
    assert {s["sampling"]["max_tokens"] for s in tasks.values()} == {32768}
    scores = {t: s["reference"]["value"] for t, s in tasks.items()}
    assert scores == {"math500": 0.864, "aime24": 0.433, "livecodebench": None, "gpqa_diamond": 0.568, "olympiadbench": 0.598}
    assert tasks["livecodebench"]["reference"]["subsets"] == {"difficulty": {"easy": 0.863, "medium": 0.568, "hard": 0.179}}


def test_quick_recipe_is_small(repo_root: Path) -> None:
    recipe = _recipe(repo_root, "eval-quick-cpu")
    assert recipe["model"] == "default" and recipe["backend"] == "hf"
    assert set(recipe["tasks"]) == {"gsm8k", "math500", "humaneval"}
    assert all(s["limit"] <= 10 and s["sampling"]["max_tokens"] <= 512 for s in recipe["tasks"].values())

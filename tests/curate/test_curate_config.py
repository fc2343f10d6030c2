"""Curate recipes: both shipped recipes validate; the dry-run plan works offline; bad recipes are clear errors."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from thinkforge.curate.config import CurateConfig, load_curate_config, plan
from thinkforge.errors import ConfigError

RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def test_sky_t1_recipe_validates_and_plans_offline(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir("/")  # task YAMLs resolve relative to the recipe, not the working directory
    config = load_curate_config(RECIPES / "curate-sky-t1.yaml")
    assert config.teacher.model == "Qwen/QwQ-32B-Preview" and config.teacher.max_tokens == 16384
    assert config.teacher.system_prompt == "qwen"
    assert (config.reformat.model, config.reformat.temperature) == ("gpt-4o-mini", 0.7)
    result = plan(config)
    sizes = {p["pool"]: p["problems"] for p in result["pools"]}
    assert all(p["source"].startswith(str(RECIPES / "tasks")) for p in result["pools"])
    assert sizes == {"apps_test": 5000, "taco_train_medium": 3244, "taco_test": 1000, "numina_math": 7477,
                     "numina_amc_aime": 4070, "numina_olympiads": 20000}
    assert result["teacher"]["requests"] == sum(sizes.values())
    assert result["reformat"]["requests"] == sum(sizes.values())
    assert 50 < result["reformat"]["cost_usd"] < 300  # Sky-T1 reports about $100 for reformatting
    assert result["cost_usd"] == result["reformat"]["cost_usd"]


def test_cpu_recipe_plans_from_loaded_pools() -> None:
    config = load_curate_config(RECIPES / "curate-cpu.yaml", ["teacher.k=3"])
    result = plan(config)
    assert [p["problems"] for p in result["pools"]] == [6, 6] and result["teacher"]["requests"] == 36
    assert all(p["counted"] == "loaded" and p["prompt_tokens"] > 0 for p in result["pools"])
    assert result["teacher"]["completion_tokens"] == 36 * 256  # capped by max_tokens
    assert "reformat" not in result


def test_invocation_fields_are_not_identity() -> None:
    flags = {f.name: f.metadata.get("identity", True) for f in fields(CurateConfig)}
    assert flags["out"] is False and flags["overwrite"] is False and flags["dry_run"] is False
    assert flags["pools"] is True and flags["teacher"] is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["teacher.backend=ollama"], "teacher.backend must be one of"),
        (["teacher.k=0"], "teacher.k must be >= 1"),
        (["select.policy=best"], "select.policy"),
        (["export.formats=[alpaca]"], "unknown format 'alpaca'"),
        (["pools.gsm8k.filterz={limit: 1}"], "unknown config key 'pools.gsm8k.filterz'"),
        (["teacher.temperatur=1"], "unknown config key 'teacher.temperatur'"),
    ],
)
def test_bad_recipes(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_curate_config(RECIPES / "curate-cpu.yaml", overrides)


def test_hub_pool_needs_a_size_for_the_plan(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"pools:\n  n:\n    source: {RECIPES / 'tasks' / 'numina_math.yaml'}\n    hub: true\n")
    with pytest.raises(ConfigError, match="declare 'size: N'"):
        plan(load_curate_config(recipe))


def test_empty_recipe() -> None:
    with pytest.raises(ConfigError, match="at least one pool"):
        CurateConfig()

"""Recipes: YAML + key=value overrides into dataclasses; unknown keys and bad types are named."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from thinkforge.config import load_config, parse_override
from thinkforge.errors import ConfigError


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0
    max_tokens: int = 128
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    task: str = "math500"
    n: int = 1
    seed: int | None = None
    sampling: Sampling = field(default_factory=Sampling)


def test_defaults_then_file_then_overrides(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("task: aime24\nn: 4\nsampling:\n  temperature: 0.7\n")
    cfg = load_config(Recipe, path, ["n=8", "sampling.max_tokens=64", "sampling.stop=[a, b]"])
    assert cfg == Recipe(task="aime24", n=8, sampling=Sampling(temperature=0.7, max_tokens=64, stop=("a", "b")))


def test_int_widens_to_float_and_none_allowed():
    cfg = load_config(Recipe, None, ["sampling.temperature=1", "seed=null"])
    assert cfg.sampling.temperature == 1.0 and isinstance(cfg.sampling.temperature, float)
    assert cfg.seed is None


def test_unknown_key_in_file_names_file_line_and_key(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("task: aime24\nsampling:\n  temperature: 0.7\n  temprature: 0.5\n")
    with pytest.raises(ConfigError) as info:
        load_config(Recipe, path)
    message = str(info.value)
    assert message.startswith(f"{path}:4:")
    assert "sampling.temprature" in message


def test_unknown_override_key_is_named():
    with pytest.raises(ConfigError, match="unknown config key 'nn'"):
        load_config(Recipe, None, ["nn=3"])


def test_wrong_type_is_named(tmp_path):
    with pytest.raises(ConfigError, match="'n' expects int"):
        load_config(Recipe, None, ["n=many"])


def test_invalid_yaml_names_line(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("task: aime24\nn: [1,\n")
    with pytest.raises(ConfigError, match=f"{path}:\\d+: invalid YAML"):
        load_config(Recipe, path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(Recipe, tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    "text,expected",
    [("n=3", ("n", 3)), ("a.b=0.5", ("a.b", 0.5)), ("x=hello", ("x", "hello")), ("--top-p=1", ("top_p", 1))],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


def test_override_without_equals_is_rejected():
    with pytest.raises(ConfigError, match="key=value"):
        parse_override("temperature")

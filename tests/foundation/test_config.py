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


@pytest.mark.parametrize(("text", "value"), [("1e-4", 1e-4), ("5E-5", 5e-5), ("-2e3", -2000.0), (".5e1", 5.0)])
def test_exponent_without_a_dot_is_a_float(tmp_path, text, value):
    """YAML 1.1 reads ``1e-4`` as a string; a float key takes it as the number a user meant (file and override)."""
    assert load_config(Recipe, None, [f"sampling.temperature={text}"]).sampling.temperature == value
    path = tmp_path / "r.yaml"
    path.write_text(f"sampling:\n  temperature: {text}\n")
    assert load_config(Recipe, path).sampling.temperature == value


@pytest.mark.parametrize("text", ["1e", "e5", "fast", "1e-4x"])
def test_text_that_is_no_number_stays_an_error(text):
    with pytest.raises(ConfigError, match="sampling.temperature"):
        load_config(Recipe, None, [f"sampling.temperature={text}"])

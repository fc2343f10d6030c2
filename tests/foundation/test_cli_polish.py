"""CLI polish (issue 18): -v anywhere, a true tagline, whole paths on narrow terminals, config-key help."""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from thinkforge.cli.config import stage_configs
from thinkforge.cli.main import STAGE_ORDERS, build_parser, main
from thinkforge.config import describe_config, load_config, reference_markdown
from thinkforge.errors import ConfigError
from thinkforge.generate.config import GenerateConfig
from thinkforge.models import default_model_status

REPO = Path(__file__).resolve().parents[2]


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("argv,verbosity", [
    (["tasks", "list"], 0),
    (["-v", "tasks", "list"], 1),
    (["tasks", "list", "-v"], 1),
    (["tasks", "-v", "list", "--json"], 1),
    (["-v", "tasks", "list", "-v"], 2),
    (["sandbox", "check", "--verbose"], 1),
])
def test_verbose_is_accepted_after_the_subcommand_and_counts(argv, verbosity, monkeypatch):
    seen = []
    monkeypatch.setattr("thinkforge.cli.main.setup_logging", seen.append)
    monkeypatch.setattr("thinkforge.cli.tasks.run_list", lambda args: 0)
    monkeypatch.setattr("thinkforge.cli.sandbox.run_check", lambda args: 0)
    assert main(argv) == 0
    assert seen == [verbosity]


def test_every_command_takes_verbose_in_its_help():
    for name, sub in _commands(build_parser()).items():
        assert "-v, --verbose" in sub.format_help(), name


def test_tagline_names_exactly_the_stage_commands_that_exist():
    parser = build_parser()
    chain = parser.description.split(":", 1)[1].strip().rstrip(".").split(" → ")
    commands = _commands(parser)
    assert set(chain) <= set(commands), chain  # curate/train/evaluate appear only once they are commands
    assert chain[:3] == ["tasks", "generate", "grade"]
    stages = [n for n in commands if getattr(sys.modules[commands[n].get_default("func").__module__], "ORDER", 100)
              in STAGE_ORDERS]
    assert chain == list(dict.fromkeys(stages))


def test_models_prints_paths_whole_on_a_narrow_terminal():
    status = default_model_status()
    env = {**os.environ, "COLUMNS": "40"}
    proc = subprocess.run([sys.executable, "-m", "thinkforge.cli.main", "models"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "…" not in proc.stdout
    assert str(status.gguf_path) in proc.stdout and str(status.converted_path) in proc.stdout


@pytest.mark.parametrize("override,unknown,suggestion", [
    ("sampling.temprature=0.5", "sampling.temprature", "did you mean 'sampling.temperature'?"),
    ("samplng.top_p=0.5", "samplng", "did you mean 'sampling'?"),
    ("openai.concurency=4", "openai.concurency", "did you mean 'openai.concurrency'?"),
    ("modle=x", "modle", "did you mean 'model'?"),
    ("zzzzzz=1", "zzzzzz", None),
])
def test_misspelt_key_error_suggests_the_close_key(override, unknown, suggestion):
    with pytest.raises(ConfigError) as info:
        load_config(GenerateConfig, overrides=[override])
    message = str(info.value)
    assert f"unknown config key '{unknown}'" in message
    if suggestion:
        assert suggestion in message
    else:
        assert "did you mean" not in message


def test_committed_config_reference_is_what_the_code_generates():
    committed = (REPO / "docs" / "config-reference.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(stage_configs()), (
        "docs/config-reference.md is stale: run `thinkforge config keys > docs/config-reference.md`")


def test_config_keys_cli_prints_the_reference(capsys):
    assert main(["config", "keys", "generate"]) == 0
    out = capsys.readouterr().out
    assert out == reference_markdown({"generate": GenerateConfig})
    for key in ("sampling.temperature", "hf.batch_size", "openai.server_model", "vllm.max_model_len",
                "ray.replicas", "pricing.usd_per_gpu_hour"):
        assert f"| `{key}` |" in out


@dataclass(frozen=True)
class _Inner:
    """The inner section."""

    #: How many, from a comment.
    count: int = 3
    tags: tuple[str, ...] = ("a",)


@dataclass(frozen=True)
class _Outer:
    name: str = field(default="x", metadata={"help": "from metadata"})
    mode: "Literal['fast', 'slow']" = "fast"  # noqa: F821 - resolved by get_type_hints
    limit: int | None = None
    inner: _Inner = field(default_factory=_Inner)


from typing import Literal  # noqa: E402 - the forward reference above needs it at module level


def test_describe_config_walks_nested_dataclasses_with_type_default_and_help():
    sections = describe_config(_Outer)
    table = [(k.key, k.type, k.default, k.help) for s in sections for k in s.keys]
    assert table == [
        ("name", "str", '"x"', "from metadata"),
        ("mode", "fast | slow", '"fast"', ""),
        ("limit", "int | null", "null", ""),
        ("inner.count", "int", "3", "How many, from a comment."),
        ("inner.tags", "list of str", '["a"]', ""),
    ]
    assert [(s.name, s.doc) for s in sections] == [("", ""), ("inner", "The inner section.")]


def test_help_falls_back_to_the_defaults_comment():
    (openai,) = [s for s in describe_config(GenerateConfig) if s.name == "openai"]
    backoff = next(k for k in openai.keys if k.key == "openai.backoff_base_s")  # no help= of its own
    assert backoff.help.startswith("openai: first backoff delay") and dataclasses.is_dataclass(GenerateConfig)
    (hf,) = [s for s in describe_config(GenerateConfig) if s.name == "hf"]
    batch = next(k for k in hf.keys if k.key == "hf.batch_size")
    assert batch.help == "prompts per batch"  # the field's own help wins


def test_readme_command_list_is_the_registered_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## Command line", 1)[1].split("```")[1]
    listed = {line.split()[1] for line in block.splitlines() if line.startswith("thinkforge ")} - {"--version"}
    assert listed == set(_commands(build_parser()))

"""The CLI: version, help listing every stage, models report, and one-line errors with exit 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from thinkforge import __version__
from thinkforge.cli.main import build_parser, main

THINKFORGE = [sys.executable, "-m", "thinkforge.cli.main"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*THINKFORGE, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"thinkforge {__version__}"


def _command_modules() -> list[str]:
    """Command names expected from the modules of thinkforge/cli that define ``register``."""
    import importlib
    import pkgutil

    import thinkforge.cli as cli_pkg

    names = []
    for info in pkgutil.iter_modules(cli_pkg.__path__):
        if hasattr(importlib.import_module(f"thinkforge.cli.{info.name}"), "register"):
            names.append(info.name.replace("_", "-"))
    return sorted(names)


def _registered(parser) -> dict:
    (action,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return dict(action.choices)


def test_every_command_module_is_registered_and_listed_in_help():
    parser = build_parser()
    expected = _command_modules()
    assert len(expected) >= 8 and {"generate", "grade", "demo", "judge"} <= set(expected)
    assert sorted(_registered(parser)) == expected
    text = parser.format_help()
    for name in expected:
        assert re.search(rf"^\s+{re.escape(name)}(\s|$)", text, re.M), f"{name} is missing from 'thinkforge --help'"


@pytest.mark.parametrize("command", _command_modules())
def test_each_command_help_exits_0(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: thinkforge {command}") and "--help" in out


def test_models_json_reports_the_default_model(capsys):
    assert main(["models", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["installed"] is True
    assert data["name"] == "SmolLM2-135M-Instruct"
    assert data["gguf_path"].endswith(".gguf")


def test_unknown_config_key_is_one_clear_error_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    result = run_cli("generate", "--task", "gsm8k", "--out", str(out), "sampling.temprature=0.5")
    assert result.returncode == 2
    assert "unknown config key 'sampling.temprature'" in result.stderr
    assert result.stderr.count("error:") == 1
    assert not out.exists()


def test_unknown_key_in_recipe_file_names_file_and_line(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("task: gsm8k\nmodel: default\nsampling:\n  temperature: 0.7\n  top_k: 20\n")
    result = run_cli("generate", "--config", str(recipe), "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert f"{recipe}:5:" in result.stderr and "sampling.top_k" in result.stderr
    assert not (tmp_path / "run").exists()


def test_malformed_jsonl_input_names_file_and_line(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"gold": "1", "response": "\\\\boxed{1}"}\n{"gold": "2", "response": \n')
    result = run_cli("grade-pairs", str(pairs))
    assert result.returncode == 2
    assert f"{pairs}:2:" in result.stderr
    assert result.stdout == ""


def test_overrides_may_follow_options_anywhere(tmp_path):
    """`key=value` overrides are collected wherever they stand; unknown ones still fail clearly."""
    out = tmp_path / "run"
    result = run_cli(
        "generate", "--task", "gsm8k", "sampling.top_p=0.5", "--out", str(out), "--limit", "0", "sampling.seed=7"
    )
    assert result.returncode == 0, result.stderr
    stored = (out / "generate.yaml").read_text()
    assert "top_p: 0.5" in stored and "seed: 7" in stored
    bad = run_cli("generate", "--task", "gsm8k", "--out", str(out), "--limit", "0", "--no-such-flag")
    assert bad.returncode == 2 and "unrecognized arguments: --no-such-flag" in bad.stderr

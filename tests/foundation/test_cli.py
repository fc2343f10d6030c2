"""The CLI: version, help listing every stage, models report, and one-line errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from thinkforge import __version__
from thinkforge.cli.main import build_parser, main

THINKFORGE = [sys.executable, "-m", "thinkforge.cli.main"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*THINKFORGE, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"thinkforge {__version__}"


def test_help_lists_the_commands():
    text = build_parser().format_help()
    assert "models" in text and "demo" in text


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

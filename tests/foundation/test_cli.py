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

"""The accounting file's history is never silently lost: a corrupt file is moved aside, with a warning."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from thinkforge.generate.accounting import ACCOUNTING_FILE, Prices, Usage, accounting_record, read_sessions

PRICES = Prices(0.0, 0.0, 2.96, 0)
SESSION = {"finished": "2026-01-01T00:00:00", "backend": "hf", "samples": 3, "failed": 0, "prompt_tokens": 30,
           "completion_tokens": 12, "wall_s": 1.5}


def test_sessions_of_a_sound_file_are_read_back(tmp_path: Path) -> None:
    assert read_sessions(tmp_path) == []
    record = accounting_record([SESSION], Usage(samples=1, prompt_tokens=5, completion_tokens=2, wall_s=0.5),
                               PRICES, "hf", {})
    (tmp_path / ACCOUNTING_FILE).write_text(json.dumps(record))
    assert read_sessions(tmp_path) == record["sessions"]
    assert record["total"]["samples"] == 4 and record["total"]["completion_tokens"] == 14


@pytest.mark.parametrize("content", [
    "{not json",
    '{"total": {}, "sessions": [{"samples": 1',  # torn write
    "[1, 2]",
    '{"sessions": 5}',
    '{"sessions": ["x"]}',
    '{"sessions": [{"samples": "many"}]}',
])
def test_a_corrupt_file_is_moved_aside_with_a_warning_and_never_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str
) -> None:
    (tmp_path / ACCOUNTING_FILE).write_text(content)
    with caplog.at_level(logging.WARNING):
        assert read_sessions(tmp_path) == []
    (moved,) = tmp_path.glob(f"{ACCOUNTING_FILE}.corrupt-*")
    assert moved.read_text() == content
    assert not (tmp_path / ACCOUNTING_FILE).exists()
    assert ACCOUNTING_FILE in caplog.text and moved.name in caplog.text


def test_two_corrupt_files_in_a_row_are_both_kept(tmp_path: Path) -> None:
    for content in ("first {", "second {"):
        (tmp_path / ACCOUNTING_FILE).write_text(content)
        read_sessions(tmp_path)
    kept = sorted(p.read_text() for p in tmp_path.glob(f"{ACCOUNTING_FILE}.corrupt-*"))
    assert kept == ["first {", "second {"]

"""The data card: counts, acceptance, drop reasons, token lengths, summaries — a pure function of its inputs."""

from __future__ import annotations

import json
from pathlib import Path

from thinkforge.curate.card import CardInputs, TraceOutcome, card_data, length_stats, render_markdown, write_card

OUTCOMES = [
    TraceOutcome("numina", "math", "5", "pass", "kept"),
    TraceOutcome("numina", "math", "5", "pass", "answer_changed"),
    TraceOutcome("numina", "math", "3", "wrong"),
    TraceOutcome("taco", "code", "medium", "pass", "kept"),
    TraceOutcome("taco", "code", "medium", "timeout"),
    TraceOutcome("taco", "code", "hard", "pass", "markers_missing"),
]
INPUTS = CardInputs(
    name="unit",
    steps=[("pool", {"numina": 10, "taco": 5}), ("decontaminated", {"numina": 9, "taco": 5}), ("exported", {"numina": 1, "taco": 1})],
    outcomes=OUTCOMES, lengths=[10, 20, 30, 400], tokenizer="tiny",
    decontamination={"rows": 15, "dropped": 1, "dropped_by_task": {"math500": 1}, "rows_dropped": [{"row": 3}]},
    dedup={"rows": 14, "dropped": 0, "rows_dropped": []},
    accounting={"prompt_tokens": 1200, "completion_tokens": 34000, "cost_usd": 0.5},
)


def test_card_data() -> None:
    data = card_data(INPUTS)
    assert data["counts"]["decontaminated"] == {"numina": 9, "taco": 5, "total": 14}
    assert data["acceptance"]["by_pool"]["numina"] == {"traces": 3, "accepted": 1, "rate": 0.3333}
    assert data["acceptance"]["by_domain"]["code"]["accepted"] == 1
    assert data["acceptance"]["by_difficulty"]["medium"] == {"traces": 2, "accepted": 1, "rate": 0.5}
    assert data["drop_reasons"]["all"] == {"grade:timeout": 1, "grade:wrong": 1, "reformat:answer_changed": 1,
                                           "reformat:markers_missing": 1}
    assert data["drop_reasons"]["by_pool"]["taco"] == {"grade:timeout": 1, "reformat:markers_missing": 1}
    assert data["token_lengths"]["max"] == 400 and data["token_lengths"]["total"] == 460
    assert "rows_dropped" not in data["decontamination"] and data["decontamination"]["dropped_by_task"] == {"math500": 1}
    assert data["accounting"]["cost_usd"] == 0.5
    assert card_data(INPUTS) == data  # pure


def test_length_stats_empty_and_single() -> None:
    assert length_stats([], 10) == {"count": 0}
    assert length_stats([5], 10)["histogram"]["counts"] == [1]


def test_markdown_and_files(tmp_path: Path) -> None:
    data = card_data(INPUTS)
    md = render_markdown(data)
    assert "| decontaminated | 9 | 5 | 14 |" in md and "| reformat:answer_changed | 1 |" in md
    paths = write_card(data, tmp_path, INPUTS.lengths)
    assert json.loads(Path(paths["json"]).read_text()) == json.loads(json.dumps(data))
    assert Path(paths["histogram"]).read_bytes()[:4] == b"\x89PNG"
    assert Path(paths["markdown"]).read_text().startswith("# Data card: unit")


def test_token_lengths_with_a_real_tokenizer() -> None:
    from transformers import AutoTokenizer

    from thinkforge.curate.card import token_lengths
    from thinkforge.models import resolve

    tok = AutoTokenizer.from_pretrained(resolve("default"))
    assert token_lengths(["hello world", ""], tok) == [len(tok("hello world", add_special_tokens=False)["input_ids"]), 0]

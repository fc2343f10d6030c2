"""Selection policies, balancing, and the exports (TRL messages, LLaMA-Factory ShareGPT, datasets dir)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thinkforge.curate.export import ExportRow, export
from thinkforge.curate.select import Candidate, balance, select_per_problem
from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.records import Problem, Sample


def _cand(pid: str, index: int, passed: bool, tokens: int, pool: str = "p", domain: str = "math") -> Candidate:
    problem = Problem(id=pid, task="t", domain=domain, prompt=f"q {pid}", reference={"answer": "1"})
    sample = Sample(problem_id=pid, model="m", index=index, text=f"{pid}-{index}", completion_tokens=tokens)
    return Candidate(problem, sample, passed, pool)


CANDS = [
    _cand("a", 0, False, 5), _cand("a", 1, True, 30), _cand("a", 2, True, 10), _cand("a", 3, True, 10),
    _cand("b", 0, True, 7), _cand("c", 0, False, 1), _cand("c", 1, False, 1),
]


@pytest.mark.parametrize(
    ("policy", "m", "expected"),
    [
        ("first", 1, ["a-1", "b-0"]),
        ("shortest", 1, ["a-2", "b-0"]),
        ("all", 1, ["a-1", "a-2", "a-3", "b-0"]),
        ("at_most", 2, ["a-1", "a-2", "b-0"]),
    ],
)
def test_policies(policy: str, m: int, expected: list[str]) -> None:
    assert [c.final_text for c in select_per_problem(CANDS, policy, m)] == expected


def test_unknown_policy() -> None:
    with pytest.raises(ConfigError, match="select.policy"):
        select_per_problem(CANDS, "best")


def test_balance_is_seeded_and_reports_shortfalls() -> None:
    rows = [_cand(f"x{i}", 0, True, 1, pool="big") for i in range(20)] + [_cand("y", 0, True, 1, pool="small")]
    picked, report = balance(rows, {"big": 5, "small": 3, "absent": 2}, by="pool", seed=1)
    again, _ = balance(rows, {"big": 5, "small": 3, "absent": 2}, by="pool", seed=1)
    other, _ = balance(rows, {"big": 5, "small": 3, "absent": 2}, by="pool", seed=2)
    assert [c.problem.id for c in picked] == [c.problem.id for c in again]
    assert [c.problem.id for c in picked] != [c.problem.id for c in other]
    assert sum(c.pool == "big" for c in picked) == 5 and sum(c.pool == "small" for c in picked) == 1
    assert report.short == {"small": 2, "absent": 2}
    ids = [c.problem.id for c in picked]
    assert ids == sorted(ids, key=lambda i: [c.problem.id for c in rows].index(i))  # input order kept


def test_balance_by_domain() -> None:
    rows = [_cand(f"m{i}", 0, True, 1, domain="math") for i in range(6)] + [_cand("c", 0, True, 1, domain="code")]
    picked, _ = balance(rows, {"math": 2}, by="domain")
    assert [c.problem.domain for c in picked].count("math") == 2 and picked[-1].problem.domain == "code"


ROWS = [ExportRow(f"id{i}", "gsm8k", "pool", "math", f"What is {i}+1?",
                  f"<|begin_of_thought|>think<|end_of_thought|><|begin_of_solution|>\\boxed{{{i + 1}}}<|end_of_solution|>")
        for i in range(8)]


def test_export_layouts(tmp_path: Path) -> None:
    paths = export(ROWS, tmp_path / "export", name="sky_t1_repro")
    assert set(paths) == {"messages", "sharegpt", "dataset_info", "hf"}
    lines = [json.loads(l) for l in (tmp_path / "export" / "messages.jsonl").read_text().splitlines()]
    assert [m["role"] for m in lines[0]["messages"]] == ["system", "user", "assistant"]
    assert lines[0]["messages"][0]["content"].startswith("Your role as an assistant involves thoroughly exploring")
    share = json.loads((tmp_path / "export" / "sharegpt.json").read_text())
    assert share[0]["system"] == lines[0]["messages"][0]["content"]
    assert share[0]["conversations"] == [{"from": "user", "value": "What is 0+1?"},
                                         {"from": "assistant", "value": ROWS[0].assistant}]
    info = json.loads((tmp_path / "export" / "dataset_info.json").read_text())
    assert info == {"sky_t1_repro": {"file_name": "sharegpt.json", "formatting": "sharegpt",
                                     "columns": {"messages": "conversations", "system": "system"},
                                     "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "user",
                                              "assistant_tag": "assistant"}}}
    import datasets

    loaded = datasets.load_dataset("json", data_files=paths["messages"], split="train")
    assert len(loaded) == 8 and loaded[0]["messages"][2]["content"] == ROWS[0].assistant
    on_disk = datasets.load_from_disk(paths["hf"])
    assert on_disk.to_list() == loaded.to_list()
    export(ROWS[:2], tmp_path / "export", formats=["hf"])  # a re-export replaces the folder whole
    assert len(datasets.load_from_disk(paths["hf"])) == 2


def test_export_refuses_empty_and_unknown(tmp_path: Path) -> None:
    with pytest.raises(ThinkforgeError, match="empty"):
        export([], tmp_path)
    with pytest.raises(ThinkforgeError, match="unknown export format"):
        export(ROWS, tmp_path, formats=["alpaca"])


@pytest.mark.slow
def test_messages_jsonl_trains_with_sft_trainer_unchanged(tmp_path: Path) -> None:
    import datasets
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from trl import SFTConfig, SFTTrainer

    from thinkforge.models import resolve

    paths = export(ROWS, tmp_path / "export", formats=["messages"])
    tokenizer = AutoTokenizer.from_pretrained(resolve("default"))
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id))
    dataset = datasets.load_dataset("json", data_files=paths["messages"], split="train")
    args = SFTConfig(output_dir=str(tmp_path / "out"), max_steps=2, per_device_train_batch_size=2, report_to=[],
                     save_strategy="no", logging_steps=1, use_cpu=True, max_length=256)
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    result = trainer.train()
    assert result.global_step == 2 and result.training_loss > 0

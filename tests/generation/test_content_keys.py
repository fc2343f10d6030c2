"""Units are keyed by content: the rendered request, the problem (answer key included) and the model's
weights — never by the names they were typed as. Runs resume from any folder; streaming stages overlap."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from _scripted import ScriptedBackend

from thinkforge.errors import ConfigError
from thinkforge.generate import GenerateConfig, GenerateRun, SamplingConfig, plan_run, run_generate
from thinkforge.grading.stage import GradeConfig, GradeRun, load_verdicts
from thinkforge.models.identity import model_identity
from thinkforge.runs import RunStore


def user_task(folder: Path, rows: list[dict], name: str = "my_math") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = folder / f"{name}.yaml"
    spec.write_text(f"name: {name}\ndomain: math\npath: data.jsonl\nfields: {{id: id, prompt: q, answer: a}}\n")
    return spec


ROWS = [{"id": "p1", "q": "What is 6*7?", "a": "42"}, {"id": "p2", "q": "What is 2+2?", "a": "4"}]


def keys(config: GenerateConfig) -> dict[str, str]:
    return {r.problem_id: r.key for r in plan_run(config).requests}


def test_a_changed_answer_key_or_prompt_changes_exactly_that_problems_key(tmp_path):
    spec = user_task(tmp_path / "t", ROWS)
    before = keys(GenerateConfig(task=str(spec)))
    user_task(tmp_path / "t", [{**ROWS[0], "a": "43"}, ROWS[1]])
    after_gold = keys(GenerateConfig(task=str(spec)))
    assert after_gold["my_math/p1"] != before["my_math/p1"] and after_gold["my_math/p2"] == before["my_math/p2"]
    user_task(tmp_path / "t", [ROWS[0], {**ROWS[1], "q": "What is 2+3?"}])
    after_prompt = keys(GenerateConfig(task=str(spec)))
    assert after_prompt["my_math/p2"] != before["my_math/p2"] and after_prompt["my_math/p1"] == before["my_math/p1"]
    # Another system prompt or template changes the rendered messages, hence every key.
    assert set(keys(GenerateConfig(task=str(spec), system_prompt="sky_t1")).values()).isdisjoint(before.values())
    assert set(keys(GenerateConfig(task=str(spec), template="plain")).values()).isdisjoint(before.values())


def test_gpqa_choice_shuffles_are_part_of_the_key(tmp_path, data_dir):
    from thinkforge.generate.stage import build_requests
    from thinkforge.tasks import get_task

    spec = get_task("gpqa_diamond")
    a = spec.load(limit=3, seed=0)
    b = spec.load(limit=3, seed=1)
    assert [p.id for p in a] == [p.id for p in b]
    common = dict(model="m", model_id={"hub": "m"}, sampling=plan_run(GenerateConfig(task="gsm8k")).sampling, n=1,
                  system_prompt="none")
    ka = [r.key for r in build_requests(a, **common)]
    kb = [r.key for r in build_requests(b, **common)]
    differ = [x != y for x, y, pa, pb in zip(ka, kb, a, b) if pa.reference != pb.reference]
    assert differ and all(differ), "another shuffle (other messages, other gold letter) reused the old key"


def test_resuming_with_edited_problems_is_refused_naming_the_difference(tmp_path):
    spec = user_task(tmp_path / "t", ROWS)
    config = GenerateConfig(task=str(spec), out=str(tmp_path / "run"))
    run_generate(config, backend=ScriptedBackend(default="\\boxed{42}"))
    user_task(tmp_path / "t", [{**ROWS[0], "a": "43"}, ROWS[1]])
    with pytest.raises(ConfigError, match="task.problems"):
        run_generate(config, backend=ScriptedBackend(default="\\boxed{42}"))


def test_a_run_resumes_however_the_task_path_was_typed(tmp_path, monkeypatch):
    spec = user_task(tmp_path / "byod", ROWS)
    out = tmp_path / "run"
    monkeypatch.chdir(tmp_path)
    first = run_generate(GenerateConfig(task="byod/my_math.yaml", out=str(out)), backend=ScriptedBackend(default="x"))
    assert first.generated == 2
    monkeypatch.chdir(tmp_path / "byod")
    again = run_generate(GenerateConfig(task="my_math.yaml", out="../run"), backend=ScriptedBackend(default="x"))
    assert (again.generated, again.already_done) == (0, 2)
    meta = json.loads((out / "generate.run.json").read_text())
    assert meta["sources"]["task_file"] == str(spec.resolve())


def test_a_checkpoint_retrained_in_place_gets_new_keys(tmp_path):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text('{"model_type": "llama"}')
    (ckpt / "model.safetensors").write_bytes(b"\x00" * 4096)
    before = model_identity(str(ckpt))
    assert before == model_identity(str(tmp_path / "ckpt" / ".." / "ckpt")), "the typed path must not matter"
    (ckpt / "model.safetensors").write_bytes(b"\x01" * 4096)  # same size, same name, other weights
    assert model_identity(str(ckpt)) != before
    (ckpt / "config.json").write_text('{"model_type": "llama", "rope_theta": 1e6}')
    assert model_identity(str(ckpt))["fingerprint"] != before["fingerprint"]
    assert model_identity("org/name") == {"hub": "org/name", "revision": "main"}


def test_the_served_model_and_server_are_in_the_key():
    base = GenerateConfig(task="gsm8k", limit=1, backend="openai")
    k = keys(base)
    assert keys(replace(base, openai=replace(base.openai, server_model="qwq"))) != k
    assert keys(replace(base, openai=replace(base.openai, base_url="http://127.0.0.1:9/v1"))) != k
    assert keys(replace(base, openai=replace(base.openai, concurrency=3))) == k


def test_grading_overlaps_generation(tmp_path):
    """Groups are handed on as soon as they are stored; the grader works on them while generation goes on."""
    from thinkforge.tasks import get_task

    problems = get_task("gsm8k").load(limit=6)
    backend = ScriptedBackend({p.id: [f"\\boxed{{{p.reference['answer']}}}"] for p in problems}, group_size=2)
    config = GenerateConfig(task="gsm8k", limit=6, out=str(tmp_path), sampling=SamplingConfig(max_tokens=8))
    with GenerateRun(config, backend=backend) as gen:
        seen = 0
        with GradeRun(GradeConfig(run_dir=str(tmp_path), chunk_size=1)) as grade:
            for group in gen.groups():
                stored = {s["key"] for s in RunStore.read(tmp_path, stage="generate").iter_dicts()}
                assert {s.key for s in group} <= stored, "a group was handed on before it was durable"
                grade.feed(group)
                seen += len(group)
                deadline = time.monotonic() + 60
                while grade.poll() and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert len(load_verdicts(tmp_path)) == seen, "verdicts wait for the end of generation"
                assert backend.calls == seen // 2
            assert gen.stored() == []  # nothing came from an earlier session
            summary = grade.finish(gen.samples())
    assert summary.passed == 6 and RunStore.finished(tmp_path, "generate") is not None

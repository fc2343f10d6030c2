"""The run store: resume skips finished work, a changed config is refused, torn tails are dropped,
and a process killed by SIGKILL at random points loses and duplicates nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from thinkforge.errors import ConfigError, ThinkforgeError
from thinkforge.jsonl import iter_json_lines
from thinkforge.runs import RunStore, unit_key

WORKER = Path(__file__).with_name("_store_worker.py")
CONFIG = {"task": "math500", "sampling": {"temperature": 0.7, "top_p": 0.95}, "model": "default"}


def rec(i: int) -> dict:
    return {"key": f"k{i}", "value": i}


def test_append_and_resume_skips_done_work(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        store.append([rec(0), rec(1)])
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        assert store.done_keys() == {"k0", "k1"}
        assert store.pending(range(4), lambda i: f"k{i}") == [2, 3]
        store.append([rec(2)])
        assert [r["value"] for r in store.iter_dicts()] == [0, 1, 2]
    # Each writer session starts its own shard: nothing is rewritten in place.
    assert sorted(p.name for p in tmp_path.glob("generate-*.jsonl")) == ["generate-00000.jsonl", "generate-00001.jsonl"]
    assert (tmp_path / "generate.yaml").is_file()
    meta = json.loads((tmp_path / "generate.run.json").read_text())
    assert len(meta["config_hash"]) == 24 and meta["config"] == CONFIG


def test_changed_config_is_refused_with_the_differences(tmp_path):
    RunStore.open(tmp_path, CONFIG, stage="generate").close()
    changed = {**CONFIG, "sampling": {"temperature": 0.0, "top_p": 0.95}}
    with pytest.raises(ConfigError) as info:
        RunStore.open(tmp_path, changed, stage="generate")
    message = str(info.value)
    assert "sampling.temperature: 0.7 -> 0.0" in message
    assert "--overwrite" in message
    assert "top_p" not in message


def test_overwrite_starts_fresh(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        store.append([rec(0)])
        store.write_artifact("generate.accounting.json", {"tokens": 10})
    with RunStore.open(tmp_path, {"grader": "math"}, stage="grade") as other:
        other.append([{"sample_key": "k0", "passed": True}])
    changed = {**CONFIG, "model": "other"}
    with RunStore.open(tmp_path, changed, stage="generate", overwrite=True) as store:
        assert store.done_keys() == set()
        assert store.config["model"] == "other"
    assert not (tmp_path / "generate.accounting.json").exists(), "a stale side artifact survived --overwrite"
    assert RunStore.read(tmp_path, stage="grade").done_keys() == {"k0"}, "another stage was touched"


def test_stages_share_a_directory_independently(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate") as gen:
        gen.append([rec(0)])
    with RunStore.open(tmp_path, {"grader": "math"}, stage="grade") as grade:
        assert grade.done_keys() == set()
        grade.append([{"sample_key": "k0", "passed": True}])
        assert grade.done_keys() == {"k0"}


def test_torn_last_line_is_dropped_and_redone(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        store.append([rec(0), rec(1)])
        shard = store.shards()[-1]
    with open(shard, "a") as fh:
        fh.write('{"key": "k2", "val')  # a write torn by a crash
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        assert store.done_keys() == {"k0", "k1"}
        store.append([rec(2)])
        assert store.done_keys() == {"k0", "k1", "k2"}


def test_corrupt_line_in_the_middle_is_an_error_naming_file_and_line(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        store.append([rec(0)])
        shard = store.shards()[-1]
    with open(shard, "a") as fh:
        fh.write("garbage\n" + json.dumps(rec(1)) + "\n")
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        with pytest.raises(ThinkforgeError, match=f"{shard}:2:"):
            store.done_keys()


def test_second_writer_on_the_same_stage_is_refused(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate"):
        with pytest.raises(ThinkforgeError, match="in use by another thinkforge process"):
            RunStore.open(tmp_path, CONFIG, stage="generate")


def test_unit_key_depends_on_every_ingredient():
    base = dict(problem_id="p", index=0, problem_hash="h", messages=[{"role": "user", "content": "2+2?"}],
                sampling={"t": 0.7}, model={"hub": "m", "revision": "main"})
    key = unit_key(**base)
    assert len(key) == 24 and key == unit_key(**{**base, "sampling": {"t": 0.7}})
    for change in [
        {"problem_id": "q"},
        {"index": 1},
        {"problem_hash": "h2"},
        {"messages": [{"role": "user", "content": "2+3?"}]},
        {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "2+2?"}]},
        {"model": {"hub": "m", "revision": "abc"}},
        {"sampling": {"t": 0.0}},
    ]:
        assert unit_key(**{**base, **change}) != key, change


def test_torn_line_written_on_purpose_is_dropped_on_every_shard_and_stream(tmp_path):
    """The torn-line rule, tested directly: a SIGKILL cannot cut a finished write, so write the tear by hand."""
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        store.append([rec(0)])
        store.append([{"key": "p0", "x": 1}], stream="problems")
    for shard in [*tmp_path.glob("generate-*.jsonl"), *tmp_path.glob("generate.problems-*.jsonl")]:
        with open(shard, "a") as fh:
            fh.write('{"key": "torn", "va')
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        assert store.done_keys() == {"k0"}
        assert store.done_keys("problems") == {"p0"}


def test_stage_names_are_validated_so_stages_cannot_collide(tmp_path):
    for bad in ["eval.aime24", "eval-x", "Eval", "eval/aime24", ""]:
        with pytest.raises(ConfigError, match="invalid stage name"):
            RunStore.open(tmp_path, CONFIG, stage=bad)


def test_overwriting_a_stage_leaves_sub_runs_and_similar_names_alone(tmp_path):
    from thinkforge.runs import sub_run

    with RunStore.open(tmp_path, CONFIG, stage="eval") as store:
        store.append([rec(0)])
    with RunStore.open(tmp_path, CONFIG, stage="eval_extra") as other:
        other.append([rec(1)])
    child = sub_run(tmp_path, "aime24")
    with RunStore.open(child, CONFIG, stage="eval") as sub:
        sub.append([rec(2)])
    with RunStore.open(tmp_path, {**CONFIG, "model": "x"}, stage="eval", overwrite=True) as store:
        assert store.done_keys() == set()
    assert RunStore.read(tmp_path, stage="eval_extra").done_keys() == {"k1"}
    assert RunStore.read(child, stage="eval").done_keys() == {"k2"}
    with pytest.raises(ConfigError, match="invalid sub-run name"):
        sub_run(tmp_path, "..")


def test_config_and_meta_are_one_atomic_file(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate", parents=[{"path": "/x", "stage": "s", "run_id": "r"}],
                       sources={"data": "/abs/data.jsonl"}) as store:
        run_id = store.run_id
    meta = json.loads((tmp_path / "generate.run.json").read_text())
    assert meta["config"] == CONFIG and meta["run_id"] == run_id and len(run_id) == 32
    assert meta["parents"] == [{"path": "/x", "stage": "s", "run_id": "r"}]
    assert meta["sources"] == {"data": "/abs/data.jsonl"}
    # The readable view is derived: a death before it was written is repaired on the next open.
    (tmp_path / "generate.yaml").unlink()
    with RunStore.open(tmp_path, CONFIG, stage="generate"):
        pass
    assert (tmp_path / "generate.yaml").is_file()
    assert RunStore.read(tmp_path, stage="generate").config == CONFIG


def test_a_run_file_without_its_config_is_a_clear_error(tmp_path):
    (tmp_path / "generate.run.json").write_text('{"stage": "generate"}')
    with pytest.raises(ThinkforgeError, match="not a thinkforge run file"):
        RunStore.open(tmp_path, CONFIG, stage="generate")


def test_finished_marker_is_cleared_when_work_is_added(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        store.append([rec(0)])
        assert RunStore.finished(tmp_path, "generate") is None
        store.mark_finished({"requested": 1})
    assert RunStore.finished(tmp_path, "generate")["requested"] == 1
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        store.append([rec(1)])
    assert RunStore.finished(tmp_path, "generate") is None


def test_the_last_copy_of_a_key_wins(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="grade") as store:
        store.append([{"sample_key": "s0", "status": "timeout"}, {"sample_key": "s1", "status": "pass"}])
        store.append([{"sample_key": "s0", "status": "wrong"}])
        assert [d["status"] for d in store.iter_dicts()] == ["wrong", "pass"]


def test_artifacts_must_carry_the_stage_prefix(tmp_path):
    with RunStore.open(tmp_path, CONFIG, stage="generate") as store:
        with pytest.raises(ThinkforgeError, match="must be named 'generate."):
            store.write_artifact("eval.summary.json", {})


def _run_worker(out: Path, n: int, kill_after: float | None) -> int:
    proc = subprocess.Popen([sys.executable, str(WORKER), str(out), str(n)], stderr=subprocess.PIPE)
    if kill_after is None:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        return 0
    time.sleep(kill_after)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return proc.returncode


def _raw_lines(out: Path) -> list[dict]:
    lines = []
    for shard in sorted(out.glob("work-*.jsonl")):
        lines.extend(obj for _, obj in iter_json_lines(shard, allow_torn_tail=True))
    return lines


def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path):
    n_units = 1500
    clean = tmp_path / "clean"
    started = time.monotonic()
    _run_worker(clean, n_units, None)
    clean_s = time.monotonic() - started
    expected = sorted(_raw_lines(clean), key=lambda r: r["unit"])
    assert len(expected) == n_units

    killed = tmp_path / "killed"
    rng = random.Random(1234)
    kills = 0
    for _ in range(40):
        code = _run_worker(killed, n_units, kill_after=rng.uniform(0.1, 0.4) * clean_s)
        if code == 0:
            break
        assert code == -signal.SIGKILL
        kills += 1
    else:
        code = _run_worker(killed, n_units, None)
    assert kills >= 2, "the worker finished before it could be killed; the test proved nothing"
    got = _raw_lines(killed)
    keys = [r["key"] for r in got]
    assert len(keys) == len(set(keys)), "a unit was written twice"
    assert sorted(got, key=lambda r: r["unit"]) == expected

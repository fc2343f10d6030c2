"""Whole recipes: the shipped ones load and plan; a bad key names its file, line and dotted key; the keys that link
the stages are refused; identities and the reuse/resume/redo decision."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from thinkforge.errors import ConfigError
from thinkforge.pipeline.config import load_recipe
from thinkforge.pipeline.stage import decide, eval_config, stage_identity, train_config
from thinkforge.runs import stable_hash

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """name: tiny
curate:
  pools:
    arithmetic: {source: arithmetic_train, target: 4}
train:
  max_steps: 2
eval:
  tasks:
    arithmetic: {limit: 4}
"""


def test_shipped_recipes_load() -> None:
    demo = load_recipe(REPO / "recipes" / "demo-cpu.yaml")
    assert demo.name == "demo-cpu" and {p["source"] for p in demo.curate.pools.values()} == {"arithmetic_train"}
    assert list(demo.eval.tasks) == ["arithmetic"] and "answered" in demo.verdict.metrics
    sky = load_recipe("sky-t1")  # by name, from the repository's recipes folder
    assert sky.train.model == "Qwen/Qwen2.5-32B-Instruct" and sky.train.epochs == 3
    assert sky.curate.teacher.model == "Qwen/QwQ-32B-Preview"
    assert set(sky.eval.tasks) >= {"math500", "aime24", "livecodebench", "gpqa_diamond"}


def test_overrides_reach_each_section() -> None:
    recipe = load_recipe(REPO / "recipes" / "demo-cpu.yaml", ["train.lr=1e-4", "eval.tasks.arithmetic.limit=7",
                                                               "curate.teacher.k=2"])
    assert (recipe.train.lr, recipe.eval.tasks["arithmetic"]["limit"], recipe.curate.teacher.k) == (1e-4, 7, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MINIMAL.replace("  max_steps: 2", "  lrr: 2"), "recipe.yaml:6: unknown config key 'train.lrr'"),
        (MINIMAL.replace("  max_steps: 2", "  out: elsewhere"), "recipe.yaml:6: config key 'train.out' is set by `thinkforge run`"),
        (MINIMAL.replace("  max_steps: 2", "  data: {path: x.jsonl}"), "config key 'train.data.path' is set by `thinkforge run`"),
        (MINIMAL.replace("eval:\n", "eval:\n  model: other\n"), "recipe.yaml:8: config key 'eval.model' is set by"),
        (MINIMAL.replace("    arithmetic: {limit: 4}", "    arithmetic: {limt: 4}"), "unknown config key 'eval.tasks.arithmetic.limt'"),
        (MINIMAL + "verdict: {metrics: [accuracy, speed]}\n", "verdict.metrics: unknown metric 'speed'"),
        (MINIMAL.replace("curate:\n  pools:\n    arithmetic: {source: arithmetic_train, target: 4}\n", ""), "a recipe needs a 'curate' section"),
        (MINIMAL.replace("  tasks:\n    arithmetic: {limit: 4}\n", "  backend: hf\n"), "'eval.tasks' section"),
    ],
)
def test_bad_recipes_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as err:
        load_recipe(_write(tmp_path, text))
    assert message in str(err.value)


def test_linked_keys_are_refused_on_the_command_line_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'curate.out' is set by"):
        load_recipe(_write(tmp_path, MINIMAL), ["curate.out=x"])


def test_the_runner_links_the_stages(tmp_path: Path) -> None:
    recipe = replace(load_recipe(_write(tmp_path, MINIMAL)), out=str(tmp_path / "run"))
    train = train_config(recipe, tmp_path / "run")
    assert train.data.path == str(tmp_path / "run" / "curate" / "export" / "messages.jsonl")
    assert train.out == str(tmp_path / "run" / "train") and not train.resume  # nothing to resume yet
    (tmp_path / "run" / "train" / "checkpoints").mkdir(parents=True)
    assert train_config(recipe, tmp_path / "run").resume and not train_config(recipe, tmp_path / "run", overwrite=True).resume
    before, after = (eval_config(recipe, tmp_path / "run", w) for w in ("before", "after"))
    assert before.model == recipe.train.model == "default"
    assert after.model == str(tmp_path / "run" / "train")
    assert (before.out, after.out) == (str(tmp_path / "run" / "eval-before"), str(tmp_path / "run" / "eval-after"))


@pytest.mark.parametrize(
    ("record", "digest", "finished", "action"),
    [
        (None, "h1", False, "ran"),
        (None, "h1", True, "ran"),
        ({"hash": "h1"}, "h1", True, "reused"),
        ({"hash": "h1"}, "h1", False, "resumed"),
        ({"hash": "h1"}, "h2", True, "redone"),
        ({"hash": "h1"}, "h2", False, "redone"),
    ],
)
def test_decide(record: dict | None, digest: str, finished: bool, action: str) -> None:
    assert decide(record, digest, finished) == action


def test_eval_identity_moves_with_eval_settings_only(tmp_path: Path) -> None:
    recipe = replace(load_recipe(_write(tmp_path, MINIMAL)), out=str(tmp_path / "run"))
    out = tmp_path / "run"

    def digest(r):  # noqa: ANN001, ANN202
        return stable_hash(stage_identity("eval-before", eval_config(r, out, "before")))

    base = digest(recipe)
    assert digest(replace(recipe, train=replace(recipe.train, lr=1e-3))) == base  # before: the base model only
    assert digest(replace(recipe, eval=replace(recipe.eval, workers=4))) == base  # how it runs, not what
    changed = load_recipe(_write(tmp_path, MINIMAL), ["eval.tasks.arithmetic.limit=5"])
    assert digest(replace(changed, out=str(out))) != base
    curate = stage_identity("curate", replace(recipe.curate, out="a", overwrite=True))
    assert curate == stage_identity("curate", recipe.curate)


def test_sky_t1_dry_run_plans_the_published_scale(capsys: pytest.CaptureFixture[str]) -> None:
    """`thinkforge run sky-t1 --dry-run`: Sky-T1's pools and ~17k rows (10k math + 5k code verified, the published
    16,401 trained), 3 epochs at global batch 96 on 8 processes, its evaluation tasks before and after."""
    from thinkforge.cli.main import main
    from thinkforge.pipeline.plan import plan_recipe

    plan = plan_recipe(replace(load_recipe("sky-t1"), out="runs/sky-t1"))
    curate, train, before, after = plan["stages"]
    assert [s["stage"] for s in plan["stages"]] == ["curate", "train", "eval-before", "eval-after"]
    assert curate["rows"] == 15_000 and {p["pool"] for p in curate["detail"]["pools"]} >= {"apps_test", "numina_math"}
    assert curate["detail"]["teacher"]["model"] == "Qwen/QwQ-32B-Preview" and "reformat" in curate["detail"]
    assert (train["examples"], train["epochs"], train["global_batch"]) == (16_401, 3, 96)
    assert train["steps"] == -(-16_401 * 3 // 96)
    assert set(before["tasks"]) == set(after["tasks"]) >= {"math500", "aime24", "livecodebench", "gpqa_diamond"}
    assert before["tasks"]["aime24"]["n"] == 8 and before["tasks"]["math500"]["max_tokens"] == 32_768
    assert plan["usd"] > 0 and plan["hours"] > 0
    assert main(["run", "sky-t1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "global batch 96" in out and "16,401" in out and "Sky-T1 reference" in out

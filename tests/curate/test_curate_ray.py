"""Curate on Ray: one ``ray`` section (as eval's) for the teacher's replicas and the grading actors; grading the
traces on Ray exports exactly what the local pool does."""

from __future__ import annotations

from pathlib import Path

import pytest
from _rewriter import EveryNthAltered
from _scripted import ScriptedBackend

from thinkforge.curate.config import CurateRayConfig, load_curate_config
from thinkforge.curate.stage import clean_pools, run_curate, teacher_config
from thinkforge.errors import ConfigError
from thinkforge.grading.stage import load_verdicts

RECIPE = """
name: ray-curate
pools:
  prealgebra:
    source: math_train
    filters: {level: ["2"], subject: [Prealgebra], limit: 4}
  gsm:
    source: gsm8k_train
    filters: {limit: 3}
teacher: {model: default, backend: hf, k: 2, max_tokens: 32}
select: {policy: all, max_per_problem: 2, balance: none}
export: {formats: [messages], name: ray_set}
"""


@pytest.mark.parametrize("ray, teacher_on_ray, grading_on_ray, cpus", [
    (CurateRayConfig(), False, False, 0.0),
    (CurateRayConfig(enabled=True), True, True, 4.0),
    (CurateRayConfig(enabled=True, replicas=0, grade_actors=3, cpus_per_grade_actor=0.5), False, True, 1.5),
    (CurateRayConfig(enabled=True, replicas=1, cpus_per_replica=2.0, grade_actors=0), True, False, 2.0),
])  # fmt: skip
def test_ray_section_splits_into_teacher_replicas_and_grading_actors(ray, teacher_on_ray, grading_on_ray, cpus):
    assert (ray.teacher().enabled, ray.grading().enabled, ray.cpus()) == (teacher_on_ray, grading_on_ray, cpus)
    assert ray.grading().actors == ray.grade_actors and ray.teacher().address == ray.address


def test_recipe_ray_keys_reach_the_teacher_and_bad_counts_are_clear_errors(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE)
    config = load_curate_config(path, ["ray.enabled=true", "ray.replicas=3", "ray.address=auto"])
    pool = config.pool_configs()[0]
    ray = teacher_config(config, pool, tmp_path / "sample").ray
    assert (ray.enabled, ray.replicas, ray.address) == (True, 3, "auto")
    with pytest.raises(ConfigError, match="ray.replicas and ray.grade_actors must be >= 0"):
        load_curate_config(path, ["ray.grade_actors=-1"])


def scripted_teacher(config) -> ScriptedBackend:
    cleaned, _ = clean_pools(config)
    texts = {}
    for problems in cleaned.values():
        for i, p in enumerate(problems):
            texts[p.id] = [f"so \\boxed{{{p.reference['answer']}}}" if i % 2 == 0 else "\\boxed{-7}",
                           f"The answer is {p.reference['answer']}." if i % 3 == 0 else "no idea"]
    return ScriptedBackend(texts)


@pytest.mark.slow
def test_curate_graded_on_ray_exports_what_the_local_pool_exports(tmp_path, ray_local):
    """Teacher traces and the rewrites' re-grade both on Ray grading actors: the same steps, rows and verdicts."""
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE)
    outputs = {}
    for name, overrides in (("local", []), ("ray", ["ray.enabled=true", "ray.replicas=0", "ray.grade_actors=2"])):
        config = load_curate_config(path, [f"out={tmp_path / name}", "reformat.enabled=true", "reformat.backend=hf",
                                           "reformat.model=default", *overrides])
        summary = run_curate(config, teacher=scripted_teacher(config), reformatter=EveryNthAltered(3))
        assert summary.errors == 0
        verdicts = {k: (v.status, v.extracted) for pool in ("prealgebra", "gsm")
                    for k, v in load_verdicts(tmp_path / name / "sample" / pool).items()}
        outputs[name] = (summary.steps, (tmp_path / name / "export" / "messages.jsonl").read_text(), verdicts)
    assert outputs["ray"] == outputs["local"]
    steps = dict(outputs["local"][0])
    assert steps["traces sampled"] == {"prealgebra": 8, "gsm": 6} and 0 < sum(steps["traces passed grading"].values()) < 14
    assert 0 < sum(steps["rewrites kept"].values()) < sum(steps["traces passed grading"].values())
    assert ray_local.is_initialized(), "curate shut down a Ray session it did not start"

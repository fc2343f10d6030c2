"""Problem pools: filters over task meta, and clear errors for unknown names, hub without network, empty pools."""

from __future__ import annotations

import pytest

from thinkforge.curate.pools import PoolConfig, PoolFilters, load_pool
from thinkforge.errors import ConfigError, ThinkforgeError


@pytest.mark.parametrize(
    ("source", "filters", "check"),
    [
        ("math500", PoolFilters(level=["5"]), lambda p: p.meta["level"] == 5),
        ("math_train", PoolFilters(level=["Level 2"], subject=["geometry"]),
         lambda p: p.meta["level"] == "Level 2" and p.meta["type"] == "Geometry"),
        ("math500", PoolFilters(subject=["Number Theory"]), lambda p: p.meta["subject"] == "Number Theory"),
        ("livecodebench", PoolFilters(difficulty=["HARD"]), lambda p: p.meta["difficulty"] == "hard"),
        ("apps", PoolFilters(difficulty=["interview"]), lambda p: p.meta["difficulty"] == "interview"),
        ("aime_1983_2023", PoolFilters(meta={"year": ["2020"]}), lambda p: str(p.meta["year"]) == "2020"),
    ],
)
def test_filters_read_task_meta(source: str, filters: PoolFilters, check) -> None:
    problems = load_pool(PoolConfig(name="p", source=source, filters=filters))
    assert problems and all(check(p) for p in problems)


def test_limit_ids_and_target() -> None:
    assert len(load_pool(PoolConfig(name="p", source="gsm8k_train", filters=PoolFilters(limit=7)))) == 7
    assert len(load_pool(PoolConfig(name="p", source="gsm8k_train", target=3))) == 3
    ids = ["gsm8k_train/5", "gsm8k_train/2"]
    picked = load_pool(PoolConfig(name="p", source="gsm8k_train", filters=PoolFilters(ids=ids)))
    assert [p.id for p in picked] == ["gsm8k_train/2", "gsm8k_train/5"]  # source order


def test_empty_pool_names_pool_and_filters() -> None:
    with pytest.raises(ThinkforgeError, match=r"pool hardmath \(math500\) is empty after filters \(level=\['9'\]\)"):
        load_pool(PoolConfig(name="hardmath", source="math500", filters=PoolFilters(level=["9"])))


def test_unknown_source_suggests_close_names() -> None:
    with pytest.raises(ThinkforgeError, match="pool p: unknown task 'math_trian'; did you mean math_train"):
        load_pool(PoolConfig(name="p", source="math_trian"))


def test_hub_without_network_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    spec = tmp_path / "numina.yaml"
    spec.write_text("name: nosuch_numina\ndomain: math\nfields: {prompt: problem, answer: solution}\n"
                    "answer_extract: boxed\nhub: {id: thinkforge-tests/no-such-dataset, split: train}\n")
    with pytest.raises(ThinkforgeError, match="pool numina: .*thinkforge-tests/no-such-dataset"):
        load_pool(PoolConfig(name="numina", source=str(spec), hub=True))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"source": "x"}, "needs a name"), ({"name": "p"}, "give a source"), ({"name": "p", "source": "x", "target": -1}, "target")],
)
def test_config_errors(kwargs, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PoolConfig(**kwargs)

"""``--dry-run``: the plan and cost from a recipe's numbers, offline; accelerate configs checked structurally."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from thinkforge.cli.main import main
from thinkforge.errors import ConfigError
from thinkforge.train import TrainConfig
from thinkforge.train.config import EstimateConfig, LaunchConfig, LoraConfig
from thinkforge.train.estimate import GPU_PEAK_FLOPS, KNOWN_PARAMS, make_plan
from thinkforge.train.launch import CONFIG_DIR, ENGINES, validate_accelerate_config

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "train-sky-t1-32b.yaml"


def test_the_sky_t1_recipe_dry_runs_offline_with_its_published_numbers(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["train", "--config", str(RECIPE), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "global batch     96 examples per step (8 processes)" in out
    assert "Qwen/Qwen2.5-32B-Instruct (32.76 B parameters)" in out
    assert "steps            513" in out  # ceil(16401 / 96) = 171 per epoch × 3
    assert "tokens           246,015,000" in out  # 16401 × 3 epochs × 5000
    assert "6 · N · tokens" in out and "MFU 10% (assumed)" in out
    assert "Sky-T1 reference 19 h × 8 H100 = 152 GPU-hours ≈ $450" in out
    assert "17.0 h on 8 × H100" in out  # the estimate lands near the published 19 h


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_shipped_accelerate_configs_pass_the_structural_check_and_the_dry_run(engine: str, capsys: pytest.CaptureFixture) -> None:
    validate_accelerate_config(CONFIG_DIR / ENGINES[engine], engine, "bfloat16")
    args = ["train", "--config", str(RECIPE), "--dry-run", "--engine", engine, "--num-processes", "16"]
    assert main(args) == 0
    assert "global batch     192 examples per step (16 processes)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("zero_stage: 3", "zero_stage: 2"), "needs deepspeed_config.zero_stage: 3, found 2"),
        (("offload_param_device: cpu", "offload_param_device: none"), "offload_param_device: 'cpu', found 'none'"),
        (("zero3_init_flag: true", "zero3_init_flagg: true"), "unknown key 'deepspeed_config.zero3_init_flagg'"),
        (("distributed_type: DEEPSPEED", "distributed_type: WARP"), "not a valid accelerate config"),
    ],
)
def test_a_broken_zero3_config_is_refused(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    path = tmp_path / "zero3.yaml"
    path.write_text((CONFIG_DIR / "zero3.yaml").read_text().replace(*edit))
    with pytest.raises(ConfigError, match=message):
        validate_accelerate_config(path, "zero3")


def test_the_dry_run_refuses_a_broken_accelerate_config_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "fsdp.yaml"
    path.write_text((CONFIG_DIR / "fsdp.yaml").read_text().replace("TRANSFORMER_BASED_WRAP", "NO_WRAP"))
    args = ["train", "--config", str(RECIPE), "--dry-run", "launch.engine=fsdp", f"launch.accelerate_config={path}"]
    assert main(args) == 2
    assert "fsdp_config.fsdp_auto_wrap_policy" in capsys.readouterr().err


def sky(**kw: object) -> TrainConfig:
    base = TrainConfig(
        model="Qwen/Qwen2.5-32B-Instruct", epochs=3, batch_size=1, grad_accum=12, max_length=16384,
        launch=LaunchConfig(num_processes=8), estimate=EstimateConfig(gpu_type="H100", mfu=0.1, usd_per_gpu_hour=2.96),
    )  # fmt: skip
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("config", "examples", "mean", "steps", "tokens", "factor"),
    [
        (sky(), 96, 1000, 3, 288_000, 6),
        (sky(), 97, 1000, 6, 291_000, 6),  # a partial last batch is a step
        (sky(max_steps=10), 96, 1000, 10, 960_000, 6),
        (sky(lora=LoraConfig(enabled=True)), 96, 1000, 3, 288_000, 4),
    ],
)
def test_plan_arithmetic(config: TrainConfig, examples: int, mean: int, steps: int, tokens: int, factor: int) -> None:
    plan = make_plan(config, train_examples=examples, mean_tokens=mean, measured=False)
    n = KNOWN_PARAMS["Qwen/Qwen2.5-32B-Instruct"]
    assert (plan.steps, plan.tokens, plan.global_batch) == (steps, tokens, 96)
    assert plan.flops == factor * n * tokens
    hours = plan.flops / (8 * GPU_PEAK_FLOPS["H100"] * 0.1) / 3600
    assert plan.hours == pytest.approx(hours) and plan.usd == pytest.approx(hours * 8 * 2.96)


def test_an_unknown_model_or_gpu_asks_for_the_number() -> None:
    with pytest.raises(ConfigError, match="estimate.params=N"):
        make_plan(sky(model="someone/unknown-7b"), train_examples=10, mean_tokens=10, measured=False)
    with pytest.raises(ConfigError, match="unknown GPU 'TPUv9'"):
        make_plan(sky(estimate=EstimateConfig(gpu_type="TPUv9")), train_examples=10, mean_tokens=10, measured=False)


def test_a_dry_run_on_real_data_measures_tokens(tmp_path: Path, traces: Path, tiny_dir: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["train", "--data", str(traces), "--model", str(tiny_dir), "--dry-run", "--batch-size", "2", "--eval-size", "4"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "train examples   20" in out and "steps            10" in out and "(assumed" not in out.split("train examples")[1].split("\n")[0]
    assert "mask checked on 20 examples" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lr=abc"], "config key 'lr' expects float"),
        (["lora.rank=4"], "unknown config key 'lora.rank'"),
        (["--batch-size", "0"], "config key 'batch_size' must be >= 1"),
        (["estimate.mfu=1.5"], "estimate.mfu"),
    ],
)
def test_bad_settings_are_one_clear_error(args: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "--config", str(RECIPE), "--dry-run", *args]) == 2
    assert message in capsys.readouterr().err

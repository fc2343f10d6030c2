"""The built-in tasks: one short spec each. Files are read in place from the data folder (SOURCES.md)."""

from __future__ import annotations

import difflib
from functools import partial
from pathlib import Path
from typing import Any

from thinkforge.defaults import TASKS
from thinkforge.errors import ThinkforgeError
from thinkforge.tasks import convert as cv
from thinkforge.tasks.arithmetic import DATA_DIR as ARITHMETIC_DIR
from thinkforge.tasks.spec import HubSource, TaskSpec

#: Sampling profiles (Sky-T1: greedy for MATH500 and LiveCodeBench, T=0.7 for AIME and GPQA, 32k tokens).
GREEDY: dict[str, Any] = {"temperature": 0.0, "top_p": 1.0, "max_tokens": TASKS.max_tokens, "n": 1}
SAMPLED: dict[str, Any] = {"temperature": TASKS.temperature, "top_p": TASKS.top_p, "max_tokens": TASKS.max_tokens, "n": TASKS.n_small_sampled}
GPQA_SAMPLING: dict[str, Any] = {**SAMPLED, "n": TASKS.n_gpqa}
#: Problem pools for curation: sampled like the QwQ teacher (T=0.7, 16k new tokens), one answer each.
POOL: dict[str, Any] = {"temperature": TASKS.temperature, "top_p": TASKS.top_p, "max_tokens": TASKS.pool_max_tokens, "n": 1}

_LCB_OPTIONS = {"difficulty": None, "platform": None, "version": None, "start_date": None, "end_date": None}


def _math(name: str, source: str, convert: cv.Converter, sampling: dict[str, Any], template: str = "math", **kw: Any) -> TaskSpec:
    return TaskSpec(name, "math", "math", source, template, sampling, convert, **kw)


def _code(name: str, source: str, convert: cv.Converter, template: str, sampling: dict[str, Any] = GREEDY, **kw: Any) -> TaskSpec:
    return TaskSpec(name, "code", "code", source, template, sampling, convert, **kw)


def _lcb(name: str, difficulty: str | None, description: str) -> TaskSpec:
    return _code(
        name, "livecodebench/release_v5_v6_new_problems_public_tests.jsonl", cv.livecodebench, "lcb_stdin",
        options={**_LCB_OPTIONS, "difficulty": difficulty}, description=description,
    )


BUILTIN: tuple[TaskSpec, ...] = (
    # ---- math benchmarks
    _math("math500", "math500/test.jsonl", partial(cv.math_answer, id_field="unique_id"), GREEDY,
          description="MATH-500 (PRM800K test split)", hub=HubSource("HuggingFaceH4/MATH-500", "test")),
    _math("math", "math/test.jsonl.gz", partial(cv.math_boxed, id_field="unique_id"), GREEDY, options={"skip_unanswered": False},
          description="full MATH test split; gold = last \\boxed{} of the solution"),
    _math("aime24", "aime24/test.jsonl", partial(cv.math_answer, id_field="id"), SAMPLED, template="aime",
          description="AIME 2024 I+II", hub=HubSource("HuggingFaceH4/aime_2024", "train")),
    _math("aime25", "aime25/test.jsonl", partial(cv.math_answer, id_field="id"), SAMPLED, template="aime",
          description="AIME 2025 I+II (ids 0-14 = I, 15-29 = II)"),
    _math("amc23", "amc23/test.jsonl", partial(cv.math_answer, id_field="id"), SAMPLED,
          description="AMC 2023 (float golds such as 27.0 become '27')"),
    _math("gsm8k", "gsm8k/test.jsonl", cv.gsm8k, GREEDY,
          description="GSM8K test; gold after '####'", hub=HubSource("openai/gsm8k", "test", "main")),
    _math("olympiadbench", "olympiadbench/test.jsonl", cv.olympiadbench, GREEDY,
          description="OlympiadBench OE_TO_maths_en_COMP (typed answers, units, multiple answers)",
          hub=HubSource("Hothan/OlympiadBench", "train", "OE_TO_maths_en_COMP")),
    _math("minerva_math", "minerva_math/test.jsonl", partial(cv.math_boxed, id_field="idx"), GREEDY, options={"skip_unanswered": False},
          description="Minerva OCW courses; gold = last \\boxed{} of the solution"),
    _math("arithmetic", str(ARITHMETIC_DIR / "arithmetic_test.jsonl"), partial(cv.math_answer, id_field="id"), GREEDY,
          absolute=True, description="generated arithmetic, 200 held-out problems (synthetic; disjoint from arithmetic_train)"),
    # ---- multiple choice
    TaskSpec("gpqa_diamond", "mcq", "choice", "gpqa_diamond/gpqa_diamond.csv", "choice", GPQA_SAMPLING, cv.gpqa,
             options={"seed": TASKS.shuffle_seed, "shuffle": "per_problem", "samples": 1},
             description="GPQA Diamond; options shuffled by a recorded seed",
             hub=HubSource("Idavidrein/gpqa", "train", "gpqa_diamond")),
    TaskSpec("arc_challenge", "mcq", "choice", "arc_challenge/test.jsonl", "choice", GREEDY, cv.arc,
             description="ARC-Challenge test", hub=HubSource("allenai/ai2_arc", "test", "ARC-Challenge")),
    TaskSpec("mmlu_pro", "mcq", "choice", "mmlu_pro/sample300_test.jsonl", "choice", GREEDY, cv.mmlu_pro,
             description="MMLU-Pro, 300-question sample (options A-J)", hub=HubSource("TIGER-Lab/MMLU-Pro", "test")),
    # ---- code
    _code("humaneval", "humaneval/HumanEval.jsonl.gz", cv.humaneval, "humaneval",
          description="HumanEval (assertion program + entry point)", hub=HubSource("openai/openai_humaneval", "test")),
    _code("mbpp", "mbpp/mbpp.jsonl", cv.mbpp, "mbpp", options={"split": "test"},
          description="MBPP standard test split (task_id 11-510)",
          hub=HubSource("google-research-datasets/mbpp", "test", "full")),
    _lcb("livecodebench", None, "LiveCodeBench v5+v6 new problems, public tests (AtCoder stdin, LeetCode functional)"),
    _lcb("livecodebench_easy", "easy", "LiveCodeBench, easy subset"),
    _lcb("livecodebench_medium", "medium", "LiveCodeBench, medium subset"),
    _lcb("livecodebench_hard", "hard", "LiveCodeBench, hard subset"),
    _code("code_contests", "code_contests/test_rllm.json", cv.code_contests, "lcb_stdin",
          description="CodeContests test problems with stdin tests"),
    _code("leetcode", "leetcode/test_rllm.json", cv.leetcode, "plain",
          description="LeetCode problems with check(candidate) programs"),
    _code("apps", "apps/train_sample_coderl.jsonl", cv.apps, "apps_stdin", sampling=POOL,
          description="APPS sample (stdin and call-based), Sky-T1 curation prompt"),
    # ---- training pools (problem sources for curation)
    _math("gsm8k_train", "gsm8k/train.jsonl", cv.gsm8k, POOL, description="GSM8K train (pool)",
          hub=HubSource("openai/gsm8k", "train", "main")),
    _math("math_train", "math/train.jsonl.gz", partial(cv.math_boxed, id_field="unique_id"), POOL,
          options={"skip_unanswered": True}, description="MATH train (pool; the 1 solution with an empty \\boxed{} is skipped)"),
    _math("arithmetic_train", str(ARITHMETIC_DIR / "arithmetic_train.jsonl"), partial(cv.math_answer, id_field="id"),
          POOL, absolute=True, description="generated arithmetic, 2505 problems (synthetic pool; the demo's teacher pool)"),
    _math("aime_1983_2023", "aime_1983_2023/train_rllm.json",
          partial(cv.math_answer, id_field="year/aime_number/problem_number"), POOL, template="aime",
          description="AIME 1983-2023 (pool; no overlap with aime24/aime25)"),
)

_BY_NAME: dict[str, TaskSpec] = {spec.name: spec for spec in BUILTIN}
_USER: dict[str, TaskSpec] = {}


def register(spec: TaskSpec, *, replace: bool = False) -> TaskSpec:
    """Add a task (e.g. a user task) so :func:`get_task` finds it by name for the rest of the process."""
    if spec.name in _BY_NAME or (spec.name in _USER and not replace):
        raise ThinkforgeError(f"a task named {spec.name!r} already exists; choose another name")
    _USER[spec.name] = spec
    return spec


def list_tasks() -> list[TaskSpec]:
    """Every registered task: the built-ins in registry order, then tasks added with :func:`register`."""
    return [*BUILTIN, *_USER.values()]


def get_task(name: str) -> TaskSpec:
    """The task called ``name``, or a user task read from a YAML spec file at path ``name``."""
    spec = _BY_NAME.get(name) or _USER.get(name)
    if spec is not None:
        return spec
    if name.endswith((".yaml", ".yml")) or Path(name).is_file():
        from thinkforge.tasks.user import task_from_yaml

        return task_from_yaml(name)
    names = [s.name for s in list_tasks()]
    close = difflib.get_close_matches(name, names, n=3, cutoff=TASKS.name_match_cutoff)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ThinkforgeError(f"unknown task '{name}'{hint} (run 'thinkforge tasks list' for all {len(names)} tasks)")

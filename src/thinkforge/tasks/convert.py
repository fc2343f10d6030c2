"""Row → :class:`Problem` converters, one small function per source layout, shared by all task specs.

Each converter takes a :class:`~thinkforge.tasks.io.Row` and a :class:`Context` (task name, template,
options) and returns a problem, several problems, or ``None`` (row filtered out by an option).
References follow docs/records.md exactly.
"""

from __future__ import annotations

import ast
import json
import logging
import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, Union

from thinkforge.errors import ThinkforgeError
from thinkforge.records import Problem
from thinkforge.tasks.io import Row
from thinkforge.tasks.prompts import fill_template, hash_template

log = logging.getLogger(__name__)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Context:
    """What a converter needs besides the row: the task name, its prompt template and load options."""

    task: str
    domain: str
    template: str
    options: Mapping[str, Any] = field(default_factory=dict)
    #: Index of the row in its source (0-based), for ids of sources without an id field.
    index: int = 0


Converted = Union[Problem, list[Problem], None]
Converter = Callable[[Row, Context], Converted]


# ---------------------------------------------------------------- helpers


def get(row: Row, name: str) -> Any:
    """The value of field ``name`` (dots walk into nested objects); a clear error names file:line if absent."""
    value: Any = row.data
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            known = ", ".join(map(str, row.data)) or "none"
            raise row.error(f"missing field '{name}' (the record has: {known})", field=name)
        value = value[part]
    return value


def text_of(row: Row, name: str) -> str:
    """A field that must be a non-empty string."""
    value = get(row, name)
    if not isinstance(value, str) or not value.strip():
        raise row.error(f"expected non-empty text, got {type(value).__name__} {str(value)[:40]!r}", field=name)
    return value


def answer_text(value: Any) -> str:
    """A gold answer as text: ``27.0`` → ``"27"``, ``70`` → ``"70"``, ``"\\frac12"`` unchanged."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` (or ``\\fbox{...}``) in ``text``, braces balanced."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    i = start + (len("\\boxed") if text.startswith("\\boxed", start) else len("\\fbox"))
    while i < len(text) and text[i] == " ":
        i += 1
    if i < len(text) and text[i] != "{":  # "\boxed 5" form: up to the next space or dollar
        match = re.match(r"[^\s$]+", text[i:])
        return match.group(0) if match else None
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j].strip()
    return None


def strip_dollars(text: str) -> str:
    """Remove unescaped ``$`` math delimiters (``"$(2,4)$"`` → ``"(2,4)"``)."""
    return re.sub(r"(?<!\\)\$", "", text).strip()


def make_problem(
    ctx: Context,
    local_id: str,
    body: str,
    reference: dict[str, Any],
    meta: dict[str, Any],
    *,
    template: str | None = None,
    values: Mapping[str, str] | None = None,
) -> Problem:
    """Build a problem: id ``<task>/<local_id>``, prompt = the template filled with ``body``."""
    chosen = ctx.options.get("template") or template or ctx.template
    prompt = fill_template(chosen, {"problem": body, **(values or {})})
    meta = {**meta, "template": chosen if len(chosen) <= 40 else "custom", "template_hash": hash_template(chosen)}
    return Problem(
        id=f"{ctx.task}/{local_id}", task=ctx.task, domain=ctx.domain,  # type: ignore[arg-type]
        prompt=prompt, reference=reference, meta=meta,
    )


# ---------------------------------------------------------------- math


def math_boxed(row: Row, ctx: Context, *, id_field: str | None, problem_field: str = "problem") -> Problem | None:
    """MATH / Minerva layout: the gold is the last ``\\boxed{}`` of ``solution``.

    A solution without a usable gold is an error, or (option ``skip_unanswered``, on for training pools)
    skipped with a warning: an empty gold must never be compared with an empty extraction.
    """
    solution = text_of(row, "solution")
    gold = last_boxed(solution)
    if not gold:
        if ctx.options.get("skip_unanswered"):
            log.debug("%s: skipped: the solution has no non-empty \\boxed{} answer", row.where)
            return None
        raise row.error("the solution has no \\boxed{} answer", field="solution")
    local_id = str(get(row, id_field)) if id_field else str(ctx.index)
    meta = {k: row.data[k] for k in ("level", "type", "subject") if k in row.data}
    meta.update(question=text_of(row, problem_field), solution=solution)
    return make_problem(ctx, local_id, text_of(row, problem_field), {"answer": gold}, meta)


def math_answer(row: Row, ctx: Context, *, id_field: str | None, problem_field: str = "problem") -> Problem:
    """Layouts with an ``answer`` field (MATH-500, AIME, AMC, the AIME 1983–2023 pool)."""
    gold = answer_text(get(row, "answer"))
    if not gold:
        raise row.error("empty answer", field="answer")
    if id_field is None:
        local_id = str(ctx.index)
    elif id_field == "year/aime_number/problem_number":
        local_id = "/".join(str(get(row, f)) for f in id_field.split("/"))
    else:
        local_id = str(get(row, id_field))
    keep = ("solution", "subject", "level", "url", "year", "difficulty")
    meta = {k: row.data[k] for k in keep if row.data.get(k) not in (None, "")}
    meta["question"] = text_of(row, problem_field)
    return make_problem(ctx, local_id, meta["question"], {"answer": gold}, meta)


def gsm8k(row: Row, ctx: Context) -> Problem:
    """GSM8K: the gold follows ``####`` in the worked answer; thousands separators are removed."""
    worked = text_of(row, "answer")
    if "####" not in worked:
        raise row.error("answer has no '#### <number>' line", field="answer")
    gold = worked.rsplit("####", 1)[1].strip().replace(",", "")
    reference = {"answer": gold, "options": {"fallback": "last_number"}}
    question = text_of(row, "question")
    return make_problem(ctx, str(ctx.index), question, reference, {"question": question, "solution": worked})


def olympiadbench(row: Row, ctx: Context) -> Problem:
    """OlympiadBench OE maths: typed answers (numerical/expression/tuple/interval), several answers, units."""
    finals = get(row, "final_answer")
    if isinstance(finals, str):
        finals = ast.literal_eval(finals)
    if not isinstance(finals, list) or not finals:
        raise row.error("expected a non-empty list of final answers", field="final_answer")
    multiple = get(row, "is_multiple_answer")
    multiple = multiple if isinstance(multiple, bool) else str(multiple) == "True"
    reference: dict[str, Any] = {
        "answer": ",".join(strip_dollars(str(a)) for a in finals),
        "answer_type": str(get(row, "answer_type")).lower(),
        "multiple": multiple,
    }
    unit = row.data.get("unit")
    if unit not in (None, "", "None"):
        reference["unit"] = strip_dollars(str(unit))
    question = text_of(row, "question")
    context = row.data.get("context")
    body = f"{context}\n{question}" if context not in (None, "", "None") else question
    solution = row.data.get("solution")
    meta = {"question": body, "subfield": row.data.get("subfield"), "solution": solution}
    return make_problem(ctx, str(get(row, "id")), body, reference, meta)


# ---------------------------------------------------------------- multiple choice


def options_block(choices: Sequence[str]) -> str:
    """``A) first\\nB) second ...`` (the SkyThought GPQA layout)."""
    return "\n".join(f"{LETTERS[i]}) {c}" for i, c in enumerate(choices))


def letter_list(letters: str) -> str:
    """``"ABCD"`` → ``"A, B, C, or D"``."""
    if len(letters) <= 2:
        return " or ".join(letters)
    return ", ".join(letters[:-1]) + ", or " + letters[-1]


def mcq_problem(ctx: Context, local_id: str, question: str, choices: list[str], correct: int, meta: dict[str, Any]) -> Problem:
    """A multiple-choice problem with options in display order and the correct letter."""
    letters = LETTERS[: len(choices)]
    reference = {"choices": choices, "answer": letters[correct], "letters": letters}
    body = f"{question}\n{options_block(choices)}"
    return make_problem(ctx, local_id, body, reference, {"question": question, **meta}, values={"letters": letter_list(letters)})


def permutation(seed: int, key: str, n: int) -> list[int]:
    """A shuffle of ``range(n)`` fixed by ``(seed, key)``: independent of row order and Python's hash seed."""
    order = list(range(n))
    random.Random(f"{seed}:{key}").shuffle(order)
    return order


def gpqa(row: Row, ctx: Context) -> Converted:
    """GPQA (original CSV): the correct and three incorrect answers, shuffled by a recorded seed.

    ``shuffle``: ``per_problem`` (default; one permutation per question), ``per_sample`` (``samples``
    variants per question, ids ``…#<k>`` and ``meta["group"]`` = the question's id; generate n=1 each),
    or ``none`` (correct answer first: only for debugging).
    """
    question = text_of(row, "Question").strip()
    pool = [text_of(row, "Correct Answer").strip()] + [text_of(row, f"Incorrect Answer {i}").strip() for i in (1, 2, 3)]
    record_id = str(get(row, "Record ID"))
    seed = int(ctx.options.get("seed", 0))
    mode = ctx.options.get("shuffle", "per_problem")
    meta = {"domain": row.data.get("High-level domain"), "subdomain": row.data.get("Subdomain"), "seed": seed, "shuffle": mode}

    def variant(local_id: str, key: str) -> Problem:
        order = list(range(4)) if mode == "none" else permutation(seed, key, 4)
        return mcq_problem(ctx, local_id, question, [pool[i] for i in order], order.index(0), {**meta, "permutation": order})

    if mode in ("per_problem", "none"):
        return variant(record_id, record_id)
    if mode == "per_sample":
        samples = int(ctx.options.get("samples", 1))
        group = f"{ctx.task}/{record_id}"
        return [
            _with_meta(variant(f"{record_id}#{k}", f"{record_id}#{k}"), group=group, sample=k) for k in range(samples)
        ]
    raise ThinkforgeError(f"gpqa option shuffle must be per_problem, per_sample or none, got {mode!r}")


def _with_meta(problem: Problem, **extra: Any) -> Problem:
    return Problem(problem.id, problem.task, problem.domain, problem.prompt, problem.reference, problem.messages, {**problem.meta, **extra})


def arc(row: Row, ctx: Context) -> Problem:
    """ARC (HF ``ai2_arc`` layout): ``choices {text, label}``, ``answerKey`` a label (A–E or 1–5)."""
    texts = list(get(row, "choices.text"))
    labels = [str(x) for x in get(row, "choices.label")]
    key = str(get(row, "answerKey"))
    if key not in labels:
        raise row.error(f"answerKey {key!r} is not one of the labels {labels}", field="answerKey")
    question = text_of(row, "question")
    return mcq_problem(ctx, str(get(row, "id")), question, texts, labels.index(key), {"labels": labels})


_MMLU_OPTION = re.compile(r"^([A-J])\. (.*)$")


def mmlu_pro(row: Row, ctx: Context) -> Problem:
    """MMLU-Pro: options as a list (hub layout) or inline after ``Options are:`` (the 300 sample)."""
    raw = text_of(row, "question")
    if isinstance(row.data.get("options"), list):
        question, choices = raw.strip(), [str(c) for c in row.data["options"]]
    else:
        if "Options are:" not in raw:
            raise row.error("question has no 'Options are:' list", field="question")
        question, tail = raw.split("Options are:", 1)
        question, choices = question.strip(), []
        for line in tail.strip().split("\n"):
            match = _MMLU_OPTION.match(line.strip())
            if match and LETTERS[len(choices)] == match.group(1):
                choices.append(match.group(2).strip())
            elif choices:  # an option running over several lines
                choices[-1] += "\n" + line.rstrip()
    answer = str(get(row, "answer")).strip()
    if answer not in LETTERS[: len(choices)]:
        raise row.error(f"answer {answer!r} is not a letter of the {len(choices)} options", field="answer")
    local_id = str(row.data.get("question_id", ctx.index))
    meta = {"category": row.data["category"]} if "category" in row.data else {}
    return mcq_problem(ctx, local_id, question, choices, LETTERS.index(answer), meta)


# ---------------------------------------------------------------- code


def _prompt_prefix(prompt_code: str, entry_point: str) -> str:
    """The part of a HumanEval prompt before ``def <entry_point>``: its imports and helper functions."""
    match = re.search(rf"^def {re.escape(entry_point)}\s*\(", prompt_code, flags=re.MULTILINE)
    head = prompt_code[: match.start()] if match else ""
    return head.strip() + "\n" if head.strip() else ""


def humaneval(row: Row, ctx: Context) -> Problem:
    """HumanEval: write the complete function; graded by ``check(entry_point)``."""
    prompt_code = text_of(row, "prompt")
    entry_point = text_of(row, "entry_point")
    reference = {
        "style": "assertion",
        "test_program": text_of(row, "test") + f"\ncheck({entry_point})\n",
        "prefix": _prompt_prefix(prompt_code, entry_point),
        "entry_point": entry_point,
    }
    meta = {"prompt_code": prompt_code, "canonical_solution": str(get(row, "canonical_solution"))}
    return make_problem(ctx, text_of(row, "task_id"), prompt_code, reference, meta)


#: MBPP splits by task_id (google-research mbpp README): 1–10 few-shot prompts, 11–510 test, 511–600
#: validation, 601–974 train.
MBPP_SPLITS: dict[str, tuple[int, int]] = {"prompt": (1, 10), "test": (11, 510), "validation": (511, 600), "train": (601, 974)}


def mbpp(row: Row, ctx: Context) -> Problem | None:
    """MBPP: the description plus its three asserts; graded by setup code + each assert as its own test."""
    task_id = int(get(row, "task_id"))
    split = ctx.options.get("split", "test")
    if split != "all":
        if split not in MBPP_SPLITS:
            raise ThinkforgeError(f"mbpp split must be one of {', '.join(MBPP_SPLITS)} or all, got {split!r}")
        low, high = MBPP_SPLITS[split]
        if not low <= task_id <= high:
            return None
    tests = get(row, "test_list")
    tests = ast.literal_eval(tests) if isinstance(tests, str) else list(tests)
    setup = str(row.data.get("test_setup_code") or "")
    code = str(get(row, "code"))
    called = re.search(r"assert\s+(?:not\s+)?\(?\s*(?:set\(|sorted\(|math\.isclose\()?\s*(\w+)\s*\(", tests[0]) if tests else None
    # one test per assert (a verdict reports which of the three failed); the setup code runs once before them
    reference: dict[str, Any] = {"style": "assertion", "tests": [t.strip() for t in tests]}
    if setup.strip():
        reference["test_setup"] = setup
    if called:
        reference["entry_point"] = called.group(1)
    meta = {"question": text_of(row, "text"), "reference_solution": code, "challenge_test_list": list(row.data.get("challenge_test_list") or [])}
    return make_problem(ctx, str(task_id), meta["question"], reference, meta, values={"tests": "\n".join(tests)})


def _json_field(row: Row, name: str) -> Any:
    value = get(row, name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise row.error(f"not valid JSON: {exc.msg}", field=name) from None
    return value


def livecodebench(row: Row, ctx: Context) -> Problem | None:
    """LiveCodeBench: AtCoder stdin problems and LeetCode functional problems (``Solution().func_name``).

    Options: ``difficulty`` (easy/medium/hard), ``platform``, ``version`` (v5/v6), ``start_date`` and
    ``end_date`` (inclusive ISO dates on ``contest_date``).
    """
    opts = ctx.options
    date = str(get(row, "contest_date"))[:10]
    difficulty = str(get(row, "difficulty"))
    platform = str(get(row, "platform"))
    if opts.get("difficulty") and difficulty != opts["difficulty"]:
        return None
    if opts.get("platform") and platform != opts["platform"]:
        return None
    if opts.get("version") and row.data.get("_version") != opts["version"]:
        return None
    if opts.get("start_date") and date < str(opts["start_date"]):
        return None
    if opts.get("end_date") and date > str(opts["end_date"]):
        return None
    cases = _json_field(row, "public_test_cases")
    metadata = _json_field(row, "metadata") or {}
    starter = str(row.data.get("starter_code") or "")
    question = text_of(row, "question_content")
    meta = {
        "question": question, "title": row.data.get("question_title"), "platform": platform,
        "contest_id": row.data.get("contest_id"), "contest_date": date, "difficulty": difficulty,
        "version": row.data.get("_version"), "starter_code": starter,
    }
    if cases and all(c.get("testtype") == "functional" for c in cases):
        if "func_name" not in metadata:
            raise row.error("functional problem without func_name in metadata", field="metadata")
        tests = []
        for i, case in enumerate(cases):
            try:
                args = [json.loads(line) for line in case["input"].split("\n") if line.strip()]
                expected = json.loads(case["output"])
            except json.JSONDecodeError as exc:
                raise row.error(f"test {i}: not valid JSON ({exc.msg})", field="public_test_cases") from None
            tests.append({"args": args, "expected": expected})
        class_name = "Solution" if "class Solution" in starter or platform == "leetcode" else None
        reference = {"style": "functional", "func_name": metadata["func_name"], "class_name": class_name, "tests": tests}
        body, template = f"{question}\n{starter}" if starter else question, "lcb_functional"
    else:
        reference = {"style": "stdin", "tests": [{"input": c["input"], "output": c["output"]} for c in cases]}
        body, template = question, "lcb_stdin"
    return make_problem(ctx, str(get(row, "question_id")), body, reference, meta, template=template)


def _literal(row: Row, name: str) -> Any:
    """A field holding a Python literal as a string (or already parsed)."""
    value = get(row, name)
    if isinstance(value, str):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError) as exc:
            raise row.error(f"not a Python literal: {exc}", field=name) from None
    return value


def _joined(value: Any) -> str:
    return "\n".join(map(str, value)) + "\n" if isinstance(value, list) else str(value)


def code_contests(row: Row, ctx: Context) -> Problem:
    """CodeContests (rLLM copy): stdin tests ``{'inputs': [...], 'outputs': [...]}``."""
    tests = _literal(row, "tests")
    inputs, outputs = tests.get("inputs"), tests.get("outputs")
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise row.error("tests need equally long 'inputs' and 'outputs' lists", field="tests")
    question = text_of(row, "problem").strip()
    reference = {"style": "stdin", "tests": [{"input": _joined(i), "output": _joined(o)} for i, o in zip(inputs, outputs)]}
    return make_problem(ctx, str(ctx.index), question, reference, {"question": question})


#: What LeetCode's Python 3 environment provides without imports (the same module list LiveCodeBench
#: prepends); ``sortedcontainers`` is also available there, but only if installed in the judge's Python.
_PRELUDE_MODULES = (
    "string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random", "statistics",
    "itertools", "functools", "operator", "typing",
    "builtins",  # last: restores pow, compile, ... that math/re star imports shadow
)
LEETCODE_PRELUDE = (
    "".join(f"from {m} import *\n" for m in _PRELUDE_MODULES)
    + "import " + ", ".join(_PRELUDE_MODULES) + "\n"
    + "try:\n    from sortedcontainers import SortedList, SortedDict, SortedSet\nexcept ImportError:\n    pass\n"
)


def leetcode(row: Row, ctx: Context) -> Problem:
    """LeetCode (rLLM copy): a ``check(candidate)`` program ending in ``check(Solution().method)``."""
    tests = _literal(row, "tests")
    program = tests.get("functional") if isinstance(tests, Mapping) else None
    if not isinstance(program, str) or "def check" not in program:
        raise row.error("tests has no 'functional' check program", field="tests")
    called = re.search(r"check\(Solution\(\)\.(\w+)\)", program)
    reference = {"style": "assertion", "test_program": program.rstrip() + "\n", "prefix": LEETCODE_PRELUDE, "entry_point": "Solution"}
    question = text_of(row, "problem")
    meta = {"question": question, "reference_solution": str(row.data.get("solutions") or ""), "func_name": called.group(1) if called else None}
    return make_problem(ctx, str(ctx.index), question, reference, meta)


def apps(row: Row, ctx: Context) -> Problem:
    """APPS (HF ``codeparrot/apps`` layout): stdin problems and call-based ones (``fn_name``)."""
    io_spec = _json_field(row, "input_output")
    inputs, outputs = io_spec.get("inputs", []), io_spec.get("outputs", [])
    if len(inputs) != len(outputs):
        raise row.error("input_output has different numbers of inputs and outputs", field="input_output")
    solutions = _json_field(row, "solutions") if row.data.get("solutions") else []
    starter = str(row.data.get("starter_code") or "")
    question = text_of(row, "question")
    meta: dict[str, Any] = {
        "question": question, "difficulty": row.data.get("difficulty"), "url": row.data.get("url"),
        "starter_code": starter, "reference_solution": solutions[0] if solutions else None, "n_solutions": len(solutions),
    }
    body = question + "\n" + starter  # the Sky-T1 curation prompt appends the (possibly empty) starter code
    reference, template = apps_reference(io_spec, starter)
    if reference["style"] == "functional":
        meta["outputs_unwrapped"] = reference.pop("outputs_unwrapped")
    return make_problem(ctx, str(get(row, "problem_id")), body, reference, meta, template=template)


def apps_reference(io_spec: Mapping[str, Any], starter: str = "") -> tuple[dict[str, Any], str]:
    """The reference and Sky-T1 prompt template of an APPS/TACO ``input_output`` object: call-based when it names
    ``fn_name`` (functional tests; ``outputs_unwrapped`` says whether APPS's one-element output lists were
    unwrapped), else stdin."""
    inputs, outputs = io_spec.get("inputs", []), io_spec.get("outputs", [])
    if io_spec.get("fn_name"):
        # APPS wraps call-based outputs in a one-element list when the whole column is wrapped; unwrap then.
        wrapped = all(isinstance(o, list) and len(o) == 1 for o in outputs)
        tests = [{"args": list(a) if isinstance(a, list) else [a], "expected": o[0] if wrapped else o} for a, o in zip(inputs, outputs)]
        class_name = "Solution" if "class Solution" in starter else None
        return {"style": "functional", "func_name": io_spec["fn_name"], "class_name": class_name, "tests": tests,
                "outputs_unwrapped": wrapped}, "apps_functional"
    return {"style": "stdin", "tests": [{"input": _joined(i), "output": _joined(o)} for i, o in zip(inputs, outputs)]}, "apps_stdin"

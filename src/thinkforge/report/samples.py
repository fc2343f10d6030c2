"""The sample browser's data: one compact JSON blob of every sample, safe to embed in a ``<script>`` element."""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, Sequence

from thinkforge.defaults import REPORT, ReportDefaults
from thinkforge.records import Problem, Sample, Verdict
from thinkforge.report.load import RunData

#: Thought markers (open, close): DeepSeek/Qwen style and Sky-T1's (NovaSky) style.
_THOUGHT_MARKERS = (("<think>", "</think>"), ("<|begin_of_thought|>", "<|end_of_thought|>"))
#: Characters that must not appear literally inside a ``<script>`` element (U+2028/9 go with ``ensure_ascii``).
_SCRIPT_UNSAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))
_SOLUTION_MARKERS = re.compile(r"<\|(?:begin|end)_of_solution\|>")
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that orders ``gsm8k/9`` before ``gsm8k/10``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(text) if part)


def split_thinking(text: str, reasoning: str | None = None) -> tuple[str, str]:
    """``(thinking, answer)`` of a response: the separate reasoning field, else the text's thought section."""
    if reasoning:
        return reasoning.strip(), text.strip()
    for opening, closing in _THOUGHT_MARKERS:
        start = text.find(opening)
        if start < 0:
            continue
        body = start + len(opening)
        end = text.find(closing, body)
        if end < 0:
            return text[body:].strip(), text[:start].strip()
        answer = text[:start] + text[end + len(closing) :]
        return text[body:end].strip(), _SOLUTION_MARKERS.sub("", answer).strip()
    return "", text.strip()


def clip(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, keeping its head and tail and saying how much was left out."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    return f"{text[:head]}\n\n[… {len(text) - limit:,} characters left out of the report …]\n\n{text[-tail:]}"


def gold_text(problem: Problem) -> str:
    """What a reader should compare the answer with: the answer, the correct choice, or the tests' shape."""
    ref = problem.reference
    if problem.domain == "mcq":
        letters = str(ref.get("letters") or "ABCDEFGHIJ")
        answer = str(ref.get("answer", ""))
        choices = ref.get("choices") or []
        index = letters.find(answer) if answer else -1
        choice = f": {choices[index]}" if 0 <= index < len(choices) else ""
        return f"{answer}{choice}"
    if problem.domain == "code":
        tests = ref.get("tests")
        count = f"{len(tests)} tests" if isinstance(tests, list) else "test program"
        return f"{ref.get('style', 'code')} · {count}"
    return str(ref.get("answer", ""))


def failing_test(verdict: Verdict, limit: int) -> str:
    """The first failing test of a code verdict and its error, as plain text ('' when none)."""
    detail = verdict.detail or {}
    if verdict.passed or not detail:
        return ""
    if detail.get("error") and not detail.get("tests"):
        return clip(f"{verdict.status}:\n{detail['error']}", limit)
    for test in detail.get("tests") or []:
        if isinstance(test, dict) and test.get("status") != "pass":
            lines = [f"test #{test.get('index', '?')}: {test.get('status', '?')}"]
            for key in ("error", "got", "output", "stdout", "stderr"):
                if test.get(key):
                    lines.append(f"{key}:\n{test[key]}")
            return clip("\n".join(lines), limit)
    if detail.get("reason"):
        return f"{verdict.status}: {detail['reason']}"
    return ""


def sample_row(run: int, task: str, sample: Sample, verdict: Verdict | None, opts: ReportDefaults) -> dict[str, Any]:
    """One sample as the browser needs it (short keys keep 10,000 samples small)."""
    thinking, answer = split_thinking(sample.text, sample.reasoning)
    return {
        "r": run,
        "t": task,
        "p": sample.problem_id,
        "i": sample.index,
        "s": verdict.status if verdict else "ungraded",
        "ok": verdict.passed if verdict else None,
        "x": clip(verdict.extracted, opts.max_text_chars) if verdict and verdict.extracted else "",
        "ct": sample.completion_tokens,
        "fr": sample.finish_reason or "",
        "th": clip(thinking, opts.max_text_chars),
        "a": clip(answer, opts.max_text_chars),
        "f": failing_test(verdict, opts.max_detail_chars) if verdict else "",
    }


def browser_data(runs: Sequence[RunData], opts: ReportDefaults = REPORT) -> dict[str, Any]:
    """Every sample of every run plus each problem once (``problems[task][id]``: prompt and gold)."""
    rows: list[dict[str, Any]] = []
    problems: dict[str, dict[str, dict[str, str]]] = {}
    for r, run in enumerate(runs):
        for name, task in run.tasks.items():
            known = problems.setdefault(name, {})
            for sample in sorted(task.samples, key=lambda s: (natural_key(s.problem_id), s.index)):
                rows.append(sample_row(r, name, sample, task.verdicts.get(sample.key), opts))
                problem = task.problems.get(sample.problem_id)
                if problem is not None and sample.problem_id not in known:
                    known[sample.problem_id] = {"q": clip(problem.prompt, opts.max_text_chars), "g": gold_text(problem)}
    return {"runs": [run.label for run in runs], "samples": rows, "problems": problems}


def script_json(data: Mapping[str, Any]) -> str:
    """JSON for a ``<script type="application/json">`` element: no ``<``, ``>``, ``&``, U+2028/9 left literal."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    for char, escaped in _SCRIPT_UNSAFE:
        text = text.replace(char, escaped)
    return text

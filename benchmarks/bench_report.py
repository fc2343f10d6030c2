"""Report speed at 10,000 samples: time to write the HTML, and time until it is interactive in headless Chromium.

Builds a synthetic eval run (real problems of gsm8k, math500 and humaneval; synthetic responses with thinking,
graded verdicts and a results.json), then

1. ``write_report`` wall time (load runs + problems, charts, page) — target ≤ 5 s;
2. in headless Chromium from ``file://``: navigation start → the browser script's ready mark (data parsed, first
   rows drawn), and the time a status filter and a text search take over all samples — target ≤ 2 s.

Each figure is printed with its ratio to the target (the named baseline); < 1.00 meets it. On a shared machine
wall time depends on what else runs, so the CPU time of the work is printed beside it: the Python process's CPU
seconds for writing, and the renderer's main-thread busy time (Chrome's ``TaskDuration`` metric) for the page.

    .venv/bin/python benchmarks/bench_report.py [--samples 10000] [--chars 2000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from thinkforge.records import Sample, Verdict
from thinkforge.report import write_report
from thinkforge.runs import RunStore
from thinkforge.tasks import get_task

#: (task, domain, share of the samples): 500 + 500 + 162 + 88 problems × 8 samples = 10,000 at the default size.
TASKS = (("gsm8k", "math", 0.4), ("math500", "math", 0.4), ("humaneval", "code", 0.13), ("gpqa_diamond", "mcq", 0.07))
WRITE_TARGET_S = 5.0
INTERACTIVE_TARGET_S = 2.0
WORDS = "so the sum of both sides gives us a factor we then check each case carefully and".split()


def _text(rng: random.Random, chars: int) -> str:
    words = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(rng.choice(WORDS))
    return " ".join(words)


#: Completion-token ranges by status (a truncated sample hits the limit).
TOKENS = {"pass": (300, 2500), "wrong": (800, 4000), "no_answer": (200, 1500), "truncated": (4096, 4096)}


def _tokens(samples: list[Sample], verdicts: list[Verdict]) -> dict[str, Any]:
    lengths = sorted(s.completion_tokens or 0 for s in samples)
    right = [s.completion_tokens or 0 for s, v in zip(samples, verdicts) if v.passed]
    wrong = [s.completion_tokens or 0 for s, v in zip(samples, verdicts) if not v.passed]
    return {"mean_completion": sum(lengths) / len(lengths), "median_completion": lengths[len(lengths) // 2],
            "truncated_share": sum(s.finish_reason == "length" for s in samples) / len(samples),
            "mean_correct": sum(right) / max(len(right), 1), "mean_wrong": sum(wrong) / max(len(wrong), 1),
            "prompt_total": 200 * len(samples), "completion_total": sum(lengths)}


def _pass_at(per_problem: dict[str, dict[str, int]], k: int) -> dict[str, Any]:
    """Mean unbiased pass@k over problems with a normal 95 % CI (the bench's own results.json numbers)."""
    values = [1 - math.comb(p["n"] - p["passed"], k) / math.comb(p["n"], k) for p in per_problem.values()]
    mean = sum(values) / len(values)
    stderr = (sum((v - mean) ** 2 for v in values) / max(len(values) - 1, 1) / len(values)) ** 0.5
    return {"value": mean, "stderr": stderr, "ci95": [max(0.0, mean - 1.96 * stderr), min(1.0, mean + 1.96 * stderr)]}


def synthetic_run(root: Path, total: int, chars: int, seed: int = 0, skill: float = 0.5) -> None:
    """Write an eval-like run of about ``total`` samples over TASKS (8 samples per problem)."""
    rng = random.Random(seed)
    doc_tasks = {}
    for task, domain, share in TASKS:
        n = 8
        problems = get_task(task).load()[: max(1, round(total * share / n))]
        samples, verdicts, counts, per_problem = [], [], {}, {}
        for problem in problems:
            difficulty = random.Random(problem.id).random()  # the same in every run: comparisons are paired
            per_problem[problem.id] = {"n": n, "passed": 0}
            for index in range(n):
                passed = rng.random() < skill * (1.5 - difficulty)
                status = "pass" if passed else rng.choice(("wrong", "wrong", "truncated", "no_answer"))
                per_problem[problem.id]["passed"] += status == "pass"
                key = f"{problem.id}#{index}"
                text = f"<think>{_text(rng, chars)}</think>\nThe answer is \\boxed{{{index}}}."
                tokens = rng.randint(*TOKENS[status])
                samples.append(Sample(problem_id=problem.id, model="synthetic", index=index, text=text, task=task,
                                      finish_reason="length" if status == "truncated" else "stop",
                                      prompt_tokens=200, completion_tokens=tokens, key=key))
                verdicts.append(Verdict(sample_key=key, passed=status == "pass", status=status,
                                        problem_id=problem.id, extracted=str(index), grader="synthetic"))
                counts[status] = counts.get(status, 0) + 1
        with RunStore.open(root / task, {"task": task}, stage="generate") as store:
            store.append(samples)
        with RunStore.open(root / task, {"task": task}, stage="grade") as store:
            store.append(verdicts)
        metrics = {"accuracy": _pass_at(per_problem, 1)}
        metrics.update({f"pass@{k}": _pass_at(per_problem, k) for k in (1, 2, 4, 8)})
        accounting = {"wall_s": len(samples) * 0.9, "tokens_per_s": 310.0, "cost_usd": 0.0, "samples": len(samples)}
        doc_tasks[task] = {
            "task": task, "domain": domain, "n_problems": len(problems), "n_samples": len(samples), "n": n,
            "metrics": metrics, "subsets": {}, "status_counts": counts, "tokens": _tokens(samples, verdicts),
            "per_problem": per_problem, "reference": None, "missing": [], "accounting": {"total": accounting},
            "provenance": {"model": "synthetic", "grader": "synthetic"},
        }
    doc = {"thinkforge_version": "bench", "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "run": {"model": "synthetic"},
           "tasks": doc_tasks}
    (root / "results.json").write_text(json.dumps(doc), encoding="utf-8")


def _busy_s(driver: Any) -> float:
    """Seconds the renderer's main thread has been busy so far (Chrome's TaskDuration metric)."""
    metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")


def browser_timings(report: Path) -> dict[str, float]:
    """Seconds to interactive and per filter, measured inside the page (performance.now)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from thinkforge.report.headless import headless_chromium

    with headless_chromium() as driver:
        driver.execute_cdp_cmd("Performance.enable", {})
        before = _busy_s(driver)
        driver.get(report.resolve().as_uri())
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return window.__tfReady !== undefined"))
        ready_ms = driver.execute_script("return window.__tfReady")
        busy_s = _busy_s(driver) - before
        count = driver.find_element(By.ID, "f-count").text
        driver.execute_script("window.__t0 = performance.now()")
        Select(driver.find_element(By.ID, "f-status")).select_by_value("wrong")
        filter_ms = driver.execute_script("return performance.now() - window.__t0")
        driver.execute_script(
            "const f = document.getElementById('f-text'); f.value = 'factor';"
            "window.__t0 = performance.now(); f.dispatchEvent(new Event('change'));"
            "document.getElementById('f-status').dispatchEvent(new Event('change'));")
        search_ms = driver.execute_script("return performance.now() - window.__t0")
        rows = len(driver.find_elements(By.CSS_SELECTOR, "#rows .row.sample"))
    return {"ready_s": ready_ms / 1000, "busy_s": busy_s, "filter_s": filter_ms / 1000, "search_s": search_ms / 1000,
            "count": count, "rows_in_dom": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=2_000, help="characters of thinking per response")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "eval"
        synthetic_run(root, args.samples, args.chars)
        start, cpu = time.perf_counter(), time.process_time()
        report = write_report([root], Path(tmp) / "report.html")
        write_s, write_cpu = time.perf_counter() - start, time.process_time() - cpu
        size_mb = report.stat().st_size / 1e6
        t = browser_timings(report)
    print(f"samples: {t['count']}   report: {size_mb:.1f} MB")
    print(f"write_report        wall {write_s:6.2f} s  (ratio {write_s / WRITE_TARGET_S:.2f})   "
          f"cpu {write_cpu:6.2f} s  (ratio {write_cpu / WRITE_TARGET_S:.2f})   target {WRITE_TARGET_S:.1f} s")
    print(f"interactive (ready) wall {t['ready_s']:6.2f} s  (ratio {t['ready_s'] / INTERACTIVE_TARGET_S:.2f})   "
          f"busy {t['busy_s']:6.2f} s  (ratio {t['busy_s'] / INTERACTIVE_TARGET_S:.2f})   "
          f"target {INTERACTIVE_TARGET_S:.1f} s")
    print(f"status filter       {t['filter_s']:6.3f} s   text search + filter {t['search_s']:6.3f} s   "
          f"rows in the DOM: {t['rows_in_dom']}")


if __name__ == "__main__":
    main()

"""Dedup + decontamination of 50,000 synthetic rows against every shipped evaluation task, side by side.

thinkforge (``thinkforge.curate``): one benchmark index (sorted hashed n-grams, numbers blind), the whole
dataset checked with vectorised lookups; exact dedup on normalised text, near dedup with numpy MinHash
signatures and LSH banding.

Baseline (the straightforward way, as open-r1's ``scripts/decontaminate.py`` does it): per evaluation task a
dict from n-gram string (lower-cased, whitespace-split words) to document ids; per row and task a Python set
of the row's n-grams checked against it. Dedup: a dict of lower-cased, whitespace-collapsed prompts, then
``datasketch.MinHash`` updated shingle by shingle and ``MinHashLSH`` insert/query per row.

Rows are generated deterministically: random math-like sentences with random numbers, plus planted copies
of benchmark problems (verbatim and with changed numbers), exact duplicates and near duplicates. Both sides
load the tasks themselves (task files are parsed once per process; the first side pays that, so the
thinkforge side runs first, and builds its index cold unless ``--cached``). Targets: >= 3x the baseline and
<= 60 s.

    .venv/bin/python benchmarks/bench_curate.py [--rows 50000 --seed 0]
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import time

from datasketch import MinHash, MinHashLSH

from thinkforge.curate.decontaminate import decontaminate, evaluation_tasks, load_index, problem_text
from thinkforge.curate.dedup import dedup
from thinkforge.curate.text import tokens
from thinkforge.defaults import CURATE
from thinkforge.tasks import get_task

_SUBJECTS = ["triangle", "circle", "polynomial", "sequence", "integer", "rectangle", "function", "matrix",
             "probability", "prism", "parabola", "set", "graph", "coin", "die", "clock", "train", "garden"]
_VERBS = ["has", "contains", "satisfies", "is inscribed in", "is tangent to", "divides", "exceeds", "equals"]
_ASKS = ["Find the value of", "Compute", "Determine", "How many solutions does", "What is the largest value of",
         "Evaluate", "Prove a bound on", "Estimate"]
_NAMES = ["Alice", "Bob", "Carmen", "Dmitri", "Esther", "Farid", "Grace", "Hiro"]


def synthetic_row(rng: random.Random) -> str:
    """One random math-like problem (no paraphrase of any benchmark)."""
    parts = []
    for _ in range(rng.randint(2, 4)):
        a, b = rng.sample(_SUBJECTS, 2)
        parts.append(f"{rng.choice(_NAMES)}'s {a} {rng.choice(_VERBS)} a {b} with {rng.randint(2, 999)} "
                     f"{rng.choice(_SUBJECTS)}s and side ${rng.randint(1, 99)}x + {rng.randint(1, 99)}$.")
    parts.append(f"{rng.choice(_ASKS)} $x^{rng.randint(2, 9)} - {rng.randint(1, 500)}$ for the {rng.choice(_SUBJECTS)}.")
    return " ".join(parts)


def make_rows(n: int, seed: int) -> tuple[list[str], int]:
    """``n`` rows: synthetic problems with planted benchmark copies and duplicates; returns (rows, planted)."""
    rng = random.Random(seed)
    rows = [synthetic_row(rng) for _ in range(n)]
    for _ in range(n // 50):  # exact duplicates (spacing and case changed)
        rows[rng.randrange(n)] = "  ".join(rows[rng.randrange(n)].upper().split())
    for _ in range(n // 100):  # near duplicates: one added sentence
        rows[rng.randrange(n)] = rows[rng.randrange(n)] + " Show your work."
    bench = [problem_text(p) for task in ("math500", "aime24", "gpqa_diamond", "gsm8k", "livecodebench")
             for p in get_task(task).load()[:40]]
    slots = rng.sample(range(n), len(bench))
    for i, (slot, text) in enumerate(zip(slots, bench)):
        rows[slot] = text if i % 2 else re.sub(r"\d+", lambda m: str(int(m.group()) + 3), text)
    planted = len(bench)
    return rows, planted


def run_thinkforge(rows: list[str], cache: bool) -> dict[str, int]:
    index = load_index(evaluation_tasks(), cache=cache)
    token_lists = [tokens(r) for r in rows]  # tokenised once for both steps
    contaminated = decontaminate(rows, index, tokenized=token_lists)
    clean = [rows[i] for i in contaminated.kept]
    report = dedup(clean, tokenized=[token_lists[i] for i in contaminated.kept])
    return {"contaminated": len(contaminated.dropped), "duplicates": len(report.dropped), "kept": len(report.kept)}


# ---- baseline: open-r1's decontamination script and plain datasketch usage, written out here
def _normalize(text: str) -> str:
    return " ".join(text.lower().strip().split())


def _ngrams(text: str, n: int) -> list[str]:
    words = text.split()
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def run_baseline(rows: list[str]) -> dict[str, int]:
    n = CURATE.ngram
    lookups: dict[str, dict[str, set[int]]] = {}
    for task in evaluation_tasks():
        lookup: dict[str, set[int]] = collections.defaultdict(set)
        for doc_id, problem in enumerate(get_task(task).load()):
            for gram in _ngrams(_normalize(problem_text(problem)), n):
                lookup[gram].add(doc_id)
        lookups[task] = lookup
    contaminated = [False] * len(rows)
    for lookup in lookups.values():  # one pass per evaluation task, as the script maps once per dataset
        for i, row in enumerate(rows):
            grams = set(_ngrams(_normalize(row), n))
            contaminated[i] = contaminated[i] or any(g in lookup for g in grams)
    clean = [r for r, c in zip(rows, contaminated) if not c]
    seen: set[str] = set()
    lsh = MinHashLSH(threshold=CURATE.minhash_threshold, num_perm=CURATE.minhash_num_perm)
    kept = 0
    for i, row in enumerate(clean):
        key = _normalize(row)
        if key in seen:
            continue
        seen.add(key)
        words = key.split()
        mh = MinHash(num_perm=CURATE.minhash_num_perm)
        for j in range(max(1, len(words) - CURATE.minhash_shingle + 1)):
            mh.update(" ".join(words[j : j + CURATE.minhash_shingle]).encode())
        if lsh.query(mh):
            continue
        lsh.insert(str(i), mh)
        kept += 1
    return {"contaminated": sum(contaminated), "duplicates": len(clean) - kept, "kept": kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cached", action="store_true",
                        help="let thinkforge read its benchmark index from the disk cache (default: build it cold)")
    parser.add_argument("--only", choices=("thinkforge", "baseline"), help="run one side only")
    args = parser.parse_args()
    rows, planted = make_rows(args.rows, args.seed)
    print(f"{len(rows)} rows ({planted} planted benchmark copies, half with changed numbers), "
          f"{len(evaluation_tasks())} evaluation tasks; cpu = this process's CPU time (robust to other load)")
    print(f"{'':12} {'wall s':>8} {'cpu s':>8} {'contaminated':>13} {'duplicates':>11} {'kept':>7}", flush=True)
    times = {}
    for name, run in (("thinkforge", lambda: run_thinkforge(rows, cache=args.cached)), ("baseline", lambda: run_baseline(rows))):
        if args.only and name != args.only:
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        times[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        print(f"{name:12} {times[name][0]:8.1f} {times[name][1]:8.1f} {result['contaminated']:13d} "
              f"{result['duplicates']:11d} {result['kept']:7d}", flush=True)
    if len(times) == 2:
        (w_ours, c_ours), (w_base, c_base) = times["thinkforge"], times["baseline"]
        print(f"speed-up: {w_base / w_ours:.1f}x wall, {c_base / c_ours:.1f}x cpu (target >= 3x); "
              f"thinkforge {w_ours:.1f} s wall, {c_ours:.1f} s cpu (target <= 60 s)")


if __name__ == "__main__":
    main()

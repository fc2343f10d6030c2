"""Prompt normalisation and deduplication (exact and MinHash LSH near duplicates)."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHashLSH

from thinkforge.curate.dedup import candidate_pairs, dedup, lsh_bands, signatures
from thinkforge.curate.text import drop_figures, ngram_hashes, ngram_tokens, normalize, tokens


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (r"Find $x$ if $x+1 = 3$.", r"find  $x$ if $x + 1=3$"),
        (r"Compute $1{,}000 \cdot 2$.", r"Compute $1000\cdot 2$"),
        (r"Compute $1,000 \cdot 2$.", r"Compute $1\,000 \cdot 2$."),
        (r"Let $a \, b$ hold.", r"Let $a\ b$ hold."),
        (r"$\dfrac{1}{2}$", r"$\frac{1}{2}$"),
        (r"$\left( x \right)$", r"$(x)$"),
        ("What is 2+2?", "WHAT IS 2 + 2"),
    ],
)
def test_normalize_equal(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("x+1", "x-1"),
        ("(1,2)", "(12)"),
        ("Compute 3.5", "Compute 35"),
        (r"$\frac{1}{2}$", r"$\sqrt{1}{2}$"),
    ],
)
def test_normalize_different(a: str, b: str) -> None:
    assert normalize(a) != normalize(b)


def test_ngram_tokens_are_number_blind() -> None:
    assert ngram_tokens("Add 12 and 7.5 to {x}") == ngram_tokens("Add 3 and 100 to x")


def test_drop_figures() -> None:
    assert drop_figures(tokens("Find x. [asy] draw((0,0)--(1,1)); [/asy] Then y.")) == ["find", "x", "then", "y"]


def test_ngram_hashes_stay_within_lists_and_count_words() -> None:
    lists = [["aa", "bb", "cc"], ["x", "y"], [], ["dd", "ee"]]
    hashes, rows = ngram_hashes(lists, 2)
    assert rows.tolist() == [0, 0, 1, 3]
    same, _ = ngram_hashes([["bb", "cc"]], 2)
    assert hashes[1] == same[0]
    _, rows = ngram_hashes(lists, 2, min_words=2)
    assert rows.tolist() == [0, 0, 3]


BASE = ("A bag contains 5 red marbles, 4 blue marbles and 3 green marbles. Two marbles are drawn at random "
        "without replacement. What is the probability that both marbles have the same colour?")


def test_dedup_keeps_first_and_names_what_each_dropped_row_duplicated() -> None:
    texts = [
        BASE,
        "Solve for $y$: $2y + 3 = 11$.",
        BASE.upper().replace(" ", "  "),  # exact after normalisation
        BASE + " Explain.",  # near: one added word
        BASE.replace("5 red", "6 red").replace("4 blue", "2 blue").replace("3 green", "9 green"),  # other numbers
        "Solve for $y$:   $2y+3=11$",  # exact
        "",
        "",
    ]
    report = dedup(texts, ids=[f"r{i}" for i in range(len(texts))])
    got = {d.row: (d.of_row, d.kind) for d in report.dropped}
    assert got == {2: (0, "exact"), 3: (0, "near"), 5: (1, "exact"), 7: (6, "exact")}
    assert report.kept == (0, 1, 4, 6)
    data = report.to_dict()
    assert data["dropped_exact"] == 3 and data["dropped_near"] == 1
    assert data["rows_dropped"][1]["duplicate_of_id"] == "r0" and data["rows_dropped"][1]["jaccard"] >= 0.9


def test_exact_only() -> None:
    texts = [BASE, BASE.replace("What is the probability", "Find the probability")]
    assert dedup(texts, near=False).kept == (0, 1)


def test_signatures_estimate_jaccard() -> None:
    a = tokens(" ".join(f"w{i}" for i in range(200)))
    b = tokens(" ".join(f"w{i}" for i in range(20, 220)))  # shingle Jaccard = 178 / 222
    sig = signatures([a, b])
    assert sig.shape == (2, 128) and sig.dtype == np.uint32
    assert abs(float(np.mean(sig[0] == sig[1])) - 178 / 222) < 0.1


def test_band_candidates_equal_datasketch_lsh() -> None:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    texts = [" ".join(rng.choice(words, 30)) for _ in range(40)]
    texts += [t.replace("w1 ", "w2 ", 1) for t in texts[:20]]
    sig = signatures([tokens(t) for t in texts])
    bands, rows = lsh_bands()
    ours = {tuple(p) for p in candidate_pairs(sig, bands, rows, max_group=1000).tolist()}
    lsh = MinHashLSH(threshold=0.9, num_perm=128)
    theirs = set()
    for j, row in enumerate(sig):
        mh = LeanMinHash(seed=1, hashvalues=row.astype(np.uint64), scheme="legacy")
        theirs |= {(i, j) for i in lsh.query(mh)}
        lsh.insert(j, mh)
    assert ours == theirs and len(ours) >= 15


def test_sequence_hashes() -> None:
    from thinkforge.curate.text import sequence_hashes

    got = sequence_hashes([["a", "b"], [], ["a", "b"], ["b", "a"], ["x", "{", "1", "}"], ["x", "7"]],
                          blind_numbers=True, drop_brackets=True).tolist()
    assert got[0] == got[2] and got[0] != got[3] and got[1] == 0 and got[4] == got[5]

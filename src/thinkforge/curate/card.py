"""The data card of a curated set: counts after each step, acceptance and drop reasons, token lengths,
decontamination and dedup summaries, tokens and cost.

:func:`card_data` and :func:`render_markdown` are pure functions of their inputs; :func:`write_card` writes
``card.json``, ``card.md`` and ``token_lengths.png`` (each atomically).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from thinkforge.curate.datafile import write_json_atomic
from thinkforge.defaults import CURATE, CurateDefaults


@dataclass(frozen=True)
class TraceOutcome:
    """One sampled trace: where it came from, its grade status, and (if reformatted) the re-check reason."""

    pool: str
    domain: str
    difficulty: str
    status: str
    reformat: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "pass" and self.reformat in (None, "kept")


@dataclass(frozen=True)
class CardInputs:
    """Everything the card reports; ``steps`` is an ordered list of (step, {source: count})."""

    name: str
    steps: Sequence[tuple[str, Mapping[str, int]]]
    outcomes: Sequence[TraceOutcome] = ()
    lengths: Sequence[int] = ()
    tokenizer: str = ""
    decontamination: Mapping[str, Any] = field(default_factory=dict)
    dedup: Mapping[str, Any] = field(default_factory=dict)
    accounting: Mapping[str, Any] = field(default_factory=dict)


def token_lengths(texts: Sequence[str], tokenizer: Any) -> list[int]:
    """Token count of each text with ``tokenizer`` (a transformers tokenizer; no special tokens added)."""
    if not texts:
        return []
    return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


def _rate(group: list[TraceOutcome]) -> dict[str, Any]:
    accepted = sum(o.accepted for o in group)
    return {"traces": len(group), "accepted": accepted, "rate": round(accepted / len(group), 4) if group else 0.0}


def _by(outcomes: Sequence[TraceOutcome], attr: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[TraceOutcome]] = {}
    for o in outcomes:
        groups.setdefault(str(getattr(o, attr)), []).append(o)
    return {k: _rate(v) for k, v in sorted(groups.items())}


def _reasons(outcomes: Sequence[TraceOutcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outcomes:
        if o.status != "pass":
            key = f"grade:{o.status}"
        elif o.reformat not in (None, "kept"):
            key = f"reformat:{o.reformat}"
        else:
            continue
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def length_stats(lengths: Sequence[int], bins: int) -> dict[str, Any]:
    """Count, mean, percentiles, max and a histogram of token lengths."""
    if not lengths:
        return {"count": 0}
    arr = np.asarray(lengths)
    counts, edges = np.histogram(arr, bins=min(bins, max(1, len(set(lengths)))))
    return {"count": int(arr.size), "mean": round(float(arr.mean()), 1), "median": float(np.median(arr)),
            "p90": float(np.percentile(arr, 90)), "p99": float(np.percentile(arr, 99)), "max": int(arr.max()),
            "total": int(arr.sum()), "histogram": {"edges": [round(float(e), 1) for e in edges], "counts": counts.tolist()}}


def card_data(inputs: CardInputs, defaults: CurateDefaults = CURATE) -> dict[str, Any]:
    """The card as JSON-ready data."""
    steps = {name: {**dict(sorted(counts.items())), "total": sum(counts.values())} for name, counts in inputs.steps}
    by_pool_reasons = {}
    for pool in sorted({o.pool for o in inputs.outcomes}):
        by_pool_reasons[pool] = _reasons([o for o in inputs.outcomes if o.pool == pool])
    decon = {k: v for k, v in inputs.decontamination.items() if k != "rows_dropped"}
    dedup = {k: v for k, v in inputs.dedup.items() if k != "rows_dropped"}
    return {
        "name": inputs.name,
        "counts": steps,
        "acceptance": {"by_pool": _by(inputs.outcomes, "pool"), "by_domain": _by(inputs.outcomes, "domain"),
                       "by_difficulty": _by(inputs.outcomes, "difficulty"), "overall": _rate(list(inputs.outcomes))},
        "drop_reasons": {"all": _reasons(inputs.outcomes), "by_pool": by_pool_reasons},
        "token_lengths": {"tokenizer": inputs.tokenizer, **length_stats(inputs.lengths, defaults.card_histogram_bins)},
        "decontamination": decon,
        "dedup": dedup,
        "accounting": dict(inputs.accounting),
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def render_markdown(data: Mapping[str, Any]) -> str:
    """The card as Markdown (tables; the histogram is ``token_lengths.png`` beside it)."""
    out = [f"# Data card: {data['name']}", ""]
    counts = data["counts"]
    sources = sorted({s for c in counts.values() for s in c if s != "total"})
    out += ["## Counts after each step", ""]
    out += _table(["step", *sources, "total"], [[step, *(c.get(s, 0) for s in sources), c["total"]] for step, c in counts.items()])
    out += ["## Acceptance", ""]
    for key in ("by_pool", "by_domain", "by_difficulty"):
        rows = [[g, v["traces"], v["accepted"], f"{v['rate']:.1%}"] for g, v in data["acceptance"][key].items()]
        if rows:
            out += _table([key.replace("by_", ""), "traces", "accepted", "rate"], rows)
    out += ["## Drop reasons", ""]
    out += _table(["reason", "count"], list(data["drop_reasons"]["all"].items()) or [["none", 0]])
    lengths = data["token_lengths"]
    out += ["## Token lengths", ""]
    if lengths.get("count"):
        out += [f"Tokenizer: {lengths['tokenizer'] or 'n/a'}; {lengths['count']} examples, {lengths['total']} tokens.", ""]
        out += _table(["mean", "median", "p90", "p99", "max"],
                      [[lengths["mean"], lengths["median"], lengths["p90"], lengths["p99"], lengths["max"]]])
        out += ["![token lengths](token_lengths.png)", ""]
    else:
        out += ["No examples.", ""]
    for title, key in (("Decontamination", "decontamination"), ("Dedup", "dedup")):
        summary = data[key]
        out += [f"## {title}", ""]
        out += _table(["field", "value"], [[k, v] for k, v in summary.items() if not isinstance(v, (list, dict))] or [["-", "-"]])
        for k, v in summary.items():
            if isinstance(v, dict) and v:
                out += _table([k, "value"], list(v.items()))
    out += ["## Tokens and cost", ""]
    out += _table(["field", "value"], list(data["accounting"].items()) or [["-", "-"]])
    return "\n".join(out)


def write_card(data: Mapping[str, Any], out_dir: str | Path, lengths: Sequence[int] = ()) -> dict[str, str]:
    """Write ``card.json``, ``card.md`` and (with lengths) ``token_lengths.png`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "card.json", data)
    md = out / "card.md"
    tmp = md.with_name(f".{md.name}.tmp-{os.getpid()}")
    tmp.write_text(render_markdown(data) + "\n", encoding="utf-8")
    os.replace(tmp, md)
    paths = {"json": str(out / "card.json"), "markdown": str(md)}
    if lengths:
        paths["histogram"] = str(_histogram(lengths, out / "token_lengths.png", data["token_lengths"]))
    return paths


def _histogram(lengths: Sequence[int], path: Path, stats: Mapping[str, Any]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    edges = stats["histogram"]["edges"]
    ax.hist(list(lengths), bins=edges, color="#4C72B0")
    ax.set_xlabel(f"tokens ({stats.get('tokenizer') or 'tokenizer n/a'})")
    ax.set_ylabel("examples")
    ax.set_title(f"Assistant length: median {stats['median']:.0f}, p90 {stats['p90']:.0f}, max {stats['max']}")
    fig.tight_layout()
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)
    return path

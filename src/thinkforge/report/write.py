"""Write the report file: load the runs, render the page, replace the file atomically."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

from thinkforge.defaults import REPORT, ReportDefaults
from thinkforge.errors import ValidationError
from thinkforge.report.load import load_run, run_labels
from thinkforge.report.page import Comparisons, render_page

log = logging.getLogger(__name__)


def build_report(
    run_dirs: Sequence[str | Path], comparisons: Comparisons = (), opts: ReportDefaults = REPORT
) -> str:
    """The report of ``run_dirs`` as HTML text; ``comparisons[i]`` compares run 0 with run i + 1 per task."""
    if not run_dirs:
        raise ValidationError("at least one run directory is needed", field="run_dirs")
    paths = [Path(p) for p in run_dirs]
    runs = [load_run(path, label) for path, label in zip(paths, run_labels(paths))]
    return render_page(runs, comparisons, opts)


def write_report(
    run_dirs: Sequence[str | Path],
    out_html: str | Path,
    comparisons: Comparisons = (),
    opts: ReportDefaults = REPORT,
) -> Path:
    """Write the self-contained HTML report of ``run_dirs`` to ``out_html`` (atomically) and return its path."""
    out = Path(out_html)
    text = build_report(run_dirs, comparisons, opts)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    log.info("report written to %s (%.1f MB)", out, len(text.encode("utf-8")) / 1e6)
    return out
